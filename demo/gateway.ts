/**
 * The demo's way out (issue 12): the tenants of lr0 reach the outside network through a distributed
 * gateway port. A provider network `physnet` is mapped to each host's `br-ex` (`ovn.ChassisConfig`
 * `bridgeMappings`, see `ovnTwoHosts`); the logical switch `ext` reaches it through a `localnet`
 * port; lr0's port `lr0-ext` on that switch is a gateway port hosted by the first chassis, which
 * translates the tenant subnets to the router port's own address (SNAT) and sends everything else to
 * the outside router (a default static route).
 */
import { Address4 } from "ip-address";
import * as pulumi from "@pulumi/pulumi";
import { ovn, type Connection } from "../sdk";
import { SUBNETS } from "../examples/ovn-two-hosts/program";

/** The outside network the demo's gateway joins. */
export interface DemoExternal {
  /** Provider network name mapped to `providerBridge` on every chassis (`ovn-bridge-mappings`). */
  physnet: string;
  /** The OVS bridge of each host holding its NIC on the outside network, e.g. `br-ex`. */
  providerBridge: string;
  /** The outside network, e.g. `203.0.113.0/24`. */
  cidr: string;
  /** The outside router: lr0's default route points to it, e.g. `203.0.113.1`. */
  nexthop: string;
  /** lr0's address on the outside network (no prefix), also the SNAT address, e.g. `203.0.113.2`. */
  routerIp: string;
  /** Chassis hosting the gateway port, in priority order. */
  gatewayChassis: string[];
}

export const GATEWAY = {
  /** The logical switch of the outside network. */
  switch: "ext",
  localnetPort: "ext-localnet",
  routerPort: "lr0-ext",
  mac: "00:00:00:00:ff:03",
} as const;

/** The `index`-th address of a network: `nthAddress("203.0.113.0/24", 2)` is `203.0.113.2`. */
export function nthAddress(cidr: string, index: number): string {
  const start = new Address4(cidr).startAddress().bigInt();
  return Address4.fromBigInt(start + BigInt(index)).correctForm();
}

export function demoGateway(opts: { nb: Connection; router: pulumi.Input<string>; external: DemoExternal }) {
  const { nb, router, external: ext } = opts;
  const prefix = ext.cidr.split("/")[1];
  const sw = new ovn.LogicalSwitch(GATEWAY.switch, { nb, name: GATEWAY.switch });
  new ovn.LogicalSwitchPort(GATEWAY.localnetPort, {
    nb,
    switch: sw.name,
    name: GATEWAY.localnetPort,
    type: "localnet",
    addresses: ["unknown"],
    options: { network_name: ext.physnet },
  });
  const port = new ovn.LogicalRouterPort(GATEWAY.routerPort, {
    nb,
    router,
    name: GATEWAY.routerPort,
    mac: GATEWAY.mac,
    networks: [`${ext.routerIp}/${prefix}`],
    gatewayChassis: ext.gatewayChassis,
    switch: sw.name,
  });
  new ovn.LogicalRouterStaticRoute(
    "lr0-default",
    { nb, router, ipPrefix: "0.0.0.0/0", nexthop: ext.nexthop },
    { dependsOn: [port] },
  );
  for (const [name, s] of Object.entries(SUBNETS)) {
    new ovn.LogicalRouterNat(
      `lr0-snat-${name}`,
      { nb, router, type: "snat", externalIp: ext.routerIp, logicalIp: subnetOf(s.network) },
      { dependsOn: [port] },
    );
  }
  return { switch: sw.name, routerPort: port.name, snatIp: ext.routerIp };
}

/** `192.168.0.1/24` → `192.168.0.0/24`. */
export function subnetOf(network: string): string {
  const a = new Address4(network);
  return `${a.startAddress().correctForm()}/${a.subnetMask}`;
}
