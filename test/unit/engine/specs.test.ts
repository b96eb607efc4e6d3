/**
 * The declaration engine over every declared resource, without a server: the planned create,
 * update and read-back of each spec, checked against the installed OVSDB schemas; and the
 * generated SDK files are up to date. A new spec must add its samples here.
 */
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import {
  DatabaseSchema,
  NamedUuid,
  checkOperations,
  type Operation,
  type OvsdbClient,
  type Row,
} from "../../../provider/ovsdb";
import { isMap } from "../../../provider/ovsdb/schema";
import { checkInputs, diffInputs, type Props } from "../../../provider/framework";
import { OWNER_KEY, INSTANCE_KEY } from "../../../provider/resources/common";
import { tableSpecs } from "../../../provider/resources/specs";
import {
  claimSettings,
  inputsFromRow,
  insertRow,
  matchesRow,
  planCreate,
  planSettings,
  planUpdate,
  settingsFromRow,
  settingsRow,
  tableKind,
} from "../../../provider/engine/table";
import type { ArgSpec, TableSpec } from "../../../provider/engine/spec";
import { readMembers, type LiveMembers } from "../../../provider/engine/members";
import type { Resolved } from "../../../provider/engine/args";
import { specFor } from "../../../provider/engine/alternatives";
import { staleFiles } from "../../../scripts/gen-sdk";

const SCHEMA_FILES: Record<string, string> = {
  OVN_Northbound: "/usr/share/ovn/ovn-nb.ovsschema",
  OVN_Southbound: "/usr/share/ovn/ovn-sb.ovsschema",
  Open_vSwitch: "/usr/share/openvswitch/vswitch.ovsschema",
};
const schemaOf = (db: string) => DatabaseSchema.parse(JSON.parse(fs.readFileSync(SCHEMA_FILES[db], "utf8")));

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";
const instance = "0123456789abcdef";
const U1 = "11111111-1111-1111-1111-111111111111";

interface Samples {
  /** Every argument set. */
  full: Props;
  /** For each stored argument, another valid value. */
  changes: Props;
  /** Other arguments a change needs to stay valid (e.g. a NAT type without a logical port). */
  along?: Record<string, Props>;
}

const host = { remote: "unix:/var/run/openvswitch/db.sock" };

