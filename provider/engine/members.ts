/**
 * Member rows: arguments stored as rows of another table that the resource's row references (a
 * port's Interface, a router port's Gateway_Chassis rows), declared by a `rows` {@link Storage}.
 * A create inserts them with the row; an update changes a kept member in place (a list's members
 * are told apart by their `key` field), inserts new ones and drops the references to the others
 * (member tables are not root tables, so OVSDB deletes an unreferenced member); refresh reads them
 * back field by field, like the row's own arguments. A member row may have members of its own (a
 * bridge's own port and that port's interface): the same rules apply level by level; live members
 * are kept by path (`interface`, `port.interface`).
 */
import {
  eq,
  insert,
  mutate,
  namedUuid,
  select,
  type Atom,
  type Mutation,
  type Operation,
  type OvsdbClient,
  type Row,
  type Value,
} from "../ovsdb";
import { UNKNOWN, formatPath, wire, type Props } from "../framework";
import { argsFromRow, argsPlan } from "./args";
import { canonical, guardPresent, ownedIds, planRowUpdate, type StringMap } from "./rows";
import type { ArgSpec, MemberRows, OwnRows, TableSpec } from "./spec";

type Owned = Props & { owner: string; instance?: string };

/** What holds members: a spec, or a member row with members of its own. */
type Holder = { args: Record<string, ArgSpec>; ownRows?: Record<string, OwnRows> };

/** Live member rows by path: a member argument (`interface`), or nested (`port.interface`). */
export type LiveMembers = Record<string, Row[]>;

/** A `rows` argument of a spec (or member rows no argument sets: `own`). */
export interface MemberArg {
  arg: string;
  column: string;
  rows: MemberRows;
  own?: boolean;
}

/** The `rows` arguments of a spec or member, then its own rows. */
export function memberArgs(spec: Holder): MemberArg[] {
  const out: MemberArg[] = [];
  for (const [arg, a] of Object.entries(spec.args)) {
    const s = a.storage;
    if (s && "rows" in s) out.push({ arg, column: s.column, rows: s.rows });
  }
  for (const [arg, rows] of Object.entries(spec.ownRows ?? {})) {
    out.push({ arg, column: rows.column, rows, own: true });
  }
  return out;
}

/** The members an argument value stands for: one (possibly empty) object, or a list. */
function membersOf(m: MemberRows, v: unknown): Props[] {
  if (m.single) return [(v ?? {}) as Props];
  const list = (v ?? []) as unknown[];
  return m.value ? list.map((x) => ({ [m.value!]: x })) : (list as Props[]);
}

/** The member argument telling list members apart. */
const keyArg = (m: MemberRows): string | undefined => m.key ?? m.value;

/** The columns of one member row (without the owner marker). Pure. */
function memberRow(m: MemberRows, i: Props, member: Props): Row {
  const plan = argsPlan(m.args, undefined, member);
  const row: Row = { ...plan.columns, ...(m.fixed?.(i, member) ?? {}) };
  for (const [column, map] of Object.entries(plan.maps)) row[column] = map.desired ?? {};
  return row;
}

/** A member's key value (list members), in canonical form. */
function keyOf(m: MemberRows, member: Props): string {
  const k = keyArg(m);
  return canonical(k === undefined ? member : member[k]);
}

/** The key of a live member row, decoded as its argument is. */
function liveKeyOf(m: MemberRows, row: Row): string {
  const args = argsFromRow(m.args, row, {});
  const k = keyArg(m);
  return canonical(k === undefined ? args : args[k]);
}

/** The uuids a reference column holds. */
function uuidsIn(v: Value | undefined): string[] {
  if (Array.isArray(v)) return v as string[];
  return typeof v === "string" ? [v] : [];
}

/** Conditions on a single member's `fixed` columns (how a shared member is found among other rows). */
export function fixedWhere(m: MemberRows, i: Props) {
  return Object.entries(m.fixed?.(i, {}) ?? {}).map(([k, v]) => eq(k, v));
}

