/**
 * The field report's cross-subnet experiment: con6 (192.168.1.2/24) on host 1 and con9
 * (192.168.2.2/24) on host 2 are in different subnets with no router between them. Each host's
 * bridge has a VXLAN port to the other host, and `in_port` flows pin a path: everything from the
 * container goes into the tunnel, everything from the tunnel goes to the container. With a
 * default route `dev eth0` in both containers (so each ARPs for the other directly), they ping.
 *
 * As in the report, host 1's bridge has no NORMAL flow (`failMode: "secure"`) and uses priority 4;
 * host 2's bridge keeps its NORMAL flow and the tunnel flows at priority 1 take precedence for the
 * two ports.
 */
import { ovs, type Connection } from "pulumi-ovs";

export interface CrossSubnetHost {
  /** The host's Open_vSwitch database (a `unix:` remote: flows go through the bridge's mgmt socket). */
  host: Connection;
  /** Bridge name (`ovs0` on host 1, `ovs1` on host 2). */
  bridge: string;
  /** This host's underlay address: the other host's VXLAN `remote_ip`. */
  underlayIp: string;
  /** The container's host-side veth (`veth-con6`, `veth-con9`). */
  port: string;
  /** Priority of the two flows (the report: 4 on host 1, 1 on host 2). */
  priority: number;
  /** Keep the default NORMAL flow (`failMode: "standalone"`) or not (`"secure"`). */
  failMode: "secure" | "standalone";
}

export function openflowCrossHost(
  hosts: [CrossSubnetHost, CrossSubnetHost],
  opts: { datapathType?: "system" | "netdev"; vlanTag?: number } = {},
) {
  const out: Record<string, unknown> = {};
  hosts.forEach((h, i) => {
    const n = i + 1;
    const peer = hosts[1 - i];
    const host = h.host;
    const bridge = new ovs.Bridge(`${h.bridge}-h${n}`, {
      host,
      name: h.bridge,
      datapathType: opts.datapathType ?? "netdev",
      failMode: h.failMode,
    });
    const vxlan = new ovs.Port(`vxlan1-h${n}`, {
      host,
      bridge: bridge.name,
      name: "vxlan1",
      interface: { type: "vxlan", options: { remote_ip: peer.underlayIp, key: "flow" } },
    });
    const container = new ovs.Port(`${h.port}-h${n}`, {
      host,
      bridge: bridge.name,
      name: h.port,
      tag: opts.vlanTag ?? 100,
    });
    const dependsOn = [vxlan, container];
    // ovs-ofctl add-flow ovs0 "priority=4,in_port=6,actions=output:3" (6 = vxlan1, 3 = con6)
    const fromTunnel = new ovs.Flow(
      `vxlan1-to-${h.port}-h${n}`,
      {
        host,
        bridge: bridge.name,
        priority: h.priority,
        match: "in_port=vxlan1",
        actions: `output:${h.port}`,
      },
      { dependsOn },
    );
    // ovs-ofctl add-flow ovs0 "priority=4,in_port=3,actions=output:6"
    const toTunnel = new ovs.Flow(
      `${h.port}-to-vxlan1-h${n}`,
      {
        host,
        bridge: bridge.name,
        priority: h.priority,
        match: `in_port=${h.port}`,
        actions: "output:vxlan1",
      },
      { dependsOn },
    );
    out[`host${n}`] = {
      bridge: bridge.name,
      ofports: { vxlan1: vxlan.ofport, [h.port]: container.ofport },
      cookies: { fromTunnel: fromTunnel.cookie, toTunnel: toTunnel.cookie },
    };
  });
  return out;
}
