/**
 * The shape of the database descriptions generated from the installed `.ovsschema` files
 * (`npm run gen:schema`): per table its columns with their RFC 7047 types and how the client
 * decodes them, plus the table's indexes. Plain data, for code that plans operations without
 * asking a server for its schema.
 */
import {
  IMPLICIT_COLUMNS,
  isMap,
  isOptional,
  isScalar,
  type AtomicType,
  type BaseType,
  type ColumnSchema,
  type DatabaseSchema,
  type EnumAtom,
  type RefType,
  type TableSchema,
} from "../schema";

/**
 * How the client decodes a column (see `codec.ts`): `scalar` (min 1, max 1) to the atom,
 * `optional` (min 0, max 1) to the atom or `null`, `set` (max > 1) to an array of atoms, `map`
 * to an object keyed by the key atoms rendered as strings.
 */
export type ColumnKind = "scalar" | "optional" | "set" | "map";

/** An RFC 7047 `<base-type>` as data. */
export interface BaseTypeDescription {
  readonly type: AtomicType;
  readonly enum?: readonly EnumAtom[];
  readonly minInteger?: number;
  readonly maxInteger?: number;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly refTable?: string;
  readonly refType?: RefType;
}

/** An RFC 7047 `<column-schema>` as data, with the decoded kind. */
export interface ColumnDescription {
  readonly kind: ColumnKind;
  readonly key: BaseTypeDescription;
  /** Present for maps only. */
  readonly value?: BaseTypeDescription;
  readonly min: number;
  readonly max: number | "unlimited";
  readonly mutable: boolean;
  readonly ephemeral: boolean;
}

/** An RFC 7047 `<table-schema>` as data; `columns` includes the implicit `_uuid` and `_version`. */
export interface TableDescription {
  readonly isRoot: boolean;
  readonly maxRows?: number;
  /** Sets of columns whose values are unique across the table's rows. */
  readonly indexes: readonly (readonly string[])[];
  readonly columns: Readonly<Record<string, ColumnDescription>>;
}

/** An RFC 7047 `<database-schema>` as data. */
export interface DatabaseDescription {
  readonly name: string;
  readonly version: string;
  readonly cksum?: string;
  readonly tables: Readonly<Record<string, TableDescription>>;
}

/** The kind of a parsed column type. */
export function columnKind(column: ColumnSchema): ColumnKind {
  if (isMap(column.type)) return "map";
  if (isScalar(column.type)) return "scalar";
  return isOptional(column.type) ? "optional" : "set";
}

/**
 * Enum atoms in ovsdb-server's order (sorted, as it keeps sets): a schema file may list them in any
 * order, and `get_schema` returns them sorted.
 */
export function sortedEnum(atoms: readonly EnumAtom[]): EnumAtom[] {
  return [...atoms].sort((a, b) =>
    typeof a === "number" && typeof b === "number"
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0,
  );
}

function describeBase(base: BaseType): BaseTypeDescription {
  return base.enum ? { ...base, enum: sortedEnum(base.enum) } : { ...base };
}

function describeColumn(column: ColumnSchema): ColumnDescription {
  const { key, value, min, max } = column.type;
  return {
    kind: columnKind(column),
    key: describeBase(key),
    ...(value ? { value: describeBase(value) } : {}),
    min,
    max,
    mutable: column.mutable,
    ephemeral: column.ephemeral,
  };
}

/** Order-independent names: ovsdb-server returns tables and columns in hash order. */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The table's columns: `_uuid` and `_version` first, the others by name. */
export function sortedColumns(table: TableSchema): ColumnSchema[] {
  const all = [...table.columns.values()];
  const implicit = all.filter((c) => IMPLICIT_COLUMNS.includes(c.name));
  return [...implicit, ...all.filter((c) => !IMPLICIT_COLUMNS.includes(c.name)).sort(byName)];
}

/** The database's tables by name. */
export function sortedTables(schema: DatabaseSchema): TableSchema[] {
  return [...schema.tables.values()].sort(byName);
}

function describeTable(table: TableSchema): TableDescription {
  const columns = sortedColumns(table).map((c) => [c.name, describeColumn(c)]);
  return {
    isRoot: table.isRoot,
    ...(table.maxRows !== undefined ? { maxRows: table.maxRows } : {}),
    indexes: table.indexes.map((ix) => [...ix]),
    columns: Object.fromEntries(columns),
  };
}

/**
 * The description of a parsed schema (from a file or from a server's `get_schema`), tables and
 * columns in {@link sortedTables} / {@link sortedColumns} order.
 */
export function describeDatabase(schema: DatabaseSchema): DatabaseDescription {
  const tables = sortedTables(schema).map((t) => [t.name, describeTable(t)]);
  return {
    name: schema.name,
    version: schema.version,
    ...(schema.cksum !== undefined ? { cksum: schema.cksum } : {}),
    tables: Object.fromEntries(tables),
  };
}
