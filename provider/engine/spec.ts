/**
 * Resource declarations. Every declared resource is a {@link ResourceSpec}: its type, its
 * documentation, the arguments it shares with the others of its database (the connection,
 * `adopt`), and each of its own arguments once, as a zod field with the metadata the rest is derived
 * from (whether a change forces a replacement, its documentation, its SDK type). A table-backed
 * resource is a {@link TableSpec}, which adds the table, how a row is found (a unique name column,
 * or its parent row and the columns that identify it there) and where each argument is stored.
 * `provider/engine/table.ts` turns a TableSpec into the resource's lifecycle (ovs.Flow, which is no
 * row, has its own reader/writer over its spec); `scripts/gen-sdk.ts` turns any spec into the SDK
 * class and `scripts/reference.ts` into its section of docs/reference.md.
 */
import { z } from "zod";
import { connectionSchema, stringMap, type MarkerKeys } from "../resources/common";
import type { OvsdbClient, Operation, OperationResult, Row, Value } from "../ovsdb";
import type { InputProblem } from "../errors";
import type { Props } from "../framework";
import type { Renamed } from "../renamed";

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
  | { column: string; managedRefs: true }
  /**
   * Attachments: the argument lists rows of another table by name (e.g. logical switches), each of
   * which must hold a reference to this row in its column `attachedTo.column` (e.g.
   * `Logical_Switch.load_balancer`). Owned per attachment: the rows listed get this row's uuid
   * (in the transaction of the create), rows listed before and no longer are detached, other
   * members of their column (other load balancers) are left alone; delete detaches the row.
   */
  | { attachedTo: AttachTarget };

/** The rows an argument names, by their `name` column: which table, and how messages call them. */
export interface RowRef {
  table: string;
  /** The row in messages, e.g. `logical switch`. */
  noun: string;
  /** What makes such a row (the SDK resource), for the PARENT_MISSING message. */
  sdk: string;
}

/** Where an attachment lives: the listed rows' table and their column that references this row. */
export interface AttachTarget extends RowRef {
  column: string;
}

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
  /** The doc of the member's SDK interface (e.g. `InterfaceArgs`); by default it names the argument and the table. */
  doc?: string;
  /** Member rows carry the resource's owner marker in their `external_ids`. */
  marked?: boolean;
  /**
   * For a list: each member is a plain value (e.g. a controller target), held by the member
   * argument named here, rather than an object.
   */
  value?: string;
  /**
   * For a single member: the column also holds rows that are not members (a bridge's `ports`): the
   * member is the row whose `fixed` columns match; the others are left alone.
   */
  shared?: boolean;
  /** Member rows of the member row that no argument sets (e.g. the interface of a bridge's own port). */
  ownRows?: Record<string, OwnRows>;
}

/**
 * Member rows that no argument sets, written with the row from their `fixed` columns alone (a
 * bridge's internal port of its own name); updated in place, never read back as inputs.
 */
export type OwnRows = MemberRows & { column: string; single: true };

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
   * Before a row this instance holds is deleted (`live`: the row as read); throws a ResourceError
   * to refuse (e.g. rows elsewhere still name it).
   */
  beforeDelete?(x: { c: OvsdbClient; s: Props; live: Row }): Promise<void>;
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
  /**
   * The type of the output when the value is stored in another form than it is given, e.g.
   * `GatewayChassisArgs[]` for chassis given as names or objects; default: `type`.
   */
  outputType?: string;
  /** Where it is stored; undefined for arguments the provider uses itself (connections, waits). */
  storage?: Storage;
  /** Column value from the (canonical) argument value; default: the value itself. */
  encode?: (v: never) => Value;
  /** Argument value from the column value (or the map value, for a key); default: the value. */
  decode?: (v: never) => unknown;
  /** A change needs a new row (the engine replaces the resource). */
  replace?: boolean;
  /**
   * With `replace`: a replacement caused by this argument alone makes the new row before the old
   * one is deleted (Pulumi's create-before-delete). For an argument that identifies the row (a
   * unique name), so that the two rows cannot collide and the resources that refer to the row by
   * this output (`haChassisGroup: g.name`, `meter: m.name`) are updated to the new row before the
   * old one goes. Otherwise a replacement deletes first.
   */
  createsFirst?: boolean;
  /**
   * For an identifying argument (`matchArgs`): the form values are compared in, e.g. a match's
   * tokens, so that spellings of one value count as one: between two resources of a program (the
   * SDK's `[DUPLICATE]` check), between the inputs and a live row (finding the row the inputs
   * declare: taken with `adopt`, refused as NAME_TAKEN without), and between old and new inputs in
   * `diff` (a respelled value is no change). Default: the argument's schema output.
   */
  sameAs?: (v: never) => unknown;
  /**
   * The column value when the argument is left out: `null` (empty, whatever the column: an
   * optional atom, a set or a map) by default; `""` for a string column that cannot be empty
   * (e.g. `route_table`).
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
  ref?: RowRef;
  /**
   * The column value from all the inputs, when it depends on other arguments (e.g. `tag_request`:
   * 0, "ovn-northd chooses", for a container port that gives none). Default: from the value alone.
   */
  write?: (i: Props) => Value;
  /**
   * The argument value from the column value and the value the state holds (e.g. a value the
   * provider wrote for a left-out argument reads back as left out). Default: decoded, empty as
   * left out.
   */
  read?: (column: Value, stated: unknown) => unknown;
  /**
   * The documentation of an object argument's fields (e.g. a connection's `remote` and `tls`), for
   * the reference; the fields' types come from `schema`. (The fields of a `rows` argument are
   * declared in its {@link MemberRows}.)
   */
  fields?: Record<string, string>;
  /** The value may carry key material: the SDK keeps the output secret whenever it is given. */
  secret?: boolean;
  /**
   * `false`: not compared by diff, a change alone is nothing to apply (e.g. `adopt`, which only
   * says how a create treats what it finds).
   */
  diff?: false;
}

