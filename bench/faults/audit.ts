/**
 * What a fault left behind, counted from the live databases against a stack's state:
 *
 * - duplicates: one identity held by several rows (a name in a table, an owner marker in a table)
 *   or several flows (a cookie family);
 * - orphans: rows carrying this stack's owner marker (`external_ids:pulumi-ovs-owner=project/stack/…`)
 *   and flows of this stack's cookie families that the state does not hold;
 * - foreign lost: rows and `external_ids` keys the stack does not manage (and, optionally, flows
 *   of other cookies) that existed in a snapshot taken before and are gone or changed after.
 *
 * The databases are read with the package's own OVSDB client (plain `select`s), flows with
 * `ovs-ofctl dump-flows` through the package's OpenFlow driver.
 */
import { OvsdbClient, select, type Row } from "../../provider/ovsdb";
import { INSTANCE_KEY, OWNER_KEY } from "../../provider/resources/common";
import { cookieBase, familyOf, formatCookie, parseCookie, resourceOf } from "../../provider/openflow/cookie";
import { dumpFlows } from "../../provider/openflow/ofctl";
import type { ExportedState } from "../../test/e2e/harness/pulumi";

/** Tables a stack can write, per database. */
const TABLES = {
  OVN_Northbound: [
    "Logical_Switch",
    "Logical_Switch_Port",
    "Logical_Router",
    "Logical_Router_Port",
    "NAT",
    "Logical_Router_Static_Route",
    "Connection",
  ],
  Open_vSwitch: ["Bridge", "Port", "Interface", "Manager"],
} as const;
export type AuditDatabase = keyof typeof TABLES;

/** Where to look. */
export interface AuditScope {
  /** `project/stack`: the owner markers of this stack start with it. */
  stack: string;
  /** Databases to read: an OVN northbound or an Open_vSwitch database, by remote. */
  dbs: { database: AuditDatabase; remote: string }[];
  /** OpenFlow targets (`unix:…/BRIDGE.mgmt`) whose flows to read. */
  flowTargets?: string[];
  /**
   * Owner markers of every flow the program declares, so that a flow of one of them that the state
   * does not hold counts as an orphan (a cookie family cannot be traced back to its owner).
   */
  flowOwners?: string[];
  /** Count flows of other cookies as foreign facts (off when the fault itself wipes flows). */
  foreignFlows?: boolean;
}

/** What the live side holds. */
export interface Live {
  rows: { database: AuditDatabase; table: string; row: Row }[];
  flows: { target: string; cookie: bigint; priority: number; match: string }[];
}

/** The counts of one audit, and a line per finding. */
export interface AuditResult {
  duplicates: number;
  orphans: number;
  foreignLost: number;
  details: string[];
}

interface StateResource {
  type: string;
  urn: string;
  outputs?: Record<string, unknown>;
}

const ids = (row: Row): Record<string, string> => (row.external_ids ?? {}) as Record<string, string>;
const rowName = (row: Row): string | undefined => (typeof row.name === "string" ? row.name : undefined);

/** Reads every audited table and flow table. */
export async function readLive(scope: AuditScope): Promise<Live> {
  const live: Live = { rows: [], flows: [] };
  for (const { database, remote } of scope.dbs) {
    const client = await OvsdbClient.connect(remote, { database, reconnect: false });
    try {
      const results = await client.transact(
        database,
        TABLES[database].map((t) => select(t, [])),
      );
      TABLES[database].forEach((table, i) => {
        for (const row of (results[i].rows ?? []) as Row[]) live.rows.push({ database, table, row });
      });
    } finally {
      client.close();
    }
  }
  for (const target of scope.flowTargets ?? []) {
    for (const f of await dumpFlows({ target })) {
      live.flows.push({ target, cookie: f.cookie, priority: f.priority ?? 32768, match: f.match ?? "" });
    }
  }
  return live;
}

/** The keys the package itself keeps on every row it holds: whose it is, and which instance. */
const BOOKKEEPING = [OWNER_KEY, INSTANCE_KEY];

/** Owner markers the state holds, with the map keys each resource manages. */
function stateOwners(state: ExportedState): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of state.deployment.resources as StateResource[]) {
    const owner = r.outputs?.owner;
    if (typeof owner !== "string") continue;
    const managed = new Set<string>(BOOKKEEPING);
    const ext = r.outputs?.externalIds;
    if (ext && typeof ext === "object") for (const k of Object.keys(ext)) managed.add(k);
    out.set(owner, managed);
  }
  return out;
}

/** Cookie families of the flows the state holds. */
function stateFamilies(state: ExportedState): Set<bigint> {
  const out = new Set<bigint>();
  for (const r of state.deployment.resources as StateResource[]) {
    const c = r.outputs?.cookie;
    if (typeof c === "string") out.add(familyOf(parseCookie(c)));
  }
  return out;
}

