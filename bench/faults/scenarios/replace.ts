/**
 * Fault scenario 1 (issue 9, kind 1): `pulumi up --replace` of each resource type.
 *
 * One stack holds one resource of every type on a sandbox (1 host + OVN central). For each resource
 * in turn: `up` with `replace: [urn]` (the engine creates the replacement first, then deletes the
 * old instance), then the real databases are read with the real tools (`ovs-vsctl`, `ovn-nbctl`,
 * `ovn-sbctl`, `ovs-ofctl dump-flows`): the row (flow, keys) must exist once, carry the stack's
 * marker and the new instance's token, and `preview --refresh --expect-no-changes` must pass.
 * Finally `destroy` must leave no row, key or flow of the stack behind.
 *
 * `run()` returns one {@link FaultRow} per resource type (the bench prints them);
 * {@link runReplaceScenario} also returns the details the e2e test asserts.
 */
import * as pulumi from "@pulumi/pulumi";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../../sandbox";
import { runOk } from "../../../sandbox/exec";
import { TestStack, type ExportedState } from "../../../test/e2e/harness/pulumi";
import { ovn, ovs } from "../../../sdk";
import { RESOURCE_MASK, cookieBase, parseCookie } from "../../../provider/openflow/cookie";
import { ctlRows } from "../../../test/e2e/harness/ctl-json";
import { memberOwner } from "../../../provider/engine/collection";
import type { FaultRow } from "../types";

const PROJECT = "lcreplace";
const STACK = "dev";
const PREFIX = `${PROJECT}/${STACK}/`;
const OWNER_KEY = "pulumi-ovs-owner";
const INSTANCE_KEY = "pulumi-ovs-instance";
const CHASSIS_OWNER_KEY = "pulumi-ovs-chassis-owner";
const CHASSIS_INSTANCE_KEY = "pulumi-ovs-chassis-instance";
/** The one key the ChassisConfig manages (harmless to ovn-controller). */
const CHASSIS_TEST_KEY = "lcr-e2e";
const BRIDGE = "lcr-br";

type Db = "vswitch" | "nb" | "sb";
type StringMap = Record<string, string>;

/** Where a resource's row lives and how it is identified among the table's rows. */
interface RowCase {
  kind: "row";
  db: Db;
  table: string;
  /** Columns that identify the row (a name, a target, a NAT or route key). */
  identity: string[];
  /** Identity values of this resource's row. */
  want: Record<string, unknown>;
}
interface FlowCase {
  kind: "flow";
}
interface ChassisCase {
  kind: "chassis";
}

export interface ReplaceCase {
  /** SDK type, e.g. `ovs.Port`. */
  type: string;
  /** Pulumi resource name in the program. */
  name: string;
  /** For a collection: the key of its one member (the row, flow or keys the case follows). */
  member?: string;
  where: RowCase | FlowCase | ChassisCase;
}

