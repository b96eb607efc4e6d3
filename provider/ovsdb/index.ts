/**
 * `pulumi-ovs/ovsdb`: an RFC 7047 OVSDB client. No Pulumi imports: usable on its own.
 *
 * What a user of the client needs: the client and its monitor cache, the operation builders and
 * conditions, the typed rows of the vswitch and OVN databases, the errors and the value types.
 * The layers underneath (framing, JSON-RPC, transport, codec, schema check, result decoding) are
 * importable from their own modules inside the package.
 */

// Client: connect, transact, monitor.
export {
  OvsdbClient,
  type BackoffOptions,
  type ClientEvents,
  type ClientOptions,
  type TransactOptions,
} from "./client";
export { parseRemotes, type Remote, type TlsOptions } from "./transport";
export { MonitorCache, type CacheEvents, type CacheSpec, type CachedRow, type CacheTableSpec } from "./cache";
export { selectRows } from "./select";

// Operations, conditions and mutations.
export {
  abort,
  assertLock,
  comment,
  commit,
  del,
  insert,
  mutate,
  select,
  update,
  wait,
  type Operation,
} from "./operations";
export {
  byUuid,
  eq,
  excludes,
  ge,
  gt,
  includes,
  le,
  lt,
  ne,
  type Condition,
  type ConditionFunction,
  type Mutation,
  type Mutator,
} from "./conditions";
export { checkOperations } from "./check";
export type { OperationResult } from "./results";

// Values, rows and schemas.
export { NamedUuid, namedUuid, type Atom, type Value } from "./notation";
export type { Row } from "./codec";
export {
  DatabaseSchema,
  type BaseType,
  type ColumnSchema,
  type ColumnType,
  type TableSchema,
} from "./schema";
export {
  nb,
  sb,
  vswitch,
  type ColumnName,
  type DatabaseName,
  type Databases,
  type RowOf,
  type TableName,
} from "./databases";

// Errors: every class carries a stable `code`.
export {
  OvsdbCancelledError,
  OvsdbCodecError,
  OvsdbConnectError,
  OvsdbConnectionClosedError,
  OvsdbError,
  OvsdbInvalidRemoteError,
  OvsdbNotLeaderError,
  OvsdbProtocolError,
  OvsdbRpcError,
  OvsdbSchemaError,
  OvsdbTimeoutError,
  OvsdbTransactionError,
  type OvsdbErrorCode,
  type SchemaProblem,
  type TransactionErrorKind,
} from "./errors";
