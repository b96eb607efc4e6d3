/**
 * RFC 7047 section 5.1 conditions and mutations: their plain form, helpers to build them, the
 * type rules that decide which functions and mutators a column accepts, and their wire encoding.
 */

import { OvsdbCodecError } from "./errors";
import { encodeDatum, describeType, keyFromString, keyToString, type Row } from "./codec";
import { NamedUuid, describeJson, isAtom, isPlainObject, type Atom, type Value } from "./notation";
import { isMap, isScalar, type ColumnSchema, type ColumnType, type TableSchema } from "./schema";

/** A condition function of RFC 7047 section 5.1. */
export type ConditionFunction = "==" | "!=" | "<" | "<=" | ">" | ">=" | "includes" | "excludes";

/**
 * `[column, function, value]` with a plain value; a row matches when every condition holds. `C`
 * narrows the column names (the columns of a typed row); any string by default.
 */
export type Condition<C extends string = string> = [column: C, fn: ConditionFunction, value: Value];

/** A mutator of RFC 7047 section 5.1. */
export type Mutator = "+=" | "-=" | "*=" | "/=" | "%=" | "insert" | "delete";

/**
 * `[column, mutator, value]` with a plain value. Arithmetic mutators take one number (applied to
 * every element of a set). `insert`/`delete` on a set take an array or a single atom; on a map,
 * `insert` takes an object and `delete` an object (pairs) or an array of keys.
 */
export type Mutation<C extends string = string> = [column: C, mutator: Mutator, value: Value];

/** `column == value`. */
export function eq<C extends string>(column: C, value: Value): Condition<C> {
  return [column, "==", value];
}

/** `column != value`. */
export function ne<C extends string>(column: C, value: Value): Condition<C> {
  return [column, "!=", value];
}

/** `column < value` (integer and real columns). */
export function lt<C extends string>(column: C, value: number): Condition<C> {
  return [column, "<", value];
}

/** `column <= value` (integer and real columns). */
export function le<C extends string>(column: C, value: number): Condition<C> {
  return [column, "<=", value];
}

/** `column > value` (integer and real columns). */
export function gt<C extends string>(column: C, value: number): Condition<C> {
  return [column, ">", value];
}

/** `column >= value` (integer and real columns). */
export function ge<C extends string>(column: C, value: number): Condition<C> {
  return [column, ">=", value];
}

/** The column's set or map contains every element or pair of `value`. */
export function includes<C extends string>(column: C, value: Value): Condition<C> {
  return [column, "includes", value];
}

/** The column's set or map contains no element or pair of `value`. */
export function excludes<C extends string>(column: C, value: Value): Condition<C> {
  return [column, "excludes", value];
}

/** `_uuid == uuid`: selects one row by UUID (or by the named UUID of a row inserted earlier). */
export function byUuid(uuid: string | NamedUuid): Condition<"_uuid"> {
  return ["_uuid", "==", uuid];
}

/** A problem with one condition or mutation; `column` is set when the column is known. */
export interface ClauseProblem {
  column?: string;
  message: string;
}

/** Result of encoding one condition or mutation. */
export type EncodedClause =
  { ok: true; wire: [string, string, unknown] } | { ok: false; problem: ClauseProblem };

const ORDERING: ReadonlySet<string> = new Set(["<", "<=", ">", ">="]);
const ARITHMETIC: ReadonlySet<string> = new Set(["+=", "-=", "*=", "/=", "%="]);

function isNumeric(type: ColumnType): boolean {
  return type.key.type === "integer" || type.key.type === "real";
}

function problem(column: string | undefined, message: string): EncodedClause {
  return { ok: false, problem: column === undefined ? { message } : { column, message } };
}

/**
 * The type a condition's value must have for `fn` on a column of type `type`, or the reason the
 * function does not apply. Follows RFC 7047 and ovsdb-server:
 * - ordering functions need an integer or real column holding at most one value (Open vSwitch
 *   2.4+ allows optional columns) and take one number;
 * - `==` and `!=` take a value of the column's type;
 * - `includes` may have fewer elements than the column's minimum, `excludes` any number.
 */
export function conditionValueType(type: ColumnType, fn: ConditionFunction): ColumnType | string {
  if (ORDERING.has(fn)) {
    if (type.value !== undefined || type.max !== 1 || !isNumeric(type)) {
      return `function "${fn}" applies only to integer or real columns holding at most one value, not ${describeType(type)}`;
    }
    return { key: { ...type.key }, min: 1, max: 1 };
  }
  if (fn === "==" || fn === "!=") return type;
  if (fn === "includes") return isScalar(type) ? type : { ...type, min: 0 };
  if (fn === "excludes") return isScalar(type) ? type : { ...type, min: 0, max: "unlimited" };
  return `unknown condition function ${describeJson(fn)}`;
}