/** Whether a live row has a single member's `fixed` columns. */
function hasFixed(m: MemberRows, i: Props, row: Row): boolean {
  return Object.entries(m.fixed?.(i, {}) ?? {}).every(([k, v]) => canonical(row[k]) === canonical(v));
}

/** The live member rows of `m` that the live row `row` holds in `column`. */
function heldBy(row: Row, at: MemberArg, live: LiveMembers, path: string, i: Props): Row[] {
  const held = new Set(uuidsIn(row[at.column]));
  return (live[path] ?? []).filter(
    (r) => held.has(r._uuid as string) && (!at.rows.shared || hasFixed(at.rows, i, r)),
  );
}

/**
 * Whether `row`, held in `column`, is one of the resource's own member rows rather than a child
 * (a bridge's own port among its ports).
 */
export function isMemberRow(spec: Holder, column: string, row: Row, i: Props): boolean {
  return memberArgs(spec).some((m) => m.column === column && m.rows.shared && hasFixed(m.rows, i, row));
}

/**
 * Inserts of the member rows of every `rows` argument, and the value of each referencing column
 * (named uuids of those inserts). Pure.
 */
export function planMemberInserts(spec: TableSpec, i: Owned): { ops: Operation[]; columns: Row } {
  return planInserts(spec, i, i, "");
}

/** The inserts of a holder's members (argument values `values`), nested members first. Pure. */
function planInserts(h: Holder, i: Owned, values: Props, prefix: string): { ops: Operation[]; columns: Row } {
  const ops: Operation[] = [];
  const columns: Row = {};
  for (const { arg, column, rows: m } of memberArgs(h)) {
    const names = membersOf(m, values[arg]).map((member, n) => {
      const uuidName = `${prefix}${arg}${n}`;
      ops.push(...insertMember(m, i, member, uuidName));
      return namedUuid(uuidName);
    });
    columns[column] = names as Value;
  }
  return { ops, columns };
}

/** The insert of one member row under `uuidName`, after the inserts of its own members. Pure. */
function insertMember(m: MemberRows, i: Owned, member: Props, uuidName: string): Operation[] {
  const nested = planInserts(m, i, member, `${uuidName}_`);
  const row = withMarker(m, { ...memberRow(m, i, member), ...nested.columns }, i);
  return [...nested.ops, insert(m.table, row, { uuidName })];
}

/** The member row with the resource's owner marker, for member tables that carry one. */
function withMarker(m: MemberRows, row: Row, i: Owned): Row {
  if (!m.marked) return row;
  return { ...row, external_ids: ownedIds(row.external_ids as StringMap | undefined, i) };
}

/**
 * Operations bringing the member rows of row `uuid` (its live `row`, its live members by path)
 * to the inputs `i` (`prev`: the inputs they were written from). Pure.
 */
export function planMemberUpdate(
  spec: TableSpec,
  uuid: string,
  row: Row,
  live: LiveMembers,
  prev: Owned | undefined,
  i: Owned,
): Operation[] {
  return planUpdates(spec, spec.table, { ...row, _uuid: uuid }, live, "", prev, i, i, "");
}

