/**
 * Member rows: arguments stored as rows of another table that the resource's row references (a
 * port's Interface, a router port's Gateway_Chassis rows), declared by a `rows` {@link Storage}.
 * A create inserts them with the row; an update changes a kept member in place (a list's members
 * are told apart by their `key` field), inserts new ones and drops the references to the others
 * (member tables are not root tables, so OVSDB deletes an unreferenced member); refresh reads them
 * back field by field, like the row's own arguments.
 */
import {
  eq,
  insert,
  mutate,
  namedUuid,
  type Atom,
  type Mutation,
  type Operation,
  type Row,
  type Value,
} from "../ovsdb";
import { wire, type Props } from "../framework";
import { argsFromRow, argsPlan } from "./args";
import { canonical, guardPresent, ownedIds, planRowUpdate, type StringMap } from "./rows";
import type { MemberRows, TableSpec } from "./spec";

type Owned = Props & { owner: string; instance?: string };

/** A `rows` argument of a spec. */
export interface MemberArg {
  arg: string;
  column: string;
  rows: MemberRows;
}

/** The `rows` arguments of a spec. */
export function memberArgs(spec: Pick<TableSpec, "args">): MemberArg[] {
  const out: MemberArg[] = [];
  for (const [arg, a] of Object.entries(spec.args)) {
    const s = a.storage;
    if (s && "rows" in s) out.push({ arg, column: s.column, rows: s.rows });
  }
  return out;
}

/** The members an argument value stands for: one (possibly empty) object, or a list. */
function membersOf(m: MemberRows, v: unknown): Props[] {
  if (m.single) return [(v ?? {}) as Props];
  return (v ?? []) as Props[];
}

/** The columns of one member row (without the owner marker). Pure. */
function memberRow(m: MemberRows, i: Props, member: Props): Row {
  const plan = argsPlan(m.args, undefined, member);
  const row: Row = { ...plan.columns, ...(m.fixed?.(i, member) ?? {}) };
  for (const [column, map] of Object.entries(plan.maps)) row[column] = map.desired ?? {};
  return row;
}

/** A member's key value (list members), in canonical form. */
function keyOf(m: MemberRows, member: Props): string {
  return canonical(m.key === undefined ? member : member[m.key]);
}

/** The key of a live member row, decoded as its argument is. */
function liveKeyOf(m: MemberRows, row: Row): string {
  const args = argsFromRow(m.args, row, {});
  return canonical(m.key === undefined ? args : args[m.key]);
}

/**
 * Inserts of the member rows of every `rows` argument, and the value of each referencing column
 * (named uuids of those inserts). Pure.
 */
export function planMemberInserts(spec: TableSpec, i: Owned): { ops: Operation[]; columns: Row } {
  const ops: Operation[] = [];
  const columns: Row = {};
  for (const { arg, column, rows: m } of memberArgs(spec)) {
    const names = membersOf(m, i[arg]).map((member, n) => {
      const uuidName = `${arg}${n}`;
      ops.push(insert(m.table, withMarker(m, memberRow(m, i, member), i), { uuidName }));
      return namedUuid(uuidName);
    });
    columns[column] = names as Value;
  }
  return { ops, columns };
}

/** The member row with the resource's owner marker, for member tables that carry one. */
function withMarker(m: MemberRows, row: Row, i: Owned): Row {
  if (!m.marked) return row;
  return { ...row, external_ids: ownedIds(row.external_ids as StringMap | undefined, i) };
}

/**
 * Operations bringing the member rows of row `uuid` (its live `row`, its live members by argument)
 * to the inputs `i` (`prev`: the inputs they were written from). Pure.
 */
export function planMemberUpdate(
  spec: TableSpec,
  uuid: string,
  row: Row,
  live: Record<string, Row[]>,
  prev: Owned | undefined,
  i: Owned,
): Operation[] {
  const ops: Operation[] = [];
  for (const { arg, column, rows: m } of memberArgs(spec)) {
    const rows = live[arg] ?? [];
    const prevByKey = new Map(membersOf(m, prev?.[arg]).map((p) => [keyOf(m, p), p]));
    const liveByKey = new Map(rows.map((r) => [m.single ? "" : liveKeyOf(m, r), r]));
    const mutations: Mutation[] = [];
    const added: Atom[] = [];
    const kept = new Set<Row>();
    membersOf(m, i[arg]).forEach((member, n) => {
      const key = m.single ? "" : keyOf(m, member);
      const have = liveByKey.get(key);
      if (have) {
        kept.add(have);
        const before = m.single ? (prev?.[arg] as Props | undefined) : prevByKey.get(key);
        const plan = argsPlan(m.args, before, member);
        const columns = { ...plan.columns, ...(m.fixed?.(i, member) ?? {}) };
        const owner = m.marked ? { owner: i.owner, instance: i.instance } : {};
        ops.push(
          ...planRowUpdate(m.table, have._uuid as string, have, { columns, maps: plan.maps, ...owner }),
        );
        return;
      }
      const uuidName = `${arg}New${n}`;
      ops.push(insert(m.table, withMarker(m, memberRow(m, i, member), i), { uuidName }));
      added.push(namedUuid(uuidName));
    });
    const dropped = rows.filter((r) => !kept.has(r)).map((r) => r._uuid as string);
    if (dropped.length) mutations.push([column, "delete", dropped]);
    if (added.length) mutations.push([column, "insert", added]);
    if (mutations.length) {
      // The set of members is still the one read.
      ops.push(guardPresent(spec.table, uuid, column, row[column]));
      ops.push(mutate(spec.table, [eq("_uuid", uuid)], mutations));
    }
  }
  return ops;
}

/**
 * The argument values the live members stand for (for refresh): a list in the stated order when
 * it holds the same members, otherwise sorted; a single member with nothing set reads as unset.
 * Pure.
 */
export function membersFromRows(spec: TableSpec, live: Record<string, Row[]>, s: Props): Props {
  const out: Props = {};
  for (const { arg, rows: m } of memberArgs(spec)) {
    const rows = live[arg] ?? [];
    if (m.single) {
      const stated = (s[arg] ?? {}) as Props;
      const v = rows[0] ? wire(argsFromRow(m.args, rows[0], stated)) : {};
      out[arg] = Object.keys(v).length || s[arg] !== undefined ? v : undefined;
      continue;
    }
    const statedByKey = new Map(membersOf(m, s[arg]).map((p) => [keyOf(m, p), p]));
    const members = rows.map((r) => wire(argsFromRow(m.args, r, statedByKey.get(liveKeyOf(m, r)) ?? {})));
    if (members.length === 0) out[arg] = undefined;
    else if (canonical(members) === canonical(s[arg] ?? [])) out[arg] = s[arg];
    else out[arg] = [...members].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1));
  }
  return out;
}
