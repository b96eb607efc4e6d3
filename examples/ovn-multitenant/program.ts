/**
 * The field report's multi-tenancy: two tenants with the same overlapping subnets (10.0.1.0/24
 * web, 10.0.2.0/24 db), each on its own switches and its own router, so each tenant's containers
 * reach each other and never the other tenant's. Both reach a shared external network through
 * their router's gateway port (on a gateway chassis) with SNAT and a default static route.
 */
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface TenantVm {
  /** Logical port and container name, unique across tenants (e.g. `aweb`). */
  name: string;
  /** `web` (10.0.1.0/24) or `db` (10.0.2.0/24). */
  tier: "web" | "db";
  /** Index of the host in `hosts`. */
  host: number;
  mac: string;
  ip: string;
}

export interface Tenant {
  /** Short name, prefix of every object (`a` → switches `a-web`, `a-db`, router `a-lr`). */
  name: string;
  /** Distinguishes MACs and the external address (172.16.0.10+N). 1..9. */
  index: number;
  vms: TenantVm[];
}

export interface OvnMultitenantOptions {
  /** The OVN northbound database. */
  nb: Connection;
  /** The hosts' Open_vSwitch databases (containers go on their br-int). */
  hosts: Connection[];
  /** Chassis hosting the tenants' gateway ports (SNAT happens there). */
  gatewayChassis: string;
  tenants: Tenant[];
  /** The shared external network's stand-in host: bound on `hosts[external.host]`. */
  external: { host: number; mac: string; ip: string };
}

export const TIERS = { web: { net: "10.0.1", n: 1 }, db: { net: "10.0.2", n: 2 } } as const;
export const EXTERNAL_NET = "172.16.0";

/** Container veth name on the host. */
export const vethOf = (vm: string) => `veth-${vm}`;

export const DEFAULT_TENANTS: Tenant[] = [
  {
    name: "a",
    index: 1,
    vms: [
      { name: "aweb", tier: "web", host: 0, mac: "00:00:00:01:01:10", ip: "10.0.1.10" },
      { name: "adb", tier: "db", host: 1, mac: "00:00:00:01:02:10", ip: "10.0.2.10" },
    ],
  },
  {
    name: "b",
    index: 2,
    vms: [
      { name: "bweb", tier: "web", host: 0, mac: "00:00:00:02:01:10", ip: "10.0.1.10" },
      { name: "bdb", tier: "db", host: 1, mac: "00:00:00:02:02:10", ip: "10.0.2.10" },
      { name: "bextra", tier: "web", host: 1, mac: "00:00:00:02:01:20", ip: "10.0.1.20" },
    ],
  },
];

function bind(name: string, host: Connection, lsp: ovn.LogicalSwitchPort) {
  new ovs.Port(`${name}-binding`, {
    host,
    bridge: "br-int",
    name: vethOf(name),
    interface: { externalIds: { "iface-id": lsp.name } },
  });
}

export function ovnMultitenant(opts: OvnMultitenantOptions) {
  const { nb } = opts;
  const ext = new ovn.LogicalSwitch("ext", { nb, name: "ext" });
  const inet = new ovn.LogicalSwitchPort("inet", {
    nb,
    switch: ext.name,
    name: "inet",
    addresses: [`${opts.external.mac} ${opts.external.ip}`],
  });
  bind("inet", opts.hosts[opts.external.host], inet);

  const out: Record<string, { router: unknown; snatIp: string }> = {};
  for (const t of opts.tenants) {
    const router = new ovn.LogicalRouter(`${t.name}-lr`, { nb, name: `${t.name}-lr` });
    const switches: Record<string, ovn.LogicalSwitch> = {};
    for (const [tier, { net, n }] of Object.entries(TIERS)) {
      const sw = new ovn.LogicalSwitch(`${t.name}-${tier}`, { nb, name: `${t.name}-${tier}` });
      switches[tier] = sw;
      new ovn.LogicalRouterPort(`${t.name}-lr-${tier}`, {
        nb,
        router: router.name,
        name: `${t.name}-lr-${tier}`,
        mac: `00:00:00:0${t.index}:0${n}:01`,
        networks: [`${net}.1/24`],
        switch: sw.name,
      });
    }
    // The gateway port on the shared external network; NAT runs on the gateway chassis.
    const snatIp = `${EXTERNAL_NET}.${10 + t.index}`;
    const gw = new ovn.LogicalRouterPort(`${t.name}-lr-ext`, {
      nb,
      router: router.name,
      name: `${t.name}-lr-ext`,
      mac: `00:00:00:0${t.index}:03:01`,
      networks: [`${snatIp}/24`],
      switch: ext.name,
      gatewayChassis: [opts.gatewayChassis],
    });
    new ovn.LogicalRouterNat(
      `${t.name}-snat`,
      { nb, router: router.name, type: "snat", externalIp: snatIp, logicalIp: "10.0.0.0/16" },
      { dependsOn: [gw] },
    );
    new ovn.LogicalRouterStaticRoute(
      `${t.name}-default`,
      { nb, router: router.name, ipPrefix: "0.0.0.0/0", nexthop: opts.external.ip },
      { dependsOn: [gw] },
    );
    for (const vm of t.vms) {
      const lsp = new ovn.LogicalSwitchPort(vm.name, {
        nb,
        switch: switches[vm.tier].name,
        name: vm.name,
        addresses: [`${vm.mac} ${vm.ip}`],
        portSecurity: [`${vm.mac} ${vm.ip}`],
      });
      bind(vm.name, opts.hosts[vm.host], lsp);
    }
    out[t.name] = { router: router.name, snatIp };
  }
  return out;
}
