/**
 * The lifecycle of a table-backed resource, derived from its {@link TableSpec}: the input schema,
 * `diff`'s replacements, the row to insert, the guarded update, the read-back for refresh, and the
 * owner-checked delete. Nothing here knows a particular table.
 *
 * - create: a row that is ours already (an interrupted create, or the old instance of a
 *   replacement) or that `adopt` takes over is brought to the inputs; otherwise the row is
 *   inserted in one transaction with guards: a `wait` that no row holds the name, or, for a child,
 *   that its parent still has the name and the list of children that was searched for a duplicate.
 * - read: the row by uuid; gone when deleted, held by a newer instance, or (a child) when no parent
 *   references it any more; every stored argument read back from its column, managed map keys only.
 * - update: the changed columns, each guarded by a `wait` that it still holds what was read, and
 *   map keys mutated one by one (keys others wrote are left alone).
 * - delete: only a row this instance holds; refused while it holds children the stack does not
 *   own. A child is deleted by removing its parent's reference (OVSDB collects the row).
 */
import { z } from "zod";
import {
  del,
  eq,
  includes,
  insert,
  mutate,
  namedUuid,
  wait,
  type OvsdbClient,
  type Operation,
  type Row,
} from "../ovsdb";
import { ResourceError, type InputProblem } from "../errors";
import { wire, type Instance, type Props, type ReadResult, type ResourceKind } from "../framework";
import {
  claimExisting,
  holdsRow,
  parentOf,
  refuseSuperseded,
  selectOne,
  selectRows,
  supersededRow,
  withGuards,
} from "../resources/common";
import {
  canonical,
  foreignRows,
  guardAbsent,
  guardPresent,
  ownedIds,
  planRowUpdate,
  insertedUuid,
  selectRowsByUuid,
  type RowPlan,
  type StringMap,
} from "./rows";
import { labelOf, type TableSpec } from "./spec";
import { argsFromRow, argsPlan, decodeArg, isEmpty, type Resolved } from "./args";
import { memberArgs, membersFromRows, planMemberInserts, planMemberUpdate } from "./members";
import { planRefSetUpdate, refSetColumns, refSetNames, refSetsFromRow, resolveRefSets } from "./ref-sets";
import { alternativeKind } from "./alternatives";

type Inputs = Props & Instance & { owner: string; adopt?: boolean };
type State = Inputs & { uuid: string };

export type { Resolved };

/** The uuid-name of the row a create inserts. */
const NEW_ROW = "row";

/** The zod object of a spec's inputs: the database's base arguments, the parent, every argument. */
export function inputSchema(spec: TableSpec): z.ZodObject {
  return z.object({
    ...spec.db.base,
    ...Object.fromEntries(Object.entries(spec.args).map(([k, a]) => [k, a.schema])),
  });
}

/**
 * What the row should hold for inputs `i` (`prev`: the inputs it was written from, whose map keys
 * the new inputs no longer name are removed). Pure.
 */
export function rowPlan(
  spec: TableSpec,
  prev: Inputs | undefined,
  i: Inputs,
  resolved: Resolved = {},
): RowPlan {
  return { ...argsPlan(spec.args, prev, i, resolved), owner: i.owner, instance: i.instance };
}

/**
 * The row a create inserts: the columns, the map keys, the owner marker and instance token
 * (`members`: the referencing columns of member rows inserted with it). Pure.
 */
export function insertRow(spec: TableSpec, i: Inputs, resolved: Resolved = {}, members: Row = {}): Row {
  const plan = rowPlan(spec, undefined, i, resolved);
  const row: Row = { ...plan.columns, ...refSetColumns(spec, i, resolved), ...members };
  for (const [column, m] of Object.entries(plan.maps ?? {})) row[column] = m.desired ?? {};
  row.external_ids = ownedIds(row.external_ids as StringMap | undefined, i);
  return row;
}

/**
 * The guarded insert of a new row (`parent`: the live parent row of a child, with its name and
 * its children column as they were searched). Pure.
 */