/** Every resource type, with the row that must survive its replacement. */
export const CASES: ReplaceCase[] = [
  {
    type: "ovs.Bridge",
    name: "br",
    where: { kind: "row", db: "vswitch", table: "Bridge", identity: ["name"], want: { name: BRIDGE } },
  },
  {
    type: "ovs.Port",
    name: "port",
    where: { kind: "row", db: "vswitch", table: "Port", identity: ["name"], want: { name: "lcr-p" } },
  },
  { type: "ovs.Flow", name: "flow", where: { kind: "flow" } },
  {
    type: "ovs.Ports",
    name: "ports",
    member: "lcr-p2",
    where: { kind: "row", db: "vswitch", table: "Port", identity: ["name"], want: { name: "lcr-p2" } },
  },
  { type: "ovs.Flows", name: "flows", member: "f1", where: { kind: "flow" } },
  {
    type: "ovs.Manager",
    name: "mgr",
    where: {
      kind: "row",
      db: "vswitch",
      table: "Manager",
      identity: ["target"],
      want: { target: "ptcp:26640:127.0.0.1" },
    },
  },
  { type: "ovn.ChassisConfig", name: "chassis", where: { kind: "chassis" } },
  {
    type: "ovn.LogicalSwitch",
    name: "sw",
    where: { kind: "row", db: "nb", table: "Logical_Switch", identity: ["name"], want: { name: "lcr-sw" } },
  },
  {
    type: "ovn.LogicalSwitchPort",
    name: "lsp",
    where: {
      kind: "row",
      db: "nb",
      table: "Logical_Switch_Port",
      identity: ["name"],
      want: { name: "lcr-lsp" },
    },
  },
  {
    type: "ovn.LogicalSwitchPorts",
    name: "lsps",
    member: "lcr-lsp2",
    where: {
      kind: "row",
      db: "nb",
      table: "Logical_Switch_Port",
      identity: ["name"],
      want: { name: "lcr-lsp2" },
    },
  },
  {
    type: "ovn.LogicalRouter",
    name: "lr",
    where: { kind: "row", db: "nb", table: "Logical_Router", identity: ["name"], want: { name: "lcr-lr" } },
  },
  {
    type: "ovn.LogicalRouterPort",
    name: "lrp",
    where: {
      kind: "row",
      db: "nb",
      table: "Logical_Router_Port",
      identity: ["name"],
      want: { name: "lcr-lrp" },
    },
  },
  {
    type: "ovn.LogicalRouterNat",
    name: "nat",
    where: {
      kind: "row",
      db: "nb",
      table: "NAT",
      identity: ["type", "external_ip", "logical_ip"],
      want: { type: "snat", external_ip: "172.31.9.1", logical_ip: "10.77.9.0/24" },
    },
  },
  {
    type: "ovn.LogicalRouterStaticRoute",
    name: "route",
    where: {
      kind: "row",
      db: "nb",
      table: "Logical_Router_Static_Route",
      identity: ["ip_prefix", "nexthop"],
      want: { ip_prefix: "10.99.0.0/16", nexthop: "10.77.9.254" },
    },
  },
  {
    type: "ovn.LogicalRouterPolicy",
    name: "policy",
    where: {
      kind: "row",
      db: "nb",
      table: "Logical_Router_Policy",
      identity: ["priority", "match"],
      want: { priority: 101, match: "ip4.dst == 10.99.1.0/24" },
    },
  },
  {
    type: "ovn.AddressSet",
    name: "aset",
    where: { kind: "row", db: "nb", table: "Address_Set", identity: ["name"], want: { name: "lcr_as" } },
  },
  {
    type: "ovn.PortGroup",
    name: "pg",
    where: { kind: "row", db: "nb", table: "Port_Group", identity: ["name"], want: { name: "lcr_pg" } },
  },
  {
    type: "ovn.Acl",
    name: "acl",
    where: {
      kind: "row",
      db: "nb",
      table: "ACL",
      identity: ["priority", "match"],
      want: { priority: 1001, match: "outport == @lcr_pg && ip4" },
    },
  },
  {
    type: "ovn.Acls",
    name: "acls",
    member: "lcr-a2",
    where: {
      kind: "row",
      db: "nb",
      table: "ACL",
      identity: ["priority", "match"],
      want: { priority: 1002, match: "outport == @lcr_pg && ip6" },
    },
  },
  {
    type: "ovn.Meter",
    name: "meter",
    where: { kind: "row", db: "nb", table: "Meter", identity: ["name"], want: { name: "lcr_meter" } },
  },
  {
    type: "ovn.Qos",
    name: "qos",
    where: {
      kind: "row",
      db: "nb",
      table: "QoS",
      identity: ["priority", "match"],
      want: { priority: 101, match: "ip4" },
    },
  },
  {
    type: "ovn.DhcpOptions",
    name: "dhcp",
    where: {
      kind: "row",
      db: "nb",
      table: "DHCP_Options",
      identity: ["cidr"],
      want: { cidr: "10.77.9.0/24" },
    },
  },
  {
    type: "ovn.Dns",
    name: "dns",
    where: {
      kind: "row",
      db: "nb",
      table: "DNS",
      identity: ["records"],
      want: { records: { "lcr.example.org": "10.77.9.2" } },
    },
  },
  {
    type: "ovn.LoadBalancer",
    name: "lb",
    where: { kind: "row", db: "nb", table: "Load_Balancer", identity: ["name"], want: { name: "lcr-lb" } },
  },
  {
    type: "ovn.HaChassisGroup",
    name: "hag",
    where: {
      kind: "row",
      db: "nb",
      table: "HA_Chassis_Group",
      identity: ["name"],
      want: { name: "lcr-hag" },
    },
  },
  {
    type: "ovn.NorthboundConnection",
    name: "nbconn",
    where: {
      kind: "row",
      db: "nb",
      table: "Connection",
      identity: ["target"],
      want: { target: "ptcp:26641:127.0.0.1" },
    },
  },
  {
    type: "ovn.SouthboundConnection",
    name: "sbconn",
    where: {
      kind: "row",
      db: "sb",
      table: "Connection",
      identity: ["target"],
      want: { target: "ptcp:26642:127.0.0.1" },
    },
  },
];