/**
 * The type a mutation's value must have, or the reason the mutator does not apply (RFC 7047
 * section 5.1 and ovsdb-server):
 * - arithmetic needs an integer or real column (scalar, optional or set; `%=` integer only) and
 *   takes one number, unconstrained;
 * - `insert`/`delete` need a set or map; the value may have fewer elements than the minimum, and
 *   for `delete` any number; `delete` on a map also accepts an array of keys.
 */
export function mutationValueType(type: ColumnType, mutator: Mutator, value: unknown): ColumnType | string {
  if (ARITHMETIC.has(mutator)) {
    if (type.value !== undefined || !isNumeric(type) || (mutator === "%=" && type.key.type !== "integer")) {
      const need = mutator === "%=" ? "integer columns" : "integer or real columns";
      return `mutator "${mutator}" applies only to ${need} (or sets of them), not ${describeType(type)}`;
    }
    return { key: { type: type.key.type }, min: 1, max: 1 };
  }
  if (mutator === "insert" || mutator === "delete") {
    if (isScalar(type)) {
      return `mutator "${mutator}" applies only to sets and maps, not ${describeType(type)}`;
    }
    if (mutator === "insert") return { ...type, min: 0 };
    // A map delete takes either pairs (a map) or just keys (a set of the key type).
    if (isMap(type) && !isPlainMapValue(value)) return { key: type.key, min: 0, max: "unlimited" };
    return { ...type, min: 0, max: "unlimited" };
  }
  return `unknown mutator ${describeJson(mutator)}`;
}

function isPlainMapValue(value: unknown): boolean {
  return (
    value === null || (typeof value === "object" && !Array.isArray(value) && !(value instanceof NamedUuid))
  );
}

/** Checks that a clause is `[string, string, value]`; returns the reason when it is not. */
function clauseShapeProblem(clause: unknown, what: string): string | undefined {
  if (
    !Array.isArray(clause) ||
    clause.length !== 3 ||
    typeof clause[0] !== "string" ||
    typeof clause[1] !== "string"
  ) {
    return `${what} ${describeJson(clause)} is not [column, ${what === "condition" ? "function" : "mutator"}, value]`;
  }
  return undefined;
}

function finish(
  column: string,
  op: string,
  type: ColumnType | string,
  value: Value,
  role: string,
): EncodedClause {
  if (typeof type === "string") return problem(column, `column ${column}: ${type}`);
  try {
    return { ok: true, wire: [column, op, encodeDatum(type, value)] };
  } catch (e) {
    if (!(e instanceof OvsdbCodecError)) throw e;
    return problem(column, `invalid ${role} for column ${column}: ${e.message}`);
  }
}

/**
 * Checks a condition against the table and returns its wire form `[column, function, datum]`.
 * Never throws for bad input: problems come back as `{ok: false}`.
 */
export function encodeCondition(table: TableSchema, condition: Condition): EncodedClause {
  const shape = clauseShapeProblem(condition, "condition");
  if (shape !== undefined) return problem(undefined, shape);
  const [name, fn, value] = condition;
  const column: ColumnSchema | undefined = table.columns.get(name);
  if (!column) return problem(name, `unknown column ${name} in condition`);
  return finish(name, fn, conditionValueType(column.type, fn), value, `condition value (${fn})`);
}

/**
 * Checks a mutation against the table and returns its wire form `[column, mutator, datum]`.
 * Immutable columns (including `_uuid` and `_version`) cannot be mutated; `/=` and `%=` by zero
 * are rejected (the server would fail with "domain error").
 */
export function encodeMutation(table: TableSchema, mutation: Mutation): EncodedClause {
  const shape = clauseShapeProblem(mutation, "mutation");
  if (shape !== undefined) return problem(undefined, shape);
  const [name, mutator, value] = mutation;
  const column: ColumnSchema | undefined = table.columns.get(name);
  if (!column) return problem(name, `unknown column ${name} in mutation`);
  if (!column.mutable) return problem(name, `column ${name} is read-only and cannot be mutated`);
  if ((mutator === "/=" || mutator === "%=") && value === 0) {
    return problem(name, `mutation "${mutator}" of column ${name} divides by zero`);
  }
  return finish(
    name,
    mutator,
    mutationValueType(column.type, mutator, value),
    value,
    `mutation value (${mutator})`,
  );
}

/**
 * Whether `row` satisfies every condition of `where` (RFC 7047 section 5.1), as ovsdb-server
 * decides it for a `select`; see {@link compileConditions}.
 */
export function rowMatches(table: TableSchema, row: Row, where: readonly Condition[]): boolean {
  return compileConditions(table, where)(row);
}