export function planCreate(spec: TableSpec, i: Inputs, parent?: Row, resolved: Resolved = {}): Operation[] {
  const members = planMemberInserts(spec, i);
  const row = insert(spec.table, insertRow(spec, i, resolved, members.columns), { uuidName: NEW_ROW });
  const ops: Operation[] = [];
  if (spec.nameArg)
    ops.push(guardAbsent(spec.table, columnOf(spec, spec.nameArg), i[spec.nameArg] as string));
  if (!spec.parent) return [...ops, ...members.ops, row];
  const p = spec.parent;
  if (!parent && p.createIfMissing && !p.arg) {
    // The only row of the parent table does not exist yet: insert it, if the table is still empty.
    const first = insert(p.table, { [p.column]: [namedUuid(NEW_ROW)] });
    return [...ops, ...members.ops, row, wait(p.table, [], [], [], { until: "==", timeout: 0 }), first];
  }
  if (!parent) throw new ResourceError("INTERNAL", `${labelOf(spec)}: a child is created under a parent row`);
  const uuid = parent._uuid as string;
  return [
    ...(p.arg ? [guardPresent(p.table, uuid, "name", i[p.arg])] : []),
    // No duplicate was added since the parent's list was searched (a name has its own guard).
    ...(spec.nameArg ? [] : [guardPresent(p.table, uuid, p.column, parent[p.column])]),
    ...ops,
    ...members.ops,
    row,
    mutate(p.table, [eq("_uuid", uuid)], [[p.column, "insert", [namedUuid(NEW_ROW)]]]),
  ];
}

/**
 * Operations bringing the live row (and its live member rows, by argument) to the inputs; empty
 * when they hold them already. Pure.
 */
export function planUpdate(
  spec: TableSpec,
  live: Row,
  prev: Inputs | undefined,
  i: Inputs,
  resolved: Resolved = {},
  members: Record<string, Row[]> = {},
): Operation[] {
  const uuid = live._uuid as string;
  const ops = [
    ...planRowUpdate(spec.table, uuid, live, rowPlan(spec, prev, i, resolved)),
    ...planMemberUpdate(spec, uuid, live, members, prev, i),
    ...planRefSetUpdate(spec, uuid, live, prev, i, resolved),
  ];
  if (spec.nameArg) {
    const column = columnOf(spec, spec.nameArg);
    // A rename must not collide with a row made since.
    if (live[column] !== i[spec.nameArg])
      ops.unshift(guardAbsent(spec.table, column, i[spec.nameArg] as string));
  }
  return ops;
}

/** The column an argument is stored in. */
function columnOf(spec: TableSpec, arg: string): string {
  const s = spec.args[arg]?.storage;
  if (!s) throw new ResourceError("INTERNAL", `${labelOf(spec)}: argument ${arg} is not stored in a column`);
  return s.column;
}

/**
 * The inputs a live row stands for (for refresh): stored arguments from the row (`names`: the
 * names of the rows its references point to), the rest from the state `s`. Pure.
 */
export function inputsFromRow(
  spec: TableSpec,
  live: Row,
  s: Inputs,
  names: Resolved = {},
  members: Record<string, Row[]> = {},
): Inputs {
  const out: Props = {};
  for (const k of Object.keys(spec.db.base)) out[k] = s[k];
  for (const [k, a] of Object.entries(spec.args)) if (!a.storage) out[k] = s[k];
  Object.assign(
    out,
    argsFromRow(spec.args, live, s, names),
    membersFromRows(spec, members, s),
    refSetsFromRow(spec, s, names),
  );
  return wire(out) as Inputs;
}

/** Whether a live child row is the one the inputs identify (the columns of `matchArgs`). Pure. */
export function matchesRow(spec: TableSpec, row: Row, i: Props): boolean {
  return (spec.matchArgs ?? []).every((k) => {
    const a = spec.args[k];
    const col = columnOf(spec, k);
    const want = i[k] === undefined ? a.implied : i[k];
    const have = isEmpty(a, row[col]) ? a.implied : decodeArg(a, row[col]);
    return canonical(want ?? null) === canonical(have ?? null);
  });
}