/** The program: one resource of every type, named as in {@link CASES}. */
function program(sb: SandboxInfo): () => Promise<void> {
  const host = { remote: sb.hosts[0].remotes.unix };
  const nb = { remote: sb.central!.nbRemote.unix };
  const sbDb = { remote: sb.central!.sbRemote.unix };
  return async () => {
    const br = new ovs.Bridge("br", { host, name: BRIDGE, datapathType: "netdev" });
    const p = new ovs.Port("port", { host, bridge: br.name, name: "lcr-p", interface: { type: "internal" } });
    new ovs.Flow(
      "flow",
      { host, bridge: br.name, priority: 7, match: pulumi.interpolate`in_port=${p.name}`, actions: "drop" },
      { dependsOn: [p] },
    );
    new ovs.Ports("ports", {
      host,
      bridge: br.name,
      ports: { "lcr-p2": { interface: { type: "internal" } } },
    });
    new ovs.Flows("flows", {
      host,
      bridge: br.name,
      flows: { f1: { priority: 8, match: "ip,nw_dst=10.77.9.50", actions: "drop" } },
    });
    new ovs.Manager("mgr", { host, target: "ptcp:26640:127.0.0.1" });
    new ovn.ChassisConfig("chassis", { host, externalIds: { [CHASSIS_TEST_KEY]: "1" } });
    const sw = new ovn.LogicalSwitch("sw", { nb, name: "lcr-sw", subnet: "10.77.9.0/24" });
    const dhcp = new ovn.DhcpOptions("dhcp", {
      nb,
      cidr: "10.77.9.0/24",
      options: { server_id: "10.77.9.1", server_mac: "0a:77:09:00:00:01", lease_time: "3600" },
    });
    const lsp = new ovn.LogicalSwitchPort("lsp", {
      nb,
      switch: sw.name,
      name: "lcr-lsp",
      addresses: ["0a:77:09:00:00:02 10.77.9.2"],
      dhcpv4Options: dhcp.uuid,
    });
    new ovn.LogicalSwitchPorts("lsps", {
      nb,
      switch: sw.name,
      ports: { "lcr-lsp2": { addresses: ["0a:77:09:00:00:03 10.77.9.3"] } },
    });
    const lr = new ovn.LogicalRouter("lr", { nb, name: "lcr-lr" });
    const hag = new ovn.HaChassisGroup("hag", { nb, name: "lcr-hag", chassis: ["lcr-gw1", "lcr-gw2"] });
    new ovn.LogicalRouterPort("lrp", {
      nb,
      router: lr.name,
      name: "lcr-lrp",
      mac: "0a:77:09:00:00:01",
      networks: ["10.77.9.1/24"],
      switch: sw.name,
      haChassisGroup: hag.name,
    });
    new ovn.LogicalRouterNat("nat", {
      nb,
      router: lr.name,
      type: "snat",
      externalIp: "172.31.9.1",
      logicalIp: "10.77.9.0/24",
    });
    new ovn.LogicalRouterStaticRoute("route", {
      nb,
      router: lr.name,
      ipPrefix: "10.99.0.0/16",
      nexthop: "10.77.9.254",
    });
    new ovn.LogicalRouterPolicy("policy", {
      nb,
      router: lr.name,
      priority: 101,
      match: "ip4.dst == 10.99.1.0/24",
      action: "reroute",
      nexthops: ["10.77.9.254"],
    });
    new ovn.Dns("dns", { nb, records: { "lcr.example.org": ["10.77.9.2"] }, switches: [sw.name] });
    new ovn.AddressSet("aset", { nb, name: "lcr_as", addresses: ["10.77.9.0/24"] });
    const pg = new ovn.PortGroup("pg", { nb, name: "lcr_pg", ports: [lsp.name] });
    new ovn.Acl("acl", {
      nb,
      portGroup: pg.name,
      direction: "to-lport",
      priority: 1001,
      match: "outport == @lcr_pg && ip4",
      action: "allow-related",
    });
    new ovn.Acls("acls", {
      nb,
      portGroup: pg.name,
      acls: {
        "lcr-a2": {
          direction: "to-lport",
          priority: 1002,
          match: "outport == @lcr_pg && ip6",
          action: "allow",
        },
      },
    });
    new ovn.Meter("meter", { nb, name: "lcr_meter", unit: "pktps", bands: [{ rate: 10 }] });
    new ovn.Qos("qos", {
      nb,
      switch: sw.name,
      direction: "from-lport",
      priority: 101,
      match: "ip4",
      dscp: 10,
    });
    new ovn.LoadBalancer("lb", {
      nb,
      name: "lcr-lb",
      vips: { "10.77.9.100:80": ["10.77.9.2:8080"] },
      switches: [sw.name],
      routers: [lr.name],
      healthChecks: [{ vip: "10.77.9.100:80", interval: 5 }],
      ipPortMappings: { "10.77.9.2": "lcr-lsp:10.77.9.253" },
    });
    new ovn.NorthboundConnection("nbconn", { nb, target: "ptcp:26641:127.0.0.1" });
    new ovn.SouthboundConnection("sbconn", { sb: sbDb, target: "ptcp:26642:127.0.0.1" });
  };
}