/** A read-only output of a resource (besides its arguments), as the SDK declares it. */
export interface OutputDoc {
  doc: string;
  type: string;
}

/** A read-only output taken from the row (besides `uuid`), e.g. a value ovn-northd assigns. */
export interface OutputSpec extends OutputDoc {
  /**
   * The single member argument whose row the output is taken from (e.g. a port's `interface`);
   * default: the resource's own row. That member is found by its `fixed` columns.
   */
  member?: string;
  from: (row: Row) => unknown;
  /**
   * Create and update wait (server side) up to `ms` until `column` of the output's row is set (a
   * value a daemon fills in, e.g. an interface's `ofport`), then read it; without it, or after the
   * wait ran out, the outputs are what the row holds.
   */
  awaited?: { column: string; ms: number };
}

/**
 * The arguments a resource shares with the others of its database or protocol: the connection,
 * waits, `adopt` and the `owner` marker the SDK sets.
 */
export interface ConnectionBinding {
  /** The argument holding the connection (`nb`, `host`); changing it replaces the resource. */
  connectionArg: string;
  /** The zod fields of those arguments (connection, waits, `adopt`, `owner`). */
  base: z.ZodRawShape;
  /** Those arguments but `owner` (set by the SDK), documented: what the reference lists. */
  baseArgs: Record<string, ArgSpec>;
  /**
   * The SDK interface those arguments are documented in (e.g. `NorthboundArgs`), and its module;
   * absent when the resource declares them among its own arguments.
   */
  sdkBase?: { name: string; from: string; doc?: string };
}

/**
 * A database a resource lives in, with the arguments every resource of it takes (the connection,
 * waits): the OVN northbound database, a host's Open_vSwitch database.
 */
export interface DatabaseBinding extends ConnectionBinding {
  /** RFC 7047 database name, e.g. `OVN_Northbound`. */
  name: string;
  sdkBase: { name: string; from: string; doc?: string };
  client(i: Props): Promise<OvsdbClient>;
  /**
   * The client a refresh reads with (`read`), when it differs from {@link client}: e.g. one whose
   * selects are answered from a monitor of the database (provider/pool.ts `getReader`).
   */
  readClient?(i: Props): Promise<OvsdbClient>;
  /**
   * Commit `ops` (with the database's waits, e.g. `waitForChassis`); results of `ops`. Sends the
   * transaction before its first `await`, so a read sent right after it is served after it.
   */
  commit(c: OvsdbClient, ops: Operation[], i: Props): Promise<OperationResult[] | undefined>;
  /** Where the resource lives, for messages. */
  where(i: Props): string;
}

/**
 * A reference column holding children (or weak references to rows of their own, e.g. a switch's
 * `load_balancer`), as a delete names the ones the stack does not own and refuses while they are
 * there; rows of the same stack do not block (Pulumi deletes them first, or they outlive it).
 */
