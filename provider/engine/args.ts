/**
 * Declared arguments to columns and back, for any set of {@link ArgSpec}s (a resource's own
 * arguments, or the fields of its member rows): which columns a value sets, which map keys it
 * sets or removes, and what a live row reads back as.
 */
import type { Row, Value } from "../ovsdb";
import type { Props } from "../framework";
import { canonical, inProgramOrder, managedKeys, type RowPlan, type StringMap } from "./rows";
import type { ArgSpec, Storage } from "./spec";

/** uuids of the rows that reference arguments name (`ref`), by argument; null when left out. */
export type Resolved = Record<string, string | null | RefSet | Attached>;

/** Names to uuids of the rows a `managedRefs` argument lists (or listed). */
export type RefSet = Record<string, string>;

/** Names to the rows an `attachedTo` argument lists (or listed): uuid, and whether it holds the row. */
export type Attached = Record<string, { uuid: string; holds: boolean }>;

/** Storage the engine plans apart from the row's own columns. */
type ApartStorage = Extract<Storage, { rows: unknown } | { managedRefs: true } | { attachedTo: unknown }>;

/** Storage the engine plans apart from the row's own columns (member rows, references, attachments). */
export const plannedApart = (s: Storage): s is ApartStorage =>
  "rows" in s || "managedRefs" in s || "attachedTo" in s;

export const encodeArg = (a: ArgSpec, v: unknown): unknown => (a.encode ? a.encode(v as never) : v);
export const decodeArg = (a: ArgSpec, v: unknown): unknown => (a.decode ? a.decode(v as never) : v);

/** Whether a column value means "not set" for the argument. */
export const isEmpty = (a: ArgSpec, v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (a.empty !== undefined && canonical(v) === canonical(a.empty));

/** The column value of a whole-column argument (a reference resolved to its uuid). */
function columnValue(k: string, a: ArgSpec, i: Props, resolved: Resolved): Value {
  if (a.write) return a.write(i);
  if (a.ref) return (resolved[k] ?? a.empty ?? null) as Value;
  return (i[k] === undefined ? (a.empty === undefined ? null : a.empty) : encodeArg(a, i[k])) as Value;
}

/** The argument value of a whole-column argument from its column (`stated`: the state's value). */
function readColumn(a: ArgSpec, v: Value, stated: unknown): unknown {
  if (a.read) return a.read(v, stated);
  // An empty column the program states by its implied value reads back as stated.
  if (isEmpty(a, v)) return a.implied !== undefined && stated === a.implied ? stated : undefined;
  const out = decodeArg(a, v);
  // A set reads back in the program's order while it holds the same members.
  return Array.isArray(out) ? inProgramOrder(out, stated as unknown[] | undefined) : out;
}

/**
 * The columns and map keys that `args` with values `i` set (`prev`: the values they were written
 * from, whose map keys `i` no longer names are removed). Member rows are planned apart. Pure.
 */
export function argsPlan(
  args: Record<string, ArgSpec>,
  prev: Props | undefined,
  i: Props,
  resolved: Resolved = {},
): Required<Pick<RowPlan, "columns" | "maps">> {
  const columns: Row = {};
  const maps: NonNullable<RowPlan["maps"]> = {};
  const mapOf = (column: string) => (maps[column] ??= { previous: undefined, desired: undefined });
  for (const [k, a] of Object.entries(args)) {
    const s = a.storage;
    if (!s || plannedApart(s)) continue;
    if ("key" in s) {
      const m = mapOf(s.column);
      const put = (side: "previous" | "desired", from: Props | undefined) => {
        const v = from?.[k];
        if (v === undefined) return;
        m[side] = { ...(m[side] ?? {}), [s.key]: String(encodeArg(a, v)) };
      };
      put("previous", prev);
      put("desired", i);
    } else if ("managedKeys" in s) {
      const m = mapOf(s.column);
      if (prev?.[k] !== undefined) m.previous = { ...(m.previous ?? {}), ...(prev[k] as StringMap) };
      if (i[k] !== undefined) m.desired = { ...(m.desired ?? {}), ...(i[k] as StringMap) };
    } else {
      columns[s.column] = columnValue(k, a, i, resolved);
    }
  }
  return { columns, maps };
}

/**
 * The values a live row gives `args` (for refresh): each stored argument from its column, map
 * arguments only with the keys the stated values `s` manage, references by the names in `names`.
 * Arguments without a column and member rows are left to the caller. Pure.
 */
export function argsFromRow(args: Record<string, ArgSpec>, live: Row, s: Props, names: Resolved = {}): Props {
  const out: Props = {};
  for (const [k, a] of Object.entries(args)) {
    const st = a.storage;
    if (!st || plannedApart(st)) continue;
    if ("key" in st) {
      const v = (live[st.column] as StringMap | undefined)?.[st.key];
      out[k] = v === undefined ? undefined : decodeArg(a, v);
    } else if ("managedKeys" in st) {
      out[k] = managedKeys(live[st.column], s[k] as StringMap | undefined);
    } else if (a.ref) {
      out[k] = names[k] ?? undefined;
    } else {
      out[k] = readColumn(a, live[st.column], s[k]);
    }
  }
  return out;
}
