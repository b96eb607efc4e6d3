/**
 * Router policies on OVN (`ovn.LogicalRouterPolicy`): router pol-lr joins a client subnet, a
 * server subnet and an appliance subnet. Policy `block` drops what is routed to one server
 * (`ip4.dst == 10.50.2.20`); policy `via-fw` reroutes what the client side sends to another server
 * (`ip4.dst == 10.50.2.30`) to the appliance, a Linux router (`ip_forward` on) that sends it back
 * to the router, which routes it on as usual; a third server is reached the usual way. Each
 * container is bound to its logical port by an `ovs.Port` on its host's br-int.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface PolicyVm {
  /** Logical port name (also the binding's `iface-id` and the container's name). */
  name: string;
  /** Index of the host (chassis) in `hosts`. */
  host: number;
  switch: keyof typeof SUBNETS;
  /** The host-side veth of the container, added to br-int. */
  port: string;
  mac: string;
  ip: string;
}

export const ROUTER = "pol-lr";

/** The three subnets, joined by pol-lr. */
export const SUBNETS = {
  "pol-client": {
    router: "lrp-client",
    mac: "00:00:00:00:fe:51",
    network: "10.50.1.1/24",
    gateway: "10.50.1.1",
  },
  "pol-server": {
    router: "lrp-server",
    mac: "00:00:00:00:fe:52",
    network: "10.50.2.1/24",
    gateway: "10.50.2.1",
  },
  "pol-fw": { router: "lrp-fw", mac: "00:00:00:00:fe:53", network: "10.50.3.1/24", gateway: "10.50.3.1" },
} as const;

/** The client and the appliance on the first chassis, the three servers on the second. */
export const VMS: PolicyVm[] = [
  {
    name: "client",
    host: 0,
    switch: "pol-client",
    port: "veth-pclient",
    mac: "00:00:00:5c:01:10",
    ip: "10.50.1.10",
  },
  { name: "fw", host: 0, switch: "pol-fw", port: "veth-pfw", mac: "00:00:00:5c:03:02", ip: "10.50.3.2" },
  {
    name: "blocked",
    host: 1,
    switch: "pol-server",
    port: "veth-pblocked",
    mac: "00:00:00:5c:02:20",
    ip: "10.50.2.20",
  },
  {
    name: "inspected",
    host: 1,
    switch: "pol-server",
    port: "veth-pinspect",
    mac: "00:00:00:5c:02:30",
    ip: "10.50.2.30",
  },
  {
    name: "open",
    host: 1,
    switch: "pol-server",
    port: "veth-popen",
    mac: "00:00:00:5c:02:40",
    ip: "10.50.2.40",
  },
];
const vm = (name: string) => VMS.find((v) => v.name === name)!;

/** The destination policy `block` drops, the one `via-fw` reroutes, the appliance (the next hop). */
export const BLOCKED = vm("blocked").ip;
export const INSPECTED = vm("inspected").ip;
export const APPLIANCE = vm("fw").ip;

export interface RouterPolicyOptions {
  nb: Connection;
  /** The hosts' Open_vSwitch databases (their chassis are configured already). */
  hosts: Connection[];
  /**
   * The southbound database: when given, each policy's create waits for ovn-northd and has its
   * logical flow checked by OVN's own parser (`ovn-trace` where Pulumi runs).
   */
  sb?: { remote: string };
  /** What policy `block` does with the packets to {@link BLOCKED}: "drop" (default) or "allow". */
  blockAction?: "drop" | "allow";
}

export function routerPolicies(opts: RouterPolicyOptions) {
  const { nb, sb } = opts;
  const lr = new ovn.LogicalRouter(ROUTER, { nb, name: ROUTER });
  const switches: Record<string, ovn.LogicalSwitch> = {};
  const routerPorts: Record<string, ovn.LogicalRouterPort> = {};
  for (const [name, s] of Object.entries(SUBNETS)) {
    switches[name] = new ovn.LogicalSwitch(name, { nb, name });
    routerPorts[name] = new ovn.LogicalRouterPort(s.router, {
      nb,
      router: lr.name,
      name: s.router,
      mac: s.mac,
      networks: [s.network],
      switch: switches[name].name,
    });
  }
  for (const v of VMS) {
    const lsp = new ovn.LogicalSwitchPort(v.name, {
      nb,
      switch: switches[v.switch].name,
      name: v.name,
      addresses: [`${v.mac} ${v.ip}`],
    });
    new ovs.Port(`${v.name}-binding`, {
      host: opts.hosts[v.host],
      bridge: "br-int",
      name: v.port,
      interface: { externalIds: { "iface-id": lsp.name } },
    });
  }
  const block = new ovn.LogicalRouterPolicy("block", {
    nb,
    sb,
    router: lr.name,
    priority: 100,
    match: `ip4.dst == ${BLOCKED}`,
    action: opts.blockAction ?? "drop",
  });
  // Only what enters from the client side: the appliance sends the packets back into the router
  // through lrp-fw, where they are routed as usual (matching them again would loop).
  const viaFw = new ovn.LogicalRouterPolicy(
    "via-fw",
    {
      nb,
      sb,
      router: lr.name,
      priority: 90,
      match: pulumi.interpolate`inport == "${routerPorts["pol-client"].name}" && ip4.dst == ${INSPECTED}`,
      action: "reroute",
      nexthops: [APPLIANCE],
    },
    // ovn-northd makes the reroute's flow once a router port holds the next hop's network.
    { dependsOn: [routerPorts["pol-fw"]] },
  );
  return { router: lr.name, block: block.uuid, viaFw: viaFw.uuid };
}
