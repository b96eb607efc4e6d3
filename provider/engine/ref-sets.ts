/**
 * Managed references: an argument listing rows of another table by name (a port group's `ports`,
 * logical switch ports by name), stored as members of a set of references (`managedRefs`
 * {@link Storage}). Membership is owned member by member, like managed map keys: the names the
 * argument lists are added, the names it used to list are removed, and members others added are
 * left alone. Names are resolved to uuids before anything is written; a name no row holds fails
 * with PARENT_MISSING.
 */
import { eq, mutate, select, type OvsdbClient, type Mutation, type Operation, type Row } from "../ovsdb";
import { ResourceError } from "../errors";
import type { Props } from "../framework";
import { selectRowsByUuid } from "./rows";
import type { RefSet, Resolved } from "./args";
import type { RowRef, TableSpec } from "./spec";

/** A `managedRefs` argument of a spec. */
interface RefSetArg {
  arg: string;
  column: string;
  ref: RowRef;
}

/** The `managedRefs` arguments of a spec. */
export function refSetArgs(spec: Pick<TableSpec, "args">): RefSetArg[] {
  const out: RefSetArg[] = [];
  for (const [arg, a] of Object.entries(spec.args)) {
    const s = a.storage;
    if (!s || !("managedRefs" in s)) continue;
    if (!a.ref) throw new ResourceError("INTERNAL", `argument ${arg}: managedRefs storage needs a ref`);
    out.push({ arg, column: s.column, ref: a.ref });
  }
  return out;
}

/** The names an argument lists (none when left out). */
export const namesIn = (v: unknown): string[] => (v ?? []) as string[];

/** The uuids of `names` in the resolved names of `arg` (a name missing there is a planning bug). */
function uuidsOf(resolved: Resolved, arg: string, names: string[]): string[] {
  const set = (resolved[arg] ?? {}) as RefSet;
  return names.map((n) => {
    const uuid = set[n];
    if (uuid === undefined)
      throw new ResourceError("INTERNAL", `${arg}: ${n} was not resolved before planning`);
    return uuid;
  });
}

/** The reference columns of a new row: the rows its arguments list. Pure. */
export function refSetColumns(spec: TableSpec, i: Props, resolved: Resolved): Row {
  const row: Row = {};
  for (const { arg, column } of refSetArgs(spec)) row[column] = uuidsOf(resolved, arg, namesIn(i[arg]));
  return row;
}

/**
 * Mutations of the live row `uuid` adding the rows the inputs list that it lacks and removing the
 * rows `prev` listed that the inputs no longer do; empty when nothing differs. Pure.
 */
export function planRefSetUpdate(
  spec: TableSpec,
  uuid: string,
  live: Row,
  prev: Props | undefined,
  i: Props,
  resolved: Resolved,
): Operation[] {
  const mutations: Mutation[] = [];
  for (const { arg, column } of refSetArgs(spec)) {
    const have = new Set((live[column] as string[] | undefined) ?? []);
    const want = namesIn(i[arg]);
    const add = uuidsOf(resolved, arg, want).filter((u) => !have.has(u));
    const set = (resolved[arg] ?? {}) as RefSet;
    const dropped = namesIn(prev?.[arg]).filter((n) => !want.includes(n));
    const remove = dropped.map((n) => set[n]).filter((u) => u !== undefined && have.has(u));
    // Additions first: ovsdb-server checks the column's size after each mutation (see members.ts).
    if (add.length) mutations.push([column, "insert", add]);
    if (remove.length) mutations.push([column, "delete", remove]);
  }
  return mutations.length ? [mutate(spec.table, [eq("_uuid", uuid)], mutations)] : [];
}

/**
 * What the live row says of each argument (for refresh): the names it listed that the row still
 * references (`names`: names to uuids of the live members); members others added are not shown.
 * Pure.
 */
export function refSetsFromRow(spec: TableSpec, s: Props, names: Resolved): Props {
  const out: Props = {};
  for (const { arg } of refSetArgs(spec)) {
    if (s[arg] === undefined) continue;
    const live = (names[arg] ?? {}) as RefSet;
    out[arg] = namesIn(s[arg]).filter((n) => n in live);
  }
  return out;
}

/**
 * The uuids of the rows the arguments list now (`i`) or listed before (`prev`), by argument; fails
 * with PARENT_MISSING, naming every missing row, when a listed name has no row.
 */