/** Problems of map keys set both by a dedicated argument and in the map argument of the same column. Pure. */
function keyConflicts(spec: TableSpec, i: Props): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [mk, m] of Object.entries(spec.args)) {
    const ms = m.storage;
    if (!ms || !("managedKeys" in ms) || !i[mk]) continue;
    for (const [k, a] of Object.entries(spec.args)) {
      const s = a.storage;
      if (s && "key" in s && s.column === ms.column && i[k] !== undefined && s.key in (i[mk] as StringMap)) {
        problems.push({
          property: `${mk}.${s.key}`,
          reason: `${s.key} is also set by the ${k} argument; set it in one place`,
        });
      }
    }
  }
  return problems;
}

/** The resource kind (lifecycle) of a spec. */
export function tableKind(spec: TableSpec): ResourceKind<Inputs, State> {
  if (spec.parents) return alternativeKind(spec, tableKind);
  const { db, table, parent } = spec;
  const what = (i: Props) => spec.describe?.(i) ?? `${spec.noun} ${String(i[spec.nameArg ?? ""])}`;
  const refs = Object.entries(spec.args).filter(
    ([, a]) => a.ref && !(a.storage && "managedRefs" in a.storage),
  );

  /** The one row of `t` whose name is `name`; an error when several are (ovn-nbctl refuses to pick one too). */
  async function findNamed(
    c: OvsdbClient,
    t: string,
    column: string,
    name: string,
  ): Promise<Row | undefined> {
    const rows = await selectRows(c, db.name, t, [eq(column, name)]);
    if (rows.length > 1) {
      throw new ResourceError(
        "NAME_TAKEN",
        `${rows.length} rows of ${t} are named ${name} (${rows.map((r) => r._uuid).join(", ")}); ` +
          `names must be unique for this package to address them: rename or delete the extra ones`,
      );
    }
    return rows[0];
  }

  /** The uuids of the rows the reference arguments name (`prev`: the inputs of the last write). */
  async function resolve(c: OvsdbClient, i: Props, prev?: Props): Promise<Resolved> {
    const out: Resolved = await resolveRefSets(c, db.name, spec, prev, i);
    for (const [k, a] of refs) {
      if (i[k] === undefined) {
        out[k] = null;
        continue;
      }
      const row = await findNamed(c, a.ref!.table, "name", i[k] as string);
      if (!row) {
        throw new ResourceError(
          "PARENT_MISSING",
          `${a.ref!.noun} ${String(i[k])} does not exist; create it first (${a.ref!.sdk}) or pass its name ` +
            `as an output (e.g. port.name) so Pulumi orders the creation`,
        );
      }
      out[k] = row._uuid as string;
    }
    return out;
  }

  /** The live member rows of a live row, by argument (no round trip for a spec without any). */
  async function membersOf(c: OvsdbClient, live: Row): Promise<Record<string, Row[]>> {
    const out: Record<string, Row[]> = {};
    for (const { arg, column, rows } of memberArgs(spec)) {
      out[arg] = await selectRowsByUuid(c, db.name, rows.table, (live[column] as string[] | undefined) ?? []);
    }
    return out;
  }

  /** The names of the rows a live row's references point to. */
  async function namesOf(c: OvsdbClient, live: Row): Promise<Resolved> {
    const out: Resolved = await refSetNames(c, db.name, spec, live);
    for (const [k, a] of refs) {
      const uuid = live[columnOf(spec, k)];
      if (typeof uuid !== "string") continue;
      const [row] = await selectRowsByUuid(c, db.name, a.ref!.table, [uuid], ["name"]);
      out[k] = (row?.name as string | undefined) ?? null;
    }
    return out;
  }

  async function requireParent(c: OvsdbClient, i: Props): Promise<Row | undefined> {
    const p = parent!;
    if (!p.arg) {
      const rows = await selectRows(c, db.name, p.table, [], [p.column]);
      if (rows.length === 0 && p.createIfMissing) return undefined;
      if (rows.length !== 1) {
        throw new ResourceError("PARENT_MISSING", `the ${p.table} table has no row; ${p.sdk}`);
      }
      return rows[0];
    }
    const row = await findNamed(c, p.table, "name", i[p.arg] as string);
    if (!row) {
      throw new ResourceError(
        "PARENT_MISSING",
        `${p.noun} ${String(i[p.arg])} does not exist in the ${db.name} database; create it first (${p.sdk}) ` +
          `or pass its name as an output so Pulumi orders the creation`,
      );
    }
    return row;
  }

  /** The existing row the inputs identify, if any (by name, or by match columns on the parent). */
  async function findExisting(
    c: OvsdbClient,
    i: Props,
    parentRow: Row | undefined,
  ): Promise<Row | undefined> {
    if (spec.nameArg) return findNamed(c, table, columnOf(spec, spec.nameArg), i[spec.nameArg] as string);
    const held = (parentRow?.[parent!.column] as string[] | undefined) ?? [];
    return (await selectRowsByUuid(c, db.name, table, held)).find((r) => matchesRow(spec, r, i));
  }

  async function applyUpdate(c: OvsdbClient, uuid: string, prev: Inputs | undefined, i: Inputs) {
    const live = await selectOne(c, db.name, table, "_uuid", uuid);
    if (!live) {
      throw new ResourceError("PARENT_MISSING", `${what(i)} (${uuid}) no longer exists; refresh the stack`);
    }
    refuseSuperseded(what(i), live.external_ids as StringMap, prev);
    await spec.hooks?.beforeWrite?.({ c, i, live });
    if (spec.nameArg) {
      const column = columnOf(spec, spec.nameArg);
      const name = i[spec.nameArg] as string;
      if (live[column] !== name && (await findNamed(c, table, column, name))) {
        throw new ResourceError(
          "NAME_TAKEN",
          `cannot rename ${spec.noun} ${String(live[column])} to ${name}: a ${spec.noun} of that name exists`,
        );
      }
    }
    const ops = [
      ...planUpdate(spec, live, prev, i, await resolve(c, i, prev), await membersOf(c, live)),
      ...((await spec.hooks?.alsoWrite?.({ c, i, live, prev })) ?? []),
    ];
    if (ops.length) await db.commit(c, ops, i);
  }

  /** The row's read-only outputs (and those of the rows a hook writes besides it). */
  async function outputs(c: OvsdbClient, uuid: string, i: Props): Promise<Props> {
    const also = (await spec.hooks?.readAlso?.(c, i))?.outputs ?? {};
    if (!spec.outputs) return also;
    return { ...outputsOf(await selectOne(c, db.name, table, "_uuid", uuid)), ...also };
  }
  /** The read-only outputs of a row already read. */
  function outputsOf(live: Row | undefined): Props {
    return Object.fromEntries(
      Object.entries(spec.outputs ?? {}).map(([k, o]) => [k, live ? o.from(live) : undefined]),
    );
  }

  const replaceOn = [
    db.connectionArg,
    ...(parent?.arg ? [parent.arg] : []),
    ...Object.entries(spec.args)
      .filter(([k, a]) => a.replace || spec.matchArgs?.includes(k))
      .map(([k]) => k),
  ];

  return {
    label: labelOf(spec),
    schema: inputSchema(spec) as unknown as z.ZodType<Inputs>,
    inputKeys: [db.connectionArg, ...Object.keys(spec.args)],
    replaceOn,
    validate: (i) => [...keyConflicts(spec, i), ...(spec.validate?.(i) ?? [])],
    where: (i) => db.where(i),

    async create(i) {
      const c = await db.client(i);
      const uuid = await withGuards(
        what(i),
        async () => {
          const parentRow = parent ? await requireParent(c, i) : undefined;
          const existing = await findExisting(c, i, parentRow);
          if (existing) {
            const uuid = existing._uuid as string;
            const on = parent?.arg ? ` on ${parent.noun} ${String(i[parent.arg])}` : "";
            claimExisting({
              what: `${what(i)}${on}`,
              row: existing,
              owner: i.owner,
              adopt: i.adopt ?? false,
            });
            const held = parentRow !== undefined && (parentRow[parent!.column] as string[]).includes(uuid);
            if (parentRow && !held && parent!.arg) {
              throw new ResourceError(
                "NAME_TAKEN",
                `${what(i)} exists, but not on ${parent!.noun} ${String(i[parent!.arg])}; it cannot be adopted here`,
              );
            }
            await applyUpdate(c, uuid, undefined, i);
            // A row of a half-done setup that the only parent row does not reference is attached.
            if (parentRow && !held) {
              const attach = mutate(
                parent!.table,
                [eq("_uuid", parentRow._uuid as string)],
                [[parent!.column, "insert", [uuid]]],
              );
              await db.commit(c, [attach], i);
            }
            return uuid;
          }
          await spec.hooks?.beforeWrite?.({ c, i, parent: parentRow });
          const ops = [
            ...planCreate(spec, i, parentRow, await resolve(c, i)),
            ...((await spec.hooks?.alsoWrite?.({ c, i, parent: parentRow })) ?? []),
          ];
          const uuid = insertedUuid(ops, await db.commit(c, ops, i), NEW_ROW);
          await spec.hooks?.afterWrite?.({ c, i, parent: parentRow, uuid });
          return uuid;
        },
        spec.attempts,
      );
      return { id: uuid, outs: { ...i, ...(await outputs(c, uuid, i)), uuid } };
    },

    async read(id, s): Promise<ReadResult<State> | undefined> {
      const c = await db.client(s);
      const live = await selectOne(c, db.name, table, "_uuid", id);
      if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
      const inputs = inputsFromRow(spec, live, s, await namesOf(c, live), await membersOf(c, live));
      if (parent) {
        const named = parent.arg ? ["name"] : [];
        const parents = await selectRows(c, db.name, parent.table, [includes(parent.column, [id])], named);
        if (parents.length === 0) return undefined; // its parent is gone (or dropped it): so is the row
        if (parent.arg) inputs[parent.arg] = parentOf(parents, s[parent.arg] as string);
      }
      const also = await spec.hooks?.readAlso?.(c, s);
      const read = also ? (wire({ ...inputs, ...also.inputs }) as Inputs) : inputs;
      return { id, outs: { ...read, ...outputsOf(live), ...also?.outputs, uuid: id }, inputs: read };
    },

    async update(id, olds, news) {
      const c = await db.client(news);
      await withGuards(what(news), () => applyUpdate(c, id, olds, news), spec.attempts);
      return { ...news, ...(await outputs(c, id, news)), uuid: id };
    },

    async delete(id, s) {
      const c = await db.client(s);
      await withGuards(
        what(s),
        async () => {
          const live = await selectOne(c, db.name, table, "_uuid", id);
          const also = (await spec.hooks?.alsoDelete?.(c, s)) ?? [];
          if (!live || !holdsRow(live.external_ids as StringMap, s)) {
            if (also.length) await db.commit(c, also, s);
            return; // gone, or not this instance's
          }
          const ops: Operation[] = [...also];
          const foreign: string[] = [];
          for (const ch of spec.children ?? []) {
            const held = (live[ch.column] as string[] | undefined) ?? [];
            const rows = await selectRowsByUuid(c, db.name, ch.table, held);
            for (const r of foreignRows(rows, s.owner))
              foreign.push(`${ch.noun} ${String(r.name ?? r._uuid)}`);
            ops.push(guardPresent(table, id, ch.column, live[ch.column]));
          }
          if (foreign.length) {
            throw new ResourceError(
              "FOREIGN_CHILDREN",
              `${what(s)} still holds rows this stack does not manage: ${foreign.sort().join(", ")}; ` +
                `remove them (or adopt them) before deleting the ${spec.noun}`,
            );
          }
          if (parent) {
            // A child goes with the last reference to it; the guard keeps a takeover since the read.
            ops.push(guardPresent(table, id, "external_ids", live.external_ids));
            const parents = await selectRows(c, db.name, parent.table, [includes(parent.column, [id])], []);
            for (const p of parents) {
              ops.push(
                mutate(parent.table, [eq("_uuid", p._uuid as string)], [[parent.column, "delete", [id]]]),
              );
            }
          } else {
            ops.push(del(table, [eq("_uuid", id)]));
          }
          await db.commit(c, ops, s);
        },
        spec.attempts,
      );
    },
  };
}