// ---- reading the real databases ----------------------------------------------------------------

type Row = Record<string, unknown> & { _uuid: string };

/** A set column's elements (the JSON output writes a one-element set as the bare element). */
function setOf(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? (v as string[]) : [v as string];
}

/** The tables each database is read for (the resources' tables and what they hang off). */
const TABLES: Record<Db, string[]> = {
  vswitch: ["Bridge", "Port", "Interface", "Manager"],
  nb: [
    "Logical_Switch",
    "Logical_Switch_Port",
    "Logical_Router",
    "Logical_Router_Port",
    "NAT",
    "Logical_Router_Static_Route",
    "Logical_Router_Policy",
    "Address_Set",
    "Port_Group",
    "ACL",
    "Meter",
    "QoS",
    "DHCP_Options",
    "DNS",
    "Load_Balancer",
    "Load_Balancer_Health_Check",
    "HA_Chassis_Group",
    "HA_Chassis",
    "Connection",
  ],
  sb: ["Connection"],
};

/** What the scenario sees in the databases and the switch at one moment. */
export interface World {
  rows: Record<`${Db}:${string}`, Row[]>;
  /** external_ids of the host's Open_vSwitch row. */
  rootIds: StringMap;
  /** Flows of the bridge: cookie and the rest of the line. */
  flows: { cookie: bigint; line: string }[];
}

class Probe {
  constructor(private readonly sb: SandboxInfo) {}

  private ctl(db: Db): [string, string] {
    if (db === "vswitch") return ["ovs-vsctl", this.sb.hosts[0].remotes.unix];
    return db === "nb"
      ? ["ovn-nbctl", this.sb.central!.nbRemote.unix]
      : ["ovn-sbctl", this.sb.central!.sbRemote.unix];
  }

  async run(db: Db, ...args: string[]): Promise<string> {
    const [tool, remote] = this.ctl(db);
    return runOk(tool, [tool, `--db=${remote}`, "--timeout=20", ...args]);
  }