/** The updates of a holder's members: `row` is the holder's live row, `values` its argument values. Pure. */
function planUpdates(
  h: Holder,
  table: string,
  row: Row,
  live: LiveMembers,
  path: string,
  prevValues: Props | undefined,
  values: Props,
  i: Owned,
  prefix: string,
): Operation[] {
  const ops: Operation[] = [];
  for (const at of memberArgs(h)) {
    const { arg, column, rows: m } = at;
    const rows = heldBy(row, at, live, path + arg, i);
    const prevByKey = new Map(membersOf(m, prevValues?.[arg]).map((p) => [keyOf(m, p), p]));
    const liveByKey = new Map(rows.map((r) => [m.single ? "" : liveKeyOf(m, r), r]));
    const mutations: Mutation[] = [];
    const added: Atom[] = [];
    const kept = new Set<Row>();
    membersOf(m, values[arg]).forEach((member, n) => {
      const key = m.single ? "" : keyOf(m, member);
      const have = liveByKey.get(key);
      if (have) {
        kept.add(have);
        const before = m.single ? (prevValues?.[arg] as Props | undefined) : prevByKey.get(key);
        const plan = argsPlan(m.args, before, member);
        const columns = { ...plan.columns, ...(m.fixed?.(i, member) ?? {}) };
        const owner = m.marked ? { owner: i.owner, instance: i.instance } : {};
        ops.push(
          ...planRowUpdate(m.table, have._uuid as string, have, { columns, maps: plan.maps, ...owner }),
          ...planUpdates(m, m.table, have, live, `${path}${arg}.`, before, member, i, `${prefix}${arg}${n}_`),
        );
        return;
      }
      const uuidName = `${prefix}${arg}New${n}`;
      ops.push(...insertMember(m, i, member, uuidName));
      added.push(namedUuid(uuidName));
    });
    const dropped = rows.filter((r) => !kept.has(r)).map((r) => r._uuid as string);
    // New members first: ovsdb-server checks the column's size after each mutation, and a column
    // that must hold a member (a meter's bands, a port's interfaces) cannot lose its last one
    // before it gains the next.
    if (added.length) mutations.push([column, "insert", added]);
    if (dropped.length) mutations.push([column, "delete", dropped]);
    if (mutations.length) {
      // The set of members is still the one read.
      const uuid = row._uuid as string;
      ops.push(guardPresent(table, uuid, column, row[column]));
      ops.push(mutate(table, [eq("_uuid", uuid)], mutations));
    }
  }
  return ops;
}

/** A problem in the raw value of a `rows` argument, at `path` (`["bands", 0, "burstsize"]`). */
export interface MemberShapeProblem {
  path: (string | number)[];
  message: string;
}

const isObject = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * What a member object's schema would silently drop or merge (before it is parsed): fields no
 * member argument declares (a misspelled `burstsize` would leave the burst at its default), and,
 * in a list, a member identical to an earlier one (the same `key`, or for a list without a key the
 * same values once parsed by `parse`, e.g. `[{ rate: 10 }, { rate: 10 }]`), which the set would
 * collapse into one. Nested member arguments are checked the same way. Pure.
 */
export function memberShapeProblems(
  arg: string,
  m: MemberRows,
  v: unknown,
  parse?: (member: unknown) => unknown,
  at: (string | number)[] = [arg],
): MemberShapeProblem[] {
  if (m.value) return [];
  const out: MemberShapeProblem[] = [];
  const accepted = Object.keys(m.args);
  const one = (member: unknown, path: (string | number)[]) => {
    if (!isObject(member)) return;
    for (const k of Object.keys(member).filter((k) => !accepted.includes(k)))
      out.push({
        path: [...path, k],
        message: `unknown field "${k}"; accepted: ${accepted.join(", ")}`,
      });
    for (const [k, a] of Object.entries(m.args)) {
      const s = a.storage;
      if (s && "rows" in s) out.push(...memberShapeProblems(k, s.rows, member[k], undefined, [...path, k]));
    }
  };
  if (m.single) {
    one(v, at);
    return out;
  }
  if (!Array.isArray(v)) return out;
  const seen = new Map<string, number>();
  v.forEach((member, n) => {
    one(member, [...at, n]);
    // A member not known yet at preview (an output of a resource not created) is not compared.
    if (!isObject(member) || JSON.stringify(member).includes(UNKNOWN)) return;
    const k = m.key;
    const id = k !== undefined ? member[k] : parse ? parse(member) : member;
    if (id === undefined) return;
    const first = seen.get(canonical(id));
    if (first === undefined) seen.set(canonical(id), n);
    else
      out.push({
        path: [...at, n],
        message:
          k !== undefined
            ? `${k} ${JSON.stringify(id)} is given twice (also at ${formatPath([...at, first])}); one entry per ${k}`
            : `the same as ${formatPath([...at, first])}; give each entry once`,
      });
  });
  return out;
}

