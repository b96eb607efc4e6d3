/**
 * RFC 7047 wire notation, independent of any schema: atomic types, the plain TypeScript value
 * model, named UUIDs and the JSON shapes `["uuid", …]`, `["named-uuid", …]`, `["set", […]]` and
 * `["map", […]]`.
 *
 * Nothing here throws: parsers return a {@link Parsed} result so that the codec can raise a
 * codec error and the schema parser can record a schema problem from the same reason text.
 */

/** The five atomic types of RFC 7047 section 3.2. */
export type AtomicType = "integer" | "real" | "boolean" | "string" | "uuid";

/** All atomic types, in RFC order. */
export const ATOMIC_TYPES: readonly AtomicType[] = ["integer", "real", "boolean", "string", "uuid"];

/** True when `s` names one of the five atomic types. */
export function isAtomicType(s: unknown): s is AtomicType {
  return typeof s === "string" && (ATOMIC_TYPES as readonly string[]).includes(s);
}

/** The UUID that RFC 7047 uses as the default value of a uuid column. */
export const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for the textual UUID form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits). */
export function isUuid(s: unknown): s is string {
  return typeof s === "string" && UUID_RE.test(s);
}

/** True for an RFC 7047 `<id>`: a letter or underscore followed by letters, digits, underscores. */
export function isId(s: unknown): s is string {
  return typeof s === "string" && ID_RE.test(s);
}

/**
 * A reference to a row inserted by an `insert` operation of the same transaction, by that
 * operation's `uuid-name`. Encodes to `["named-uuid", name]`.
 */
export class NamedUuid {
  constructor(readonly name: string) {}

  /** `named-uuid <name>`, for messages. */
  toString(): string {
    return `named-uuid ${this.name}`;
  }
}

/** Shorthand for `new NamedUuid(name)`. */
export function namedUuid(name: string): NamedUuid {
  return new NamedUuid(name);
}

/**
 * One plain atom: integer and real → number, boolean → boolean, string → string, uuid → the UUID
 * text or a {@link NamedUuid}.
 */
export type Atom = string | number | boolean | NamedUuid;

/**
 * A plain column value. Its shape follows the column type: the atom itself for a scalar column,
 * atom or `null` for an optional one, an array for a set, and an object keyed by the key atoms
 * rendered as strings for a map.
 */
export type Value = Atom | null | Atom[] | Record<string, Atom>;

/** An atom as it appears on the wire. */
export type WireAtom = string | number | boolean | ["uuid", string] | ["named-uuid", string];

/** `["set", [atoms]]`. */
export type WireSet = ["set", WireAtom[]];

/** `["map", [[key, value], …]]`. */
export type WireMap = ["map", [WireAtom, WireAtom][]];

/** Any RFC 7047 `<value>`: a bare atom stands for a one-element set. */
export type WireDatum = WireAtom | WireSet | WireMap;

/** Outcome of parsing a piece of wire JSON: the value, or a human-readable reason. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function bad<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

/** True for a non-null, non-array object whose prototype is `Object.prototype` or `null`. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** True when `x` is a plain atom of any type (no check against a particular atomic type). */
export function isAtom(x: unknown): x is Atom {
  return typeof x === "string" || typeof x === "number" || typeof x === "boolean" || x instanceof NamedUuid;
}

/** Encodes a UUID as `["uuid", uuid]`. */
export function wireUuid(uuid: string): ["uuid", string] {
  return ["uuid", uuid];
}

/** Encodes a named UUID as `["named-uuid", name]`. */
export function wireNamedUuid(name: string): ["named-uuid", string] {
  return ["named-uuid", name];
}

function isTagged(json: unknown, tag: string): json is [string, unknown] {
  return Array.isArray(json) && json.length === 2 && json[0] === tag;
}

/** True when `json` has the `["set", [...]]` shape. */
export function isWireSet(json: unknown): json is ["set", unknown[]] {
  return isTagged(json, "set") && Array.isArray(json[1]);
}

/** True when `json` has the `["map", [...]]` shape (pairs not checked). */
export function isWireMap(json: unknown): json is ["map", unknown[]] {
  return isTagged(json, "map") && Array.isArray(json[1]);
}

/**
 * Parses one wire atom of the given atomic type. Checks the JSON shape and the atomic type only,
 * not the constraints of a base type. Integers must be integral numbers (precision beyond 2^53
 * is lost by JSON parsing before this point). `["named-uuid", id]` is accepted for uuid atoms.
 */
export function parseWireAtom(type: AtomicType, json: unknown): Parsed<Atom> {
  switch (type) {
    case "integer":
      return typeof json === "number" && Number.isInteger(json)
        ? ok(json)
        : bad(`expected an integer, got ${describeJson(json)}`);
    case "real":
      return typeof json === "number" && Number.isFinite(json)
        ? ok(json)
        : bad(`expected a real number, got ${describeJson(json)}`);
    case "boolean":
      return typeof json === "boolean" ? ok(json) : bad(`expected a boolean, got ${describeJson(json)}`);
    case "string":
      return typeof json === "string" ? ok(json) : bad(`expected a string, got ${describeJson(json)}`);
    case "uuid":
      return parseWireUuid(json);
  }
}

function parseWireUuid(json: unknown): Parsed<Atom> {
  if (isTagged(json, "uuid")) {
    return isUuid(json[1]) ? ok(json[1]) : bad(`malformed uuid ${describeJson(json[1])}`);
  }
  if (isTagged(json, "named-uuid")) {
    return isId(json[1]) ? ok(new NamedUuid(json[1])) : bad(`malformed named-uuid ${describeJson(json[1])}`);
  }
  return bad(`expected ["uuid", …] or ["named-uuid", …], got ${describeJson(json)}`);
}

/** The elements of a wire set: the members of `["set", [...]]`, or `[json]` for a bare atom. */
export function wireSetElements(json: unknown): unknown[] {
  return isWireSet(json) ? json[1] : [json];
}

const MAX_DESCRIBED = 80;

/** Short, single-line rendering of any JSON-ish value for error messages. */
export function describeJson(x: unknown): string {
  if (x === undefined) return "undefined";
  if (typeof x === "bigint") return `${x}n`;
  if (typeof x === "function" || typeof x === "symbol") return typeof x;
  if (x instanceof NamedUuid) return x.toString();
  if (typeof x === "number" && !Number.isFinite(x)) return String(x);
  let text: string;
  try {
    text = JSON.stringify(x) ?? String(x);
  } catch {
    text = Object.prototype.toString.call(x);
  }
  return text.length > MAX_DESCRIBED ? `${text.slice(0, MAX_DESCRIBED - 1)}…` : text;
}
