/**
 * Pieces shared by the OVN northbound resources: the `nb` connection, the owner-marked row
 * planning (columns compared with the live row, map columns key by key), lookups of switches and
 * routers by name (names are not unique in the OVN schema), and the opt-in wait until every
 * chassis has applied a change (`ovn-nbctl --wait=hv`).
 */
import { z } from "zod";
import {
  OvsdbTransactionError,
  mutate,
  select,
  update,
  wait,
  eq,
  ge,
  includes,
  type OvsdbClient,
  type Operation,
  type OperationResult,
  type Row,
} from "../../ovsdb";
import { getClient, type Connection } from "../../pool";
import { ResourceError } from "../../errors";
import {
  connectionSchema,
  mapMutations,
  ownedIds,
  ownerOf,
  ownerSchema,
  planMap,
  selectRows,
  stackOf,
} from "../common";

export { ownedIds };

export const NB_DB = "OVN_Northbound";
export const SB_DB = "OVN_Southbound";

/** How long create waits for ovn-northd to fill `dynamic_addresses`. */
export const DYNAMIC_ADDRESS_TIMEOUT_MS = 10_000;
/** Default limit of `waitForChassis`. */
export const DEFAULT_WAIT_TIMEOUT_S = 60;

export type StringMap = Record<string, string>;

/** Arguments every northbound resource takes. */
export const nbBase = {
  nb: connectionSchema,
  waitForChassis: z.boolean({ error: "waitForChassis must be true or false" }).optional(),
  waitTimeoutSeconds: z
    .number({ error: "waitTimeoutSeconds must be a number of seconds" })
    .int("waitTimeoutSeconds: accepted a whole number of seconds, 1..3600")
    .min(1, "waitTimeoutSeconds: accepted 1..3600")
    .max(3600, "waitTimeoutSeconds: accepted 1..3600")
    .optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
};

/** The wait settings of a resource's inputs. */
export interface WaitSettings {
  waitForChassis?: boolean;
  waitTimeoutSeconds?: number;
}

export function nbClient(i: { nb: Connection }): Promise<OvsdbClient> {
  return getClient(i.nb, NB_DB);
}

export function describeNb(c: Connection | undefined): string {
  return c?.remote ? `OVN northbound database ${c.remote}` : "OVN northbound database (unknown)";
}

export function describeSb(c: Connection | undefined): string {
  return c?.remote ? `OVN southbound database ${c.remote}` : "OVN southbound database (unknown)";
}

// ---- comparing and planning rows ---------------------------------------------------------------

/** A column value in a form that compares equal when OVSDB considers it equal (sets unordered). */
export function canonical(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (Array.isArray(v)) return JSON.stringify(v.map((x) => canonical(x)).sort());
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return JSON.stringify(
      Object.keys(o)
        .sort()
        .map((k) => [k, canonical(o[k])]),
    );
  }
  return JSON.stringify(v);
}

/** The columns of `want` whose value differs from the live row. */
export function changedColumns(live: Row, want: Row): Row {
  const out: Row = {};
  for (const [col, v] of Object.entries(want)) {
    // An optional column reads back as null when empty; [] and null both mean "not set".
    const l = live[col];
    const emptyL = l === null || l === undefined || (Array.isArray(l) && l.length === 0);
    const emptyW = v === null || v === undefined || (Array.isArray(v) && v.length === 0);
    if (emptyL && emptyW) continue;
    if (canonical(l) !== canonical(v)) out[col] = v;
  }
  return out;
}

/** What one row should become. */
export interface RowPlan {
  /** Columns set as a whole, compared with the live row. */
  columns: Row;
  /** Map columns planned key by key: keys in `previous` but not `desired` are removed. */
  maps?: Record<string, { previous?: StringMap; desired?: StringMap }>;
  /** Owner marker to (re)write in external_ids. */
  owner?: string;
  /** Instance token to (re)write in external_ids next to the marker. */
  instance?: string;
}

/**
 * Operations that bring the live row `uuid` of `table` to `plan`: a guard that the columns about
 * to be replaced still hold what was read, an update of those columns and a mutate of the map
 * keys. Empty when nothing differs. Pure.
 */