/**
 * The conditions `where` as a test of rows of `table` (checked once, then cheap per row): `==`
 * and `!=` compare whole values (sets ignore order, UUIDs case); `includes` holds when every
 * element (a map's key-value pair) of the value is in the column, `excludes` when none is; the
 * ordering functions compare a number column's one value (an empty optional column satisfies
 * none). Rows hold decoded values, as selects and monitors return them; `uuid` stands for the
 * row's `_uuid` when the row does not carry it. Throws {@link OvsdbCodecError} for a column the
 * table lacks or a value that does not fit it, and when testing a row without a column a
 * condition names.
 */
export function compileConditions(
  table: TableSchema,
  where: readonly Condition[],
): (row: Row, uuid?: string) => boolean {
  const tests = where.map((c) => compileCondition(table, c));
  return (row, uuid) => tests.every((t) => t(row, uuid));
}

type RowTest = (row: Row, uuid?: string) => boolean;

function compileCondition(table: TableSchema, [name, fn, arg]: Condition): RowTest {
  const path = { table: table.name, column: name };
  const column = table.columns.get(name);
  if (!column) throw new OvsdbCodecError(`unknown column ${name} in condition`, path);
  const type = column.type;
  const get = (row: Row, uuid?: string): Value => {
    if (name === "_uuid" && uuid !== undefined) return uuid;
    if (!(name in row)) throw new OvsdbCodecError(`the row lacks column ${name}`, path);
    return row[name];
  };
  const misfit = () =>
    new OvsdbCodecError(`condition value ${describeJson(arg)} does not fit column ${name}`, path);
  if (fn === "<" || fn === "<=" || fn === ">" || fn === ">=") {
    const b = Array.isArray(arg) ? arg[0] : arg;
    if (typeof b !== "number") throw misfit();
    return (row, uuid) => {
      const v = get(row, uuid);
      const a = Array.isArray(v) ? v[0] : v;
      if (typeof a !== "number") return false;
      return fn === "<" ? a < b : fn === "<=" ? a <= b : fn === ">" ? a > b : a >= b;
    };
  }
  /** An atom as OVSDB compares it: UUIDs without case (numbers and the rest compare with ===). */
  const normal = (t: ColumnType["key"]) => (a: unknown) =>
    t.type === "uuid" && typeof a === "string" ? a.toLowerCase() : a;
  let holds: (have: Value) => { found: number; size: number };
  let wanted: number;
  if (isMap(type)) {
    if (!isPlainObject(arg)) throw misfit();
    const value = normal(type.value!);
    const want = Object.entries(arg).map(([k, v]) => {
      const key = keyFromString(type.key, k);
      if ("reason" in key || !isAtom(v)) throw misfit();
      return [keyToString(key.atom), value(v)] as const;
    });
    wanted = want.length;
    holds = (have) => {
      const m = (have ?? {}) as Record<string, unknown>;
      const found = want.filter(([k, v]) => k in m && value(m[k]) === v).length;
      return { found, size: Object.keys(m).length };
    };
  } else {
    const key = normal(type.key);
    const elements = arg === null ? [] : Array.isArray(arg) ? arg : [arg];
    if (!elements.every(isAtom)) throw misfit();
    const want = [...new Set(elements.map(key))];
    wanted = want.length;
    holds = (have) => {
      const set =
        have === null || have === undefined ? [] : Array.isArray(have) ? have.map(key) : [key(have)];
      return { found: want.filter((w) => set.includes(w)).length, size: set.length };
    };
  }
  switch (fn) {
    case "==":
    case "!=":
      return (row, uuid) => {
        const { found, size } = holds(get(row, uuid));
        return (found === wanted && size === wanted) === (fn === "==");
      };
    case "includes":
      return (row, uuid) => holds(get(row, uuid)).found === wanted;
    case "excludes":
      return (row, uuid) => holds(get(row, uuid)).found === 0;
    default:
      throw new OvsdbCodecError(`unknown condition function ${describeJson(fn)}`, path);
  }
}

/**
 * The elements of a decoded value of the column type, as strings equal where OVSDB finds the
 * elements equal: a set's atoms, a map's key-value pairs (UUIDs without case). For indexes of the
 * rows holding an element, and the condition values looked up in them; undefined for a value that
 * does not fit the type.
 */
export function elementKeysOf(type: ColumnType, value: unknown): string[] | undefined {
  const text = (t: ColumnType["key"], a: Atom) =>
    t.type === "uuid" && typeof a === "string" ? a.toLowerCase() : `${typeof a}:${String(a)}`;
  if (value === null || value === undefined) return [];
  if (isMap(type)) {
    if (!isPlainObject(value)) return undefined;
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const key = keyFromString(type.key, k);
      if ("reason" in key || !isAtom(v)) return undefined;
      out.push(`${keyToString(key.atom)}=${text(type.value!, v)}`);
    }
    return out;
  }
  const elements = Array.isArray(value) ? (value as unknown[]) : [value];
  return elements.every(isAtom) ? elements.map((a) => text(type.key, a)) : undefined;
}
