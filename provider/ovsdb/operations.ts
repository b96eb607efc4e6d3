/**
 * RFC 7047 section 5.2 transaction operations: the plain operation objects and the builders that
 * make them. Pure: checking against the schema is `check.ts`, sending is the client's `transact`,
 * reading the results is `results.ts`.
 */

import type { Row } from "./codec";
import type { Condition, Mutation } from "./conditions";

// ---------------------------------------------------------------------------------------------
// Operation types

/** Insert one row. `uuidName` names it for `named-uuid` references elsewhere in the transaction. */
export interface InsertOp {
  op: "insert";
  table: string;
  row: Row;
  uuidName?: string;
  /** The UUID the new row should get (Open vSwitch 2.13+ extension). */
  uuid?: string;
}

/** Select the rows matching `where`, optionally only some columns. */
export interface SelectOp {
  op: "select";
  table: string;
  where: Condition[];
  columns?: string[];
}

/** Set columns of every row matching `where`. */
export interface UpdateOp {
  op: "update";
  table: string;
  where: Condition[];
  row: Row;
}

/** Apply mutations to every row matching `where`. */
export interface MutateOp {
  op: "mutate";
  table: string;
  where: Condition[];
  mutations: Mutation[];
}

/** Delete every row matching `where`. */
export interface DeleteOp {
  op: "delete";
  table: string;
  where: Condition[];
}

/**
 * Wait until the `columns` of the rows matching `where` are (`until: "=="`) or are not (`"!="`)
 * exactly `rows`, or fail after `timeout` milliseconds.
 */
export interface WaitOp {
  op: "wait";
  table: string;
  where: Condition[];
  columns: string[];
  until: "==" | "!=";
  rows: Row[];
  timeout?: number;
}

/** Commit; when `durable`, only after the change is on stable storage. */
export interface CommitOp {
  op: "commit";
  durable: boolean;
}

/** Abort the transaction (always fails with "aborted"). */
export interface AbortOp {
  op: "abort";
}

/** A comment for the server's log. */
export interface CommentOp {
  op: "comment";
  comment: string;
}

/** Fail unless this client owns the lock. */
export interface AssertOp {
  op: "assert";
  lock: string;
}

/** Any operation of a transaction. */
export type Operation =
  InsertOp | SelectOp | UpdateOp | MutateOp | DeleteOp | WaitOp | CommitOp | AbortOp | CommentOp | AssertOp;

/** The operations that address a table. */
export type TableOperation = InsertOp | SelectOp | UpdateOp | MutateOp | DeleteOp | WaitOp;

// ---------------------------------------------------------------------------------------------
// Builders

/** Builds an insert; `opts.uuidName` lets other operations refer to the row as `namedUuid(name)`. */
export function insert(table: string, row: Row, opts: { uuidName?: string; uuid?: string } = {}): InsertOp {
  const op: InsertOp = { op: "insert", table, row };
  if (opts.uuidName !== undefined) op.uuidName = opts.uuidName;
  if (opts.uuid !== undefined) op.uuid = opts.uuid;
  return op;
}

/** Builds a select of the rows matching `where` (all rows when empty). */
export function select(table: string, where: Condition[] = [], columns?: string[]): SelectOp {
  const op: SelectOp = { op: "select", table, where };
  if (columns !== undefined) op.columns = columns;
  return op;
}

/** Builds an update setting `row`'s columns in every row matching `where`. */
export function update(table: string, where: Condition[], row: Row): UpdateOp {
  return { op: "update", table, where, row };
}

/** Builds a mutate applying `mutations` to every row matching `where`. */
export function mutate(table: string, where: Condition[], mutations: Mutation[]): MutateOp {
  return { op: "mutate", table, where, mutations };
}

/** Builds a delete of every row matching `where` (`delete` is a reserved word). */
export function del(table: string, where: Condition[]): DeleteOp {
  return { op: "delete", table, where };
}

/** Builds a wait; `until` defaults to `"=="`, `timeout` (ms) to none (wait forever). */
export function wait(
  table: string,
  where: Condition[],
  columns: string[],
  rows: Row[],
  opts: { until?: "==" | "!="; timeout?: number } = {},
): WaitOp {
  const op: WaitOp = { op: "wait", table, where, columns, until: opts.until ?? "==", rows };
  if (opts.timeout !== undefined) op.timeout = opts.timeout;
  return op;
}

/** Builds a comment. */
export function comment(text: string): CommentOp {
  return { op: "comment", comment: text };
}

/** Builds an assert that this client holds the lock `name`. */
export function assertLock(name: string): AssertOp {
  return { op: "assert", lock: name };
}

/** Builds a commit. */
export function commit(durable: boolean): CommitOp {
  return { op: "commit", durable };
}

/** Builds an abort. */
export function abort(): AbortOp {
  return { op: "abort" };
}