const SAMPLES: Record<string, Samples> = {
  "ovs:Manager": {
    full: {
      host,
      target: "ptcp:6640",
      inactivityProbe: 10000,
      maxBackoff: 2000,
      connectionMode: "out-of-band",
      externalIds: { a: "b" },
      otherConfig: { dscp: "48" },
    },
    changes: {
      target: "ptcp:6641:127.0.0.1",
      inactivityProbe: 0,
      maxBackoff: 4000,
      connectionMode: "in-band",
      externalIds: { a: "c" },
      otherConfig: { dscp: "40" },
    },
  },
  "ovn:NorthboundConnection": {
    full: {
      nb,
      target: "ptcp:6641:0.0.0.0",
      inactivityProbe: 60000,
      maxBackoff: 2000,
      otherConfig: { dscp: "48" },
      externalIds: { a: "b" },
    },
    changes: {
      target: "pssl:6641",
      inactivityProbe: 0,
      maxBackoff: 4000,
      otherConfig: { dscp: "40" },
      externalIds: { a: "c" },
    },
  },
  "ovn:SouthboundConnection": {
    full: {
      sb: nb,
      target: "ptcp:6642:0.0.0.0",
      inactivityProbe: 60000,
      maxBackoff: 2000,
      readOnly: true,
      role: "ovn-controller",
      otherConfig: { dscp: "48" },
      externalIds: { a: "b" },
    },
    changes: {
      target: "pssl:6642",
      inactivityProbe: 0,
      maxBackoff: 4000,
      readOnly: false,
      role: "ovn-admin",
      otherConfig: { dscp: "40" },
      externalIds: { a: "c" },
    },
  },
  "ovn:LogicalSwitch": {
    full: {
      nb,
      name: "sw0",
      subnet: "192.168.0.0/24",
      excludeIps: ["192.168.0.2", "192.168.0.10..192.168.0.20"],
      ipv6Prefix: "fd00::/64",
      macOnly: false,
      otherConfig: { mcast_snoop: "true" },
      externalIds: { team: "net" },
    },
    changes: {
      name: "sw1",
      subnet: "192.168.0.0/23",
      excludeIps: ["192.168.0.3"],
      ipv6Prefix: "fd00:1::",
      macOnly: true,
      otherConfig: { mcast_snoop: "false" },
      externalIds: { team: "ops" },
    },
  },
  "ovn:LogicalSwitchPort": {
    full: {
      nb,
      switch: "sw0",
      name: "c1",
      addresses: ["50:54:00:00:00:01 192.168.0.2"],
      portSecurity: ["50:54:00:00:00:01 192.168.0.2"],
      type: "localport",
      options: { "requested-chassis": "h1" },
      parentName: "vm1",
      tagRequest: 42,
      enabled: true,
      dhcpv4Options: "22222222-2222-2222-2222-222222222222",
      dhcpv6Options: "33333333-3333-3333-3333-333333333333",
      externalIds: { a: "b" },
    },
    changes: {
      name: "c2",
      addresses: ["dynamic"],
      portSecurity: [],
      type: "",
      options: { "requested-chassis": "h2" },
      parentName: "vm2",
      tagRequest: 0,
      enabled: false,
      dhcpv4Options: "44444444-4444-4444-4444-444444444444",
      dhcpv6Options: "55555555-5555-5555-5555-555555555555",
      externalIds: { a: "c" },
    },
  },
  "ovn:LogicalRouter": {
    full: { nb, name: "lr0", enabled: false, options: { chassis: "h1" }, externalIds: { a: "b" } },
    changes: { name: "lr1", enabled: true, options: { chassis: "h2" }, externalIds: { a: "c" } },
  },
  "ovn:LogicalRouterStaticRoute": {
    full: {
      nb,
      router: "lr0",
      ipPrefix: "10.0.0.0/8",
      nexthop: "192.168.0.254",
      outputPort: "lr0-up",
      policy: "src-ip",
      routeTable: "rtb",
      options: { ecmp_symmetric_reply: "true" },
      externalIds: { a: "b" },
    },
    changes: {
      ipPrefix: "10.0.0.0/9",
      nexthop: "192.168.0.253",
      outputPort: "lr0-down",
      policy: "dst-ip",
      routeTable: "rtc",
      options: { ecmp_symmetric_reply: "false" },
      externalIds: { a: "c" },
    },
  },
  "ovn:LogicalRouterNat": {
    full: {
      nb,
      router: "lr0",
      type: "dnat_and_snat",
      externalIp: "172.16.0.10",
      logicalIp: "192.168.0.5",
      logicalPort: "vm1",
      externalMac: "0A:00:00:00:00:01",
      externalPortRange: "1024-2047",
      gatewayPort: "lr0-gw",
      options: { stateless: "true" },
      externalIds: { a: "b" },
    },
    changes: {
      type: "dnat",
      externalIp: "172.16.0.11",
      logicalIp: "192.168.0.6",
      logicalPort: "vm2",
      externalMac: "0a:00:00:00:00:02",
      externalPortRange: "2048-4095",
      gatewayPort: "lr0-gw2",
      options: { stateless: "false" },
      externalIds: { a: "c" },
    },
    along: { type: { logicalPort: undefined, externalMac: undefined } },
  },
  "ovn:LogicalRouterPolicy": {
    full: {
      nb,
      router: "lr0",
      priority: 100,
      match: "ip4.src == 192.168.0.0/24 && ip4.dst == $servers",
      action: "reroute",
      nexthops: ["192.168.1.254", "192.168.1.253"],
      options: { pkt_mark: "7" },
      externalIds: { a: "b" },
    },
    changes: {
      priority: 200,
      match: "ip4.dst == 10.0.9.0/24",
      action: "drop",
      nexthops: ["192.168.1.252"],
      options: { pkt_mark: "8" },
      externalIds: { a: "c" },
    },
    along: { action: { nexthops: undefined } },
  },
  "ovn:LogicalRouterPort": {
    full: {
      nb,
      router: "lr0",
      name: "lr0-sw0",
      mac: "00:00:00:00:FF:01",
      networks: ["192.168.0.1/24", "fd00::1/64"],
      peer: "lr1-lr0",
      gatewayChassis: ["gw1", { chassis: "gw2", priority: 5 }],
      haChassisGroup: undefined, // one or the other: the change below swaps gatewayChassis for a group
      enabled: false,
      options: { "reside-on-redirect-chassis": "true" },
      externalIds: { a: "b" },
    },
    changes: {
      name: "lr0-sw1",
      mac: "00:00:00:00:ff:02",
      networks: ["192.168.1.1/24"],
      peer: "lr2-lr0",
      gatewayChassis: [{ chassis: "gw1", priority: 7 }, "gw3"],
      haChassisGroup: "hag1",
      enabled: true,
      options: { "reside-on-redirect-chassis": "false" },
      externalIds: { a: "c" },
    },
    along: { haChassisGroup: { gatewayChassis: undefined } },
  },
  "ovn:HaChassisGroup": {
    full: {
      nb,
      name: "hag1",
      chassis: ["gw1", { chassis: "gw2", priority: 5 }],
      externalIds: { a: "b" },
    },
    changes: {
      name: "hag2",
      chassis: [{ chassis: "gw1", priority: 7 }, "gw3"],
      externalIds: { a: "c" },
    },
  },
  "ovs:Port": {
    full: {
      host,
      bridge: "br0",
      name: "p0",
      tag: 100,
      trunks: [10, 20],
      vlanMode: "access",
      interface: {
        type: "internal",
        options: { a: "b" },
        externalIds: { "iface-id": "lsp0" },
        otherConfig: { c: "d" },
        mtuRequest: 1400,
        ofportRequest: 10,
        mac: "50:54:00:00:00:01",
      },
      externalIds: { a: "b" },
      otherConfig: { c: "d" },
    },
    changes: {
      name: "p1",
      tag: 200,
      trunks: [30],
      vlanMode: "trunk",
      interface: { type: "internal", mtuRequest: 1500, mac: "50:54:00:00:00:02" },
      externalIds: { a: "c" },
      otherConfig: { c: "e" },
    },
  },
  "ovs:Bridge": {
    full: {
      host,
      name: "br0",
      datapathType: "netdev",
      failMode: "secure",
      protocols: ["OpenFlow10", "OpenFlow13"],
      controllers: ["ptcp:6653", "tcp:10.0.0.1:6653"],
      stpEnable: true,
      externalIds: { a: "b" },
      otherConfig: { "disable-in-band": "true" },
    },
    changes: {
      name: "br1",
      datapathType: "system",
      failMode: "standalone",
      protocols: ["OpenFlow13"],
      controllers: ["ptcp:6654"],
      stpEnable: false,
      externalIds: { a: "c" },
      otherConfig: { "disable-in-band": "false" },
    },
  },
  "ovn:AddressSet": {
    full: {
      nb,
      name: "admins",
      addresses: ["10.0.0.5", "10.1.0.0/16", "fd00::/64"],
      externalIds: { a: "b" },
    },
    changes: { name: "admins2", addresses: ["10.0.0.6"], externalIds: { a: "c" } },
  },
  "ovn:ChassisConfig": {
    full: {
      host,
      systemId: "hv1",
      ovnRemote: "tcp:10.0.0.1:6642",
      encapType: ["geneve", "vxlan"],
      encapIp: "172.29.101.123",
      bridgeMappings: { physnet1: "br-eth0" },
      bridgeDatapathType: "netdev",
      externalIds: { "ovn-cms-options": "enable-chassis-as-gw" },
    },
    changes: {
      systemId: "hv2",
      ovnRemote: "ssl:10.0.0.2:6642",
      encapType: "geneve",
      encapIp: "fd00::1",
      bridgeMappings: "physnet1:br-eth1",
      bridgeDatapathType: "system",
      externalIds: { "ovn-cms-options": "x" },
    },
  },
  "ovn:PortGroup": {
    full: { nb, name: "web", ports: ["web1", "web2"], externalIds: { a: "b" } },
    changes: { name: "web2", ports: ["web1", "web3"], externalIds: { a: "c" } },
  },
  "ovn:Acl": {
    full: {
      nb,
      switch: "sw0",
      direction: "to-lport",
      priority: 1000,
      match: "outport == @web && ip4.src == $admins && tcp.dst == {22, 80}",
      action: "allow-related",
      log: true,
      name: "web-in",
      severity: "info",
      meter: "acl-meter",
      label: 7,
      options: { "apply-after-lb": "true" },
      externalIds: { a: "b" },
    },
    changes: {
      direction: "from-lport",
      priority: 900,
      match: "outport == @web && ip4",
      action: "drop",
      log: false,
      name: "web-drop",
      severity: "alert",
      meter: "acl-meter2",
      label: 8,
      options: { "apply-after-lb": "false" },
      externalIds: { a: "c" },
    },
  },
  "ovn:Meter": {
    full: {
      nb,
      name: "acl-meter",
      unit: "pktps",
      bands: [
        { rate: 10, burstSize: 5 },
        { action: "drop", rate: 100 },
      ],
      fair: true,
      externalIds: { a: "b" },
    },
    changes: {
      name: "acl-meter2",
      unit: "kbps",
      bands: [{ rate: 1000, burstSize: 100 }],
      fair: false,
      externalIds: { a: "c" },
    },
  },
  "ovn:Qos": {
    full: {
      nb,
      switch: "sw0",
      direction: "from-lport",
      priority: 100,
      match: 'inport == "web1" && ip4.dst == $admins',
      dscp: 46,
      bandwidth: { rate: 1000, burst: 100 },
      externalIds: { a: "b" },
    },
    changes: {
      direction: "to-lport",
      priority: 200,
      match: 'outport == "web1" && ip4',
      dscp: 10,
      bandwidth: { rate: 2000 },
      externalIds: { a: "c" },
    },
  },
  "ovn:DhcpOptions": {
    full: {
      nb,
      cidr: "192.168.0.0/24",
      options: {
        server_id: "192.168.0.1",
        server_mac: "0a:00:00:00:00:01",
        lease_time: "3600",
        router: "192.168.0.1",
        dns_server: "{192.168.0.1, 8.8.8.8}",
        domain_name: '"example.org"',
      },
      externalIds: { a: "b" },
    },
    changes: {
      cidr: "192.168.1.0/24",
      options: { server_id: "192.168.1.1", server_mac: "0a:00:00:00:01:01", lease_time: "60", mtu: "1400" },
      externalIds: { a: "c" },
    },
  },
  "ovn:Dns": {
    full: {
      nb,
      records: { "Web.Example.org": ["10.0.0.5", "fd00::5"], "db.example.org": ["10.0.0.6"] },
      switches: ["sw0", "sw1"],
      externalIds: { a: "b" },
    },
    changes: { records: { "web.example.org": ["10.0.0.7"] }, switches: ["sw2"], externalIds: { a: "c" } },
  },
  "ovn:LoadBalancer": {
    full: {
      nb,
      name: "lb0",
      vips: { "10.0.0.10:80": ["10.0.1.2:8080", "10.0.1.3:8080"], "[fd00::10]:443": ["[fd00::2]:443"] },
      protocol: "tcp",
      selectionFields: ["ip_src", "ip_dst"],
      options: { reject: "true" },
      externalIds: { a: "b" },
      switches: ["sw0", "sw1"],
      routers: ["lr0"],
      healthChecks: [{ vip: "10.0.0.10:80", interval: 2, timeout: 1, successCount: 1, failureCount: 2 }],
      ipPortMappings: { "10.0.1.2": "web1:10.0.1.254", "10.0.1.3": "web2:10.0.1.254" },
    },
    changes: {
      name: "lb1",
      vips: { "10.0.0.10:80": ["10.0.1.2:8080"] },
      protocol: "udp",
      selectionFields: ["ip_src"],
      options: { reject: "false" },
      externalIds: { a: "c" },
      switches: ["sw0", "sw2"],
      routers: [],
      healthChecks: [{ vip: "10.0.0.10:80", interval: 5 }],
      ipPortMappings: { "10.0.1.2": "web1:10.0.1.253", "10.0.1.3": "web2:10.0.1.254" },
    },
  },
};

