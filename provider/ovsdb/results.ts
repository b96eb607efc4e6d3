/**
 * Reading the RFC 7047 `transact` result array: the first failed operation (or failed commit) as
 * an error, otherwise one result per operation with select rows decoded.
 */

import { OvsdbProtocolError, OvsdbTransactionError } from "./errors";
import { decodeRow, type Row } from "./codec";
import { describeJson, isPlainObject, isUuid } from "./notation";
import type { Operation } from "./operations";
import type { DatabaseSchema } from "./schema";

/**
 * The result of one operation: `uuid` for insert, `rows` for select, `count` for update, mutate
 * and delete, nothing for the others. `R` is the row type of a select (untyped by default).
 */
export interface OperationResult<R extends object = Row> {
  /** insert: the new row's UUID. */
  uuid?: string;
  /** select: the matching rows, with the selected columns. */
  rows?: R[];
  /** update, mutate, delete: the number of matching rows. */
  count?: number;
}

function errorText(error: unknown): string {
  return typeof error === "string" ? error : describeJson(error);
}

/**
 * The first failed operation in a `transact` result array (RFC 7047 section 4.1.3), or undefined
 * when none failed. An error in the element after the last operation is a commit failure: its
 * `opIndex` is undefined. `operation` is `ops[opIndex]` as the caller passed it.
 */
export function findTransactionError(
  ops: readonly unknown[],
  wireResults: unknown,
): OvsdbTransactionError | undefined {
  if (!Array.isArray(wireResults)) return undefined;
  for (let i = 0; i < wireResults.length; i++) {
    const result: unknown = wireResults[i];
    if (!isPlainObject(result) || result.error === undefined || result.error === null) continue;
    const details = typeof result.details === "string" ? result.details : undefined;
    const opIndex = i < ops.length ? i : undefined;
    return new OvsdbTransactionError(
      errorText(result.error),
      details,
      opIndex,
      opIndex === undefined ? undefined : ops[i],
    );
  }
  return undefined;
}

function protocolError(index: number, op: Operation, detail: string): OvsdbProtocolError {
  return new OvsdbProtocolError(`bad result for operation ${index} (${op.op}): ${detail}`);
}

function decodeResult(schema: DatabaseSchema, op: Operation, wire: unknown, index: number): OperationResult {
  if (!isPlainObject(wire)) throw protocolError(index, op, `expected an object, got ${describeJson(wire)}`);
  switch (op.op) {
    case "insert": {
      const uuid = wire.uuid;
      if (!Array.isArray(uuid) || uuid[0] !== "uuid" || !isUuid(uuid[1])) {
        throw protocolError(index, op, `"uuid" ${describeJson(uuid)} is not ["uuid", …]`);
      }
      return { uuid: uuid[1] };
    }
    case "select": {
      if (!Array.isArray(wire.rows)) throw protocolError(index, op, `"rows" is not an array`);
      const table = schema.table(op.table);
      return { rows: wire.rows.map((r: Record<string, unknown>) => decodeRow(table, r)) };
    }
    case "update":
    case "mutate":
    case "delete": {
      const count = wire.count;
      if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
        throw protocolError(index, op, `"count" ${describeJson(count)} is not a non-negative integer`);
      }
      return { count };
    }
    default:
      return {};
  }
}

/**
 * Maps a `transact` result array to one {@link OperationResult} per operation (select rows decoded
 * with the table's schema).
 *
 * @throws OvsdbTransactionError for the first failed operation, or for a failed commit.
 * @throws OvsdbProtocolError when the result array does not have the RFC 7047 shape.
 */
export function decodeResults(
  schema: DatabaseSchema,
  ops: readonly Operation[],
  wireResults: unknown,
): OperationResult[] {
  const error = findTransactionError(ops, wireResults);
  if (error) throw error;
  if (!Array.isArray(wireResults)) {
    throw new OvsdbProtocolError(`transact result is not an array: ${describeJson(wireResults)}`);
  }
  if (wireResults.length < ops.length) {
    throw new OvsdbProtocolError(
      `transact returned ${wireResults.length} results for ${ops.length} operations`,
    );
  }
  return ops.map((op, i) => decodeResult(schema, op, wireResults[i], i));
}
