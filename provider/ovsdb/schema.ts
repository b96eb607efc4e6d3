/**
 * RFC 7047 section 3.2 database schemas: parsing the schema JSON that `get_schema` returns into
 * typed tables, columns and column types.
 */

import { OvsdbSchemaError, type SchemaProblem } from "./errors";
import {
  isAtomicType,
  isId,
  isPlainObject,
  parseWireAtom,
  describeJson,
  wireSetElements,
  type AtomicType,
} from "./notation";

export type { AtomicType } from "./notation";

/** An atom allowed in an `enum` constraint (uuid enums hold the UUID text). */
export type EnumAtom = string | number | boolean;

/** Whether a reference keeps the referenced row alive (`strong`) or is dropped with it (`weak`). */
export type RefType = "strong" | "weak";

/** An RFC 7047 `<base-type>`: an atomic type with its optional constraints. */
export interface BaseType {
  type: AtomicType;
  /** The only values allowed, when present. */
  enum?: EnumAtom[];
  minInteger?: number;
  maxInteger?: number;
  minReal?: number;
  maxReal?: number;
  /** Minimum string length in Unicode code points. */
  minLength?: number;
  /** Maximum string length in Unicode code points. */
  maxLength?: number;
  /** For uuid atoms: the table the UUID refers to. */
  refTable?: string;
  /** For uuid atoms with a `refTable`: the reference kind (default `strong`). */
  refType?: RefType;
}

/**
 * An RFC 7047 `<type>`: a set of `min`..`max` key atoms, or a map when `value` is present.
 * `min` is 0 or 1; `max` is at least 1 and at least `min`.
 */
export interface ColumnType {
  key: BaseType;
  value?: BaseType;
  min: number;
  max: number | "unlimited";
}

/** True when the type is a map (it has a value type). */
export function isMap(t: ColumnType): boolean {
  return t.value !== undefined;
}

/** True when the type is a set that may hold more than one element (max > 1 or unlimited). */
export function isSet(t: ColumnType): boolean {
  return t.value === undefined && t.max !== 1;
}

/** True when the type is an optional atom: a set of 0 or 1 element. */
export function isOptional(t: ColumnType): boolean {
  return t.value === undefined && t.min === 0 && t.max === 1;
}

/** True when the type is exactly one atom. */
export function isScalar(t: ColumnType): boolean {
  return t.value === undefined && t.min === 1 && t.max === 1;
}

/** True when `n` elements fit the type's `max`. */
export function fitsMax(t: ColumnType, n: number): boolean {
  return t.max === "unlimited" || n <= t.max;
}

/** An RFC 7047 `<column-schema>`. */
export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** The server need not persist the column (default false). */
  ephemeral: boolean;
  /** The column may be changed after insertion (default true; false for `_uuid` and `_version`). */
  mutable: boolean;
}

/** An RFC 7047 `<table-schema>`. */
export interface TableSchema {
  name: string;
  /** Every column, including the implicit `_uuid` and `_version`, in schema order after those. */
  columns: Map<string, ColumnSchema>;
  /** Rows not referenced from elsewhere are kept only in root tables. */
  isRoot: boolean;
  /** Sets of columns whose values must be unique across rows. */
  indexes: string[][];
  maxRows?: number;
}

/** The implicit columns every table has. */
export const IMPLICIT_COLUMNS: readonly string[] = ["_uuid", "_version"];

function implicitColumn(name: string): ColumnSchema {
  return { name, type: { key: { type: "uuid" }, min: 1, max: 1 }, ephemeral: false, mutable: false };
}

/** A parsed RFC 7047 database schema. */
export class DatabaseSchema {
  private constructor(
    readonly name: string,
    readonly version: string,
    /** The schema checksum, when the schema carries one. */
    readonly cksum: string | undefined,
    readonly tables: Map<string, TableSchema>,
    /** The JSON this schema was parsed from. */
    readonly raw: unknown,
  ) {}

  /**
   * Parses schema JSON (the result of `get_schema`, or an `.ovsschema` file's content).
   * Unknown members are ignored for forward compatibility; everything RFC 7047 defines is
   * validated.
   *
   * @throws OvsdbSchemaError listing every problem found.
   */
  static parse(json: unknown): DatabaseSchema {
    const parser = new SchemaParser();
    const parsed = parser.database(json);
    if (parser.problems.length > 0 || parsed === undefined) {
      throw new OvsdbSchemaError(
        parser.problems.length > 0 ? parser.problems : [{ message: "invalid database schema" }],
      );
    }
    return new DatabaseSchema(parsed.name, parsed.version, parsed.cksum, parsed.tables, json);
  }