/** Inputs as check gives them to create (canonical), with the SDK's owner and the framework's instance. */
function parsed(spec: TableSpec, raw: Props): Props & { owner: string } {
  const r = checkInputs(tableKind(spec), { ...raw, owner });
  expect(r.failures).toEqual([]);
  return { ...r.inputs, owner, instance } as Props & { owner: string };
}

/** A stand-in uuid for the row a reference argument names (`ref`), and the way back. */
const uuidOf = (name: string) =>
  `aaaaaaaa-aaaa-aaaa-aaaa-${createHash("sha1").update(name).digest("hex").slice(0, 12)}`;
/** Names to stand-in uuids, for an argument listing rows by name (`managedRefs`). */
const refSet = (v: unknown) => Object.fromEntries(((v ?? []) as string[]).map((n) => [n, uuidOf(n)]));
const listsRefs = (spec: TableSpec, k: string) => "managedRefs" in (spec.args[k].storage ?? {});
/** Names to stand-in rows of an attachment argument (`attachedTo`); `held`: those holding the row. */
const attached = (v: unknown, held: unknown) =>
  Object.fromEntries(
    ((v ?? []) as string[]).map((n) => [
      n,
      { uuid: uuidOf(n), holds: ((held ?? []) as string[]).includes(n) },
    ]),
  );
