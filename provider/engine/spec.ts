/**
 * Resource declarations. A table-backed resource is one {@link TableSpec}: the table, how a row
 * is found (a unique name column, or its parent row and the columns that identify it there), and
 * each argument once, as a zod field with the metadata the rest is derived from (the column it
 * maps to and how its value is stored, whether a change forces a replacement, its documentation). `provider/engine/table.ts` turns a spec into the
 * resource's lifecycle; `scripts/gen-sdk.ts` turns it into the SDK class and its documentation.
 */
import type { z } from "zod";
import { stringMap } from "../resources/common";
import type { OvsdbClient, Operation, OperationResult, Row, Value } from "../ovsdb";
import type { InputProblem } from "../errors";
import type { Props } from "../framework";

/** Where an argument lives in the row. */
export type Storage =
  /** The whole column (a scalar, an optional value or a set). */
  | { column: string }
  /** One key of a map column (e.g. `other_config:subnet`); the rest of the map is left alone. */
  | { column: string; key: string }
  /**
   * Keys of a map column, as a map argument (e.g. `externalIds` → `external_ids`): the keys the
   * argument names are set, keys it used to name are removed, every other key is left alone.
   */
  | { column: string; managedKeys: true }
  /**
   * Rows of another table written with the row and referenced from `column` (a port's Interface, a
   * router port's Gateway_Chassis rows): an object argument (`single`) or a list of objects whose
   * fields are the member arguments, stored in the member rows.
   */
  | { column: string; rows: MemberRows }
  /**
   * Members of a set of references (e.g. a port group's `ports`), with the argument a list of the
   * names of the rows referenced (its `ref` says which table): the names the argument lists are
   * added, names it used to list are removed, members others added are left alone.
   */
  | { column: string; managedRefs: true };

/** The rows of a {@link Storage} `rows` argument. */
export interface MemberRows {
  table: string;
  /** The fields of one member, each stored in the member row (`storage` relative to it). */
  args: Record<string, ArgSpec>;
  /** One row (an object argument) rather than a list. */
  single?: boolean;
  /**
   * For a list: the member argument that identifies a member among the others; a member whose key
   * is kept is updated in place, others are inserted or dropped.
   */
  key?: string;
  /** Columns a member row takes from the resource's inputs, not its own fields (e.g. its `name`). */
  fixed?: (i: Props, member: Props) => Row;
  /** Member rows carry the resource's owner marker in their `external_ids`. */
  marked?: boolean;
}

/** What a hook of a declaration sees. */
export interface WriteContext {
  c: OvsdbClient;
  /** The inputs being written. */
  i: Props;
  /** The parent row of a child, as read for this write. */
  parent?: Row;
  /** The live row before an update or adoption (undefined for an insert). */
  live?: Row;
}

/** What a declaration cannot say: checks that read other rows, waits after a write. */
export interface Hooks {
  /** Before anything is written (create, adopt, update); throws a ResourceError to refuse. */
  beforeWrite?(x: WriteContext): Promise<void>;
  /**
   * After the insert of a new row committed (e.g. wait a bounded time for a value a daemon fills
   * in, or confirm a daemon accepted the row; a hook that refuses undoes the insert itself).
   */
  afterWrite?(x: WriteContext & { uuid: string }): Promise<void>;
  /**
   * Writes to rows outside the row and its members that go in the transaction of its create or
   * update (e.g. a router port's switch-side port); `prev`: the inputs of the last write.
   */
  alsoWrite?(x: WriteContext & { prev?: Props }): Promise<Operation[]>;
  /** The removal of those rows, in the transaction of the delete (also when the row is gone). */
  alsoDelete?(c: OvsdbClient, s: Props): Promise<Operation[]>;
  /**
   * What those rows say, for refresh (arguments read back, overriding the row's) and for the
   * outputs after a write.
   */
  readAlso?(c: OvsdbClient, s: Props): Promise<{ inputs: Props; outputs: Props }>;
}

/** One argument of a resource, declared once. */
export interface ArgSpec {
  /** Validation and canonical form of the value (zod; transforms give the canonical form). */
  schema: z.ZodType;
  /**
   * What the argument is, for the SDK and the reference: shape, units, default, the OVS/OVN
   * column. Markdown; may span lines.
   */
  doc: string;
  /** The TypeScript type of the value in the SDK (inside `pulumi.Input<…>`), e.g. `string[]`. */
  type: string;
  /** Where it is stored; undefined for arguments the provider uses itself (connections, waits). */
  storage?: Storage;
  /** Column value from the (canonical) argument value; default: the value itself. */
  encode?: (v: never) => Value;
  /** Argument value from the column value (or the map value, for a key); default: the value. */
  decode?: (v: never) => unknown;
  /** A change needs a new row (the engine replaces the resource). */
  replace?: boolean;
  /**
   * The column value when the argument is left out: `[]` (an empty optional or set column) by
   * default; `""` for a string column that cannot be empty (e.g. `route_table`).
   */
  empty?: Value;
  /**
   * The value an empty column means (e.g. `policy` `"dst-ip"`): identity matches treat the two
   * alike, and refresh keeps it when the program states it.
   */
  implied?: unknown;
  /**
   * The argument names another row (by its `name`), stored as a reference to it (its uuid), e.g. a
   * NAT rule's `gatewayPort`. Create fails with PARENT_MISSING while no such row exists.
   */
  ref?: { table: string; noun: string; sdk: string };
}