/**
 * The argument values the live members stand for (for refresh): a list in the stated order when
 * it holds the same members, otherwise sorted; a single member with nothing set reads as unset.
 * Rows no argument sets are not read back. Pure.
 */
export function membersFromRows(spec: TableSpec, live: LiveMembers, s: Props): Props {
  return valuesFromRows(spec, undefined, live, "", s);
}

/** The member argument values of a holder (`row`: its live row; undefined for the resource's). Pure. */
function valuesFromRows(h: Holder, row: Row | undefined, live: LiveMembers, path: string, s: Props): Props {
  const out: Props = {};
  for (const at of memberArgs(h)) {
    const { arg, rows: m } = at;
    if (at.own) continue;
    const rows = row ? heldBy(row, at, live, path + arg, s) : (live[path + arg] ?? []);
    const fromRow = (r: Row, stated: Props): Props =>
      wire({ ...argsFromRow(m.args, r, stated), ...valuesFromRows(m, r, live, `${path}${arg}.`, stated) });
    if (m.single) {
      const stated = (s[arg] ?? {}) as Props;
      const v = rows[0] ? fromRow(rows[0], stated) : {};
      out[arg] = Object.keys(v).length || s[arg] !== undefined ? v : undefined;
      continue;
    }
    const statedByKey = new Map(membersOf(m, s[arg]).map((p) => [keyOf(m, p), p]));
    const objects = rows.map((r) => fromRow(r, statedByKey.get(liveKeyOf(m, r)) ?? {}));
    const members = m.value ? objects.map((o) => o[m.value!]) : objects;
    if (members.length === 0) out[arg] = undefined;
    else if (canonical(members) === canonical(s[arg] ?? [])) out[arg] = s[arg];
    else out[arg] = [...members].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1));
  }
  return out;
}

/**
 * The live member rows of the live row `live` of a spec, by path, level by level (one transaction
 * per level; none without members): those `wanted` says, and their own members. `i`: the inputs
 * the members' `fixed` columns come from.
 */
export async function readMembers(
  c: OvsdbClient,
  db: string,
  spec: Holder,
  live: Row,
  i: Props,
  wanted: (m: MemberArg) => boolean = () => true,
): Promise<LiveMembers> {
  const out: LiveMembers = {};
  let level: { h: Holder; rows: Row[]; path: string }[] = [{ h: spec, rows: [live], path: "" }];
  while (level.length) {
    const ops: Operation[] = [];
    const reads: { at: string; m: MemberRows; from: number; held: Set<string> }[] = [];
    for (const { h, rows, path } of level) {
      for (const at of memberArgs(h).filter(wanted)) {
        const held = rows.flatMap((r) => uuidsIn(r[at.column]));
        reads.push({ at: path + at.arg, m: at.rows, from: ops.length, held: new Set(held) });
        if (at.rows.shared) ops.push(...(held.length ? [select(at.rows.table, fixedWhere(at.rows, i))] : []));
        else ops.push(...held.map((u) => select(at.rows.table, [eq("_uuid", u)])));
      }
    }
    const results = ops.length ? await c.transact(db, ops) : [];
    level = reads.map((r, n) => {
      const to = reads[n + 1]?.from ?? ops.length;
      const rows = results.slice(r.from, to).flatMap((x) => (x.rows ?? []) as Row[]);
      out[r.at] = rows.filter((row) => r.held.has(row._uuid as string));
      return { h: r.m, rows: out[r.at], path: `${r.at}.` };
    });
  }
  return out;
}