const attaches = (spec: TableSpec, k: string) => "attachedTo" in (spec.args[k].storage ?? {});
/**
 * As the engine resolves them: names `i` lists, and for a managed list or attachments also those
 * `prev` listed (the rows `prev` attached hold the live row).
 */
function resolved(spec: TableSpec, i: Props, prev?: Props): Resolved {
  const refs = Object.entries(spec.args).filter(([k, a]) => a.ref || attaches(spec, k));
  return Object.fromEntries(
    refs.map(([k]) => [
      k,
      attaches(spec, k)
        ? attached([...((prev?.[k] ?? []) as string[]), ...((i[k] ?? []) as string[])], prev?.[k])
        : listsRefs(spec, k)
          ? { ...refSet(prev?.[k]), ...refSet(i[k]) }
          : i[k] === undefined
            ? null
            : uuidOf(i[k] as string),
    ]),
  );
}
function names(spec: TableSpec, i: Props): Resolved {
  const refs = Object.entries(spec.args).filter(([k, a]) => a.ref || attaches(spec, k));
  return Object.fromEntries(
    refs.map(([k]) => [
      k,
      attaches(spec, k)
        ? attached(i[k], i[k])
        : listsRefs(spec, k)
          ? refSet(i[k])
          : ((i[k] as string | undefined) ?? null),
    ]),
  );
}

