/**
 * The field report's first experiment: one host, bridge `ovs0`, three containers attached with
 * VLAN tags 100, 200, 100. con8 reaches con6 (same VLAN); con7 is cut off until its tag is 100.
 */
import { ovs, type Connection } from "pulumi-ovs";

export interface SingleHostVlanOptions {
  /** The host's Open_vSwitch database. */
  host: Connection;
  /** The host-side veth of each container, and its VLAN tag. */
  containers: { name: string; port: string; tag: number }[];
  /** Datapath of the bridge: `netdev` (userspace) where no kernel module is loaded. */
  datapathType?: "system" | "netdev";
}

export function singleHostVlan(opts: SingleHostVlanOptions) {
  const bridge = new ovs.Bridge("ovs0", {
    host: opts.host,
    name: "ovs0",
    datapathType: opts.datapathType ?? "netdev",
  });
  const ports = opts.containers.map(
    (c) => new ovs.Port(c.name, { host: opts.host, bridge: bridge.name, name: c.port, tag: c.tag }),
  );
  return {
    bridge: bridge.name,
    ofports: Object.fromEntries(opts.containers.map((c, i) => [c.name, ports[i].ofport])),
  };
}

/** The report's containers: con6 and con8 on VLAN 100, con7 on VLAN 200. */
export const REPORT_CONTAINERS = [
  { name: "con6", port: "veth-con6", tag: 100 },
  { name: "con7", port: "veth-con7", tag: 200 },
  { name: "con8", port: "veth-con8", tag: 100 },
];