export interface ChildSpec {
  column: string;
  table: string;
  /** The child in messages, e.g. `ACL`. */
  noun: string;
  /**
   * The columns that tell a child apart, in the order a message shows them (default `name`), e.g.
   * an ACL's direction, priority and match, as `ovn-nbctl acl-list` shows it.
   */
  describedBy?: readonly string[];
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
  /**
   * A changed parent argument moves the row to the new parent in the update's transaction (a
   * switch port between switches) instead of replacing the resource.
   */
  movable?: boolean;
}

/** A type the SDK module of a resource exports besides the class and its `*Args` interface. */
export type SdkType =
  /** A union of string literals, e.g. `OpenFlowVersion`. */
  | { name: string; doc: string; values: readonly string[] }
  /** An object type, e.g. the `InstalledFlow` output. */
  | { name: string; doc: string; fields: Record<string, { type: string; doc: string; optional?: boolean }> };

/** What the SDK module of a resource needs beyond its arguments and outputs. */
export interface SdkSpec {
  /** The module's path from the repository root, when it is not `sdk/<ns>/<kebab-case class>.ts`. */
  file?: string;
  /** Types the module exports besides the class and its `*Args` (named in argument or output types). */
  types?: readonly SdkType[];
  /** Types argument types name, by module, e.g. `{ "../common": ["Connection"] }`. */
  imports?: Record<string, readonly string[]>;
  /** The doc of the `owner` output, when the marker is used otherwise than in `external_ids`. */
  ownerDoc?: string;
}

/**
 * Settings: a resource that owns keys of the only row of its table rather than a row (a host's OVN
 * settings in its Open_vSwitch row's `external_ids`). Every stored argument is a key (or the map
 * argument's keys) of a map column of that row; the row is shared with other tools, so create
 * claims only keys nobody else set (or, with `adopt`, takes them over), update and delete change
 * only the keys of the inputs, and refresh reads back only the keys the state sets. Who holds the
 * keys is recorded by its own marker pair in `external_ids`, apart from the row's owner marker.
 */
export interface SettingsSpec {
  /** The external_ids keys naming the resource and the instance that hold the settings. */
  marker: MarkerKeys;
  /** What makes the row when the table has none, for the PARENT_MISSING message (e.g. `ovs-vsctl init`). */
  sdk: string;
}

/**
 * A declared resource: what the SDK, the reference and the input checks are derived from. Its
 * lifecycle comes from the engine ({@link TableSpec}) or from its own reader/writer (ovs.Flow).
 */
export interface ResourceSpec {
  /** Pulumi type token, e.g. `ovn:AddressSet`. */
  type: string;
  /** SDK class doc: what the resource is and the ovn-nbctl/ovs-vsctl command it matches. */
  doc: string;
  /** The arguments it shares with the others of its database (connection, `adopt`, `owner`). */
  db: ConnectionBinding;
  args: Record<string, ArgSpec>;
  outputs?: Record<string, OutputDoc>;
  /** Cross-argument rules zod cannot express simply. */
  validate?: (i: Props) => InputProblem[];
  sdk?: SdkSpec;
  /**
   * For a resource that is no row (a table-backed one derives it: `provider/engine/identity.ts`):
   * the arguments whose values, on one connection, make two resources of a program the same object
   * (an OpenFlow flow: bridge, table, priority, match). `form` gives an argument's canonical form
   * where its schema is too costly to run in the program (it runs ovs-ofctl).
   */
  identity?: { args: readonly string[]; form?: Record<string, (v: never) => unknown> };
}

/**
 * A resource that is one row of one table: a root row found by a unique name (`nameArg`), or a
 * child of a parent row (`parent`) found on its parent by the columns of its `matchArgs`.
 */
export interface TableSpec extends ResourceSpec {
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
   * A root row without a name (e.g. `DHCP_Options`, `DNS`): found by its owner marker alone, so rows
   * others made with the same values never collide with it. With `adopt`, create takes over the one
   * row no stack manages whose columns of the `adoptBy` arguments equal the inputs (e.g. `cidr`).
   */
  markerIdentity?: { adoptBy: readonly string[] };
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
  outputs?: Record<string, OutputSpec>;
  /**
   * Reference columns holding children (e.g. a switch's `ports`): delete refuses while they hold
   * rows this stack does not own, and is guarded by a `wait` that they still hold what was read.
   * The row's own `shared` member rows among them (a bridge's own port) are no children.
   */
  children?: readonly ChildSpec[];
  /** Member rows no argument sets, written with the row (e.g. a bridge's own internal port). */
  ownRows?: Record<string, OwnRows>;
  hooks?: Hooks;
  /** Keys of the only row of `table` instead of a row of its own. */
  settings?: SettingsSpec;
  /** Arguments and outputs renamed since earlier releases (old state and programs keep working). */
  renamed?: readonly Renamed[];
}