/** The planned update from `prev` to `next` of the live row (settings: of their keys). */
function update(
  spec: TableSpec,
  { live, members }: { live: Row; members: LiveMembers },
  prev: Props & { owner: string },
  next: Props & { owner: string },
) {
  return spec.settings
    ? planSettings(spec, live, prev, next)
    : planUpdate(spec, live, prev, next, resolved(spec, next, prev), members);
}

const touches = (ops: Operation[], column: string): boolean =>
  ops.some(
    (o) =>
      (o.op === "update" && column in o.row) ||
      (o.op === "mutate" && o.mutations.some(([c]) => c === column)),
  );

/** Whether `ops` change argument `a`: its column, for member rows a member row, for attachments theirs. */
const touchesArg = (ops: Operation[], a: ArgSpec): boolean => {
  const s = a.storage!;
  if ("attachedTo" in s) {
    const { table, column } = s.attachedTo;
    return ops.some((o) => o.op === "mutate" && o.table === table && o.mutations.some(([c]) => c === column));
  }
  const member = "rows" in s ? s.rows.table : undefined;
  return touches(ops, s.column) || ops.some((o) => o.op !== "wait" && "table" in o && o.table === member);
};

/** A live parent row of a child, as create finds it (no children yet). */
function parentRow(spec: TableSpec, i: Props): Row | undefined {
  const p = spec.parent;
  return p ? { _uuid: U1, ...(p.arg ? { name: i[p.arg] as string } : {}), [p.column]: [] } : undefined;
}

/**
 * The rows a create inserts as the server holds them (named uuids resolved to stand-in uuids): the
 * resource's row, and its member rows as the engine reads them back (through a client that selects
 * from those rows). Settings: the only row with the keys and a key of another tool.
 */
async function created(
  spec: TableSpec,
  i: Props & { owner: string },
): Promise<{ live: Row; members: LiveMembers }> {
  if (spec.settings) {
    const keys = settingsRow(spec, i);
    return {
      live: { ...keys, external_ids: { hostname: "h1", ...keys.external_ids }, _uuid: U1 },
      members: {},
    };
  }
  const one = specFor(spec, i);
  const ops = planCreate(one, i, parentRow(one, i), resolved(spec, i));
  const resolve = (v: unknown): unknown =>
    v instanceof NamedUuid ? uuidOf(v.name) : Array.isArray(v) ? v.map(resolve) : v;
  const rows: { table: string; row: Row }[] = [];
  for (const o of ops) {
    if (o.op !== "insert" || !o.uuidName) continue;
    const row = Object.fromEntries(Object.entries(o.row).map(([k, v]) => [k, resolve(v)])) as Row;
    rows.push({ table: o.table, row: { ...row, _uuid: uuidOf(o.uuidName) } });
  }
  const live = rows.find((r) => r.table === spec.table)!.row;
  const c = {
    transact: async (_db: string, sel: Operation[]) =>
      sel.map((o) => ({
        rows: rows
          .filter((r) => o.op === "select" && r.table === o.table)
          .map((r) => r.row)
          .filter((r) => o.op === "select" && o.where.every(([col, , v]) => r[col] === v)),
      })),
  } as unknown as OvsdbClient;
  return { live, members: await readMembers(c, spec.db.name, spec, live, i) };
}

/** The elements a set value holds (a bare atom is a set of one; a map's keys). */
const elementsOf = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map((x) => canonicalAtom(x))
    : v !== null && typeof v === "object" && !(v instanceof NamedUuid)
      ? Object.keys(v)
      : v === undefined
        ? []
        : [canonicalAtom(v)];
const canonicalAtom = (x: unknown): string =>
  x instanceof NamedUuid ? `named:${x.name}` : JSON.stringify(x);

/**
 * What ovsdb-server checks per mutation and a static check cannot: after each mutation of a
 * mutate, the column's number of elements must be within the schema's min..max (a set of
 * references that must hold one row cannot lose its last one before gaining the next). `rows`:
 * the live rows by uuid (the resource's and its members'); mutates of other rows are skipped.
 */