const isOurs = (scope: AuditScope, owner: string | undefined): owner is string =>
  owner !== undefined && owner.startsWith(`${scope.stack}/`);

/**
 * Facts the stack must not disturb: every row without this stack's marker (by table and name, or
 * uuid when nameless), every `external_ids` key of any row that this stack does not manage, and,
 * with `foreignFlows`, every flow outside the program's cookie families. Take it before the fault;
 * {@link audit} counts those missing after.
 */
export function foreignFacts(scope: AuditScope, live: Live, state?: ExportedState): Set<string> {
  const managed = state ? stateOwners(state) : new Map<string, Set<string>>();
  const out = new Set<string>();
  for (const { database, table, row } of live.rows) {
    const owner = ids(row)[OWNER_KEY];
    const key = `${database}/${table}/${rowName(row) ?? row._uuid}`;
    if (!isOurs(scope, owner)) out.add(key);
    const mine = isOurs(scope, owner) ? (managed.get(owner) ?? new Set(BOOKKEEPING)) : new Set<string>();
    for (const [k, v] of Object.entries(ids(row))) if (!mine.has(k)) out.add(`${key} external_ids:${k}=${v}`);
  }
  if (scope.foreignFlows) {
    // A resource's flows carry its hash in every instance (a replacement draws a new instance).
    const ours = new Set((scope.flowOwners ?? []).map((o) => resourceOf(cookieBase(o))));
    for (const f of live.flows) {
      if (!ours.has(resourceOf(f.cookie))) {
        out.add(`flow ${f.target} cookie=${formatCookie(f.cookie)},priority=${f.priority},${f.match}`);
      }
    }
  }
  return out;
}

/** Counts duplicates, orphans and foreign facts lost since `before` (see the module comment). */
export async function audit(
  scope: AuditScope,
  state: ExportedState,
  before: Set<string>,
): Promise<AuditResult & { live: Live }> {
  const live = await readLive(scope);
  const owners = stateOwners(state);
  const details: string[] = [];
  let orphans = 0;

  // Duplicates: rows beyond the first per (table, name) and per (table, owner marker).
  const extra = new Set<string>();
  const groups = new Map<string, Row[]>();
  const add = (k: string, row: Row) => groups.set(k, [...(groups.get(k) ?? []), row]);
  for (const { database, table, row } of live.rows) {
    const name = rowName(row);
    // Interface rows share their Port's name; Port and Interface are separate tables, so no clash.
    if (name !== undefined) add(`${database}/${table} name=${name}`, row);
    const owner = ids(row)[OWNER_KEY];
    if (isOurs(scope, owner)) {
      // A Port's Interface carries the Port's marker; count markers per table only.
      add(`${database}/${table} owner=${owner}`, row);
      if (!owners.has(owner)) {
        orphans++;
        details.push(`orphan: ${database}/${table} ${name ?? row._uuid} (owner ${owner})`);
      }
    }
  }
  for (const [k, rows] of groups) {
    if (rows.length < 2) continue;
    details.push(`duplicate: ${k} held by ${rows.length} rows`);
    for (const r of rows.slice(1)) extra.add(r._uuid as string);
  }

  // Flows: one flow per resource (all its instances); a flow of the program whose instance (cookie
  // family) the state does not hold is an orphan.
  const held = stateFamilies(state);
  const program = new Set((scope.flowOwners ?? []).map((o) => resourceOf(cookieBase(o))));
  const perFamily = new Map<string, number>();
  for (const f of live.flows) {
    const fam = familyOf(f.cookie);
    if (!held.has(fam) && !program.has(resourceOf(f.cookie))) continue;
    const k = `${f.target} ${formatCookie(resourceOf(f.cookie))}`;
    perFamily.set(k, (perFamily.get(k) ?? 0) + 1);
    if (!held.has(fam)) {
      orphans++;
      details.push(
        `orphan: flow ${f.target} cookie=${formatCookie(f.cookie)} priority=${f.priority},${f.match}`,
      );
    }
  }
  let flowDuplicates = 0;
  for (const [k, n] of perFamily) {
    if (n < 2) continue;
    flowDuplicates += n - 1;
    details.push(`duplicate: flow resource ${k} held by ${n} flows`);
  }

  const after = foreignFacts(scope, live, state);
  let foreignLost = 0;
  for (const fact of before) {
    if (after.has(fact)) continue;
    foreignLost++;
    details.push(`foreign lost: ${fact}`);
  }
  return { duplicates: extra.size + flowDuplicates, orphans, foreignLost, details, live };
}

/** Rows of `table` carrying this stack's marker. */
export function ownedRows(scope: AuditScope, live: Live, table: string): Row[] {
  return live.rows.filter((r) => r.table === table && isOurs(scope, ids(r.row)[OWNER_KEY])).map((r) => r.row);
}
