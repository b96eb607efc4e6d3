/**
 * Checking a transaction against the database schema and encoding it to RFC 7047 wire JSON:
 * every problem is collected (with the operation index, table and column) before anything is
 * sent.
 */

import { OvsdbCodecError, OvsdbSchemaError, type SchemaProblem } from "./errors";
import { defaultValue, encodeDatum, type Row } from "./codec";
import { encodeCondition, encodeMutation, type Condition, type EncodedClause } from "./conditions";
import { NamedUuid, describeJson, isId, isPlainObject, isUuid, type Value } from "./notation";
import type {
  AbortOp,
  AssertOp,
  CommentOp,
  CommitOp,
  DeleteOp,
  InsertOp,
  MutateOp,
  Operation,
  SelectOp,
  TableOperation,
  UpdateOp,
  WaitOp,
} from "./operations";
import { IMPLICIT_COLUMNS, isMap, type ColumnSchema, type DatabaseSchema, type TableSchema } from "./schema";

/** Per-operation state while compiling a transaction. */
class OpContext {
  constructor(
    readonly index: number,
    readonly problems: SchemaProblem[],
    /** uuid-name → table of the insert that defines it. */
    readonly defined: ReadonlyMap<string, string>,
    readonly table?: TableSchema,
  ) {}

  report(message: string, column?: string): void {
    const p: SchemaProblem = { op: this.index, message };
    if (this.table) p.table = this.table.name;
    if (column !== undefined) p.column = column;
    this.problems.push(p);
  }

  /** Encodes a value of a column, recording a problem (and returning undefined) when it is invalid. */
  value(column: ColumnSchema, value: Value): unknown {
    this.checkReferences(column, value);
    try {
      return encodeDatum(column.type, value);
    } catch (e) {
      if (!(e instanceof OvsdbCodecError)) throw e;
      this.report(`invalid value for column ${column.name}: ${e.message}`, column.name);
      return undefined;
    }
  }

  clause(encoded: EncodedClause, value: unknown): unknown {
    if (!encoded.ok) {
      this.report(encoded.problem.message, encoded.problem.column);
      return undefined;
    }
    const column = this.table?.columns.get(encoded.wire[0]);
    if (column) this.checkReferences(column, value);
    return encoded.wire;
  }

  /** Every named UUID in `value` must be the uuid-name of an insert into the referenced table. */
  checkReferences(column: ColumnSchema, value: unknown): void {
    const base = isMap(column.type) ? column.type.value : column.type.key;
    for (const ref of namedUuidsIn(value)) {
      const target = this.defined.get(ref.name);
      if (target === undefined) {
        this.report(
          `column ${column.name} refers to named-uuid ${ref.name}, which no insert defines`,
          column.name,
        );
      } else if (base?.refTable !== undefined && base.refTable !== target) {
        this.report(
          `column ${column.name} refers to rows of ${base.refTable}, but named-uuid ${ref.name} is inserted into ${target}`,
          column.name,
        );
      }
    }
  }
}

function namedUuidsIn(value: unknown): NamedUuid[] {
  if (value instanceof NamedUuid) return [value];
  if (Array.isArray(value)) return value.filter((v): v is NamedUuid => v instanceof NamedUuid);
  if (isPlainObject(value)) return Object.values(value).filter((v): v is NamedUuid => v instanceof NamedUuid);
  return [];
}

type RowMode = "insert" | "update" | "wait";

function compileRow(
  ctx: OpContext,
  table: TableSchema,
  row: unknown,
  mode: RowMode,
): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (!isPlainObject(row)) {
    ctx.report(`row ${describeJson(row)} is not an object`);
    return wire;
  }
  for (const [name, value] of Object.entries(row)) {
    if (value === undefined) continue;
    const column = table.columns.get(name);
    if (!column) {
      ctx.report(`unknown column ${name} in table ${table.name}`, name);
    } else if (mode !== "wait" && IMPLICIT_COLUMNS.includes(name)) {
      ctx.report(`column ${name} is read-only`, name);
    } else if (mode === "update" && !column.mutable) {
      ctx.report(`column ${name} is immutable and cannot be updated`, name);
    } else {
      wire[name] = ctx.value(column, value as Value);
    }
  }
  return wire;
}

function compileWhere(ctx: OpContext, table: TableSchema, where: unknown): unknown[] {
  if (!Array.isArray(where)) {
    ctx.report(`"where" must be an array of conditions, got ${describeJson(where)}`);
    return [];
  }
  return where.map((c: Condition) =>
    ctx.clause(encodeCondition(table, c), Array.isArray(c) ? c[2] : undefined),
  );
}

function compileColumns(ctx: OpContext, table: TableSchema, columns: unknown, member: string): string[] {
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === "string")) {
    ctx.report(`"${member}" must be an array of column names, got ${describeJson(columns)}`);
    return [];
  }
  for (const c of columns.filter((name) => !table.columns.has(name))) {
    ctx.report(`unknown column ${c} in table ${table.name}`, c);
  }
  return columns;
}

