/**
 * What runs inside the Pulumi dynamic-provider process. SDK resources carry a small shim that
 * requires this module by name and forwards to `handler(type)`.
 */
import type { Handler } from "./framework";
import { ovsHandlers } from "./resources/ovs";
import { ovnHandlers } from "./resources/ovn";
import { ResourceError, withCode } from "./errors";

export const handlers: Record<string, Handler> = { ...ovsHandlers, ...ovnHandlers };

/** The handler for a resource type, or an error naming the types this version knows. */
export function handler(type: string): Handler {
  const h = handlers[type];
  if (!h)
    throw new ResourceError(
      "INTERNAL",
      withCode(
        "INTERNAL",
        `pulumi-ovs provider has no resource type "${type}" (the program and the installed pulumi-ovs differ?); ` +
          `known: ${Object.keys(handlers).join(", ")}`,
      ),
    );
  return h;
}

export { closeAll } from "./pool";
export { UNKNOWN, checkInputs, diffInputs } from "./framework";
export { ResourceError, RESOURCE_ERROR_CODES } from "./errors";