  /** The table's schema, or undefined. */
  findTable(name: string): TableSchema | undefined {
    return this.tables.get(name);
  }

  /**
   * The table's schema.
   *
   * @throws OvsdbSchemaError when the database has no such table.
   */
  table(name: string): TableSchema {
    const table = this.tables.get(name);
    if (!table) {
      throw new OvsdbSchemaError([{ table: name, message: `database ${this.name} has no table ${name}` }]);
    }
    return table;
  }

  /**
   * The column's schema.
   *
   * @throws OvsdbSchemaError when the table or the column does not exist.
   */
  column(table: string, column: string): ColumnSchema {
    const col = this.table(table).columns.get(column);
    if (!col) {
      throw new OvsdbSchemaError([{ table, column, message: `table ${table} has no column ${column}` }]);
    }
    return col;
  }
}

interface ParsedDatabase {
  name: string;
  version: string;
  cksum: string | undefined;
  tables: Map<string, TableSchema>;
}

interface Where {
  table?: string;
  column?: string;
}

const VERSION_RE = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const MAX_INT64 = 2 ** 63;

/** Parses schema JSON, recording every problem instead of stopping at the first. */
class SchemaParser {
  readonly problems: SchemaProblem[] = [];

  private report(where: Where, message: string): undefined {
    this.problems.push({ ...where, message });
    return undefined;
  }

  database(json: unknown): ParsedDatabase | undefined {
    if (!isPlainObject(json)) {
      return this.report({}, `schema must be a JSON object, got ${describeJson(json)}`);
    }
    const name = json.name;
    if (!isId(name)) this.report({}, `schema "name" must be an identifier, got ${describeJson(name)}`);
    const version = json.version;
    if (typeof version !== "string" || !VERSION_RE.test(version)) {
      this.report({}, `schema "version" must look like x.y.z, got ${describeJson(version)}`);
    }
    const cksum = json.cksum;
    if (cksum !== undefined && typeof cksum !== "string") {
      this.report({}, `schema "cksum" must be a string, got ${describeJson(cksum)}`);
    }
    const tables = this.tables(json.tables);
    if (!isId(name) || typeof version !== "string" || !tables) return undefined;
    this.checkRefTables(tables);
    applyLegacyRootRule(tables);
    return { name, version, cksum: typeof cksum === "string" ? cksum : undefined, tables };
  }

  private tables(json: unknown): Map<string, TableSchema> | undefined {
    if (!isPlainObject(json)) {
      return this.report({}, `schema "tables" must be an object, got ${describeJson(json)}`);
    }
    const tables = new Map<string, TableSchema>();
    for (const [name, tableJson] of Object.entries(json)) {
      const table = this.table(name, tableJson);
      if (table) tables.set(name, table);
    }
    return tables;
  }

  private table(name: string, json: unknown): TableSchema | undefined {
    const where = { table: name };
    if (!isId(name) || name.startsWith("_")) {
      return this.report(where, `table name ${describeJson(name)} is not a valid identifier`);
    }
    if (!isPlainObject(json)) {
      return this.report(where, `table schema must be an object, got ${describeJson(json)}`);
    }
    const columns = this.columns(name, json.columns);
    const isRoot = this.optionalBoolean(where, json, "isRoot", false);
    const maxRows = this.maxRows(where, json.maxRows);
    if (!columns) return undefined;
    const indexes = this.indexes(where, json.indexes, columns);
    const table: TableSchema = { name, columns, isRoot, indexes };
    if (maxRows !== undefined) table.maxRows = maxRows;
    return table;
  }

  private columns(table: string, json: unknown): Map<string, ColumnSchema> | undefined {
    if (!isPlainObject(json)) {
      return this.report({ table }, `table "columns" must be an object, got ${describeJson(json)}`);
    }
    const columns = new Map<string, ColumnSchema>(IMPLICIT_COLUMNS.map((c) => [c, implicitColumn(c)]));
    for (const [name, columnJson] of Object.entries(json)) {
      const column = this.column({ table, column: name }, columnJson);
      if (column) columns.set(name, column);
    }
    return columns;
  }

