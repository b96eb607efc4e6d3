/**
 * Datum codec: converts between plain TypeScript values and RFC 7047 wire datums, checking
 * values against column types.
 *
 * Plain value model:
 * - atoms: integer/real → number, boolean → boolean, string → string, uuid → UUID text or
 *   {@link NamedUuid};
 * - scalar column (min 1, max 1) → the atom; optional column (min 0, max 1) → atom or `null`;
 * - set column (max > 1) → array of atoms; map column → object keyed by the key atoms rendered as
 *   strings (`1`, `true`, the UUID text…).
 *
 * Decoding is canonical (it always yields those shapes). Encoding is lenient about the shape of
 * set-like values (an array, a single atom or `null` all work) but strict about everything the
 * server would reject: atom types, enums, ranges, string lengths, UUID syntax, set sizes and
 * duplicates.
 */

import { OvsdbCodecError } from "./errors";
import {
  NamedUuid,
  ZERO_UUID,
  describeJson,
  isAtom,
  isId,
  isPlainObject,
  isUuid,
  isWireMap,
  parseWireAtom,
  wireNamedUuid,
  wireSetElements,
  wireUuid,
  type Atom,
  type Value,
  type WireAtom,
  type WireDatum,
} from "./notation";
import { fitsMax, isMap, type BaseType, type ColumnType, type TableSchema } from "./schema";

/** A row as plain values, keyed by column name. */
export type Row = Record<string, Value>;

/** Where a value belongs, for error messages. */
export interface CodecPath {
  table?: string;
  column?: string;
}