  async list(db: Db, table: string): Promise<Row[]> {
    return ctlRows(await this.run(db, "--format=json", "list", table)) as Row[];
  }

  async flows(): Promise<World["flows"]> {
    const mgmt = `unix:${this.sb.hosts[0].runDir}/${BRIDGE}.mgmt`;
    try {
      const stdout = await runOk("ovs-ofctl", ["ovs-ofctl", "dump-flows", mgmt]);
      return stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("cookie="))
        .map((l) => ({ cookie: parseCookie(/^cookie=([^,]+)/.exec(l)![1]), line: l }));
    } catch (e) {
      // No bridge (after destroy): no flows.
      if (/No such file|not a bridge|connect/i.test(String((e as { stderr?: string }).stderr ?? e)))
        return [];
      throw e;
    }
  }

  async world(): Promise<World> {
    const rows = {} as World["rows"];
    for (const db of Object.keys(TABLES) as Db[]) {
      for (const t of TABLES[db]) rows[`${db}:${t}`] = await this.list(db, t);
    }
    const [root] = await this.list("vswitch", "Open_vSwitch");
    return { rows, rootIds: (root.external_ids ?? {}) as StringMap, flows: await this.flows() };
  }
}

// ---- counting ----------------------------------------------------------------------------------

const idsOf = (r: Row): StringMap => (r.external_ids ?? {}) as StringMap;
const isStack = (r: Row): boolean => (idsOf(r)[OWNER_KEY] ?? "").startsWith(PREFIX);
const flowResource = (owner: string): bigint => cookieBase(owner) & RESOURCE_MASK;
/** The owner markers of the stack's flows (a flow resource's, a flow collection member's). */
const FLOW_OWNERS = (): string[] => CASES.filter((c) => c.where.kind === "flow").map(expectedMarker);
/** The stack's flows in `w`: those of `owner`, or of every flow owner of the stack. */
const stackFlows = (w: World, owner?: string) => {
  const resources = new Set((owner ? [owner] : FLOW_OWNERS()).map(flowResource));
  return w.flows.filter((f) => resources.has(f.cookie & RESOURCE_MASK));
};

/** What the state says the stack holds: row uuid → instance token; flow cookies; the chassis token. */
interface Held {
  rows: Map<string, string | undefined>;
  cookies: Set<string>;
  chassis?: { instance?: string };
}

function heldBy(state: ExportedState): Held {
  const held: Held = { rows: new Map(), cookies: new Set() };
  for (const r of state.deployment.resources ?? []) {
    const o = (r.outputs ?? {}) as Record<string, unknown>;
    const name = r.urn.split("::").pop()!;
    const instance = o.instance as string | undefined;
    // A collection's outputs are maps by member key (`uuids`, `cookie`).
    const values = (v: unknown): unknown[] => (v && typeof v === "object" ? Object.values(v) : [v]);
    if (o.cookie !== undefined) for (const c of values(o.cookie)) held.cookies.add(String(c));
    else if (name === "chassis") held.chassis = { instance };
    else {
      for (const u of [...values(o.uuid), ...values(o.uuids), ...values(o.switchPortUuid)])
        if (typeof u === "string") held.rows.set(u, instance);
    }
  }
  return held;
}

export interface Counts {
  /** Rows, keys and flows carrying the stack's marker. */
  objects: number;
  duplicates: number;
  orphans: number;
}

