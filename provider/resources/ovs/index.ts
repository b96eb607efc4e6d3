/** Open vSwitch resource kinds, by Pulumi type (`ovs:NAME`). */
import { makeHandler, type Handler } from "../../framework";
import { bridgeKind } from "./bridge";
import { portCollectionKind, portKind } from "./port";
import { managerKind } from "./manager";
import { flowCollectionKind, flowKind } from "./flow";

export const ovsHandlers: Record<string, Handler> = {
  "ovs:Bridge": makeHandler(bridgeKind),
  "ovs:Port": makeHandler(portKind),
  "ovs:Ports": makeHandler(portCollectionKind),
  "ovs:Manager": makeHandler(managerKind),
  "ovs:Flow": makeHandler(flowKind),
  "ovs:Flows": makeHandler(flowCollectionKind),
};