function prefix(where: CodecPath): string {
  const parts = [
    where.table !== undefined ? `table ${where.table}` : undefined,
    where.column !== undefined ? `column ${where.column}` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? `${parts.join(" ")}: ` : "";
}

function fail(where: CodecPath, detail: string): never {
  throw new OvsdbCodecError(`${prefix(where)}${detail}`, { ...where });
}

// ---------------------------------------------------------------------------------------------
// Describing types for messages

const ARTICLE: Record<string, string> = { integer: "an integer", real: "a real", uuid: "a uuid" };

/** English description of a base type and its constraints, e.g. `an integer in 0..4095`. */
export function describeBaseType(base: BaseType): string {
  const name = ARTICLE[base.type] ?? `a ${base.type}`;
  if (base.enum) return `${name} (one of ${base.enum.map((a) => describeJson(a)).join(", ")})`;
  const range = describeRange(base);
  if (range) return `${name} ${range}`;
  if (base.refTable) return `${name} referencing ${base.refTable}`;
  return name;
}

function describeRange(base: BaseType): string | undefined {
  switch (base.type) {
    case "integer":
      return rangeText(base.minInteger, base.maxInteger, "in");
    case "real":
      return rangeText(base.minReal, base.maxReal, "in");
    case "string":
      return rangeText(base.minLength, base.maxLength, "of length");
    default:
      return undefined;
  }
}

function rangeText(min: number | undefined, max: number | undefined, lead: string): string | undefined {
  if (min !== undefined && max !== undefined) return `${lead} ${min}..${max}`;
  if (min !== undefined) return `${lead} ${min} or more`;
  if (max !== undefined) return `${lead} ${max} or less`;
  return undefined;
}

function sizeText(type: ColumnType): string {
  if (type.max === "unlimited") return type.min === 0 ? "any number of" : `at least ${type.min}`;
  return type.min === type.max ? `exactly ${type.min}` : `${type.min} to ${type.max}`;
}

/** English description of a column type, e.g. `a set of 0 to 4096 elements, each an integer in 0..4095`. */
export function describeType(type: ColumnType): string {
  const key = describeBaseType(type.key);
  if (type.value) return `a map of ${sizeText(type)} pairs from ${key} to ${describeBaseType(type.value)}`;
  if (type.max === 1) return type.min === 1 ? key : `${key} or null`;
  return `a set of ${sizeText(type)} elements, each ${key}`;
}

// ---------------------------------------------------------------------------------------------
// Atoms

/**
 * Checks a plain atom against a base type (atomic type, enum, ranges, string length, UUID syntax)
 * and returns its wire form.
 *
 * @throws OvsdbCodecError naming `where`, the bad value and what is accepted.
 */
export function encodeAtom(base: BaseType, atom: unknown, where: CodecPath = {}): WireAtom {
  const reason = atomProblem(base, atom);
  if (reason !== undefined) fail(where, reason);
  return toWireAtom(base, atom as Atom);
}

/** The wire form of an atom already checked against `base`. */
function toWireAtom(base: BaseType, atom: Atom): WireAtom {
  if (base.type !== "uuid") return atom as string | number | boolean;
  return atom instanceof NamedUuid ? wireNamedUuid(atom.name) : wireUuid(atom as string);
}

/**
 * Parses a wire atom of the base type's atomic type. Constraints (enum, ranges, lengths) are not
 * enforced: data the server sends is trusted to satisfy its own schema.
 *
 * @throws OvsdbCodecError when the JSON is not an atom of that type.
 */
export function decodeAtom(base: BaseType, wire: unknown, where: CodecPath = {}): Atom {
  const parsed = parseWireAtom(base.type, wire);
  if (!parsed.ok) fail(where, parsed.reason);
  return parsed.value;
}

/** Why `atom` is not a valid plain atom of `base`, or undefined when it is. */
export function atomProblem(base: BaseType, atom: unknown): string | undefined {
  const typeReason = atomTypeProblem(base.type, atom);
  if (typeReason !== undefined) return `${typeReason}; expected ${describeBaseType(base)}`;
  if (base.enum && !base.enum.some((e) => sameAtom(base.type, e, atom as Atom))) {
    return `${describeJson(atom)} is not one of ${base.enum.map((e) => describeJson(e)).join(", ")}`;
  }
  return constraintProblem(base, atom as Atom);
}

function atomTypeProblem(type: BaseType["type"], atom: unknown): string | undefined {
  const got = describeJson(atom);
  switch (type) {
    case "integer":
      if (typeof atom !== "number" || !Number.isInteger(atom)) return `${got} is not an integer`;
      return Number.isSafeInteger(atom) ? undefined : `${got} is not a safe integer (beyond ±2^53-1)`;
    case "real":
      return typeof atom === "number" && Number.isFinite(atom) ? undefined : `${got} is not a finite number`;
    case "boolean":
      return typeof atom === "boolean" ? undefined : `${got} is not a boolean`;
    case "string":
      return stringProblem(atom);
    case "uuid":
      return uuidProblem(atom);
  }
}

function stringProblem(atom: unknown): string | undefined {
  if (typeof atom !== "string") return `${describeJson(atom)} is not a string`;
  if (atom.includes("\u0000")) return `${describeJson(atom)} contains a NUL character`;
  if (/\p{Cs}/u.test(atom)) return `${describeJson(atom)} contains an unpaired surrogate (not valid UTF-8)`;
  return undefined;
}

function uuidProblem(atom: unknown): string | undefined {
  if (atom instanceof NamedUuid) {
    return isId(atom.name) ? undefined : `named-uuid ${describeJson(atom.name)} is not a valid identifier`;
  }
  return isUuid(atom) ? undefined : `${describeJson(atom)} is not a UUID or NamedUuid`;
}

function constraintProblem(base: BaseType, atom: Atom): string | undefined {
  switch (base.type) {
    case "integer":
      return rangeProblem(atom as number, base.minInteger, base.maxInteger);
    case "real":
      return rangeProblem(atom as number, base.minReal, base.maxReal);
    case "string":
      return lengthProblem(atom as string, base.minLength, base.maxLength);
    default:
      return undefined;
  }
}

function rangeProblem(n: number, min: number | undefined, max: number | undefined): string | undefined {
  if ((min === undefined || n >= min) && (max === undefined || n <= max)) return undefined;
  return `${n} is out of range ${min ?? "-∞"}..${max ?? "∞"}`;
}

function lengthProblem(s: string, min: number | undefined, max: number | undefined): string | undefined {
  const length = codePointLength(s);
  if (min !== undefined && length < min) return `${describeJson(s)} is shorter than ${min} characters`;
  if (max !== undefined && length > max) return `${describeJson(s)} is longer than ${max} characters`;
  return undefined;
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function sameAtom(type: BaseType["type"], a: Atom, b: Atom): boolean {
  return atomKey(type, a) === atomKey(type, b);
}

/**
 * A string that identifies an atom of the given type up to OVSDB equality: numbers by value,
 * UUIDs case-insensitively, named UUIDs by name.
 */
export function atomKey(type: BaseType["type"], atom: Atom): string {
  if (atom instanceof NamedUuid) return `named:${atom.name}`;
  if (type === "uuid" && typeof atom === "string") return `uuid:${atom.toLowerCase()}`;
  if (typeof atom === "number") return `num:${atom === 0 ? 0 : atom}`;
  return `${typeof atom}:${String(atom)}`;
}

// ---------------------------------------------------------------------------------------------
// Map keys (plain maps are keyed by strings)

const INTEGER_KEY_RE = /^(0|-?[1-9][0-9]*)$/;
const REAL_KEY_RE = /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

/** Converts a plain map key (a string) back to an atom of the key type. */
export function keyFromString(base: BaseType, key: string): { atom: Atom } | { reason: string } {
  switch (base.type) {
    case "integer":
      return INTEGER_KEY_RE.test(key)
        ? { atom: Number(key) }
        : { reason: `map key ${describeJson(key)} is not an integer` };
    case "real":
      return REAL_KEY_RE.test(key)
        ? { atom: Number(key) }
        : { reason: `map key ${describeJson(key)} is not a number` };
    case "boolean":
      return key === "true" || key === "false"
        ? { atom: key === "true" }
        : { reason: `map key ${describeJson(key)} is not "true" or "false"` };
    default:
      return { atom: key };
  }
}

/** Renders a key atom as the string used as a plain map key. */
export function keyToString(atom: Atom): string {
  return atom instanceof NamedUuid ? atom.toString() : String(atom);
}

// ---------------------------------------------------------------------------------------------
// Datums

/**
 * The elements of a set-like plain value: `null` → none, an array → its items, an atom → itself.
 * Returns undefined for anything else.
 */
function setElements(value: unknown): unknown[] | undefined {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  return isAtom(value) ? [value] : undefined;
}

function mapEntries(value: unknown): [string, unknown][] | undefined {
  if (value === null) return [];
  return isPlainObject(value) ? Object.entries(value) : undefined;
}

function checkCount(type: ColumnType, n: number, where: CodecPath, unit: string): void {
  if (n >= type.min && fitsMax(type, n)) return;
  if (type.max === 1 && type.min === 1) fail(where, `exactly one ${unit} is required, got ${n}`);
  if (n < type.min) fail(where, `at least ${type.min} ${unit}(s) required, got ${n}`);
  fail(where, `at most ${String(type.max)} ${unit}(s) allowed, got ${n}`);
}

function checkUnique(type: BaseType["type"], atoms: Atom[], where: CodecPath, what: string): void {
  const seen = new Set<string>();
  for (const atom of atoms) {
    const key = atomKey(type, atom);
    if (seen.has(key)) fail(where, `duplicate ${what} ${describeJson(atom)}`);
    seen.add(key);
  }
}

/**
 * Encodes a plain value of the column type to its RFC 7047 wire form: a bare atom for a single
 * element, `["set", […]]` otherwise, `["map", […]]` for maps.
 *
 * Set-like columns accept an array, a single atom or `null` (empty); maps accept an object or
 * `null` (empty).
 *
 * @throws OvsdbCodecError naming `where`, the bad value and what is accepted.
 */
export function encodeDatum(type: ColumnType, value: Value, where: CodecPath = {}): WireDatum {
  return isMap(type) ? encodeMap(type, value, where) : encodeSet(type, value, where);
}

function encodeSet(type: ColumnType, value: unknown, where: CodecPath): WireDatum {
  const elements = setElements(value);
  if (elements === undefined) {
    fail(where, `${describeJson(value)} is not valid; expected ${describeType(type)}`);
  }
  if (type.min === 1 && type.max === 1 && elements.length !== 1) {
    fail(where, `${describeJson(value)} is not valid; expected ${describeType(type)}`);
  }
  checkCount(type, elements.length, where, "element");
  const wire = elements.map((e) => encodeAtom(type.key, e, where));
  checkUnique(type.key.type, elements as Atom[], where, "set element");
  return wire.length === 1 ? wire[0] : ["set", wire];
}

function encodeMap(type: ColumnType, value: unknown, where: CodecPath): WireDatum {
  const valueType = type.value as BaseType;
  const entries = mapEntries(value);
  if (entries === undefined) {
    fail(where, `${describeJson(value)} is not valid; expected ${describeType(type)}`);
  }
  checkCount(type, entries.length, where, "map entry");
  const keys: Atom[] = [];
  const pairs: [WireAtom, WireAtom][] = entries.map(([k, v]) => {
    const parsed = keyFromString(type.key, k);
    if ("reason" in parsed) fail(where, parsed.reason);
    keys.push(parsed.atom);
    return [encodeAtom(type.key, parsed.atom, where), encodeMapValue(valueType, k, v, where)];
  });
  checkUnique(type.key.type, keys, where, "map key");
  return ["map", pairs];
}

function encodeMapValue(base: BaseType, key: string, value: unknown, where: CodecPath): WireAtom {
  const reason = atomProblem(base, value);
  if (reason !== undefined) fail(where, `map value for key ${describeJson(key)}: ${reason}`);
  return toWireAtom(base, value as Atom);
}

/**
 * Decodes any RFC 7047 wire form of a datum (bare atom, `["set", …]`, `["map", …]`, `["uuid",
 * …]`, `["named-uuid", …]`) into the canonical plain value for the column type.
 *
 * Checks shapes and atomic types; constraints the server enforces (enum, ranges, set sizes
 * beyond what the plain shape needs) are not re-checked.
 *
 * @throws OvsdbCodecError naming `where` when the JSON does not fit the type.
 */
export function decodeDatum(type: ColumnType, wire: unknown, where: CodecPath = {}): Value {
  return isMap(type) ? decodeMap(type, wire, where) : decodeSet(type, wire, where);
}

function decodeSet(type: ColumnType, wire: unknown, where: CodecPath): Value {
  if (isWireMap(wire)) fail(where, `got a map, expected ${describeType(type)}`);
  const atoms = wireSetElements(wire).map((e) => decodeAtom(type.key, e, where));
  if (type.max !== 1) return atoms;
  if (atoms.length > 1) fail(where, `got ${atoms.length} elements, expected ${describeType(type)}`);
  if (atoms.length === 0) {
    if (type.min === 1) fail(where, `got an empty set, expected ${describeType(type)}`);
    return null;
  }
  return atoms[0];
}

function decodeMap(type: ColumnType, wire: unknown, where: CodecPath): Value {
  if (!isWireMap(wire)) fail(where, `expected ["map", […]], got ${describeJson(wire)}`);
  const valueType = type.value as BaseType;
  const entries: [string, Atom][] = [];
  const seen = new Set<string>();
  for (const pair of wire[1]) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      fail(where, `map pair ${describeJson(pair)} is not [key, value]`);
    }
    const key = decodeAtom(type.key, pair[0], where);
    if (key instanceof NamedUuid) fail(where, `named-uuid cannot be a map key`);
    const text = keyToString(key);
    if (seen.has(text)) fail(where, `duplicate map key ${describeJson(key)}`);
    seen.add(text);
    entries.push([text, decodeAtom(valueType, pair[1], where)]);
  }
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------
// Rows

/**
 * Decodes a wire row (`{column: datum}`) of the table. Columns absent from the wire row are absent
 * from the result.
 *
 * @throws OvsdbCodecError for unknown columns or values that do not fit their column.
 */
export function decodeRow(table: TableSchema, wire: Record<string, unknown>): Row {
  if (!isPlainObject(wire)) fail({ table: table.name }, `row ${describeJson(wire)} is not an object`);
  const entries = Object.entries(wire).map(([name, datum]): [string, Value] => {
    const column = table.columns.get(name);
    if (!column) fail({ table: table.name, column: name }, `unknown column`);
    return [name, decodeDatum(column.type, datum, { table: table.name, column: name })];
  });
  return Object.fromEntries(entries);
}

/**
 * Encodes a plain row of the table. Members whose value is `undefined` are skipped.
 *
 * @throws OvsdbCodecError for unknown columns or invalid values.
 */
export function encodeRow(table: TableSchema, row: Row): Record<string, unknown> {
  if (!isPlainObject(row)) fail({ table: table.name }, `row ${describeJson(row)} is not an object`);
  const entries: [string, unknown][] = [];
  for (const [name, value] of Object.entries(row)) {
    if (value === undefined) continue;
    const column = table.columns.get(name);
    if (!column) fail({ table: table.name, column: name }, `unknown column`);
    entries.push([name, encodeDatum(column.type, value, { table: table.name, column: name })]);
  }
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------
// Defaults and equality

/** The RFC 7047 default atom: 0, 0, false, "" or the all-zero UUID. */
export function defaultAtom(base: BaseType): Atom {
  switch (base.type) {
    case "integer":
    case "real":
      return 0;
    case "boolean":
      return false;
    case "string":
      return "";
    case "uuid":
      return ZERO_UUID;
  }
}

/**
 * The value a column has when an insert does not set it (RFC 7047 section 5.2.1): `min` default
 * atoms, that is the default atom for scalars and `null` / `[]` / `{}` for optional columns, sets
 * and maps with `min` 0.
 */
export function defaultValue(type: ColumnType): Value {
  if (type.value) {
    return type.min === 0 ? {} : { [keyToString(defaultAtom(type.key))]: defaultAtom(type.value) };
  }
  if (type.max === 1) return type.min === 0 ? null : defaultAtom(type.key);
  return type.min === 0 ? [] : [defaultAtom(type.key)];
}

/**
 * Compares two plain values of the column type as OVSDB would: sets ignore order, maps compare by
 * key, numbers by value, UUIDs case-insensitively; an atom, a one-element array and (for optional
 * columns) `null` versus `[]` are interchangeable. Values that are not valid for the type
 * compare unequal.
 */
export function valuesEqual(type: ColumnType, a: Value, b: Value): boolean {
  const ka = canonicalKey(type, a);
  const kb = canonicalKey(type, b);
  return ka !== undefined && ka === kb;
}

function canonicalKey(type: ColumnType, value: unknown): string | undefined {
  if (isMap(type)) {
    const entries = mapEntries(value);
    if (entries === undefined) return undefined;
    const keys: string[] = [];
    for (const [k, v] of entries) {
      const parsed = keyFromString(type.key, k);
      if ("reason" in parsed || !isAtom(v)) return undefined;
      keys.push(`${atomKey(type.key.type, parsed.atom)}=${atomKey((type.value as BaseType).type, v)}`);
    }
    return JSON.stringify([...new Set(keys)].sort());
  }
  const elements = setElements(value);
  if (elements === undefined || !elements.every(isAtom)) return undefined;
  return JSON.stringify([...new Set(elements.map((e) => atomKey(type.key.type, e)))].sort());
}
