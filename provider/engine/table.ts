/**
 * The lifecycle of a table-backed resource, derived from its {@link TableSpec}: the input schema,
 * `diff`'s replacements, the row to insert, the guarded update, the read-back for refresh, and the
 * owner-checked delete. Nothing here knows a particular table.
 *
 * - create: a row with the name that is ours already (an interrupted create, or the old instance
 *   of a replacement) or that `adopt` takes over is brought to the inputs; otherwise a row is
 *   inserted in one transaction with a `wait` that no row holds the name.
 * - read: the row by uuid; gone when deleted or held by a newer instance; every stored argument
 *   read back from its column, managed map keys only.
 * - update: the changed columns, each guarded by a `wait` that it still holds what was read, and
 *   map keys mutated one by one (keys others wrote are left alone).
 * - delete: only a row this instance holds; refused while it holds children the stack does not own.
 */
import { z } from "zod";
import { del, eq, insert, type OvsdbClient, type Operation, type OperationResult, type Row } from "../ovsdb";
import { ResourceError, type InputProblem } from "../errors";
import type { Instance, Props, ReadResult, ResourceKind } from "../framework";
import {
  adoptOrInsert,
  holdsRow,
  refuseSuperseded,
  selectOne,
  selectRows,
  supersededRow,
  withGuards,
} from "../resources/common";
import {
  compact,
  foreignRows,
  guardAbsent,
  guardPresent,
  managedKeys,
  ownedIds,
  planRowUpdate,
  selectRowsByUuid,
  type RowPlan,
  type StringMap,
} from "./rows";
import { labelOf, type ArgSpec, type TableSpec } from "./spec";

type Inputs = Props & Instance & { owner: string; adopt?: boolean };
type State = Inputs & { uuid: string };

/** The uuid-name of the row a create inserts. */
const NEW_ROW = "row";

/** The zod object of a spec's inputs: the database's base arguments and every declared argument. */
export function inputSchema(spec: TableSpec): z.ZodObject {
  return z.object({
    ...spec.db.base,
    ...Object.fromEntries(Object.entries(spec.args).map(([k, a]) => [k, a.schema])),
  });
}

const encodeArg = (a: ArgSpec, v: unknown): unknown => (a.encode ? a.encode(v as never) : v);
const decodeArg = (a: ArgSpec, v: unknown): unknown => (a.decode ? a.decode(v as never) : v);

/**
 * What the row should hold for inputs `i` (`prev`: the inputs it was written from, whose map keys
 * the new inputs no longer name are removed). Pure.
 */
export function rowPlan(spec: TableSpec, prev: Inputs | undefined, i: Inputs): RowPlan {
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
      // An argument left out clears the column: [] is the empty value of optional and set columns.
      columns[s.column] = (i[k] === undefined ? [] : encodeArg(a, i[k])) as Row[string];
    }
  }
  return { columns, maps, owner: i.owner, instance: i.instance };
}

/** The row a create inserts: the columns, the map keys, the owner marker and instance token. Pure. */
export function insertRow(spec: TableSpec, i: Inputs): Row {
  const plan = rowPlan(spec, undefined, i);
  const row: Row = { ...plan.columns };
  for (const [column, m] of Object.entries(plan.maps ?? {})) row[column] = m.desired ?? {};
  row.external_ids = ownedIds(row.external_ids as StringMap | undefined, i);
  return row;
}

/** The guarded insert of a new row. Pure. */
export function planCreate(spec: TableSpec, i: Inputs): Operation[] {
  const name = i[spec.nameArg] as string;
  return [
    guardAbsent(spec.table, spec.nameArg, name),
    insert(spec.table, insertRow(spec, i), { uuidName: NEW_ROW }),
  ];
}

/** Operations bringing the live row to the inputs; empty when it holds them already. Pure. */
export function planUpdate(spec: TableSpec, live: Row, prev: Inputs | undefined, i: Inputs): Operation[] {
  const ops = planRowUpdate(spec.table, live._uuid as string, live, rowPlan(spec, prev, i));
  const name = i[spec.nameArg];
  // A rename must not collide with a row made since.
  if (live[spec.nameArg] !== name) ops.unshift(guardAbsent(spec.table, spec.nameArg, name as string));
  return ops;
}

/** The inputs a live row stands for (for refresh): stored arguments from the row, the rest from `s`. Pure. */
export function inputsFromRow(spec: TableSpec, live: Row, s: Inputs): Inputs {
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
    } else {
      const v = live[st.column];
      const empty = v === null || v === undefined || (Array.isArray(v) && v.length === 0);
      out[k] = empty ? undefined : decodeArg(a, v);
    }
  }
  return compact(out) as Inputs;
}