function countProblems(schema: DatabaseSchema, rows: Map<string, Row>, ops: Operation[]): string[] {
  const problems: string[] = [];
  ops.forEach((o, n) => {
    if (o.op !== "mutate") return;
    const uuid = o.where.find(([c, f]) => c === "_uuid" && f === "==")?.[2] as string | undefined;
    const row = uuid === undefined ? undefined : rows.get(uuid);
    if (!row) return;
    const state = new Map<string, Set<string>>();
    for (const [column, mutator, value] of o.mutations) {
      const type = schema.tables.get(o.table)!.columns.get(column)!.type;
      const held = state.get(column) ?? new Set(elementsOf(row[column]));
      state.set(column, held);
      if (mutator === "insert") for (const e of elementsOf(value)) held.add(e);
      else if (mutator === "delete") for (const e of elementsOf(value)) held.delete(e);
      else continue;
      if (held.size < type.min || (type.max !== "unlimited" && held.size > type.max))
        problems.push(
          `operation ${n} (mutate ${o.table}) ${mutator} ${column}: ${held.size} elements, allowed ${type.min}..${type.max}`,
        );
    }
  });
  return problems;
}

/** The live rows of a created resource by uuid: its row and its member rows. */
const rowsByUuid = ({ live, members }: { live: Row; members: LiveMembers }): Map<string, Row> =>
  new Map([live, ...Object.values(members).flat()].map((r) => [r._uuid as string, r]));