/** `ovn:AddressSet` → `ovn.AddressSet`, as messages and the SDK say it. */
export function labelOf(spec: Pick<ResourceSpec, "type">): string {
  return spec.type.replace(":", ".");
}

/** The zod object of a set of arguments (e.g. the fields of a member row), each optional or not as declared. */
export function objectSchema(args: Record<string, ArgSpec>): z.ZodObject {
  return z.object(Object.fromEntries(Object.entries(args).map(([k, a]) => [k, a.schema])));
}

/**
 * The inputs of declared arguments whose schemas keep their zod types (arguments declared
 * `satisfies Record<string, ArgSpec>`), for a lifecycle written by hand.
 */
export type ArgsInput<A extends Record<string, { schema: z.ZodType }>> = z.output<
  z.ZodObject<{ [K in keyof A]: A[K]["schema"] }>
>;

/** Whether a declared resource is a row of a table (its lifecycle comes from the engine). */
export function isTableSpec(spec: ResourceSpec): spec is TableSpec {
  return "table" in spec;
}

/** The zod object of a spec's inputs: the shared arguments, then its own. */
export function specSchema(spec: ResourceSpec): z.ZodObject {
  return z.object({
    ...spec.db.base,
    ...Object.fromEntries(Object.entries(spec.args).map(([k, a]) => [k, a.schema])),
  });
}

/** The inputs diff compares: the connection and every own argument but those declared `diff: false`. */
export function comparedArgs(spec: ResourceSpec): string[] {
  const own = Object.entries(spec.args).filter(([, a]) => a.diff !== false);
  return [...new Set([spec.db.connectionArg, ...own.map(([k]) => k)])];
}

/** The arguments whose change replaces the resource as declared: the connection and those marked `replace`. */
export function replacingArgs(spec: ResourceSpec): string[] {
  const own = Object.entries(spec.args).filter(([, a]) => a.replace);
  return [...new Set([spec.db.connectionArg, ...own.map(([k]) => k)])];
}

/** The documented fields of a connection argument (`Connection` in the SDK). */
export const CONNECTION_FIELDS = {
  remote:
    "OVSDB remote as OVS tools take it: `unix:/var/run/openvswitch/db.sock`, `tcp:172.29.101.123:6640`, " +
    "`ssl:ovn1:6641`; several remotes of one cluster separated by commas.",
  tls: "TLS material for `ssl:` remotes.",
};

/** The documented fields of TLS material (`TlsArgs` in the SDK). */
export const TLS_FIELDS = {
  privateKey: "PEM text of the client's private key.",
  certificate: "PEM text of the client's certificate.",
  caCert: "PEM text of the CA certificate that signed the server's certificate.",
};

/** A connection argument (an OVSDB remote and its TLS material), e.g. `host`, `nb`. */
export function connectionArg(doc: string, optional = false): ArgSpec {
  return {
    schema: optional ? connectionSchema.optional() : connectionSchema,
    type: "Connection",
    doc,
    fields: CONNECTION_FIELDS,
  };
}

/** The `adopt` argument every table-backed resource takes. */
export const adoptArg: ArgSpec = {
  schema: z.boolean().optional(),
  type: "boolean",
  doc:
    "Take over an existing row that no stack manages and that this resource identifies (by its name, or for " +
    "a rule or route, by the columns that identify it on its parent), instead of failing. " +
    "Pulumi cannot `import` dynamic resources; this is how existing configuration is adopted. " +
    "After adoption the stack owns the row: destroying the stack deletes it.",
  diff: false,
};

/**
 * A map argument whose keys are managed one by one in `column` (`externalIds` → `external_ids`):
 * `example` names typical keys, e.g. "`stateless`".
 */
/** How a map argument whose keys are managed one by one (`managedKeys`) treats the keys, for its doc. */
export const MANAGED_KEYS_DOC =
  "Only the keys listed here are managed: a key removed from the program is deleted from the column, " +
  "keys others added stay.";

export function mapArg(column: string, example?: string): ArgSpec {
  const eg = example ? ` (e.g. ${example})` : "";
  return {
    schema: stringMap.optional(),
    type: "Record<string, string>",
    doc: `Keys to set in \`${column}\`${eg}. ${MANAGED_KEYS_DOC}`,
    storage: { column, managedKeys: true },
  };
}