/** A read-only output taken from the row (besides `uuid`), e.g. a value ovn-northd assigns. */
export interface OutputSpec {
  doc: string;
  type: string;
  from: (row: Row) => unknown;
}

/**
 * A database a resource lives in, with the arguments every resource of it takes (the connection,
 * waits): the OVN northbound database, a host's Open_vSwitch database.
 */
export interface DatabaseBinding {
  /** RFC 7047 database name, e.g. `OVN_Northbound`. */
  name: string;
  /** The argument holding the connection (`nb`, `host`); changing it replaces the resource. */
  connectionArg: string;
  /** The arguments every resource of the database takes (connection, waits, `adopt`, `owner`). */
  base: z.ZodRawShape;
  /** The SDK interface those arguments are documented in (e.g. `NorthboundArgs`), and its module. */
  sdkBase: { name: string; from: string };
  client(i: Props): Promise<OvsdbClient>;
  /** Commit `ops` (with the database's waits, e.g. `waitForChassis`); results of `ops`. */
  commit(c: OvsdbClient, ops: Operation[], i: Props): Promise<OperationResult[] | undefined>;
  /** Where the resource lives, for messages. */
  where(i: Props): string;
}

/** The row a child hangs off, through one of its reference columns (e.g. a router's `nat`). */
export interface ParentSpec {
  /**
   * The argument naming the parent, e.g. `router`; changing it replaces the resource. Absent for
   * the only row of a table (the `Open_vSwitch` row of a host, `NB_Global`).
   */
  arg?: string;
  table: string;
  /** The parent's column that references the children. */
  column: string;
  noun: string;
  /** What makes the parent (the SDK resource, or a command), for the PARENT_MISSING message. */
  sdk: string;
  /**
   * For the only row of a table: when the table has none yet (e.g. `NB_Global` before ovn-northd
   * first ran), create inserts it, guarded by a `wait` that the table is still empty.
   */
  createIfMissing?: boolean;
}

/**
 * A resource that is one row of one table: a root row found by a unique name (`nameArg`), or a
 * child of a parent row (`parent`) found on its parent by the columns of its `matchArgs`.
 */
export interface TableSpec {
  /** Pulumi type token, e.g. `ovn:AddressSet`. */
  type: string;
  /** SDK class doc: what the resource is and the ovn-nbctl/ovs-vsctl command it matches. */
  doc: string;
  db: DatabaseBinding;
  table: string;
  /** The row in messages, e.g. `address set`. */
  noun: string;
  /** The argument (and column) that names the row: unique among the table's rows. */
  nameArg?: string;
  /** For a child without a name: the arguments whose columns identify it on its parent (they force replacement). */
  matchArgs?: readonly string[];
  parent?: ParentSpec;
  /**
   * Alternative parents (e.g. an ACL on a switch or on a port group): each with its own `arg`,
   * exactly one of which the inputs set. Used instead of `parent`.
   */
  parents?: readonly ParentSpec[];
  /** The row in messages; default `<noun> <name>`. */
  describe?: (i: Props) => string;
  /**
   * How often a write is planned again when its guards found the rows changed (default 3); more
   * for children of a busy parent, whose creations in parallel all guard the parent's column.
   */
  attempts?: number;
  args: Record<string, ArgSpec>;
  outputs?: Record<string, OutputSpec>;
  /** Cross-argument rules zod cannot express simply. */
  validate?: (i: Props) => InputProblem[];
  /**
   * Reference columns holding children (e.g. a switch's `ports`): delete refuses while they hold
   * rows this stack does not own, and is guarded by a `wait` that they still hold what was read.
   */
  children?: readonly { column: string; table: string; noun: string }[];
  hooks?: Hooks;
}

/** `ovn:AddressSet` → `ovn.AddressSet`, as messages and the SDK say it. */
export function labelOf(spec: Pick<TableSpec, "type">): string {
  return spec.type.replace(":", ".");
}

/**
 * A map argument whose keys are managed one by one in `column` (`externalIds` → `external_ids`):
 * `example` names typical keys, e.g. "`stateless`".
 */
export function mapArg(column: string, example?: string): ArgSpec {
  const eg = example ? ` (e.g. ${example})` : "";
  return {
    schema: stringMap.optional(),
    type: "Record<string, string>",
    doc: `Keys to set in \`${column}\`${eg}. Keys not listed here are left alone.`,
    storage: { column, managedKeys: true },
  };
}