export function planRowUpdate(table: string, uuid: string, live: Row, plan: RowPlan): Operation[] {
  const changed = changedColumns(live, plan.columns);
  const mutations = [];
  const maps = { ...(plan.maps ?? {}) };
  if (plan.owner !== undefined) {
    const ids = maps.external_ids ?? {};
    maps.external_ids = {
      previous: ids.previous,
      desired: ownedIds(ids.desired, { owner: plan.owner, instance: plan.instance }),
    };
  }
  for (const [column, m] of Object.entries(maps)) {
    mutations.push(...mapMutations(column, planMap(live[column] as StringMap, m.previous, m.desired)));
  }
  const ops: Operation[] = [];
  const cols = Object.keys(changed);
  if (cols.length) {
    ops.push(
      wait(table, [eq("_uuid", uuid)], cols, [Object.fromEntries(cols.map((k) => [k, live[k]]))], {
        until: "==",
        timeout: 0,
      }),
      update(table, [eq("_uuid", uuid)], changed),
    );
  }
  if (mutations.length) ops.push(mutate(table, [eq("_uuid", uuid)], mutations));
  return ops;
}

/** A guard that no row of `table` has `column` == `value` (a name is still free). */
export function guardAbsent(table: string, column: string, value: string): Operation {
  return wait(table, [eq(column, value)], [column], [], { until: "==", timeout: 0 });
}

/** A guard that row `uuid` still has `column` == `value` (a parent still exists, unrenamed). */
export function guardPresent(table: string, uuid: string, column: string, value: unknown): Operation {
  return wait(table, [eq("_uuid", uuid)], [column], [{ [column]: value } as Row], {
    until: "==",
    timeout: 0,
  });
}

/** Keys of a live map the resource manages (for refresh), or undefined when it manages none. */
export function managedKeys(live: unknown, managed: StringMap | undefined): StringMap | undefined {
  if (!managed) return undefined;
  const m = (live ?? {}) as StringMap;
  const out: StringMap = {};
  for (const k of Object.keys(managed)) if (k in m) out[k] = m[k];
  return out;
}

/** Rows among `rows` that the stack of `owner` does not manage (no marker, or another stack's). */
export function foreignRows(rows: Row[], owner: string): Row[] {
  return rows.filter((r) => {
    const o = ownerOf(r);
    return o === undefined || stackOf(o) !== stackOf(owner);
  });
}

/** A copy without undefined members. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---- lookups -----------------------------------------------------------------------------------

/**
 * The one row of `table` (Logical_Switch or Logical_Router) named `name`, undefined when there is
 * none; an error when several rows carry the name (made outside this package: ovn-nbctl refuses
 * to pick one too).
 */
export async function findByName(
  c: OvsdbClient,
  table: "Logical_Switch" | "Logical_Router",
  name: string,
  columns?: string[],
): Promise<Row | undefined> {
  const rows = await selectRows(c, NB_DB, table, [eq("name", name)], columns);
  if (rows.length > 1) {
    const what = table === "Logical_Switch" ? "logical switches" : "logical routers";
    throw new ResourceError(
      "NAME_TAKEN",
      `${rows.length} ${what} are named ${name} (${rows.map((r) => r._uuid).join(", ")}); ` +
        `names must be unique for this package to address them: rename or delete the extra ones`,
    );
  }
  return rows[0];
}

/** {@link findByName}, failing with PARENT_MISSING (and what to create) when there is none. */
export async function requireParent(
  c: OvsdbClient,
  table: "Logical_Switch" | "Logical_Router",
  name: string,
  columns?: string[],
): Promise<Row> {
  const row = await findByName(c, table, name, columns);
  if (!row) {
    const [what, sdk] =
      table === "Logical_Switch"
        ? ["logical switch", "ovn.LogicalSwitch"]
        : ["logical router", "ovn.LogicalRouter"];
    throw new ResourceError(
      "PARENT_MISSING",
      `${what} ${name} does not exist in the northbound database; create it first (${sdk}) ` +
        `or pass its name as an output (e.g. sw.name) so Pulumi orders the creation`,
    );
  }
  return row;
}

