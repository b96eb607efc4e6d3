/**
 * What runs inside the Pulumi dynamic-provider process. SDK resources carry a small shim that
 * requires this module by name and forwards to `handlers[type]`.
 */
import { makeHandler, type Handler } from "./framework";
import { bridgeKind } from "./resources/ovs/bridge";
import { portKind } from "./resources/ovs/port";
import { managerKind } from "./resources/ovs/manager";

export const handlers: Record<string, Handler> = {
  "ovs:Bridge": makeHandler(bridgeKind),
  "ovs:Port": makeHandler(portKind),
  "ovs:Manager": makeHandler(managerKind),
};

/** The handler for a resource type, or an error naming the types this version knows. */
export function handler(type: string): Handler {
  const h = handlers[type];
  if (!h)
    throw new Error(
      `pulumi-ovs provider has no resource type "${type}"; known: ${Object.keys(handlers).join(", ")}`,
    );
  return h;
}

export { closeAll } from "./pool";
export { UNKNOWN, checkInputs, diffInputs } from "./framework";
export { ResourceError } from "./errors";