  private column(where: Required<Where>, json: unknown): ColumnSchema | undefined {
    if (!isId(where.column)) return this.report(where, `column name is not a valid identifier`);
    if (where.column.startsWith("_")) {
      return this.report(where, `column names beginning with "_" are reserved`);
    }
    if (!isPlainObject(json)) {
      return this.report(where, `column schema must be an object, got ${describeJson(json)}`);
    }
    const type = this.columnType(where, json.type);
    const ephemeral = this.optionalBoolean(where, json, "ephemeral", false);
    const mutable = this.optionalBoolean(where, json, "mutable", true);
    return type && { name: where.column, type, ephemeral, mutable };
  }

  private columnType(where: Where, json: unknown): ColumnType | undefined {
    if (typeof json === "string") {
      const key = this.baseType(where, json);
      return key && { key, min: 1, max: 1 };
    }
    if (!isPlainObject(json)) return this.report(where, `column "type" must be a string or object`);
    const key =
      json.key === undefined
        ? this.report(where, `column type needs a "key"`)
        : this.baseType(where, json.key);
    const value = json.value === undefined ? undefined : this.baseType(where, json.value);
    const min = this.bound(where, "min", json.min);
    const max = json.max === "unlimited" ? "unlimited" : this.bound(where, "max", json.max);
    if (!key || (json.value !== undefined && !value) || min === undefined || max === undefined) {
      return undefined;
    }
    if (min > 1) return this.report(where, `"min" must be 0 or 1, got ${min}`);
    if (max !== "unlimited" && (max < 1 || max < min)) {
      return this.report(where, `"max" must be at least 1 and at least "min", got ${max}`);
    }
    const type: ColumnType = { key, min, max };
    if (value) type.value = value;
    return type;
  }

  private bound(where: Where, member: string, json: unknown): number | undefined {
    if (json === undefined) return 1;
    if (typeof json === "number" && Number.isSafeInteger(json) && json >= 0) return json;
    const accepted = member === "max" ? `a non-negative integer or "unlimited"` : "a non-negative integer";
    return this.report(where, `"${member}" must be ${accepted}, got ${describeJson(json)}`);
  }

  private baseType(where: Where, json: unknown): BaseType | undefined {
    if (typeof json === "string") {
      return isAtomicType(json) ? { type: json } : this.report(where, `"${json}" is not an atomic type`);
    }
    if (!isPlainObject(json)) {
      return this.report(where, `base type must be a string or object, got ${describeJson(json)}`);
    }
    if (!isAtomicType(json.type)) {
      return this.report(where, `base "type" ${describeJson(json.type)} is not an atomic type`);
    }
    const base: BaseType = { type: json.type };
    const before = this.problems.length;
    this.checkConstraintMembers(where, json, base.type);
    this.integerRange(where, json, base);
    this.realRange(where, json, base);
    this.lengthRange(where, json, base);
    this.reference(where, json, base);
    if (json.enum !== undefined) base.enum = this.enumeration(where, base.type, json.enum);
    return this.problems.length === before ? base : undefined;
  }

  private checkConstraintMembers(where: Where, json: Record<string, unknown>, type: AtomicType): void {
    for (const [member, allowedFor] of CONSTRAINT_MEMBERS) {
      if (json[member] !== undefined && allowedFor !== type) {
        this.report(where, `"${member}" is not allowed for base type ${type}`);
      }
    }
  }

  private integerRange(where: Where, json: Record<string, unknown>, base: BaseType): void {
    const min = this.optionalNumber(where, json, "minInteger", isInt64);
    const max = this.optionalNumber(where, json, "maxInteger", isInt64);
    if (min !== undefined) base.minInteger = min;
    if (max !== undefined) base.maxInteger = max;
    if (min !== undefined && max !== undefined && min > max) {
      this.report(where, `"minInteger" exceeds "maxInteger"`);
    }
  }

  private realRange(where: Where, json: Record<string, unknown>, base: BaseType): void {
    const min = this.optionalNumber(where, json, "minReal", Number.isFinite);
    const max = this.optionalNumber(where, json, "maxReal", Number.isFinite);
    if (min !== undefined) base.minReal = min;
    if (max !== undefined) base.maxReal = max;
    if (min !== undefined && max !== undefined && min > max) {
      this.report(where, `"minReal" exceeds "maxReal"`);
    }
  }

  private lengthRange(where: Where, json: Record<string, unknown>, base: BaseType): void {
    const isLength = (n: number) => Number.isSafeInteger(n) && n >= 0;
    const min = this.optionalNumber(where, json, "minLength", isLength);
    const max = this.optionalNumber(where, json, "maxLength", isLength);
    if (min !== undefined) base.minLength = min;
    if (max !== undefined) base.maxLength = max;
    if (min !== undefined && max !== undefined && min > max) {
      this.report(where, `"minLength" exceeds "maxLength"`);
    }
  }