/** Objects, duplicates and orphans of the stack in `w`, against the state `held`. */
export function count(w: World, held: Held): Counts {
  let objects = 0;
  let duplicates = 0;
  let orphans = 0;
  for (const c of CASES) {
    if (c.where.kind !== "row") continue;
    const rows = w.rows[`${c.where.db}:${c.where.table}`];
    const keyOf = (r: Row) => JSON.stringify((c.where as RowCase).identity.map((k) => r[k]));
    const groups = new Map<string, Row[]>();
    for (const r of rows) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
    for (const g of groups.values()) if (g.length > 1 && g.some(isStack)) duplicates += g.length - 1;
  }
  // Member rows the stack marks (a load balancer's health checks) are held through the held row
  // that references them, with its token.
  const tokens = new Map(held.rows);
  for (const rows of Object.values(w.rows)) {
    for (const r of rows.filter((x) => held.rows.has(x._uuid))) {
      for (const v of Object.values(r))
        for (const u of setOf(v)) if (!tokens.has(u)) tokens.set(u, held.rows.get(r._uuid));
    }
  }
  const seen = new Set<string>();
  for (const rows of Object.values(w.rows)) {
    for (const r of rows.filter(isStack)) {
      if (seen.has(r._uuid)) continue;
      seen.add(r._uuid);
      objects++;
      // Held: the state names the row (or a row holding it) and records the token the row carries.
      if (!tokens.has(r._uuid) || tokens.get(r._uuid) !== idsOf(r)[INSTANCE_KEY]) orphans++;
    }
  }
  const flows = stackFlows(w);
  objects += flows.length;
  for (const owner of FLOW_OWNERS()) duplicates += Math.max(0, stackFlows(w, owner).length - 1);
  orphans += flows.filter((f) => !held.cookies.has(`0x${f.cookie.toString(16)}`)).length;
  if ((w.rootIds[CHASSIS_OWNER_KEY] ?? "").startsWith(PREFIX)) {
    objects++;
    if (!held.chassis || held.chassis.instance !== w.rootIds[CHASSIS_INSTANCE_KEY]) orphans++;
  } else if (CHASSIS_TEST_KEY in w.rootIds) {
    orphans++; // the managed key without a marker: left behind
  }
  return { objects, duplicates, orphans };
}

/**
 * What the stack does not own, as comparable strings: `outside` are rows and root keys apart from
 * the stack's rows (they must survive everything, destroy included); `inside` are foreign
 * external_ids keys on the stack's rows and foreign flows on the stack's bridge (they must survive
 * replacements; destroy removes them with the row).
 */
interface Foreign {
  outside: Set<string>;
  inside: Set<string>;
}

function foreign(w: World): Foreign {
  const outside = new Set<string>();
  const inside = new Set<string>();
  // Rows that are parts of the stack's rows: a stack bridge's ports, a stack port's interfaces.
  const parts = new Set<string>();
  for (const b of w.rows["vswitch:Bridge"].filter(isStack)) for (const u of setOf(b.ports)) parts.add(u);
  for (const p of w.rows["vswitch:Port"]) {
    if (isStack(p) || parts.has(p._uuid)) for (const u of setOf(p.interfaces)) parts.add(u);
  }
  for (const [table, rows] of Object.entries(w.rows)) {
    for (const r of rows) {
      const id = `${table} ${String(r.name ?? r.target ?? r._uuid)}`;
      if (isStack(r)) {
        for (const [k, v] of Object.entries(idsOf(r))) {
          if (!k.startsWith("pulumi-ovs-")) inside.add(`${id} ${k}=${v}`);
        }
      } else if (!parts.has(r._uuid)) {
        outside.add(`${id} ${JSON.stringify(Object.entries(idsOf(r)).sort())}`);
      }
    }
  }
  const ours = new Set([CHASSIS_OWNER_KEY, CHASSIS_INSTANCE_KEY, CHASSIS_TEST_KEY]);
  for (const [k, v] of Object.entries(w.rootIds)) if (!ours.has(k)) outside.add(`root ${k}=${v}`);
  for (const f of w.flows) {
    if (stackFlows({ ...w, flows: [f] }).length) continue;
    // Counters and ages change by themselves: keep the flow's cookie, table, priority, match, actions.
    inside.add(`flow ${f.line.replace(/(duration|n_packets|n_bytes|idle_age|hard_age)=[^,]*, ?/g, "")}`);
  }
  return { outside, inside };
}