describe.each(tableSpecs.map((s) => [s.type, s] as const))("%s", (type, spec) => {
  const samples = SAMPLES[type];
  const schema = schemaOf(spec.db.name);
  const stored = Object.entries(spec.args).filter(([, a]) => a.storage);

  it("has samples for every stored argument", () => {
    expect(samples).toBeDefined();
    for (const [k] of stored) {
      expect({ k, full: k in samples.full }).toEqual({ k, full: true });
      expect({ k, change: k in samples.changes }).toEqual({ k, change: true });
    }
  });

  it("stores every argument in a column of its table, map keys in map columns", () => {
    const table = schema.tables.get(spec.table);
    expect(table).toBeDefined();
    for (const [k, a] of stored) {
      const s = a.storage!;
      if ("attachedTo" in s) {
        // The listed rows' column is a set of references to this table.
        const col = schema.tables.get(s.attachedTo.table)?.columns.get(s.attachedTo.column);
        expect({ k, refTable: col?.type.key.refTable, max: col?.type.max }).toEqual({
          k,
          refTable: spec.table,
          max: "unlimited",
        });
        continue;
      }
      const col = table!.columns.get(s.column);
      expect({ k, column: s.column, exists: col !== undefined }).toMatchObject({ exists: true });
      const keyed = "key" in s || "managedKeys" in s;
      if (keyed) expect({ k, map: isMap(col!.type) }).toEqual({ k, map: true });
    }
  });

  it("create: a guard that the name is free, then an insert valid against the schema, with marker and token", () => {
    if (spec.settings) return;
    const i = parsed(spec, samples.full);
    const one = specFor(spec, i); // a spec with alternative parents: the one the samples set
    const p = one.parent;
    const ops = planCreate(one, i, parentRow(one, i), resolved(spec, i));
    if (p) {
      // Guards first (the parent keeps its name; its children list, or the name, is as searched),
      // then the insert and the parent's reference to it.
      const shape = ops
        // Member rows (another table's) are inserted right before the row that references them.
        .filter((o) => !(o.op === "insert" && o.table !== spec.table))
        .map((o) => `${o.op} ${"table" in o ? o.table : ""}`);
      expect(shape.slice(-2)).toEqual([`insert ${spec.table}`, `mutate ${p.table}`]);
      expect(shape.slice(0, -2).every((x) => x.startsWith("wait "))).toBe(true);
      expect(shape.slice(0, -2)).toHaveLength((p.arg ? 1 : 0) + 1);
    } else {
      // Member rows (a meter's bands) are inserted right before the row that references them.
      const own = ops.filter((o) => !(o.op === "insert" && o.table !== spec.table));
      expect(own[0]).toMatchObject({ op: "wait", table: spec.table, rows: [], timeout: 0 });
      expect(own[1]).toMatchObject({ op: "insert", table: spec.table, uuidName: "row" });
      expect(ops[0]).toMatchObject({ op: "wait", table: spec.table, rows: [], timeout: 0 });
      // Member rows (another table's) are inserted right before the row that references them.
      const row = ops.findIndex((o) => o.op === "insert" && o.table === spec.table);
      expect(ops[row]).toMatchObject({ op: "insert", table: spec.table, uuidName: "row" });
      expect(ops.slice(1, row).every((o) => o.op === "insert" && o.table !== spec.table)).toBe(true);
    }
    expect(checkOperations(schema, ops)).toEqual([]);
    expect(insertRow(spec, i, resolved(spec, i)).external_ids).toMatchObject({
      [OWNER_KEY]: owner,
      [INSTANCE_KEY]: instance,
    });
  });

  it("settings create: a guard that the row's keys are as read, then one mutate with the settings' marker and token", async () => {
    if (!spec.settings) return;
    const i = parsed(spec, samples.full);
    const live: Row = { _uuid: U1, external_ids: { hostname: "h1" } };
    expect(() => claimSettings(spec, live, i)).not.toThrow();
    const ops = planSettings(spec, live, undefined, i);
    expect(ops.map((o) => `${o.op} ${"table" in o ? o.table : ""}`)).toEqual([
      `wait ${spec.table}`,
      `mutate ${spec.table}`,
    ]);
    expect(ops[0]).toMatchObject({ rows: [{ external_ids: live.external_ids }], timeout: 0 });
    expect(checkOperations(schema, ops)).toEqual([]);
    expect(settingsRow(spec, i).external_ids).toMatchObject({
      [spec.settings.marker.owner]: owner,
      [spec.settings.marker.instance]: instance,
    });
    // Refresh reads back only the keys the state sets, never keys others wrote.
    const { [Object.keys(spec.args)[0]]: _left, ...fewer } = i;
    const back = settingsFromRow(spec, (await created(spec, i)).live, fewer as typeof i);
    expect(Object.keys(spec.args).filter((k) => back[k] !== undefined)).toEqual(
      Object.keys(spec.args).slice(1),
    );
  });

  it("read-back of the inserted row gives the inputs; an update to the same inputs is empty", async () => {
    const i = parsed(spec, samples.full);
    const c = await created(spec, i);
    const back = spec.settings
      ? settingsFromRow(spec, c.live, i)
      : inputsFromRow(spec, c.live, i, names(spec, i), c.members);
    expect(diffInputs(tableKind(spec), back, i).diffs).toEqual([]);
    expect(update(spec, c, i, i)).toEqual([]);
  });

  it("a change of each argument is an in-place update of its column, valid against the schema", async () => {
    const i = parsed(spec, samples.full);
    const c = await created(spec, i);
    for (const [k, a] of stored) {
      const next = parsed(spec, { ...samples.full, [k]: samples.changes[k], ...samples.along?.[k] });
      const s = a.storage!;
      if ("column" in s && schema.tables.get(spec.table)!.columns.get(s.column)!.mutable === false) {
        // An immutable column (a port's name) changes only with a new row.
        expect({ k, replaces: diffInputs(tableKind(spec), i, next).replaces }).toEqual({ k, replaces: [k] });
        continue;
      }
      const ops = update(spec, c, i, next);
      expect({ k, touches: touchesArg(ops, a) }).toEqual({ k, touches: true });
      expect(checkOperations(schema, ops)).toEqual([]);
      expect({ k, counts: countProblems(schema, rowsByUuid(c), ops) }).toEqual({ k, counts: [] });
      const d = diffInputs(tableKind(spec), i, next);
      expect(d.diffs).toEqual(expect.arrayContaining([k]));
      expect(d.replaces).toEqual(tableKind(spec).replaceOn.includes(k) ? [k] : []);
    }
  });

  it("a replacement deletes first, unless only a unique name changed (then the new row is made first)", () => {
    const i = parsed(spec, samples.full);
    for (const [k, a] of Object.entries(spec.args)) {
      if (a.createsFirst)
        expect({ k, replace: a.replace, name: k }).toEqual({ k, replace: true, name: spec.nameArg });
      if (!tableKind(spec).replaceOn.includes(k) || !(k in samples.changes)) continue;
      const next = parsed(spec, { ...samples.full, [k]: samples.changes[k], ...samples.along?.[k] });
      const d = diffInputs(tableKind(spec), i, next);
      expect({ k, deleteFirst: d.deleteBeforeReplace }).toEqual({ k, deleteFirst: !a.createsFirst });
    }
  });

  it("leaving an optional argument out clears its column or key; other keys stay", async () => {
    const i = parsed(spec, samples.full);
    const c = await created(spec, i);
    for (const [k, a] of stored) {
      if (!a.schema.safeParse(undefined).success) continue;
      if (samples.full[k] === undefined) continue; // left out of the samples (exclusive with another): nothing to clear
      // Arguments that need it go too (healthChecks name VIPs of vips); a required one skips it.
      let rest: Props = Object.fromEntries(Object.entries(samples.full).filter(([x]) => x !== k));
      let r = checkInputs(tableKind(spec), { ...rest, owner });
      for (let n = 0; r.failures.length && n < 3; n++) {
        const needs = new Set(r.failures.map((f) => /^[^.[]*/.exec(f.property)![0]));
        rest = Object.fromEntries(Object.entries(rest).filter(([x]) => !needs.has(x)));
        r = checkInputs(tableKind(spec), { ...rest, owner });
      }
      if (r.failures.length) continue; // another, required argument needs it
      const next = { ...r.inputs, owner, instance } as Props & { owner: string };
      const ops = update(spec, c, i, next);
      expect({ k, touches: touchesArg(ops, a) }).toEqual({ k, touches: true });
      // The cleared value is one the column takes (an empty map for a map column, not `[]`).
      expect({ k, problems: checkOperations(schema, ops) }).toEqual({ k, problems: [] });
      expect({ k, counts: countProblems(schema, rowsByUuid(c), ops) }).toEqual({ k, counts: [] });
      // Created without it, the insert is valid too.
      const bare = planCreate(
        specFor(spec, next),
        next,
        parentRow(specFor(spec, next), next),
        resolved(spec, next),
      );
      if (!spec.settings) expect({ k, problems: checkOperations(schema, bare) }).toEqual({ k, problems: [] });
      const gone = Object.keys(samples.full).filter((x) => !(x in rest));
      const cols = gone.map((x) => {
        const st = spec.args[x]?.storage;
        return st && "column" in st ? st.column : x;
      });
      for (const o of ops)
        if (o.op === "update" && o.table === spec.table) {
          expect(Object.keys(o.row)).toContain("column" in a.storage! ? a.storage.column : undefined);
          expect(cols).toEqual(expect.arrayContaining(Object.keys(o.row)));
        }
      // Settings leave the keys of others on the shared row alone.
      for (const o of ops)
        if (o.op === "mutate") expect(JSON.stringify(o.mutations)).not.toContain("hostname");
    }
  });

  it("a child is found on its parent by the columns of its match arguments, and only by those", () => {
    if (!spec.matchArgs) return;
    const i = parsed(spec, samples.full);
    const row = insertRow(spec, i, resolved(spec, i));
    expect(matchesRow(spec, row, i)).toBe(true);
    for (const k of spec.matchArgs) {
      const other = parsed(spec, { ...samples.full, [k]: samples.changes[k], ...samples.along?.[k] });
      expect({ k, matches: matchesRow(spec, row, other) }).toEqual({ k, matches: false });
    }
  });

  it("a child is found on its parent whatever the spelling of a match argument compared in its sameAs form", () => {
    for (const k of spec.matchArgs ?? []) {
      const sameAs = spec.args[k].sameAs as ((v: unknown) => unknown) | undefined;
      const v = samples.full[k];
      if (!sameAs || typeof v !== "string") continue;
      const i = parsed(spec, samples.full);
      const row = insertRow(spec, i, resolved(spec, i));
      // Doubled spaces and a trailing one: another spelling of the same tokens.
      const respelled = parsed(spec, { ...samples.full, [k]: `${v.replace(/ /g, "  ")} ` });
      expect(respelled[k]).not.toEqual(i[k]);
      expect({ k, matches: matchesRow(spec, row, respelled) }).toEqual({ k, matches: true });
    }
  });

  it("a match argument respelled with the same tokens is no change (neither update nor replace)", () => {
    for (const k of spec.matchArgs ?? []) {
      const v = samples.full[k];
      if (!spec.args[k].sameAs || typeof v !== "string") continue;
      const i = parsed(spec, samples.full);
      const respelled = parsed(spec, { ...samples.full, [k]: `${v.replace(/ /g, "  ")} ` });
      expect({ k, diff: diffInputs(tableKind(spec), i, respelled) }).toMatchObject({
        k,
        diff: { changes: false, replaces: [] },
      });
      // Another value still is a change.
      const other = parsed(spec, { ...samples.full, [k]: samples.changes[k] });
      expect({ k, changes: diffInputs(tableKind(spec), i, other).changes }).toEqual({ k, changes: true });
    }
  });

  it("a new connection replaces the resource", () => {
    const i = parsed(spec, samples.full);
    const d = diffInputs(tableKind(spec), i, {
      ...i,
      [spec.db.connectionArg]: { remote: "tcp:10.0.0.2:6641" },
    });
    expect(d.replaces).toEqual([spec.db.connectionArg]);
  });
});

it("the generated SDK files are up to date (npm run gen:sdk)", async () => {
  expect(await staleFiles()).toEqual([]);
});
