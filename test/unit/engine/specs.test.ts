/**
 * The declaration engine over every declared resource, without a server: the planned create,
 * update and read-back of each spec, checked against the installed OVSDB schemas; and the
 * generated SDK files are up to date. A new spec must add its samples here.
 */
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import { DatabaseSchema, checkOperations, type Operation, type Row } from "../../../provider/ovsdb";
import { isMap } from "../../../provider/ovsdb/schema";
import { checkInputs, diffInputs, type Props } from "../../../provider/framework";
import { OWNER_KEY, INSTANCE_KEY } from "../../../provider/resources/common";
import { tableSpecs } from "../../../provider/resources/specs";
import {
  inputsFromRow,
  insertRow,
  matchesRow,
  planCreate,
  planUpdate,
  tableKind,
} from "../../../provider/engine/table";
import type { TableSpec } from "../../../provider/engine/spec";
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
  "ovn:AddressSet": {
    full: {
      nb,
      name: "admins",
      addresses: ["10.0.0.5", "10.1.0.0/16", "fd00::/64"],
      externalIds: { a: "b" },
    },
    changes: { name: "admins2", addresses: ["10.0.0.6"], externalIds: { a: "c" } },
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
/** As the engine resolves them: names `i` lists, and for a managed list also those `prev` listed. */
function resolved(
  spec: TableSpec,
  i: Props,
  prev?: Props,
): Record<string, string | null | Record<string, string>> {
  const refs = Object.entries(spec.args).filter(([, a]) => a.ref);
  return Object.fromEntries(
    refs.map(([k]) => [
      k,
      listsRefs(spec, k)
        ? { ...refSet(prev?.[k]), ...refSet(i[k]) }
        : i[k] === undefined
          ? null
          : uuidOf(i[k] as string),
    ]),
  );
}
function names(spec: TableSpec, i: Props): Record<string, string | null | Record<string, string>> {
  const refs = Object.entries(spec.args).filter(([, a]) => a.ref);
  return Object.fromEntries(
    refs.map(([k]) => [k, listsRefs(spec, k) ? refSet(i[k]) : ((i[k] as string | undefined) ?? null)]),
  );
}

const touches = (ops: Operation[], column: string): boolean =>
  ops.some(
    (o) =>
      (o.op === "update" && column in o.row) ||
      (o.op === "mutate" && o.mutations.some(([c]) => c === column)),
  );

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
      const col = table!.columns.get(a.storage!.column);
      expect({ k, column: a.storage!.column, exists: col !== undefined }).toMatchObject({ exists: true });
      const keyed = "key" in a.storage! || "managedKeys" in a.storage!;
      if (keyed) expect({ k, map: isMap(col!.type) }).toEqual({ k, map: true });
    }
  });

  it("create: a guard that the name is free, then an insert valid against the schema, with marker and token", () => {
    const i = parsed(spec, samples.full);
    const p = specFor(spec, i).parent; // a spec with alternative parents: the one the samples set
    const parent: Row | undefined = p
      ? { _uuid: U1, ...(p.arg ? { name: i[p.arg] as string } : {}), [p.column]: [] }
      : undefined;
    const ops = planCreate(specFor(spec, i), i, parent, resolved(spec, i));
    if (p) {
      // Guards first (the parent keeps its name; its children list, or the name, is as searched),
      // then the insert and the parent's reference to it.
      const shape = ops.map((o) => `${o.op} ${"table" in o ? o.table : ""}`);
      expect(shape.slice(-2)).toEqual([`insert ${spec.table}`, `mutate ${p.table}`]);
      expect(shape.slice(0, -2).every((x) => x.startsWith("wait "))).toBe(true);
      expect(shape.slice(0, -2)).toHaveLength((p.arg ? 1 : 0) + 1);
    } else {
      expect(ops[0]).toMatchObject({ op: "wait", table: spec.table, rows: [], timeout: 0 });
      expect(ops[1]).toMatchObject({ op: "insert", table: spec.table, uuidName: "row" });
    }
    expect(checkOperations(schema, ops)).toEqual([]);
    expect(insertRow(spec, i, resolved(spec, i)).external_ids).toMatchObject({
      [OWNER_KEY]: owner,
      [INSTANCE_KEY]: instance,
    });
  });

  it("read-back of the inserted row gives the inputs; an update to the same inputs is empty", () => {
    const i = parsed(spec, samples.full);
    const live: Row = { ...insertRow(spec, i, resolved(spec, i)), _uuid: U1 };
    const back = inputsFromRow(spec, live, i, names(spec, i));
    expect(diffInputs(tableKind(spec), back, i).diffs).toEqual([]);
    expect(planUpdate(spec, live, i, i, resolved(spec, i))).toEqual([]);
  });

  it("a change of each argument is an in-place update of its column, valid against the schema", () => {
    const i = parsed(spec, samples.full);
    const live: Row = { ...insertRow(spec, i, resolved(spec, i)), _uuid: U1 };
    for (const [k, a] of stored) {
      const next = parsed(spec, { ...samples.full, [k]: samples.changes[k], ...samples.along?.[k] });
      const ops = planUpdate(spec, live, i, next, resolved(spec, next, i));
      expect({ k, touches: touches(ops, a.storage!.column) }).toEqual({ k, touches: true });
      expect(checkOperations(schema, ops)).toEqual([]);
      const d = diffInputs(tableKind(spec), i, next);
      expect(d.diffs).toEqual(expect.arrayContaining([k]));
      expect(d.replaces).toEqual(tableKind(spec).replaceOn.includes(k) ? [k] : []);
    }
  });

  it("leaving an optional argument out clears its column or key; other keys stay", () => {
    const i = parsed(spec, samples.full);
    const live: Row = { ...insertRow(spec, i, resolved(spec, i)), _uuid: U1 };
    for (const [k, a] of stored) {
      if (!a.schema.safeParse(undefined).success) continue;
      const { [k]: _dropped, ...rest } = samples.full;
      const r = checkInputs(tableKind(spec), { ...rest, owner });
      if (r.failures.length) continue; // another argument needs it (e.g. excludeIps needs subnet)
      const next = { ...r.inputs, owner, instance } as Props & { owner: string };
      const ops = planUpdate(spec, live, i, next, resolved(spec, next, i));
      expect({ k, touches: touches(ops, a.storage!.column) }).toEqual({ k, touches: true });
      for (const o of ops) if (o.op === "update") expect(Object.keys(o.row)).toEqual([a.storage!.column]);
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
