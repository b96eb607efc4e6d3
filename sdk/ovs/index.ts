/** Open vSwitch resources: one host's Open_vSwitch database (and its OpenFlow tables). */
export type { HostArgs } from "./common";
export { Bridge, type BridgeArgs } from "./bridge";
export { Port, type PortArgs, type InterfaceArgs } from "./port";
export { Ports, type PortsArgs, type PortMember } from "./ports";
export { Manager, type ManagerArgs } from "./manager";
export { Flows, type FlowsArgs, type FlowMember } from "./flows";
export { Flow, type FlowArgs, type InstalledFlow, type OpenFlowVersion } from "./flow";