  private reference(where: Where, json: Record<string, unknown>, base: BaseType): void {
    const { refTable, refType } = json;
    if (refTable !== undefined) {
      if (isId(refTable)) base.refTable = refTable;
      else this.report(where, `"refTable" must be a table name, got ${describeJson(refTable)}`);
    }
    if (refType !== undefined && refType !== "strong" && refType !== "weak") {
      this.report(where, `"refType" must be "strong" or "weak", got ${describeJson(refType)}`);
    } else if (base.refTable !== undefined) {
      base.refType = refType ?? "strong";
    }
  }

  private enumeration(where: Where, type: AtomicType, json: unknown): EnumAtom[] | undefined {
    const atoms: EnumAtom[] = [];
    for (const element of wireSetElements(json)) {
      const parsed = parseWireAtom(type, element);
      if (!parsed.ok) return this.report(where, `bad "enum": ${parsed.reason}`);
      if (typeof parsed.value === "object") {
        return this.report(where, `bad "enum": named-uuid is not allowed`);
      }
      atoms.push(parsed.value);
    }
    if (atoms.length === 0) return this.report(where, `"enum" must not be empty`);
    return atoms;
  }

  private optionalNumber(
    where: Where,
    json: Record<string, unknown>,
    member: string,
    valid: (n: number) => boolean,
  ): number | undefined {
    const value = json[member];
    if (value === undefined) return undefined;
    if (typeof value === "number" && valid(value)) return value;
    return this.report(where, `"${member}" has invalid value ${describeJson(value)}`);
  }

  private optionalBoolean(
    where: Where,
    json: Record<string, unknown>,
    member: string,
    dflt: boolean,
  ): boolean {
    const value = json[member];
    if (value === undefined) return dflt;
    if (typeof value === "boolean") return value;
    this.report(where, `"${member}" must be a boolean, got ${describeJson(value)}`);
    return dflt;
  }

  private maxRows(where: Where, json: unknown): number | undefined {
    if (json === undefined) return undefined;
    if (typeof json === "number" && Number.isSafeInteger(json) && json >= 1) return json;
    return this.report(where, `"maxRows" must be a positive integer, got ${describeJson(json)}`);
  }

  private indexes(where: Where, json: unknown, columns: Map<string, ColumnSchema>): string[][] {
    if (json === undefined) return [];
    if (!Array.isArray(json)) {
      this.report(where, `"indexes" must be an array of column-name arrays`);
      return [];
    }
    const indexes: string[][] = [];
    for (const index of json) {
      if (!Array.isArray(index) || index.length === 0 || !index.every((c) => typeof c === "string")) {
        this.report(where, `index ${describeJson(index)} must be a non-empty array of column names`);
        continue;
      }
      const unknown = index.filter((c) => !columns.has(c));
      for (const column of unknown) this.report({ ...where, column }, `index names unknown column ${column}`);
      if (unknown.length === 0) indexes.push(index);
    }
    return indexes;
  }

  private checkRefTables(tables: Map<string, TableSchema>): void {
    for (const table of tables.values()) {
      for (const column of table.columns.values()) {
        for (const base of [column.type.key, column.type.value]) {
          if (base?.refTable !== undefined && !tables.has(base.refTable)) {
            this.report(
              { table: table.name, column: column.name },
              `"refTable" names unknown table ${base.refTable}`,
            );
          }
        }
      }
    }
  }
}

/** Which atomic type each constraint member belongs to. */
const CONSTRAINT_MEMBERS: readonly [string, AtomicType][] = [
  ["minInteger", "integer"],
  ["maxInteger", "integer"],
  ["minReal", "real"],
  ["maxReal", "real"],
  ["minLength", "string"],
  ["maxLength", "string"],
  ["refTable", "uuid"],
  ["refType", "uuid"],
];

function isInt64(n: number): boolean {
  return Number.isInteger(n) && n >= -MAX_INT64 && n <= MAX_INT64;
}

/**
 * RFC 7047: schemas written before `isRoot` existed have no root table at all; then every table
 * is a root table (no garbage collection).
 */
function applyLegacyRootRule(tables: Map<string, TableSchema>): void {
  const anyRoot = [...tables.values()].some((t) => t.isRoot);
  if (!anyRoot) for (const table of tables.values()) table.isRoot = true;
}