/**
 * An insert leaves unset columns at their default; that default must satisfy the column's
 * constraints (ovsdb-server checks), and a required reference must be set.
 */
function checkRequiredColumns(ctx: OpContext, table: TableSchema, row: Row): void {
  for (const column of table.columns.values()) {
    const mayStayUnset = column.type.min === 0 || IMPLICIT_COLUMNS.includes(column.name);
    if (mayStayUnset || row[column.name] !== undefined) continue;
    const refTable = column.type.key.refTable ?? column.type.value?.refTable;
    if (refTable !== undefined) {
      ctx.report(`column ${column.name} must be set (a reference into ${refTable} is required)`, column.name);
      continue;
    }
    try {
      encodeDatum(column.type, defaultValue(column.type));
    } catch (e) {
      if (!(e instanceof OvsdbCodecError)) throw e;
      ctx.report(
        `column ${column.name} must be set: its default value is not allowed (${e.message})`,
        column.name,
      );
    }
  }
}

function compileInsert(ctx: OpContext, table: TableSchema, op: InsertOp): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    op: "insert",
    table: table.name,
    row: compileRow(ctx, table, op.row, "insert"),
  };
  if (isPlainObject(op.row)) checkRequiredColumns(ctx, table, op.row as Row);
  if (op.uuidName !== undefined) {
    if (!isId(op.uuidName)) ctx.report(`uuid-name ${describeJson(op.uuidName)} is not a valid identifier`);
    wire["uuid-name"] = op.uuidName;
  }
  if (op.uuid !== undefined) {
    if (!isUuid(op.uuid)) ctx.report(`uuid ${describeJson(op.uuid)} is not a UUID`);
    wire.uuid = op.uuid;
  }
  return wire;
}

function compileSelect(ctx: OpContext, table: TableSchema, op: SelectOp): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    op: "select",
    table: table.name,
    where: compileWhere(ctx, table, op.where),
  };
  if (op.columns !== undefined) wire.columns = compileColumns(ctx, table, op.columns, "columns");
  return wire;
}

function compileUpdate(ctx: OpContext, table: TableSchema, op: UpdateOp): Record<string, unknown> {
  return {
    op: "update",
    table: table.name,
    where: compileWhere(ctx, table, op.where),
    row: compileRow(ctx, table, op.row, "update"),
  };
}

function compileMutate(ctx: OpContext, table: TableSchema, op: MutateOp): Record<string, unknown> {
  let mutations: unknown[] = [];
  if (Array.isArray(op.mutations)) {
    mutations = op.mutations.map((m) =>
      ctx.clause(encodeMutation(table, m), Array.isArray(m) ? m[2] : undefined),
    );
  } else {
    ctx.report(`"mutations" must be an array, got ${describeJson(op.mutations)}`);
  }
  return { op: "mutate", table: table.name, where: compileWhere(ctx, table, op.where), mutations };
}

function compileDelete(ctx: OpContext, table: TableSchema, op: DeleteOp): Record<string, unknown> {
  return { op: "delete", table: table.name, where: compileWhere(ctx, table, op.where) };
}

/** Wait rows may only set columns listed in the wait's `columns`. */
function checkWaitRowColumns(ctx: OpContext, table: TableSchema, rows: unknown[], columns: string[]): void {
  for (const row of rows.filter(isPlainObject)) {
    for (const name of Object.keys(row)) {
      if (table.columns.has(name) && !columns.includes(name)) {
        ctx.report(`wait row sets column ${name}, which is not in "columns"`, name);
      }
    }
  }
}

function compileWait(ctx: OpContext, table: TableSchema, op: WaitOp): Record<string, unknown> {
  const where = compileWhere(ctx, table, op.where);
  const columns = compileColumns(ctx, table, op.columns, "columns");
  if (op.until !== "==" && op.until !== "!=") {
    ctx.report(`"until" must be "==" or "!=", got ${describeJson(op.until)}`);
  }
  let rows: unknown[] = [];
  if (Array.isArray(op.rows)) {
    checkWaitRowColumns(ctx, table, op.rows, columns);
    rows = op.rows.map((r) => compileRow(ctx, table, r, "wait"));
  } else {
    ctx.report(`"rows" must be an array of rows, got ${describeJson(op.rows)}`);
  }
  const wire: Record<string, unknown> = {
    op: "wait",
    table: table.name,
    where,
    columns,
    until: op.until,
    rows,
  };
  if (op.timeout !== undefined) {
    if (!Number.isSafeInteger(op.timeout) || op.timeout < 0) {
      ctx.report(`"timeout" must be a non-negative integer of milliseconds, got ${describeJson(op.timeout)}`);
    }
    wire.timeout = op.timeout;
  }
  return wire;
}