/** Foreign rows, keys and flows added by hand after the first `up` (so that there is something to lose). */
async function addForeign(sb: SandboxInfo, probe: Probe): Promise<void> {
  const w = await probe.world();
  for (const c of CASES) {
    if (c.where.kind !== "row") continue;
    const where = c.where;
    const row = w.rows[`${where.db}:${where.table}`].find((r) =>
      Object.entries(where.want).every(([k, v]) => JSON.stringify(r[k]) === JSON.stringify(v)),
    );
    if (row) await probe.run(where.db, "set", where.table, row._uuid, "external_ids:lcr-foreign=kept");
  }
  await probe.run("nb", "ls-add", "lcr-foreign-sw");
  await probe.run("vswitch", "set", "Open_vSwitch", ".", "external_ids:lcr-foreign=kept");
  await runOk("ovs-ofctl", [
    "ovs-ofctl",
    "add-flow",
    `unix:${sb.hosts[0].runDir}/${BRIDGE}.mgmt`,
    "priority=3,ip,nw_dst=10.1.2.3,actions=drop",
  ]);
}

/** Foreign items of `before` missing in `after` (`inside` too unless only `outside` counts). */
function lostFrom(before: Foreign, after: Foreign, onlyOutside = false): string[] {
  const lost = (b: Set<string>, a: Set<string>) => [...b].filter((x) => !a.has(x));
  return [...lost(before.outside, after.outside), ...(onlyOutside ? [] : lost(before.inside, after.inside))];
}

// ---- one case ----------------------------------------------------------------------------------

/** What one `up --replace` left, case by case (the e2e test asserts these). */
export interface CaseDetail {
  type: string;
  /** Replacements the engine reported (1 expected). */
  replaced: number;
  /** Rows (or flows, or the chassis marker) of this resource found after the replacement. */
  found: number;
  /** The owner marker found on it (the flow: its cookie's resource matches the marker's). */
  marker?: string;
  /** Whether the state's instance (token, or cookie) is the one in the database. */
  held: boolean;
  /** `preview --refresh --expect-no-changes` passed. */
  previewClean: boolean;
  previewError?: string;
  /** Why `up --replace` failed, if it did (the scenario goes on with the next resource). */
  upError?: string;
  counts: Counts;
  foreignLost: number;
  /** The foreign rows, keys and flows lost (for messages). */
  lost: string[];
  seconds: number;
}

function inspect(
  c: ReplaceCase,
  w: World,
  state: ExportedState,
): Pick<CaseDetail, "found" | "marker" | "held"> {
  const held = heldBy(state);
  const marker = expectedMarker(c);
  if (c.where.kind === "flow") {
    const flows = stackFlows(w, marker);
    return {
      found: flows.length,
      marker: flows.length ? marker : undefined,
      held: flows.length === 1 && held.cookies.has(`0x${flows[0].cookie.toString(16)}`),
    };
  }
  if (c.where.kind === "chassis") {
    const present = w.rootIds[CHASSIS_TEST_KEY] === "1";
    return {
      found: present ? 1 : 0,
      marker: w.rootIds[CHASSIS_OWNER_KEY],
      held: present && held.chassis?.instance === w.rootIds[CHASSIS_INSTANCE_KEY],
    };
  }
  const where = c.where;
  const rows = w.rows[`${where.db}:${where.table}`].filter((r) =>
    Object.entries(where.want).every(([k, v]) => JSON.stringify(r[k]) === JSON.stringify(v)),
  );
  const row = rows[0];
  return {
    found: rows.length,
    marker: row ? idsOf(row)[OWNER_KEY] : undefined,
    held:
      rows.length === 1 && held.rows.has(row._uuid) && held.rows.get(row._uuid) === idsOf(row)[INSTANCE_KEY],
  };
}

// ---- the scenario ------------------------------------------------------------------------------

export interface ReplaceOptions {
  /** Sandbox name (unique per suite). Default `e2e-lc-replace`. */
  sandbox?: string;
  /** Called after each case (progress). */
  onCase?: (d: CaseDetail) => void;
}

export interface ReplaceReport {
  rows: FaultRow[];
  cases: CaseDetail[];
  /** After the final destroy: the stack's rows, keys and flows still there, and foreign ones lost. */
  afterDestroy: Counts & { foreignLost: number; lost: string[]; destroyError?: string };
}

