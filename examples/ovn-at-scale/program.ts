/**
 * A generated OVN topology of any size, declared in collection form: tenants × switches × ports.
 * Per tenant a router; per switch an `ovn.LogicalSwitch` with its subnet, ONE
 * `ovn.LogicalSwitchPorts` holding all its ports (static addresses) and an `ovn.LogicalRouterPort`
 * joining it to the tenant's router; per tenant a port group of all its ports and ONE `ovn.Acls`
 * holding the group's rules. The resource count grows with tenants × switches, not with ports:
 * 2 × 3 × 20 is 120 ports in 24 resources, 4 × 8 × 100 is 3,200 ports in 108.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, type Connection } from "pulumi-ovs";

/** The sizes of the topology. */
export interface Sizes {
  /** Tenants, each with its own router, port group and rules: 1..250. */
  tenants: number;
  /** Logical switches of each tenant, each a /24 joined to the tenant's router: 1..250. */
  switchesPerTenant: number;
  /** Ports of each switch, with static addresses: 1..240. */
  portsPerSwitch: number;
}

export interface AtScaleOptions extends Sizes {
  /** The OVN northbound database. */
  nb: Connection;
  /**
   * Addresses that replace the generated ones of some ports, by port name (e.g.
   * `{ "t0-s1-p3": ["0a:00:00:01:00:63 10.0.1.99"] }`): a change of one member of a collection.
   */
  addresses?: Record<string, string[]>;
}

/** One generated port: its name, `"MAC IP"` address and the IP alone. */
export interface PlannedPort {
  name: string;
  mac: string;
  ip: string;
}

/** One generated switch: its /24, its router port and its ports. */
export interface PlannedSwitch {
  name: string;
  subnet: string;
  routerPort: { name: string; mac: string; network: string };
  ports: PlannedPort[];
}

/** One generated tenant: its router, port group and switches. */
export interface PlannedTenant {
  name: string;
  router: string;
  portGroup: string;
  switches: PlannedSwitch[];
}

export const LIMITS = { tenants: 250, switchesPerTenant: 250, portsPerSwitch: 240 } as const;

const hex = (n: number) => n.toString(16).padStart(2, "0");

/**
 * The topology the sizes make, without registering anything (the e2e test checks the databases
 * against it). Tenant `t0`, its router `t0-lr`, port group `t0_pg`; switch `t0-s1` holds
 * 10.0.1.0/24, its router port `t0-s1-lrp` 10.0.1.1 with MAC `0a:00:00:01:00:01`, and its ports
 * `t0-s1-p0`, `t0-s1-p1`, … 10.0.1.10, 10.0.1.11, … with MACs `0a:00:00:01:00:0a`, ….
 */
export function plan(sizes: Sizes): PlannedTenant[] {
  for (const [k, max] of Object.entries(LIMITS) as [keyof Sizes, number][]) {
    const v = sizes[k];
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new Error(`${k}: ${v} is not an integer in 1..${max}`);
  }
  return Array.from({ length: sizes.tenants }, (_, t) => ({
    name: `t${t}`,
    router: `t${t}-lr`,
    portGroup: `t${t}_pg`,
    switches: Array.from({ length: sizes.switchesPerTenant }, (_, s) => {
      const name = `t${t}-s${s}`;
      const net = `10.${t}.${s}`;
      return {
        name,
        subnet: `${net}.0/24`,
        routerPort: { name: `${name}-lrp`, mac: `0a:00:${hex(t)}:${hex(s)}:00:01`, network: `${net}.1/24` },
        ports: Array.from({ length: sizes.portsPerSwitch }, (_, p) => ({
          name: `${name}-p${p}`,
          mac: `0a:00:${hex(t)}:${hex(s)}:00:${hex(p + 10)}`,
          ip: `${net}.${p + 10}`,
        })),
      };
    }),
  }));
}

/**
 * The rules of a tenant's port group, by label: its own ports reach each other, anyone reaches
 * them on SSH and ICMP, the rest of IPv4 to them is dropped.
 */
export function tenantAcls(pg: string): Record<string, ovn.AclMember> {
  const rule = (priority: number, match: string, action: ovn.AclMember["action"]): ovn.AclMember => ({
    direction: "to-lport",
    priority,
    match: `outport == @${pg} && ${match}`,
    action,
  });
  return {
    "from-tenant": rule(1000, `ip4.src == $${pg}_ip4`, "allow-related"),
    ssh: rule(1000, "tcp.dst == 22", "allow-related"),
    icmp: rule(1000, "icmp4", "allow-related"),
    "drop-other": rule(900, "ip4", "drop"),
  };
}

export function atScale(opts: AtScaleOptions) {
  const { nb } = opts;
  const tenants = plan(opts);
  const out: Record<
    string,
    { router: pulumi.Output<string>; switches: number; ports: number; acls: number }
  > = {};
  for (const t of tenants) {
    const router = new ovn.LogicalRouter(t.router, { nb, name: t.router });
    const collections: ovn.LogicalSwitchPorts[] = [];
    for (const s of t.switches) {
      const sw = new ovn.LogicalSwitch(s.name, { nb, name: s.name, subnet: s.subnet });
      new ovn.LogicalRouterPort(s.routerPort.name, {
        nb,
        router: router.name,
        name: s.routerPort.name,
        mac: s.routerPort.mac,
        networks: [s.routerPort.network],
        switch: sw.name,
      });
      collections.push(
        new ovn.LogicalSwitchPorts(`${s.name}-ports`, {
          nb,
          switch: sw.name,
          ports: Object.fromEntries(
            s.ports.map((p) => [p.name, { addresses: opts.addresses?.[p.name] ?? [`${p.mac} ${p.ip}`] }]),
          ),
        }),
      );
    }
    // Every port must exist when the group is written: the group waits for the collections.
    const pg = new ovn.PortGroup(
      t.portGroup,
      { nb, name: t.portGroup, ports: t.switches.flatMap((s) => s.ports.map((p) => p.name)) },
      { dependsOn: collections },
    );
    const acls = tenantAcls(t.portGroup);
    new ovn.Acls(`${t.name}-acls`, { nb, portGroup: pg.name, acls });
    out[t.name] = {
      router: router.name,
      switches: t.switches.length,
      ports: t.switches.reduce((n, s) => n + s.ports.length, 0),
      acls: Object.keys(acls).length,
    };
  }
  return out;
}
