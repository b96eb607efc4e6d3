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
  select,
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
  OWNER_KEY,
  ownerOf,
  mapMutations,
  parentOf,
  planMap,
  refuseSuperseded,
  resourceOf,
  selectOne,
  selectRows,
  supersededRow,
  withGuards,
} from "../resources/common";
import {
  canonical,
  describeRow,
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
import { labelOf, type ArgSpec, type TableSpec, type WriteContext } from "./spec";
import { argsFromRow, argsPlan, decodeArg, isEmpty, type Resolved } from "./args";
import {
  isMemberRow,
  membersFromRows,
  planMemberInserts,
  planMemberUpdate,
  readMembers,
  type LiveMembers,
  memberShapeProblems,
} from "./members";
import { outputsFrom, planOutputRead, readOutputs } from "./outputs";
import {
  foreignMembers,
  planRefSetUpdate,
  refSetColumns,
  refSetNames,
  refSetsFromRow,
  resolveRefSets,
} from "./ref-sets";
import { alternativeKind } from "./alternatives";
import {
  attachedNow,
  attachmentsFromRow,
  planAttachments,
  planDetachAll,
  resolveAttachments,
} from "./attachments";

type Inputs = Props & Instance & { owner: string; adopt?: boolean };
type State = Inputs & { uuid: string };

export type { Resolved };

/** The uuid-name of the row a create inserts. */
const NEW_ROW = "row";

/** Input schemas built, by the spec's arguments and database base (a collection builds a kind per member). */
const schemas = new WeakMap<TableSpec["args"], WeakMap<object, z.ZodObject>>();

/** The zod object of a spec's inputs: the database's base arguments, the parent, every argument. */
export function inputSchema(spec: TableSpec): z.ZodObject {
  let byBase = schemas.get(spec.args);
  if (!byBase) schemas.set(spec.args, (byBase = new WeakMap()));
  let schema = byBase.get(spec.db.base);
  if (!schema) {
    schema = z.object({
      ...spec.db.base,
      ...Object.fromEntries(Object.entries(spec.args).map(([k, a]) => [k, argSchema(k, a)])),
    });
    byBase.set(spec.db.base, schema);
  }
  return schema;
}

/**
 * An argument's schema; for member rows, behind a check of the raw value that refuses what the
 * member objects' schemas would silently drop or merge: unknown fields and repeated members
 * ({@link memberShapeProblems}).
 */
function argSchema(arg: string, a: ArgSpec): z.ZodType {
  const s = a.storage;
  if (!s || !("rows" in s)) return a.schema;
  const parse = (member: unknown) => {
    const r = a.schema.safeParse(s.rows.single ? member : [member]);
    return r.success ? r.data : undefined; // not valid: its own schema says why
  };
  return z
    .unknown()
    .optional() // whether it may be left out is still the argument's own schema's say
    .superRefine((v, ctx) => {
      // Paths start at the argument, the issue's at the argument's value.
      for (const p of memberShapeProblems(arg, s.rows, v, parse))
        ctx.addIssue({ code: "custom", path: p.path.slice(1), message: p.message });
    })
    .pipe(a.schema);
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
export function planCreate(
  spec: TableSpec,
  i: Inputs,
  parent?: Row,
  resolved: Resolved = {},
  uuidName = NEW_ROW,
): Operation[] {
  const members = planMemberInserts(spec, i);
  const row = insert(spec.table, insertRow(spec, i, resolved, members.columns), { uuidName });
  // The rows the inputs attach it to reference it in the same transaction.
  const attach = planAttachments(spec, namedUuid(uuidName), undefined, i, resolved);
  const ops: Operation[] = [];
  if (spec.nameArg)
    ops.push(guardAbsent(spec.table, columnOf(spec, spec.nameArg), i[spec.nameArg] as string));
  // A row found by its marker alone: none carries it yet.
  if (spec.markerIdentity)
    ops.push(wait(spec.table, [markedBy(i.owner)], ["_uuid"], [], { until: "==", timeout: 0 }));
  if (!spec.parent) return [...ops, ...members.ops, row, ...attach];
  const p = spec.parent;
  if (!parent && p.createIfMissing && !p.arg) {
    // The only row of the parent table does not exist yet: insert it, if the table is still empty.
    const first = insert(p.table, { [p.column]: [namedUuid(uuidName)] });
    return [
      ...ops,
      ...members.ops,
      row,
      wait(p.table, [], [], [], { until: "==", timeout: 0 }),
      first,
      ...attach,
    ];
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
    mutate(p.table, [eq("_uuid", uuid)], [[p.column, "insert", [namedUuid(uuidName)]]]),
    ...attach,
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
  members: LiveMembers = {},
): Operation[] {
  const uuid = live._uuid as string;
  const ops = [
    ...planRowUpdate(spec.table, uuid, live, rowPlan(spec, prev, i, resolved)),
    ...planMemberUpdate(spec, uuid, live, members, prev, i),
    ...planRefSetUpdate(spec, uuid, live, prev, i, resolved),
    ...planAttachments(spec, uuid, prev, i, resolved),
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
  if (!s || !("column" in s))
    throw new ResourceError("INTERNAL", `${labelOf(spec)}: argument ${arg} is not stored in a column`);
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
  members: LiveMembers = {},
): Inputs {
  const out: Props = {};
  for (const k of Object.keys(spec.db.base)) out[k] = s[k];
  for (const [k, a] of Object.entries(spec.args)) if (!a.storage) out[k] = s[k];
  Object.assign(
    out,
    argsFromRow(spec.args, live, s, names),
    membersFromRows(spec, members, s),
    refSetsFromRow(spec, s, names),
    attachmentsFromRow(spec, s, names),
  );
  return wire(out) as Inputs;
}

/** The condition that a row carries the owner marker `owner`. */
const markedBy = (owner: string) => includes("external_ids", { [OWNER_KEY]: owner });

/**
 * Whether a live child row is the one the inputs identify: the columns of `matchArgs` (or of
 * `args`) hold the inputs' values, compared in the argument's `sameAs` form when it has one (an
 * ACL whose match is spelled `ip4.src==10.0.0.1` is the row holding `ip4.src == 10.0.0.1`). Pure.
 */
export function matchesRow(spec: TableSpec, row: Row, i: Props, args = spec.matchArgs ?? []): boolean {
  return args.every((k) => {
    const a = spec.args[k];
    const col = columnOf(spec, k);
    const want = i[k] === undefined ? a.implied : i[k];
    const have = isEmpty(a, row[col]) ? a.implied : decodeArg(a, row[col]);
    const form = (v: unknown) => canonical((v != null && a.sameAs ? a.sameAs(v as never) : v) ?? null);
    return form(want) === form(have);
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

/**
 * The resource in messages: the row's name, or (a row without one, e.g. an ACL) the Pulumi resource
 * name from the owner marker. Pure.
 */
export function identify(spec: TableSpec, i: Props): string | undefined {
  const name = spec.nameArg ? i[spec.nameArg] : undefined;
  if (typeof name === "string") return name;
  return typeof i.owner === "string" ? resourceOf(i.owner) : undefined;
}

/**
 * The way out of NAME_TAKEN other than adopting, for a row found by something else than a name: the
 * arguments that identify it (a QoS rule: `change its direction, priority or match (they identify
 * a QoS rule on its logical switch)`). Undefined for a named row ("choose another name"). Pure.
 */
export function anotherIdentity(spec: TableSpec): string | undefined {
  if (spec.nameArg) return undefined;
  const by = spec.matchArgs ?? [];
  if (!by.length) return "change the arguments that identify it";
  const list = by.length === 1 ? by[0] : `${by.slice(0, -1).join(", ")} or ${by[by.length - 1]}`;
  const on = spec.parent ? ` on its ${spec.parent.noun}` : "";
  const a = /^[aeiouAEIOU]/.test(spec.noun) ? "an" : "a";
  return `change its ${list} (${by.length === 1 ? "it identifies" : "they identify"} ${a} ${spec.noun}${on})`;
}

/** The resource kind (lifecycle) of a spec. */
function rowKind(spec: TableSpec): ResourceKind<Inputs, State> {
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
    return oneNamed(t, name, await selectRows(c, db.name, t, [eq(column, name)]));
  }

  /** The row of `t` named `name` among `rows`, the rows of that name. */
  function oneNamed(t: string, name: string, rows: Row[]): Row | undefined {
    if (rows.length > 1) {
      throw new ResourceError(
        "NAME_TAKEN",
        `${rows.length} rows of ${t} are named ${name} (${rows.map((r) => r._uuid).join(", ")}); ` +
          `names must be unique for this package to address them: rename or delete the extra ones`,
      );
    }
    return rows[0];
  }

  /**
   * The uuids of the rows the reference and attachment arguments name (`prev`: the inputs of the
   * last write; `uuid`: the row written, whose attachments are looked up).
   */
  async function resolve(c: OvsdbClient, i: Props, prev?: Props, uuid?: string): Promise<Resolved> {
    const out: Resolved = {
      ...(await resolveRefSets(c, db.name, spec, prev, i)),
      ...(await resolveAttachments(c, db.name, spec, prev, i, uuid)),
    };
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

  /**
   * The live member rows of a live row, by path (no round trip for a spec without any); for a
   * refresh (`forRead`), only those arguments and outputs read back.
   */
  async function membersOf(c: OvsdbClient, live: Row, i: Props, forRead = false): Promise<LiveMembers> {
    const outputMembers = new Set(Object.values(spec.outputs ?? {}).map((o) => o.member));
    return readMembers(c, db.name, spec, live, i, (m) => !forRead || !m.own || outputMembers.has(m.arg));
  }

  /** The names of the rows a live row's references point to. */
  async function namesOf(c: OvsdbClient, live: Row): Promise<Resolved> {
    const out: Resolved = {
      ...(await refSetNames(c, db.name, spec, live)),
      ...(await attachedNow(c, db.name, spec, live._uuid as string)),
    };
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
    if (!p.arg) return onlyParent(await selectRows(c, db.name, p.table, [], [p.column]));
    return namedParent(i, await findNamed(c, p.table, "name", i[p.arg] as string));
  }

  /** The only row of the parent table, among its `rows`. */
  function onlyParent(rows: Row[]): Row | undefined {
    const p = parent!;
    if (rows.length === 0 && p.createIfMissing) return undefined;
    if (rows.length !== 1) {
      throw new ResourceError("PARENT_MISSING", `the ${p.table} table has no row; ${p.sdk}`);
    }
    return rows[0];
  }

  /** The parent row the inputs name (`row`), or PARENT_MISSING. */
  function namedParent(i: Props, row: Row | undefined): Row {
    const p = parent!;
    if (!row) {
      throw new ResourceError(
        "PARENT_MISSING",
        `${p.noun} ${String(i[p.arg!])} does not exist in the ${db.name} database; create it first (${p.sdk}) ` +
          `or pass its name as an output so Pulumi orders the creation`,
      );
    }
    return row;
  }

  /**
   * The parent row and the existing row the inputs name, in one transaction for a named row (else
   * the parent first, then its children).
   */
  async function readForCreate(c: OvsdbClient, i: Props): Promise<{ parentRow?: Row; existing?: Row }> {
    if (!spec.nameArg) {
      const parentRow = parent ? await requireParent(c, i) : undefined;
      return { parentRow, existing: await findExisting(c, i, parentRow) };
    }
    const name = i[spec.nameArg] as string;
    const ops = [select(table, [eq(columnOf(spec, spec.nameArg), name)])];
    if (parent?.arg) ops.unshift(select(parent.table, [eq("name", i[parent.arg] as string)]));
    else if (parent) ops.unshift(select(parent.table, [], ["_uuid", parent.column]));
    const rows = (await c.transact(db.name, ops)).map((r) => (r.rows ?? []) as Row[]);
    const existing = () => oneNamed(table, name, rows[rows.length - 1]);
    if (!parent) return { existing: existing() };
    const parentRow = parent.arg
      ? namedParent(i, oneNamed(parent.table, i[parent.arg] as string, rows[0]))
      : onlyParent(rows[0]);
    return { parentRow, existing: existing() };
  }

  /** The existing row the inputs identify, if any (by name, or by match columns on the parent). */
  async function findExisting(
    c: OvsdbClient,
    i: Props,
    parentRow: Row | undefined,
  ): Promise<Row | undefined> {
    if (spec.nameArg) return findNamed(c, table, columnOf(spec, spec.nameArg), i[spec.nameArg] as string);
    if (spec.markerIdentity) return findMarked(c, i);
    const held = (parentRow?.[parent!.column] as string[] | undefined) ?? [];
    const found = (await selectRowsByUuid(c, db.name, table, held)).filter((r) => matchesRow(spec, r, i));
    if (found.length <= 1) return found[0];
    // Several rows are the one the inputs identify (made twice by hand, or spelled differently):
    // the stack's own, if one is; otherwise none is chosen, so adopt does not leave a twin in force.
    const mine = found.find((r) => ownerOf(r) === i.owner);
    if (mine) return mine;
    throw new ResourceError(
      "NAME_TAKEN",
      `${found.length} ${table} rows match ${what(i)} (${found.map((r) => r._uuid).join(", ")}), none of them ` +
        `managed by this resource; delete the extra ones first (adopt takes one row)`,
    );
  }

  /**
   * A row identified by its marker: the one that carries the inputs' owner marker; else, with
   * `adopt`, the one row no stack manages whose `adoptBy` columns hold the inputs' values.
   */
  async function findMarked(c: OvsdbClient, i: Props): Promise<Row | undefined> {
    const [mine] = await selectRows(c, db.name, table, [markedBy(i.owner as string)]);
    if (mine || !i.adopt) return mine;
    const by = spec.markerIdentity!.adoptBy;
    const free = (await selectRows(c, db.name, table, [])).filter(
      (r) => ownerOf(r) === undefined && matchesRow(spec, r, i, by),
    );
    if (free.length > 1) {
      throw new ResourceError(
        "NAME_TAKEN",
        `${free.length} ${table} rows no stack manages match ${by.join(", ")} of ${what(i)} ` +
          `(${free.map((r) => r._uuid).join(", ")}); adopt takes one: delete the extra ones, or leave adopt out to create a new row`,
      );
    }
    return free[0];
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
    const ops = [
      ...planUpdate(spec, live, prev, i, await resolve(c, i, prev, uuid), await membersOf(c, live, i)),
      ...(await moveOps(c, x)),
      ...((await spec.hooks?.alsoWrite?.({ ...x, prev })) ?? []),
    ];
    // The row is still there and still held as read (its marker): another resource of the stack
    // taking it over, or deleting it, since the read makes the write plan again.
    if (ops.length)
      await db.commit(c, [guardPresent(table, uuid, "external_ids", live.external_ids), ...ops], i);
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

  /**
   * The row's read-only outputs (and those of the rows a hook writes besides it); `early`: the
   * outputs read right behind the write, when they could be found before its reply.
   */
  async function outputs(c: OvsdbClient, uuid: string, i: Props, early?: Promise<Props>): Promise<Props> {
    const also = (await spec.hooks?.readAlso?.(c, i))?.outputs ?? {};
    if (!spec.outputs) return also;
    if (early) return { ...(await early), ...also };
    const plan = planOutputRead(spec, i, uuid);
    if (plan) return { ...(await readOutputs(c, db.name, spec, plan)), ...also };
    const live = await selectOne(c, db.name, table, "_uuid", uuid);
    return { ...(live ? outputsOf(live, await membersOf(c, live, i, true)) : {}), ...also };
  }
  /** The read-only outputs of a row (and its members) already read. */
  function outputsOf(live: Row | undefined, members: LiveMembers): Props {
    const first = Object.fromEntries(Object.entries(members).map(([k, rows]) => [k, rows[0]]));
    return outputsFrom(spec, { ...first, "": live });
  }
  /**
   * The outputs read right behind the write `write` (pipelined: one round trip for both), when
   * they can be found before its reply; dropped when the write fails.
   */
  function outputsBehind(c: OvsdbClient, i: Props, write: Promise<unknown>): Promise<Props> | undefined {
    const plan = spec.outputs && planOutputRead(spec, i);
    if (!plan) return undefined;
    const read = readOutputs(c, db.name, spec, plan);
    const behind = write.then(() => read);
    // Awaited only when the write succeeded (a failed one is retried or reported by itself).
    read.catch(() => undefined);
    behind.catch(() => undefined);
    return behind;
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
    createFirstOn: Object.entries(spec.args)
      .filter(([, a]) => a.replace && a.createsFirst)
      .map(([k]) => k),
    sameAs: Object.fromEntries(
      Object.entries(spec.args).flatMap(([k, a]) => (a.sameAs ? [[k, a.sameAs]] : [])),
    ),
    renamed: spec.renamed,
    validate: (i) => [...keyConflicts(spec, i), ...(spec.validate?.(i) ?? [])],
    where: (i) => db.where(i),
    identify: (i) => identify(spec, i),

    async create(i) {
      const c = await db.client(i);
      let written: WriteContext | undefined;
      let early: Promise<Props> | undefined;
      const uuid = await withGuards(
        what(i),
        async () => {
          early = undefined;
          const { parentRow, existing } = await readForCreate(c, i);
          if (existing) {
            const uuid = existing._uuid as string;
            const on = parent?.arg ? ` on ${parent.noun} ${String(i[parent.arg])}` : "";
            claimExisting({
              what: `${what(i)}${on}`,
              row: existing,
              owner: i.owner,
              adopt: i.adopt ?? false,
              instead: anotherIdentity(spec),
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
          const ops = [
            ...planCreate(spec, i, parentRow, await resolve(c, i)),
            ...((await spec.hooks?.alsoWrite?.(written)) ?? []),
          ];
          const write = db.commit(c, ops, i);
          // Outputs read right behind the write, unless a hook waits for them after it.
          if (!spec.hooks?.afterWrite) early = outputsBehind(c, i, write);
          return insertedUuid(ops, await write, NEW_ROW);
        },
        spec.attempts,
      );
      await spec.hooks?.afterWrite?.({ ...written!, uuid });
      return { id: uuid, outs: { ...i, ...(await outputs(c, uuid, i, early)), uuid } };
    },

    async read(id, s): Promise<ReadResult<State> | undefined> {
      const c = await (db.readClient ?? db.client)(s);
      const live = await selectOne(c, db.name, table, "_uuid", id);
      if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
      const members = await membersOf(c, live, s, true);
      const inputs = inputsFromRow(spec, live, s, await namesOf(c, live), members);
      if (parent) {
        const named = parent.arg ? ["name"] : [];
        const parents = await selectRows(c, db.name, parent.table, [includes(parent.column, [id])], named);
        if (parents.length === 0) return undefined; // its parent is gone (or dropped it): so is the row
        if (parent.arg) inputs[parent.arg] = parentOf(parents, s[parent.arg] as string);
      }
      const also = await spec.hooks?.readAlso?.(c, s);
      const read = also ? (wire({ ...inputs, ...also.inputs }) as Inputs) : inputs;
      return { id, outs: { ...read, ...outputsOf(live, members), ...also?.outputs, uuid: id }, inputs: read };
    },

    async update(id, olds, news) {
      const c = await db.client(news);
      const written = await withGuards(what(news), () => applyUpdate(c, id, olds, news), spec.attempts);
      await spec.hooks?.afterWrite?.({ ...written, uuid: id });
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
          const ops: Operation[] = [
            ...also,
            ...planDetachAll(spec, id, await attachedNow(c, db.name, spec, id)),
          ];
          const foreign: string[] = [];
          for (const ch of spec.children ?? []) {
            const held = (live[ch.column] as string[] | undefined) ?? [];
            const rows = await selectRowsByUuid(c, db.name, ch.table, held);
            for (const r of foreignRows(rows, s.owner).filter((r) => !isMemberRow(spec, ch.column, r, s)))
              foreign.push(describeRow(ch.noun, r, ch.describedBy));
            ops.push(guardPresent(table, id, ch.column, live[ch.column]));
          }
          const members: string[] = [];
          for (const m of await foreignMembers(c, db.name, spec, live, s)) {
            members.push(...m.names.map((n) => `${m.noun} ${n}`));
            ops.push(guardPresent(table, id, m.column, live[m.column]));
          }
          if (foreign.length || members.length) {
            const held = [
              ...(foreign.length ? [`rows this stack does not manage: ${foreign.sort().join(", ")}`] : []),
              ...(members.length ? [`members others added: ${members.join(", ")}`] : []),
            ];
            throw new ResourceError(
              "FOREIGN_CHILDREN",
              `${what(s)} still holds ${held.join("; and ")}; remove them (or manage them in this stack) ` +
                `before deleting the ${spec.noun}, or drop the resource from the stack with ` +
                `\`pulumi state delete\` to leave the ${spec.noun} in place`,
            );
          }
          await spec.hooks?.beforeDelete?.({ c, s, live });
          // Still held as read: a takeover since the read (another resource of the stack) keeps it.
          ops.push(guardPresent(table, id, "external_ids", live.external_ids));
          if (parent) {
            // A child goes with the last reference to it.
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

// ---- settings: keys of the only row of a table (see SettingsSpec) -----------------------------------

/** The resource kind (lifecycle) of a spec: a row of its own, or settings in the only row of a table. */
export function tableKind(spec: TableSpec): ResourceKind<Inputs, State> {
  if (spec.parents) return alternativeKind(spec, tableKind);
  const kind = rowKind(spec);
  return spec.settings ? { ...kind, ...settingsLifecycle(spec, kind) } : kind;
}

/**
 * The map keys a settings spec writes for inputs `i`, by column, with its marker pair in
 * `external_ids`: what the only row holds of it after a create. Pure.
 */
export function settingsRow(spec: TableSpec, i: Inputs): Record<string, StringMap> {
  const maps = rowPlan(spec, undefined, i).maps ?? {};
  const out = Object.fromEntries(Object.entries(maps).map(([column, m]) => [column, m.desired ?? {}]));
  out.external_ids = ownedIds(out.external_ids, i, spec.settings!.marker);
  return out;
}

/**
 * Operations bringing the keys of the only row (`live`) to the inputs: per map column, a guard that
 * it is unchanged since it was read and one mutate of the keys (`prev`: the inputs the keys were
 * set from; keys they set that `i` no longer sets are removed). Empty when nothing changes. Pure.
 */
export function planSettings(spec: TableSpec, live: Row, prev: Inputs | undefined, i: Inputs): Operation[] {
  const uuid = live._uuid as string;
  const previous = rowPlan(spec, prev, i).maps ?? {};
  return Object.entries(settingsRow(spec, i)).flatMap(([column, desired]) => {
    const plan = planMap(live[column] as StringMap | undefined, previous[column]?.previous, desired);
    const mutations = mapMutations(column, plan);
    if (mutations.length === 0) return [];
    return [
      guardPresent(spec.table, uuid, column, live[column]),
      mutate(spec.table, [eq("_uuid", uuid)], mutations),
    ];
  });
}

/**
 * What create must do about keys already on the row: nothing (none of them set, or already this
 * resource's), or an error naming them (another resource's settings, or keys set by someone else
 * without `adopt`). Pure.
 */
export function claimSettings(spec: TableSpec, live: Row, i: Inputs): void {
  const holder = (live.external_ids as StringMap | undefined)?.[spec.settings!.marker.owner];
  if (holder === i.owner) return;
  const what = spec.describe?.(i) ?? spec.noun;
  if (holder !== undefined) {
    throw new ResourceError(
      "OWNED_ELSEWHERE",
      `${what} are managed by "${holder}"; remove that resource first`,
    );
  }
  const columns = new Set<string>();
  const present = Object.entries(rowPlan(spec, undefined, i).maps ?? {}).flatMap(([column, m]) => {
    const have = (live[column] ?? {}) as StringMap;
    const keys = Object.keys(m.desired ?? {}).filter((k) => k in have);
    if (keys.length) columns.add(column);
    return keys.map((k) => `${k}=${have[k]}`);
  });
  if (present.length && !i.adopt) {
    throw new ResourceError(
      "NAME_TAKEN",
      `the ${spec.table} row's ${[...columns].join(" and ")} already hold ${present.join(", ")}, not set by ` +
        `this stack; set "adopt: true" to manage these keys (destroying the stack then removes them), or leave them out`,
    );
  }
}

/**
 * The inputs the only row stands for (refresh): the keys the state `s` sets, and no others, so
 * refresh shows drift in those and never claims keys other tools wrote. Pure.
 */
export function settingsFromRow(spec: TableSpec, live: Row, s: Inputs): Inputs {
  const out = inputsFromRow(spec, live, s);
  for (const [k, a] of Object.entries(spec.args))
    if (a.storage && "key" in a.storage && s[k] === undefined) delete out[k];
  return out;
}

/** Problems of the settings' own marker keys set through a map argument. Pure. */
function reservedKeys(spec: TableSpec, i: Props): InputProblem[] {
  const { owner, instance } = spec.settings!.marker;
  return Object.entries(spec.args).flatMap(([k, a]) => {
    const s = a.storage;
    if (!s || !("managedKeys" in s) || s.column !== "external_ids" || !i[k]) return [];
    return Object.keys(i[k] as StringMap)
      .filter((key) => key === owner || key === instance)
      .map((key) => ({ property: `${k}.${key}`, reason: `${key} is reserved for pulumi-ovs` }));
  });
}

/** create / read / update / delete (and validate) of a settings spec, over the row lifecycle's `kind`. */
function settingsLifecycle(
  spec: TableSpec,
  kind: ResourceKind<Inputs, State>,
): Pick<ResourceKind<Inputs, State>, "validate" | "create" | "read" | "update" | "delete"> {
  const { db, table } = spec;
  const { marker, sdk } = spec.settings!;
  const what = (i: Props) => spec.describe?.(i) ?? spec.noun;
  const columns = [
    ...new Set([
      "external_ids",
      ...Object.values(spec.args).flatMap((a) =>
        a.storage && "column" in a.storage ? [a.storage.column] : [],
      ),
    ]),
  ];
  const selectRow = (c: OvsdbClient, where: ReturnType<typeof eq>[]) =>
    selectRows(c, db.name, table, where, columns);

  /** Bring the keys to `i` (`prev`: the state being updated; undefined on create); the row's uuid. */
  async function apply(c: OvsdbClient, prev: Inputs | undefined, i: Inputs): Promise<string> {
    return withGuards(
      what(i),
      async () => {
        const rows = await selectRow(c, []);
        if (rows.length !== 1)
          throw new ResourceError("PARENT_MISSING", `the ${table} table has no row; ${sdk}`);
        const live = rows[0];
        if (!prev) claimSettings(spec, live, i);
        refuseSuperseded(what(i), live.external_ids as StringMap, prev, marker);
        const ops = planSettings(spec, live, prev, i);
        if (ops.length) await db.commit(c, ops, i);
        return live._uuid as string;
      },
      spec.attempts,
    );
  }

  return {
    validate: (i) => [...(kind.validate?.(i) ?? []), ...reservedKeys(spec, i)],

    async create(i) {
      const uuid = await apply(await db.client(i), undefined, i);
      return { id: uuid, outs: { ...i, uuid } };
    },

    async read(id, s): Promise<ReadResult<State> | undefined> {
      const [live] = await selectRow(await (db.readClient ?? db.client)(s), [eq("_uuid", id)]);
      if (!live || supersededRow(live.external_ids as StringMap, s, marker)) return undefined; // a newer instance holds them
      const inputs = settingsFromRow(spec, live, s);
      return { id, outs: { ...inputs, uuid: id }, inputs };
    },

    async update(id, olds, news) {
      await apply(await db.client(news), olds, news);
      return { ...news, uuid: id };
    },

    async delete(id, s) {
      const c = await db.client(s);
      const [live] = await selectRow(c, [eq("_uuid", id)]);
      if (!live || !holdsRow(live.external_ids as StringMap, s, marker)) return; // gone, or not this instance's
      // Deleting by key needs no guard: keys other tools set are never touched.
      const mutations = Object.entries(settingsRow(spec, s)).flatMap(([column, keys]) => {
        const held = Object.keys(keys).filter((k) => k in ((live[column] ?? {}) as StringMap));
        return mapMutations(column, { set: {}, remove: held });
      });
      if (mutations.length) await db.commit(c, [mutate(table, [eq("_uuid", id)], mutations)], s);
    },
  };
}