/** Rows of `table` with the given UUIDs (one transaction; missing rows are skipped; all columns by default). */
export async function selectByUuids(
  c: OvsdbClient,
  table: string,
  uuids: string[],
  columns?: string[],
): Promise<Row[]> {
  if (uuids.length === 0) return [];
  const cols = columns ? [...new Set(["_uuid", ...columns])] : undefined;
  const results = await c.transact(
    NB_DB,
    uuids.map((u) => select(table, [eq("_uuid", u)], cols)),
  );
  return results.flatMap((r) => (r.rows ?? []) as Row[]);
}

/** Keeps the program's order of a set column when the live set holds the same elements. */
export function inProgramOrder<T>(live: T[] | undefined, program: T[] | undefined): T[] | undefined {
  if (!live || live.length === 0) return undefined;
  if (program && canonical(program) === canonical(live)) return program;
  return [...live].sort();
}

/** Parents (switches or routers) whose `column` holds `uuid`. */
export async function parentsOf(
  c: OvsdbClient,
  table: "Logical_Switch" | "Logical_Router",
  column: string,
  uuid: string,
): Promise<Row[]> {
  return selectRows(c, NB_DB, table, [includes(column, [uuid])], ["name"]);
}

// ---- waiting for the chassis -------------------------------------------------------------------

/**
 * Operations appended to a transaction when the caller waits for the chassis: increment
 * NB_Global.nb_cfg and read the new value back (a select after a mutate sees the mutation).
 */
export function bumpNbCfg(): Operation[] {
  return [mutate("NB_Global", [], [["nb_cfg", "+=", 1]]), select("NB_Global", [], ["nb_cfg"])];
}

/**
 * Commit `ops` in one transaction; with `waitForChassis`, also bump `nb_cfg` in it and then block
 * (server side) until ovn-northd reports that every chassis applied it (`hv_cfg >= nb_cfg`), like
 * `ovn-nbctl --wait=hv`. Returns the results of `ops`.
 */
export async function commitNb(
  c: OvsdbClient,
  ops: Operation[],
  w: WaitSettings,
): Promise<OperationResult[] | undefined> {
  const writes = ops.some((o) => o.op !== "wait" && o.op !== "select" && o.op !== "comment");
  if (!w.waitForChassis) return writes ? c.transact(NB_DB, ops) : undefined;
  const results = await c.transact(NB_DB, [...ops, ...bumpNbCfg()]);
  const rows = results[results.length - 1].rows ?? [];
  const target = rows[0]?.nb_cfg as number | undefined;
  if (target === undefined) {
    throw new ResourceError(
      "PARENT_MISSING",
      "the change was written, but waitForChassis cannot wait: the northbound database has no NB_Global " +
        "row (is ovn-northd running?)",
    );
  }
  await waitForHvCfg(c, target, (w.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_S) * 1000);
  return results.slice(0, ops.length);
}

/** Blocks until NB_Global.hv_cfg >= `target`, or fails after `timeoutMs`. */
export async function waitForHvCfg(c: OvsdbClient, target: number, timeoutMs: number): Promise<void> {
  try {
    await c.transact(
      NB_DB,
      [wait("NB_Global", [ge("hv_cfg", target)], ["hv_cfg"], [], { until: "!=", timeout: timeoutMs })],
      { timeoutMs: timeoutMs + 10_000 },
    );
  } catch (e) {
    if (e instanceof OvsdbTransactionError && e.error === "timed out") {
      const [g] = await selectRows(c, NB_DB, "NB_Global", [], ["nb_cfg", "sb_cfg", "hv_cfg"]);
      throw new ResourceError(
        "NOT_APPLIED",
        `the change was written, but the chassis did not apply it within ${Math.round(timeoutMs / 1000)} s ` +
          `(waitForChassis: nb_cfg ${target}, sb_cfg ${g?.sb_cfg}, hv_cfg ${g?.hv_cfg}); check that ovn-northd ` +
          `and every ovn-controller are running, then run again (or raise waitTimeoutSeconds)`,
        { cause: e },
      );
    }
    throw e;
  }
}
