/**
 * Error types of the OVSDB client. Every error carries a stable `code`; callers branch on the
 * class or the code, never on message text.
 */

export type OvsdbErrorCode =
  | "SCHEMA_VIOLATION" // an operation does not fit the schema (checked before sending)
  | "CODEC" // a value cannot be encoded or decoded for its column type
  | "PROTOCOL" // the peer sent something that is not valid JSON-RPC / RFC 7047
  | "RPC" // the server answered a request with an error
  | "TRANSACTION" // a transaction operation failed on the server
  | "CONNECTION_CLOSED" // the connection dropped while a request was pending
  | "CONNECT" // no remote could be reached
  | "TIMEOUT" // a request got no answer in time
  | "CANCELLED" // the caller cancelled a request
  | "NOT_LEADER" // a clustered server that is not the leader refused a write
  | "INVALID_REMOTE"; // a remote string cannot be parsed

export abstract class OvsdbError extends Error {
  abstract readonly code: OvsdbErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found when checking an operation against the schema. */
export interface SchemaProblem {
  /** Index of the operation in the transaction, when the problem belongs to one. */
  op?: number;
  table?: string;
  column?: string;
  message: string;
}

export class OvsdbSchemaError extends OvsdbError {
  readonly code = "SCHEMA_VIOLATION" as const;
  constructor(readonly problems: SchemaProblem[]) {
    super(
      problems.length === 1
        ? describeProblem(problems[0])
        : `${problems.length} schema problems: ${problems.map(describeProblem).join("; ")}`,
    );
  }
}

function describeProblem(p: SchemaProblem): string {
  const where = [
    p.op !== undefined ? `operation ${p.op}` : undefined,
    p.table !== undefined ? `table ${p.table}` : undefined,
    p.column !== undefined ? `column ${p.column}` : undefined,
  ].filter(Boolean);
  return where.length ? `${where.join(", ")}: ${p.message}` : p.message;
}

export class OvsdbCodecError extends OvsdbError {
  readonly code = "CODEC" as const;
  constructor(
    message: string,
    readonly path: { table?: string; column?: string } = {},
  ) {
    super(message);
  }
}

export class OvsdbProtocolError extends OvsdbError {
  readonly code = "PROTOCOL" as const;
}

export class OvsdbInvalidRemoteError extends OvsdbError {
  readonly code = "INVALID_REMOTE" as const;
  constructor(
    readonly remote: string,
    reason: string,
  ) {
    super(`invalid OVSDB remote "${remote}": ${reason}`);
  }
}

/** The server answered a JSON-RPC request with a non-null `error`. */
export class OvsdbRpcError extends OvsdbError {
  readonly code = "RPC" as const;
  constructor(
    readonly method: string,
    /** The server's error value: usually a string such as "unknown database". */
    readonly error: unknown,
    readonly details?: string,
  ) {
    super(
      `${method} failed: ${typeof error === "string" ? error : JSON.stringify(error)}${details ? ` (${details})` : ""}`,
    );
  }
}

/**
 * RFC 7047 section 4.1.3 error strings. Each failed operation of a transaction becomes one
 * `OvsdbTransactionError` whose `error` is one of these (or another string a newer server sends).
 */
export type TransactionErrorKind =
  | "referential integrity violation"
  | "constraint violation"
  | "resources exhausted"
  | "I/O error"
  | "duplicate uuid-name"
  | "domain error"
  | "range error"
  | "timed out"
  | "not supported"
  | "aborted"
  | "not owner"
  | "not allowed"
  | (string & {});

export class OvsdbTransactionError extends OvsdbError {
  readonly code = "TRANSACTION" as const;
  constructor(
    readonly error: TransactionErrorKind,
    readonly details: string | undefined,
    /** Index of the failing operation, or undefined when the commit itself failed. */
    readonly opIndex: number | undefined,
    /** The failing operation as sent, when known. */
    readonly operation?: unknown,
  ) {
    super(
      `${opIndex === undefined ? "commit" : `operation ${opIndex}${opName(operation)}`} failed: ${error}${
        details ? `: ${details}` : ""
      }`,
    );
  }
}

function opName(operation: unknown): string {
  if (operation && typeof operation === "object" && "op" in operation) {
    const o = operation as { op: unknown; table?: unknown };
    return ` (${String(o.op)}${o.table ? ` ${String(o.table)}` : ""})`;
  }
  return "";
}

/**
 * The connection dropped while a request was pending. `mayHaveBeenApplied` is true when the
 * request had been written to the socket: the server may have executed it (a transaction whose
 * outcome is unknown). It is false when the request never left this process.
 */
export class OvsdbConnectionClosedError extends OvsdbError {
  readonly code = "CONNECTION_CLOSED" as const;
  constructor(
    readonly method: string,
    readonly mayHaveBeenApplied: boolean,
    reason?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `connection closed while "${method}" was pending${reason ? ` (${reason})` : ""}; ${
        mayHaveBeenApplied ? "the request was sent and may have been applied" : "the request was not sent"
      }`,
      options,
    );
  }
}

export class OvsdbConnectError extends OvsdbError {
  readonly code = "CONNECT" as const;
  constructor(
    readonly remotes: string[],
    readonly causes: unknown[],
  ) {
    super(
      `cannot connect to ${remotes.join(", ")}: ${causes.map((c) => (c instanceof Error ? c.message : String(c))).join("; ")}`,
    );
  }
}

export class OvsdbTimeoutError extends OvsdbError {
  readonly code = "TIMEOUT" as const;
  constructor(
    readonly method: string,
    readonly ms: number,
    readonly mayHaveBeenApplied: boolean,
  ) {
    super(
      `"${method}" got no answer within ${ms} ms${mayHaveBeenApplied ? "; it may have been applied" : ""}`,
    );
  }
}

export class OvsdbNotLeaderError extends OvsdbError {
  readonly code = "NOT_LEADER" as const;
}

/**
 * The caller cancelled a request (RFC 7047 `cancel`). ovsdb-server drops a cancelled transaction
 * without answering; if the transaction had already committed, its answer may have been on the
 * way, so the outcome is reported as unknown.
 */
export class OvsdbCancelledError extends OvsdbError {
  readonly code = "CANCELLED" as const;
  constructor(
    readonly method: string,
    /** False when the request was cancelled before it was sent. */
    readonly mayHaveBeenApplied = true,
  ) {
    super(
      mayHaveBeenApplied
        ? `"${method}" was cancelled; it may have been applied if it had already committed`
        : `"${method}" was cancelled before it was sent`,
    );
  }
}
