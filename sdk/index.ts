/**
 * pulumi-ovs: Open vSwitch and OVN as code.
 *
 * ```ts
 * import { ovs, ovn } from "pulumi-ovs";
 * const br = new ovs.Bridge("ovs0", { host: { remote: "unix:/var/run/openvswitch/db.sock" }, name: "ovs0" });
 * ```
 */
export * as ovs from "./ovs";
export * as ovn from "./ovn";
export type { Connection, TlsArgs, OwnedArgs } from "./common";
