/**
 * The shape of the database descriptions generated from the installed `.ovsschema` files
 * (`npm run gen:schema`): per table its columns with their RFC 7047 types and how the client
 * decodes them, plus the table's indexes. Plain data, for code that plans operations without
 * asking a server for its schema.
 */
import {
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

function describeBase(base: BaseType): BaseTypeDescription {
  return { ...base };
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

function describeTable(table: TableSchema): TableDescription {
  const columns = [...table.columns.values()].map((c) => [c.name, describeColumn(c)]);
  return {
    isRoot: table.isRoot,
    ...(table.maxRows !== undefined ? { maxRows: table.maxRows } : {}),
    indexes: table.indexes.map((ix) => [...ix]),
    columns: Object.fromEntries(columns),
  };
}

/** The description of a parsed schema (from a file or from a server's `get_schema`). */
export function describeDatabase(schema: DatabaseSchema): DatabaseDescription {
  const tables = [...schema.tables.values()].map((t) => [t.name, describeTable(t)]);
  return {
    name: schema.name,
    version: schema.version,
    ...(schema.cksum !== undefined ? { cksum: schema.cksum } : {}),
    tables: Object.fromEntries(tables),
  };
}
