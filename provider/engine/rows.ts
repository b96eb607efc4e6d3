/**
 * Rows as the engine compares and writes them: one equality rule for column values (sets and maps
 * compare regardless of order, an empty optional or set column equals "not set"), the planned
 * update of a row (changed columns guarded by a `wait`, map keys mutated one by one), the guards a
 * write carries, and reading back the map keys a resource manages.
 */
import {
  mutate,
  select,
  update,
  wait,
  eq,
  type OvsdbClient,
  type Operation,
  type OperationResult,
  type Row,
} from "../ovsdb";
import { ResourceError } from "../errors";
import { mapMutations, ownedIds, ownerOf, planMap, stackOf } from "../resources/common";

export { ownedIds };

export type StringMap = Record<string, string>;

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

/** Whether a column value is empty: null, an empty set or an empty map. */
const isUnset = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (Array.isArray(v) ? v.length === 0 : typeof v === "object" && Object.keys(v).length === 0);

/** The columns of `want` whose value differs from the live row. */
export function changedColumns(live: Row, want: Row): Row {
  const out: Row = {};
  for (const [col, v] of Object.entries(want)) {
    // An optional column reads back as null when empty; [], {} and null all mean "not set".
    if (isUnset(live[col]) && isUnset(v)) continue;
    const l = live[col];
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

/** Keeps the program's order of a set column when the live set holds the same elements. */
export function inProgramOrder<T>(live: T[] | undefined, program: T[] | undefined): T[] | undefined {
  if (!live || live.length === 0) return undefined;
  if (program && canonical(program) === canonical(live)) return program;
  return [...live].sort();
}

/** Rows among `rows` that the stack of `owner` does not manage (no marker, or another stack's). */
export function foreignRows(rows: Row[], owner: string): Row[] {
  return rows.filter((r) => {
    const o = ownerOf(r);
    return o === undefined || stackOf(o) !== stackOf(owner);
  });
}

/** A value as a message shows it: empty and unset values as nothing, strings quoted when not one word. */
function shown(v: unknown): string[] {
  if (v === undefined || v === null || v === "") return [];
  if (Array.isArray(v)) return v.flatMap(shown); // a set column
  if (typeof v === "object") return [JSON.stringify(v)];
  const s = String(v);
  return [typeof v !== "string" || /^[\w.:/@$-]+$/.test(s) ? s : JSON.stringify(s)];
}

/**
 * A row in messages: its noun and the values of `columns`, e.g. `ACL to-lport 1000 "outport == @web
 * && ip4"` or `port web1`; by its uuid when those columns are empty. Pure.
 */
export function describeRow(noun: string, row: Row, columns: readonly string[] = ["name"]): string {
  const values = columns.flatMap((c) => shown(row[c]));
  return `${noun} ${values.length ? values.join(" ") : String(row._uuid)}`;
}

/** Rows of `table` with the given UUIDs (one transaction; missing rows are skipped; all columns by default). */
export async function selectRowsByUuid(
  c: OvsdbClient,
  db: string,
  table: string,
  uuids: readonly string[],
  columns?: string[],
): Promise<Row[]> {
  if (uuids.length === 0) return [];
  const cols = columns ? [...new Set(["_uuid", ...columns])] : undefined;
  const results = await c.transact(
    db,
    uuids.map((u) => select(table, [eq("_uuid", u)], cols)),
  );
  return results.flatMap((r) => (r.rows ?? []) as Row[]);
}

/** The uuid the server gave the row inserted under `uuidName` (found by name, not position). */
export function insertedUuid(
  ops: Operation[],
  results: OperationResult[] | undefined,
  uuidName: string,
): string {
  const at = ops.findIndex((o) => o.op === "insert" && o.uuidName === uuidName);
  const uuid = at < 0 ? undefined : results?.[at]?.uuid;
  if (typeof uuid !== "string") {
    throw new ResourceError("INTERNAL", `the server returned no uuid for the inserted row ${uuidName}`);
  }
  return uuid;
}