function compileTableOp(ctx: OpContext, op: TableOperation): Record<string, unknown> {
  const table = ctx.table as TableSchema;
  switch (op.op) {
    case "insert":
      return compileInsert(ctx, table, op);
    case "select":
      return compileSelect(ctx, table, op);
    case "update":
      return compileUpdate(ctx, table, op);
    case "mutate":
      return compileMutate(ctx, table, op);
    case "delete":
      return compileDelete(ctx, table, op);
    case "wait":
      return compileWait(ctx, table, op);
  }
}

function compileOtherOp(
  ctx: OpContext,
  op: CommitOp | AbortOp | CommentOp | AssertOp,
): Record<string, unknown> {
  switch (op.op) {
    case "commit":
      if (typeof op.durable !== "boolean") {
        ctx.report(`"durable" must be a boolean, got ${describeJson(op.durable)}`);
      }
      return { op: "commit", durable: op.durable };
    case "abort":
      return { op: "abort" };
    case "comment":
      if (typeof op.comment !== "string") {
        ctx.report(`"comment" must be a string, got ${describeJson(op.comment)}`);
      }
      return { op: "comment", comment: op.comment };
    case "assert":
      if (!isId(op.lock)) ctx.report(`lock name ${describeJson(op.lock)} is not a valid identifier`);
      return { op: "assert", lock: op.lock };
  }
}

const TABLE_OPS: ReadonlySet<string> = new Set(["insert", "select", "update", "mutate", "delete", "wait"]);
const OTHER_OPS: ReadonlySet<string> = new Set(["commit", "abort", "comment", "assert"]);

function isTableOp(op: Operation): op is TableOperation {
  return TABLE_OPS.has(op.op);
}

/** uuid-names defined by the transaction's inserts; reports duplicates. */
function collectUuidNames(ops: readonly Operation[], problems: SchemaProblem[]): Map<string, string> {
  const defined = new Map<string, string>();
  ops.forEach((op, index) => {
    if (!isPlainObject(op) || op.op !== "insert" || op.uuidName === undefined) return;
    if (defined.has(op.uuidName)) {
      problems.push({ op: index, table: op.table, message: `duplicate uuid-name ${op.uuidName}` });
    } else {
      defined.set(op.uuidName, op.table);
    }
  });
  return defined;
}

function compileOperation(
  schema: DatabaseSchema,
  op: Operation,
  index: number,
  problems: SchemaProblem[],
  defined: ReadonlyMap<string, string>,
): unknown {
  if (!isPlainObject(op) || typeof op.op !== "string" || !(TABLE_OPS.has(op.op) || OTHER_OPS.has(op.op))) {
    const what = isPlainObject(op)
      ? `unknown operation ${describeJson(op.op)}`
      : `operation ${describeJson(op)} is not an object`;
    problems.push({ op: index, message: what });
    return undefined;
  }
  if (!isTableOp(op)) return compileOtherOp(new OpContext(index, problems, defined), op);
  const table = schema.findTable(op.table);
  if (!table) {
    problems.push({
      op: index,
      table: op.table,
      message: `unknown table ${op.table} in database ${schema.name}`,
    });
    return undefined;
  }
  return compileTableOp(new OpContext(index, problems, defined, table), op);
}

function compile(
  schema: DatabaseSchema,
  ops: readonly Operation[],
): { wire: unknown[]; problems: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  if (!Array.isArray(ops)) {
    return { wire: [], problems: [{ message: `operations must be an array, got ${describeJson(ops)}` }] };
  }
  const defined = collectUuidNames(ops, problems);
  const wire = ops.map((op, index) => compileOperation(schema, op, index, problems, defined));
  problems.sort((a, b) => (a.op ?? -1) - (b.op ?? -1));
  return { wire, problems };
}

/**
 * Checks a transaction against the schema without encoding it. Returns every problem found (empty
 * when the transaction is valid), each with the operation index and, where they apply, the table
 * and column:
 * unknown tables and columns; values of the wrong type, out of range, not in the enum or with the
 * wrong number of elements; writes to read-only (`_uuid`, `_version`) or immutable columns;
 * mutators and condition functions the column type does not allow; duplicate uuid-names; named
 * UUIDs that no insert defines (or that reference the wrong table); wait rows with columns
 * missing from `columns`; inserts leaving a required column unset.
 */
export function checkOperations(schema: DatabaseSchema, ops: readonly Operation[]): SchemaProblem[] {
  return compile(schema, ops).problems;
}

/**
 * Encodes a transaction to the RFC 7047 `transact` operation array (without the database name).
 *
 * @throws OvsdbSchemaError listing every problem {@link checkOperations} finds.
 */
export function encodeOperations(schema: DatabaseSchema, ops: readonly Operation[]): unknown[] {
  const { wire, problems } = compile(schema, ops);
  if (problems.length > 0) throw new OvsdbSchemaError(problems);
  return wire;
}
