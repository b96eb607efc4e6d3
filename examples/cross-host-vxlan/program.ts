/**
 * The field report's cross-host experiment: bridge `ovs0` on host 1 and `ovs1` on host 2, joined
 * by a VXLAN port on each (`key=flow`), containers on VLAN 100 on both hosts, and one on VLAN 200.
 */
import { ovs, type Connection } from "pulumi-ovs";

export interface VxlanHost {
  /** The host's Open_vSwitch database. */
  host: Connection;
  /** Bridge name on this host (`ovs0`, `ovs1`). */
  bridge: string;
  /** This host's underlay address, the far end of the other host's tunnel. */
  underlayIp: string;
  /** Containers (host-side veth name and VLAN tag). */
  containers: { name: string; port: string; tag: number }[];
}

export function crossHostVxlan(
  hosts: [VxlanHost, VxlanHost],
  opts: { datapathType?: "system" | "netdev" } = {},
) {
  const out: Record<string, unknown> = {};
  hosts.forEach((h, i) => {
    const peer = hosts[1 - i];
    const br = new ovs.Bridge(`${h.bridge}-h${i + 1}`, {
      host: h.host,
      name: h.bridge,
      datapathType: opts.datapathType ?? "netdev",
    });
    new ovs.Port(`vxlan1-h${i + 1}`, {
      host: h.host,
      bridge: br.name,
      name: "vxlan1",
      interface: { type: "vxlan", options: { remote_ip: peer.underlayIp, key: "flow" } },
    });
    for (const c of h.containers) {
      new ovs.Port(`${c.name}-h${i + 1}`, { host: h.host, bridge: br.name, name: c.port, tag: c.tag });
    }
    out[`bridge${i + 1}`] = br.name;
  });
  return out;
}