/** The owner marker of a case's row, flow or keys (a collection member's: `stack/name["key"]`). */
export function expectedMarker(c: ReplaceCase): string {
  const owner = `${PREFIX}${c.name}`;
  return c.member === undefined ? owner : memberOwner(owner, c.member);
}

function outcomeOf(c: ReplaceCase, d: CaseDetail): string {
  const problems: string[] = [];
  if (d.upError) problems.push(`up --replace: ${d.upError}`);
  if (d.replaced !== 1) problems.push(`replace: ${d.replaced}`);
  if (d.found !== 1) problems.push(`found ${d.found}`);
  if (d.marker !== expectedMarker(c)) problems.push(`marker ${d.marker ?? "missing"}`);
  if (!d.held) problems.push("the state does not hold it");
  if (!d.previewClean) problems.push(`preview --refresh: ${d.previewError ?? "changes"}`);
  return problems.length ? `failed: ${problems.join("; ")}` : "converged";
}

/** The start of an error's message, for a table cell. */
function firstLines(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" ");
}

export async function runReplaceScenario(opts: ReplaceOptions = {}): Promise<ReplaceReport> {
  const sb = await startSandbox({ name: opts.sandbox ?? "e2e-lc-replace", hosts: 1, ovn: true });
  let stack: TestStack | undefined;
  let destroyed = false;
  try {
    const probe = new Probe(sb);
    stack = await TestStack.create({ project: PROJECT, stack: STACK, program: program(sb) });
    const first = await stack.up();
    const urns = new Map(first.steps.map((s) => [s.name, s.urn]));
    await addForeign(sb, probe);
    const baseline = foreign(await probe.world());
    const cases: CaseDetail[] = [];
    for (const c of CASES) {
      const t0 = Date.now();
      const urn = urns.get(c.name);
      if (!urn) throw new Error(`no URN for ${c.name} after the first up`);
      let replaced = 0;
      let upError: string | undefined;
      try {
        replaced = (await stack.up({ replace: [urn] })).summary.replace;
      } catch (e) {
        upError = firstLines(e);
      }
      const w = await probe.world();
      const state = await stack.exportState();
      let previewClean = true;
      let previewError: string | undefined;
      try {
        await stack.preview({ refresh: true, expectNoChanges: true });
      } catch (e) {
        previewClean = false;
        previewError = firstLines(e);
      }
      const d: CaseDetail = {
        type: c.type,
        replaced,
        upError,
        ...inspect(c, w, state),
        previewClean,
        previewError,
        counts: count(w, heldBy(state)),
        lost: lostFrom(baseline, foreign(w)),
        foreignLost: 0,
        seconds: (Date.now() - t0) / 1000,
      };
      d.foreignLost = d.lost.length;
      cases.push(d);
      opts.onCase?.(d);
    }
    let destroyError: string | undefined;
    try {
      await stack.destroy();
      destroyed = true;
    } catch (e) {
      destroyError = firstLines(e);
    }
    const end = await probe.world();
    // The stack's rows are gone, and foreign keys and flows inside them with them.
    const lost = lostFrom(baseline, foreign(end), true);
    const afterDestroy = {
      ...count(end, { rows: new Map(), cookies: new Set() }),
      foreignLost: lost.length,
      lost,
      destroyError,
    };
    const rows: FaultRow[] = CASES.map((c, n) => ({
      scenario: `up --replace ${c.type}`,
      objects: cases[n].counts.objects,
      outcome: outcomeOf(c, cases[n]),
      duplicates: cases[n].counts.duplicates,
      orphans: cases[n].counts.orphans,
      foreignLost: cases[n].foreignLost,
      seconds: cases[n].seconds,
    }));
    return { rows, cases, afterDestroy };
  } finally {
    await stack?.remove({ skipDestroy: destroyed }).catch(() => undefined);
    await stopSandbox(sb);
  }
}

/** Scenario 1 of `npm run bench:faults`: one row per resource type. */
export async function run(): Promise<FaultRow[]> {
  return (await runReplaceScenario({ sandbox: "bench-lc-replace" })).rows;
}
