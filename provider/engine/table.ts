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
  type Value,
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
  inProgramOrder,
  managedKeys,
  ownedIds,
  planRowUpdate,
  insertedUuid,
  selectRowsByUuid,
  type RowPlan,
  type StringMap,
} from "./rows";
import { labelOf, type ArgSpec, type TableSpec, type WriteContext } from "./spec";

type Inputs = Props & Instance & { owner: string; adopt?: boolean };
type State = Inputs & { uuid: string };

/** uuids of the rows that reference arguments name (`ref`), by argument; null when left out. */
export type Resolved = Record<string, string | null>;

/** The uuid-name of the row a create inserts. */
const NEW_ROW = "row";

/** The zod object of a spec's inputs: the database's base arguments, the parent, every argument. */
export function inputSchema(spec: TableSpec): z.ZodObject {
  return z.object({
    ...spec.db.base,
    ...Object.fromEntries(Object.entries(spec.args).map(([k, a]) => [k, a.schema])),
  });
}

const encodeArg = (a: ArgSpec, v: unknown): unknown => (a.encode ? a.encode(v as never) : v);
const decodeArg = (a: ArgSpec, v: unknown): unknown => (a.decode ? a.decode(v as never) : v);
const isEmpty = (a: ArgSpec, v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (a.empty !== undefined && canonical(v) === canonical(a.empty));

/** The column value of a whole-column argument (a reference resolved to its uuid). */
function columnValue(k: string, a: ArgSpec, i: Props, resolved: Resolved): Value {
  if (a.write) return a.write(i);
  if (a.ref) return (resolved[k] ?? a.empty ?? []) as Value;
  return (i[k] === undefined ? (a.empty === undefined ? [] : a.empty) : encodeArg(a, i[k])) as Value;
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
  const columns: Row = {};
  const maps: NonNullable<RowPlan["maps"]> = {};
  const mapOf = (column: string) => (maps[column] ??= { previous: undefined, desired: undefined });
  for (const [k, a] of Object.entries(spec.args)) {
    const s = a.storage;
    if (!s) continue;
    if ("key" in s) {
      const m = mapOf(s.column);
      const put = (side: "previous" | "desired", from: Inputs | undefined) => {
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
  return { columns, maps, owner: i.owner, instance: i.instance };
}

/** The row a create inserts: the columns, the map keys, the owner marker and instance token. Pure. */
export function insertRow(spec: TableSpec, i: Inputs, resolved: Resolved = {}): Row {
  const plan = rowPlan(spec, undefined, i, resolved);
  const row: Row = { ...plan.columns };
  for (const [column, m] of Object.entries(plan.maps ?? {})) row[column] = m.desired ?? {};
  row.external_ids = ownedIds(row.external_ids as StringMap | undefined, i);
  return row;
}

/**
 * The guarded insert of a new row (`parent`: the live parent row of a child, with its name and
 * its children column as they were searched). Pure.
 */
export function planCreate(
  spec: TableSpec,
  i: Inputs,
  parent?: Row,
  resolved: Resolved = {},
  uuidName = NEW_ROW,
): Operation[] {
  const row = insert(spec.table, insertRow(spec, i, resolved), { uuidName });
  const ops: Operation[] = [];
  if (spec.nameArg)
    ops.push(guardAbsent(spec.table, columnOf(spec, spec.nameArg), i[spec.nameArg] as string));
  if (!spec.parent) return [...ops, row];
  const p = spec.parent;
  if (!parent && p.createIfMissing && !p.arg) {
    // The only row of the parent table does not exist yet: insert it, if the table is still empty.
    const first = insert(p.table, { [p.column]: [namedUuid(uuidName)] });
    return [...ops, row, wait(p.table, [], [], [], { until: "==", timeout: 0 }), first];
  }
  if (!parent) throw new ResourceError("INTERNAL", `${labelOf(spec)}: a child is created under a parent row`);
  const uuid = parent._uuid as string;
  return [
    ...(p.arg ? [guardPresent(p.table, uuid, "name", i[p.arg])] : []),
    // No duplicate was added since the parent's list was searched (a name has its own guard).
    ...(spec.nameArg ? [] : [guardPresent(p.table, uuid, p.column, parent[p.column])]),
    ...ops,
    row,
    mutate(p.table, [eq("_uuid", uuid)], [[p.column, "insert", [namedUuid(uuidName)]]]),
  ];
}

/**
 * A child moving to the parent row `to` (named `toName`, guarded): its reference removed from the
 * parents `from` and added to `to` in one transaction (the row survives: it is referenced again
 * at commit). Empty when `to` holds it already. Pure.
 */
export function planMove(spec: TableSpec, uuid: string, from: Row[], to: Row, toName: string): Operation[] {
  const p = spec.parent!;
  if (from.some((r) => r._uuid === to._uuid)) return [];
  const ref = (r: Row, how: "insert" | "delete") =>
    mutate(p.table, [eq("_uuid", r._uuid as string)], [[p.column, how, [uuid]]]);
  return [
    guardPresent(p.table, to._uuid as string, "name", toName),
    ...from.map((r) => ref(r, "delete")),
    ref(to, "insert"),
  ];
}

/** Operations bringing the live row to the inputs; empty when it holds them already. Pure. */
export function planUpdate(
  spec: TableSpec,
  live: Row,
  prev: Inputs | undefined,
  i: Inputs,
  resolved: Resolved = {},
): Operation[] {
  const ops = planRowUpdate(spec.table, live._uuid as string, live, rowPlan(spec, prev, i, resolved));
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
export function inputsFromRow(spec: TableSpec, live: Row, s: Inputs, names: Resolved = {}): Inputs {
  const out: Props = {};
  for (const k of Object.keys(spec.db.base)) out[k] = s[k];
  for (const [k, a] of Object.entries(spec.args)) {
    const st = a.storage;
    if (!st) out[k] = s[k];
    else if ("key" in st) {
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
  return wire(out) as Inputs;
}

/** The argument value a whole column stands for (`stated`: the value the state holds). Pure. */
function readColumn(a: ArgSpec, v: Value, stated: unknown): unknown {
  if (a.read) return a.read(v, stated);
  // An empty column the program states by its implied value reads back as stated.
  if (isEmpty(a, v)) return a.implied !== undefined && stated === a.implied ? stated : undefined;
  const out = decodeArg(a, v);
  // A set reads back in the program's order while it holds the same members.
  return Array.isArray(out) ? inProgramOrder(out, stated as unknown[] | undefined) : out;
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
  const { db, table, parent } = spec;
  const what = (i: Props) => spec.describe?.(i) ?? `${spec.noun} ${String(i[spec.nameArg ?? ""])}`;
  const refs = Object.entries(spec.args).filter(([, a]) => a.ref);

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

  /** The uuids of the rows the reference arguments name. */
  async function resolve(c: OvsdbClient, i: Props): Promise<Resolved> {
    const out: Resolved = {};
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

  /** The names of the rows a live row's references point to. */
  async function namesOf(c: OvsdbClient, live: Row): Promise<Resolved> {
    const out: Resolved = {};
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
    const x = await beforeWrite(c, i, live);
    const ops = [...planUpdate(spec, live, prev, i, await resolve(c, i)), ...(await moveOps(c, x))];
    if (ops.length) await db.commit(c, ops, i);
    return x;
  }

  /**
   * What the hooks of a write see, after `beforeWrite` let it through (`live`: the row an update
   * or adoption changes). The parent row is read again for an update when hooks or a move need it.
   */
  async function beforeWrite(c: OvsdbClient, i: Inputs, live?: Row, parentRow?: Row): Promise<WriteContext> {
    const needsParent = parent !== undefined && (spec.hooks !== undefined || parent.movable);
    const x = {
      c,
      i,
      live,
      parent: parentRow ?? (live && needsParent ? await requireParent(c, i) : undefined),
    };
    await spec.hooks?.beforeWrite?.(x);
    return x;
  }

  /** For a movable parent: the operations moving the row to the parent the inputs name. */
  async function moveOps(c: OvsdbClient, x: WriteContext): Promise<Operation[]> {
    if (!parent?.movable || !parent.arg || !x.parent || !x.live) return [];
    const uuid = x.live._uuid as string;
    return planMove(spec, uuid, await holders(c, uuid), x.parent, x.i[parent.arg] as string);
  }

  /** The parent rows referencing child `uuid` (with their names). */
  function holders(c: OvsdbClient, uuid: string): Promise<Row[]> {
    return selectRows(c, db.name, parent!.table, [includes(parent!.column, [uuid])], ["name"]);
  }

  /** Where a row whose name the inputs give hangs, for the message that it cannot be taken here. */
  async function elsewhere(c: OvsdbClient, uuid: string): Promise<string> {
    const on = await holders(c, uuid);
    return on.length ? `${parent!.noun} ${on.map((r) => String(r.name)).join(", ")}` : `no ${parent!.noun}`;
  }

  /** The row's read-only outputs. */
  async function outputs(c: OvsdbClient, uuid: string): Promise<Props> {
    if (!spec.outputs) return {};
    return outputsOf(await selectOne(c, db.name, table, "_uuid", uuid));
  }
  /** The read-only outputs of a row already read. */
  function outputsOf(live: Row | undefined): Props {
    return Object.fromEntries(
      Object.entries(spec.outputs ?? {}).map(([k, o]) => [k, live ? o.from(live) : undefined]),
    );
  }

  const replaceOn = [
    db.connectionArg,
    ...(parent?.arg && !parent.movable ? [parent.arg] : []),
    ...Object.entries(spec.args)
      .filter(([k, a]) => a.replace || spec.matchArgs?.includes(k))
      .map(([k]) => k),
  ];

  return {
    label: labelOf(spec),
    schema: inputSchema(spec) as unknown as z.ZodType<Inputs>,
    inputKeys: [db.connectionArg, ...Object.keys(spec.args)],
    replaceOn,
    renamed: spec.renamed,
    validate: (i) => [...keyConflicts(spec, i), ...(spec.validate?.(i) ?? [])],
    where: (i) => db.where(i),

    async create(i) {
      const c = await db.client(i);
      let written: WriteContext | undefined;
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
                `${what(i)} exists on ${await elsewhere(c, uuid)}, not on ${parent!.noun} ${String(i[parent!.arg])}; ` +
                  `it cannot be adopted here: ${spec.noun} names are unique in the whole ${table} table, choose another name`,
              );
            }
            written = await applyUpdate(c, uuid, undefined, i);
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
          written = await beforeWrite(c, i, undefined, parentRow);
          const ops = planCreate(spec, i, parentRow, await resolve(c, i));
          return insertedUuid(ops, await db.commit(c, ops, i), NEW_ROW);
        },
        spec.attempts,
      );
      await spec.hooks?.afterWrite?.({ ...written!, uuid });
      return { id: uuid, outs: { ...i, ...(await outputs(c, uuid)), uuid } };
    },

    async read(id, s): Promise<ReadResult<State> | undefined> {
      const c = await db.client(s);
      const live = await selectOne(c, db.name, table, "_uuid", id);
      if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
      const inputs = inputsFromRow(spec, live, s, await namesOf(c, live));
      if (parent) {
        const named = parent.arg ? ["name"] : [];
        const parents = await selectRows(c, db.name, parent.table, [includes(parent.column, [id])], named);
        if (parents.length === 0) return undefined; // its parent is gone (or dropped it): so is the row
        if (parent.arg) inputs[parent.arg] = parentOf(parents, s[parent.arg] as string);
      }
      return { id, outs: { ...inputs, ...outputsOf(live), uuid: id }, inputs };
    },

    async update(id, olds, news) {
      const c = await db.client(news);
      const written = await withGuards(what(news), () => applyUpdate(c, id, olds, news), spec.attempts);
      await spec.hooks?.afterWrite?.({ ...written, uuid: id });
      return { ...news, ...(await outputs(c, id)), uuid: id };
    },

    async delete(id, s) {
      const c = await db.client(s);
      await withGuards(
        what(s),
        async () => {
          const live = await selectOne(c, db.name, table, "_uuid", id);
          if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's
          const ops: Operation[] = [];
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