/** The value of a row's read-only outputs. */
function outputsOf(spec: TableSpec, live: Row | undefined): Props {
  if (!live || !spec.outputs) return {};
  return Object.fromEntries(Object.entries(spec.outputs).map(([k, o]) => [k, o.from(live)]));
}

/** The uuid the server gave the row inserted under `uuidName` (found by name, not position). */
export function insertedUuid(ops: Operation[], results: OperationResult[] | undefined, uuidName: string): string {
  const at = ops.findIndex((o) => o.op === "insert" && o.uuidName === uuidName);
  const uuid = at < 0 ? undefined : results?.[at]?.uuid;
  if (typeof uuid !== "string") {
    throw new ResourceError("INTERNAL", `the server returned no uuid for the inserted row ${uuidName}`);
  }
  return uuid;
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
  const { db, table } = spec;
  const what = (i: Props) => `${spec.noun} ${String(i[spec.nameArg])}`;

  async function findByName(c: OvsdbClient, name: string): Promise<Row | undefined> {
    const rows = await selectRows(c, db.name, table, [eq(spec.nameArg, name)]);
    if (rows.length > 1) {
      throw new ResourceError(
        "NAME_TAKEN",
        `${rows.length} rows of ${table} are named ${name} (${rows.map((r) => r._uuid).join(", ")}); ` +
          `names must be unique for this package to address them: rename or delete the extra ones`,
      );
    }
    return rows[0];
  }

  async function applyUpdate(c: OvsdbClient, uuid: string, prev: Inputs | undefined, i: Inputs) {
    const live = await selectOne(c, db.name, table, "_uuid", uuid);
    if (!live) {
      throw new ResourceError("PARENT_MISSING", `${what(i)} (${uuid}) no longer exists; refresh the stack`);
    }
    refuseSuperseded(what(i), live.external_ids as StringMap, prev);
    const ops = planUpdate(spec, live, prev, i);
    if (ops.length) await db.commit(c, ops, i);
  }

  return {
    label: labelOf(spec),
    schema: inputSchema(spec) as unknown as z.ZodType<Inputs>,
    inputKeys: [db.connectionArg, ...Object.keys(spec.args)],
    replaceOn: [db.connectionArg, ...Object.entries(spec.args).filter(([, a]) => a.replace).map(([k]) => k)],
    validate: (i) => [...keyConflicts(spec, i), ...(spec.validate?.(i) ?? [])],
    where: (i) => db.where(i),

    async create(i) {
      const c = await db.client(i);
      const uuid = await withGuards(what(i), async () =>
        adoptOrInsert({
          what: what(i),
          existing: await findByName(c, i[spec.nameArg] as string),
          owner: i.owner,
          adopt: i.adopt,
          update: (uuid) => applyUpdate(c, uuid, undefined, i),
          insert: async () => {
            const ops = planCreate(spec, i);
            return insertedUuid(ops, await db.commit(c, ops, i), NEW_ROW);
          },
        }),
      );
      const live = spec.outputs ? await selectOne(c, db.name, table, "_uuid", uuid) : undefined;
      return { id: uuid, outs: { ...i, ...outputsOf(spec, live), uuid } };
    },

    async read(id, s): Promise<ReadResult<State> | undefined> {
      const c = await db.client(s);
      const live = await selectOne(c, db.name, table, "_uuid", id);
      if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
      const inputs = inputsFromRow(spec, live, s);
      return { id, outs: { ...inputs, ...outputsOf(spec, live), uuid: id }, inputs };
    },

    async update(id, olds, news) {
      const c = await db.client(news);
      await withGuards(what(news), () => applyUpdate(c, id, olds, news));
      const live = spec.outputs ? await selectOne(c, db.name, table, "_uuid", id) : undefined;
      return { ...news, ...outputsOf(spec, live), uuid: id };
    },

    async delete(id, s) {
      const c = await db.client(s);
      await withGuards(what(s), async () => {
        const live = await selectOne(c, db.name, table, "_uuid", id);
        if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's
        const ops: Operation[] = [];
        const foreign: string[] = [];
        for (const ch of spec.children ?? []) {
          const held = (live[ch.column] as string[] | undefined) ?? [];
          const rows = await selectRowsByUuid(c, db.name, ch.table, held);
          for (const r of foreignRows(rows, s.owner)) foreign.push(`${ch.noun} ${String(r.name ?? r._uuid)}`);
          ops.push(guardPresent(table, id, ch.column, live[ch.column]));
        }
        if (foreign.length) {
          throw new ResourceError(
            "FOREIGN_CHILDREN",
            `${what(s)} still holds rows this stack does not manage: ${foreign.sort().join(", ")}; ` +
              `remove them (or adopt them) before deleting the ${spec.noun}`,
          );
        }
        ops.push(del(table, [eq("_uuid", id)]));
        await db.commit(c, ops, s);
      });
    },
  };
}