export async function resolveRefSets(
  c: OvsdbClient,
  db: string,
  spec: TableSpec,
  prev: Props | undefined,
  i: Props,
): Promise<Resolved> {
  const out: Resolved = {};
  for (const { arg, ref } of refSetArgs(spec)) {
    const rows = await rowsNamed(c, db, arg, ref, [...namesIn(prev?.[arg]), ...namesIn(i[arg])], []);
    refuseMissing(arg, ref, namesIn(i[arg]), rows);
    out[arg] = Object.fromEntries(Object.entries(rows).map(([n, r]) => [n, r._uuid as string]));
  }
  return out;
}

/**
 * The rows of `ref.table` named `names` (their uuid, name and `columns`), by name, in one transaction; those no row
 * holds are left out. NAME_TAKEN when several rows hold one name.
 */
export async function rowsNamed(
  c: OvsdbClient,
  db: string,
  arg: string,
  ref: RowRef,
  names: string[],
  columns: string[],
): Promise<Record<string, Row>> {
  const unique = [...new Set(names)];
  if (!unique.length) return {};
  const results = await c.transact(
    db,
    unique.map((n) => select(ref.table, [eq("name", n)], ["_uuid", "name", ...columns])),
  );
  const out: Record<string, Row> = {};
  results.forEach((r, n) => {
    const rows = r.rows ?? [];
    if (rows.length > 1) {
      throw new ResourceError(
        "NAME_TAKEN",
        `${arg}: ${rows.length} rows of ${ref.table} are named ${unique[n]}; names must be unique for this ` +
          `package to address them: rename or delete the extra ones`,
      );
    }
    if (rows[0]) out[unique[n]] = rows[0];
  });
  return out;
}

/** PARENT_MISSING naming every name of `listed` that `found` lacks; nothing when all are there. */
export function refuseMissing(
  arg: string,
  ref: RowRef,
  listed: string[],
  found: Record<string, unknown>,
): void {
  const reason = missingReason(arg, ref, listed, found);
  if (reason) throw new ResourceError("PARENT_MISSING", reason);
}

/**
 * Why `listed` cannot be resolved (the names `found` lacks, and the output to pass instead, e.g.
 * `logicalSwitch.name` for `ovn.LogicalSwitch`); undefined when all are there. Pure.
 */
export function missingReason(
  arg: string,
  ref: RowRef,
  listed: string[],
  found: Record<string, unknown>,
): string | undefined {
  const missing = listed.filter((n) => !(n in found));
  if (!missing.length) return undefined;
  const cls = ref.sdk.split(".").pop()!;
  const output = `${cls[0].toLowerCase()}${cls.slice(1)}.name`;
  return (
    `${arg}: ${ref.noun} ${missing.join(", ")} does not exist; create it first (${ref.sdk}) or pass its ` +
    `name as an output (e.g. ${output}) so Pulumi orders the creation`
  );
}

/** Names to uuids of the rows a live row's managed reference columns hold, by argument. */
export async function refSetNames(c: OvsdbClient, db: string, spec: TableSpec, live: Row): Promise<Resolved> {
  const out: Resolved = {};
  for (const { arg, column, ref } of refSetArgs(spec)) {
    const rows = await selectRowsByUuid(c, db, ref.table, (live[column] as string[] | undefined) ?? [], [
      "name",
    ]);
    out[arg] = Object.fromEntries(rows.map((r) => [r.name as string, r._uuid as string]));
  }
  return out;
}

/**
 * The members of a live row's managed reference columns that the state `s` does not list (added by
 * others), by argument: what a delete would take from them. Names are compared, so a listed row
 * deleted meanwhile is simply absent.
 */
export async function foreignMembers(
  c: OvsdbClient,
  db: string,
  spec: TableSpec,
  live: Row,
  s: Props,
): Promise<{ arg: string; column: string; noun: string; names: string[] }[]> {
  const out = [];
  for (const { arg, column, ref } of refSetArgs(spec)) {
    const held = (live[column] as string[] | undefined) ?? [];
    const rows = await selectRowsByUuid(c, db, ref.table, held, ["name"]);
    const own = new Set(namesIn(s[arg]));
    const names = rows.map((r) => String(r.name)).filter((n) => !own.has(n));
    out.push({ arg, column, noun: ref.noun, names: names.sort() });
  }
  return out;
}
