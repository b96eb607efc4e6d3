/**
 * Datum codec: generated round trips over every column of the real vswitch and OVN NB schemas
 * (plus a synthetic schema covering the types they lack), and hand-written edge cases.
 */
import { existsSync, readFileSync } from "node:fs";
import { OvsdbCodecError } from "../../../provider/ovsdb/errors";
import {
  atomKey,
  decodeAtom,
  decodeDatum,
  decodeRow,
  defaultValue,
  encodeAtom,
  encodeDatum,
  encodeRow,
  keyToString,
  valuesEqual,
} from "../../../provider/ovsdb/codec";
import { NamedUuid, namedUuid, type Atom, type Value } from "../../../provider/ovsdb/notation";
import {
  DatabaseSchema,
  type BaseType,
  type ColumnType,
  type TableSchema,
} from "../../../provider/ovsdb/schema";

const VSWITCH = "/usr/share/openvswitch/vswitch.ovsschema";
const NB = "/usr/share/ovn/ovn-nb.ovsschema";

/** Types the real schemas do not use: reals, bounded strings, maps keyed by every atomic type. */
const SYNTHETIC = DatabaseSchema.parse({
  name: "Synthetic",
  version: "1.0.0",
  tables: {
    Everything: {
      isRoot: true,
      columns: {
        real: { type: "real" },
        bounded_real: { type: { key: { type: "real", minReal: -2.5, maxReal: 7.25 }, min: 0, max: 1 } },
        real_set: { type: { key: "real", min: 1, max: 5 } },
        short: { type: { key: { type: "string", minLength: 2, maxLength: 4 } } },
        int_enum: { type: { key: { type: "integer", enum: ["set", [1, 2, 3]] }, min: 0, max: "unlimited" } },
        bool_set: { type: { key: "boolean", min: 0, max: 2 } },
        negative: { type: { key: { type: "integer", minInteger: -10, maxInteger: -5 }, min: 1, max: 3 } },
        int_map: { type: { key: "integer", value: "string", min: 0, max: "unlimited" } },
        real_map: { type: { key: "real", value: "boolean", min: 0, max: "unlimited" } },
        bool_map: { type: { key: "boolean", value: "integer", min: 0, max: 2 } },
        uuid_map: { type: { key: "uuid", value: { type: "uuid", refTable: "Everything" }, min: 1, max: 4 } },
        enum_map: {
          type: {
            key: { type: "string", enum: ["set", ["a", "b"]] },
            value: { type: "real", maxReal: 0 },
            min: 0,
            max: 2,
          },
        },
        ref: { type: { key: { type: "uuid", refTable: "Everything", refType: "weak" }, min: 0, max: 1 } },
      },
    },
  },
});

function loadSchema(file: string): DatabaseSchema {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npm run setup\` (openvswitch-switch, ovn-central)`);
  return DatabaseSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

// ---------------------------------------------------------------------------------------------
// Generator of plain values that respect a column type

/** Deterministic xorshift32 generator returning floats in [0, 1). */
function randomSource(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const STRING_CHARS = ["a", "Z", "0", " ", "-", "é", "😀", '"', "\\", "/", "\n", "ß"];
const HEX = "0123456789abcdef";

class Generator {
  private named = 0;
  constructor(private readonly random: () => number) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  uuid(): string {
    const hex = (n: number) => Array.from({ length: n }, () => HEX[this.int(0, 15)]).join("");
    return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  }

  atom(base: BaseType, allowNamed: boolean): Atom {
    if (base.enum) return this.pick(base.enum);
    const edge = this.random() < 0.2;
    switch (base.type) {
      case "integer": {
        const lo = base.minInteger ?? -1_000_000;
        const hi = base.maxInteger ?? 1_000_000;
        return edge ? this.pick([lo, hi]) : this.int(lo, hi);
      }
      case "real": {
        const lo = base.minReal ?? -1e6;
        const hi = base.maxReal ?? 1e6;
        return edge ? this.pick([lo, hi]) : lo + this.random() * (hi - lo);
      }
      case "boolean":
        return this.random() < 0.5;
      case "string": {
        const lo = base.minLength ?? 0;
        const hi = Math.min(base.maxLength ?? lo + 8, lo + 8);
        return Array.from({ length: this.int(lo, hi) }, () => this.pick(STRING_CHARS)).join("");
      }
      case "uuid":
        return allowNamed && this.random() < 0.25 ? namedUuid(`row${this.named++}`) : this.uuid();
    }
  }

  /** `count` distinct atoms (fewer if the domain is smaller). */
  distinctAtoms(base: BaseType, count: number, allowNamed: boolean): Atom[] {
    const out = new Map<string, Atom>();
    for (let attempt = 0; out.size < count && attempt < count * 50; attempt++) {
      const atom = this.atom(base, allowNamed);
      out.set(atomKey(base.type, atom), atom);
    }
    return [...out.values()];
  }

  value(type: ColumnType, size: "min" | "max" | "random"): Value {
    const limit = Math.max(type.min, Math.min(type.max === "unlimited" ? 6 : type.max, 6));
    const n = size === "min" ? type.min : size === "max" ? limit : this.int(type.min, limit);
    if (type.value) {
      const keys = this.distinctAtoms(type.key, n, false);
      return Object.fromEntries(keys.map((k) => [keyToString(k), this.atom(type.value as BaseType, true)]));
    }
    const atoms = this.distinctAtoms(type.key, n, true);
    if (type.max !== 1) return atoms;
    return atoms.length === 0 ? null : atoms[0];
  }
}

function jsonCopy(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x));
}

/** decode(encode(v)) equals v; encode(decode(wire)) gives the same wire; other wire forms decode too. */
function checkRoundTrip(type: ColumnType, value: Value, where: { table: string; column: string }): void {
  const wire = encodeDatum(type, value, where);
  const decoded = decodeDatum(type, jsonCopy(wire), where);
  expect(decoded).toEqual(value);
  expect(encodeDatum(type, decoded, where)).toEqual(wire);
  expect(valuesEqual(type, value, decoded)).toBe(true);
  for (const alternative of alternativeWireForms(wire)) {
    const again = decodeDatum(type, alternative, where);
    expect(valuesEqual(type, again, value)).toBe(true);
    expect(decodeDatum(type, encodeDatum(type, again, where), where)).toEqual(again);
  }
}

/** Equivalent wire forms: a bare atom as a one-element set, and sets and maps in reverse order. */
function alternativeWireForms(wire: unknown): unknown[] {
  if (!Array.isArray(wire) || (wire[0] !== "set" && wire[0] !== "map")) return [["set", [wire]]];
  return [[wire[0], [...(wire[1] as unknown[])].reverse()]];
}

function columnsOf(schema: DatabaseSchema): [string, string, TableSchema][] {
  return [...schema.tables.values()].flatMap((t) =>
    [...t.columns.keys()].map((c): [string, string, TableSchema] => [t.name, c, t]),
  );
}

const realSchemas: [string, string][] = [
  ["vswitch", VSWITCH],
  ["ovn-nb", NB],
];

describe.each(realSchemas)("round trips over every column of %s", (_name, file) => {
  const columns = columnsOf(loadSchema(file));

  it("covers many columns", () => {
    expect(columns.length).toBeGreaterThan(100);
  });

  it.each(columns)("%s.%s", (table, column, ts) => {
    const type = ts.columns.get(column)!.type;
    const gen = new Generator(
      randomSource(table.length * 7919 + column.length * 104729 + column.charCodeAt(0)),
    );
    for (const size of ["min", "max", "random", "random", "random"] as const) {
      checkRoundTrip(type, gen.value(type, size), { table, column });
    }
  });
});

describe("round trips over the synthetic schema", () => {
  const columns = columnsOf(SYNTHETIC);
  it.each(columns)("%s.%s", (table, column, ts) => {
    const type = ts.columns.get(column)!.type;
    const gen = new Generator(randomSource(column.length * 31 + 7));
    for (let i = 0; i < 20; i++) {
      checkRoundTrip(type, gen.value(type, i === 0 ? "min" : i === 1 ? "max" : "random"), { table, column });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written cases

const U1 = "5e9b2a4e-3f3c-4c2a-9d55-2d0b1f1c8a01";
const U2 = "0b8f3a9e-1d2c-4e5f-8a7b-6c5d4e3f2a1b";

const types = {
  scalarInt: { key: { type: "integer" }, min: 1, max: 1 } as ColumnType,
  tag: { key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 } as ColumnType,
  trunks: { key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 4096 } as ColumnType,
  strings: { key: { type: "string" }, min: 0, max: "unlimited" } as ColumnType,
  atLeastOne: { key: { type: "string" }, min: 1, max: "unlimited" } as ColumnType,
  pair: { key: { type: "string" }, min: 0, max: 2 } as ColumnType,
  refs: {
    key: { type: "uuid", refTable: "Port", refType: "strong" },
    min: 0,
    max: "unlimited",
  } as ColumnType,
  ref: { key: { type: "uuid" }, min: 1, max: 1 } as ColumnType,
  optRef: { key: { type: "uuid" }, min: 0, max: 1 } as ColumnType,
  options: { key: { type: "string" }, value: { type: "string" }, min: 0, max: "unlimited" } as ColumnType,
  queues: {
    key: { type: "integer", minInteger: 0, maxInteger: 4294967295 },
    value: { type: "uuid", refTable: "Queue" },
    min: 0,
    max: "unlimited",
  } as ColumnType,
  stats: { key: { type: "string" }, value: { type: "integer" }, min: 0, max: "unlimited" } as ColumnType,
  direction: { key: { type: "string", enum: ["from-lport", "to-lport"] }, min: 1, max: 1 } as ColumnType,
  name: { key: { type: "string", minLength: 1, maxLength: 3 }, min: 1, max: 1 } as ColumnType,
  real: { key: { type: "real" }, min: 1, max: 1 } as ColumnType,
  bool: { key: { type: "boolean" }, min: 1, max: 1 } as ColumnType,
};

const PORT_TAG = { table: "Port", column: "tag" };

function codecError(fn: () => unknown): OvsdbCodecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OvsdbCodecError);
    return e as OvsdbCodecError;
  }
  throw new Error("expected an OvsdbCodecError");
}

describe("empty sets and maps", () => {
  it("encode null, [] and {} as empty sets and maps", () => {
    expect(encodeDatum(types.tag, null)).toEqual(["set", []]);
    expect(encodeDatum(types.strings, [])).toEqual(["set", []]);
    expect(encodeDatum(types.strings, null)).toEqual(["set", []]);
    expect(encodeDatum(types.options, {})).toEqual(["map", []]);
    expect(encodeDatum(types.options, null)).toEqual(["map", []]);
  });

  it("decode empty sets to null for optional columns and [] for sets, empty maps to {}", () => {
    expect(decodeDatum(types.tag, ["set", []])).toBeNull();
    expect(decodeDatum(types.strings, ["set", []])).toEqual([]);
    expect(decodeDatum(types.options, ["map", []])).toEqual({});
  });

  it("refuse an empty value for a scalar or a min-1 set", () => {
    expect(codecError(() => encodeDatum(types.scalarInt, null)).message).toMatch(/null/);
    expect(codecError(() => encodeDatum(types.atLeastOne, [])).message).toMatch(/at least 1/);
    expect(codecError(() => decodeDatum(types.scalarInt, ["set", []])).message).toMatch(/empty/);
  });
});

describe("set wire forms", () => {
  it("decode a bare atom and a one-element set alike", () => {
    expect(decodeDatum(types.tag, 10)).toBe(10);
    expect(decodeDatum(types.tag, ["set", [10]])).toBe(10);
    expect(decodeDatum(types.strings, "x")).toEqual(["x"]);
    expect(decodeDatum(types.strings, ["set", ["x"]])).toEqual(["x"]);
    expect(decodeDatum(types.scalarInt, ["set", [3]])).toBe(3);
  });

  it("encode one element bare and several as a set", () => {
    expect(encodeDatum(types.tag, 10)).toBe(10);
    expect(encodeDatum(types.strings, ["x"])).toBe("x");
    expect(encodeDatum(types.strings, ["x", "y"])).toEqual(["set", ["x", "y"]]);
  });

  it("accept a single atom or a one-element array for set-like columns", () => {
    expect(encodeDatum(types.strings, "x")).toBe("x");
    expect(encodeDatum(types.tag, [7])).toBe(7);
    expect(encodeDatum(types.scalarInt, [7])).toBe(7);
  });
});

describe("uuids", () => {
  it("encode and decode ['uuid', …]", () => {
    expect(encodeDatum(types.ref, U1)).toEqual(["uuid", U1]);
    expect(decodeDatum(types.ref, ["uuid", U1])).toBe(U1);
    expect(encodeDatum(types.refs, [U1, U2])).toEqual([
      "set",
      [
        ["uuid", U1],
        ["uuid", U2],
      ],
    ]);
    expect(
      decodeDatum(types.refs, [
        "set",
        [
          ["uuid", U1],
          ["uuid", U2],
        ],
      ]),
    ).toEqual([U1, U2]);
    expect(decodeDatum(types.refs, ["uuid", U1])).toEqual([U1]);
    expect(encodeAtom(types.ref.key, U1.toUpperCase())).toEqual(["uuid", U1.toUpperCase()]);
  });

  it("encode and decode named-uuid", () => {
    expect(encodeDatum(types.ref, namedUuid("new_port"))).toEqual(["named-uuid", "new_port"]);
    expect(encodeDatum(types.refs, [U1, new NamedUuid("p")])).toEqual([
      "set",
      [
        ["uuid", U1],
        ["named-uuid", "p"],
      ],
    ]);
    const decoded = decodeDatum(types.optRef, ["named-uuid", "p"]);
    expect(decoded).toBeInstanceOf(NamedUuid);
    expect(decoded).toEqual(namedUuid("p"));
    expect(encodeDatum(types.queues, { 0: namedUuid("q") })).toEqual(["map", [[0, ["named-uuid", "q"]]]]);
  });

  it("reject malformed uuids and names", () => {
    expect(codecError(() => encodeDatum(types.ref, "not-a-uuid")).message).toMatch(/not-a-uuid/);
    expect(codecError(() => encodeDatum(types.ref, namedUuid("1bad"))).message).toMatch(/1bad/);
    expect(codecError(() => decodeDatum(types.ref, U1)).message).toMatch(/uuid/);
    expect(codecError(() => decodeDatum(types.ref, ["uuid", "zzz"])).message).toMatch(/zzz/);
    expect(codecError(() => decodeDatum(types.ref, ["named-uuid", "a b"])).message).toMatch(/a b/);
  });
});

describe("maps", () => {
  it("encode and decode string maps", () => {
    expect(encodeDatum(types.options, { remote_ip: "1.2.3.4", key: "flow" })).toEqual([
      "map",
      [
        ["remote_ip", "1.2.3.4"],
        ["key", "flow"],
      ],
    ]);
    expect(decodeDatum(types.options, ["map", [["a", "b"]]])).toEqual({ a: "b" });
  });

  it("convert integer keys to strings and back", () => {
    const wire = [
      "map",
      [
        [0, ["uuid", U1]],
        [4294967295, ["uuid", U2]],
      ],
    ];
    expect(decodeDatum(types.queues, wire)).toEqual({ "0": U1, "4294967295": U2 });
    expect(encodeDatum(types.queues, { "0": U1, "4294967295": U2 })).toEqual(wire);
  });

  it("keep __proto__ as an ordinary key", () => {
    const decoded = decodeDatum(types.options, ["map", [["__proto__", "x"]]]) as Record<string, string>;
    expect(Object.keys(decoded)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(encodeDatum(types.options, decoded)).toEqual(["map", [["__proto__", "x"]]]);
  });

  it("reject keys that do not convert, bad values, duplicates and bad shapes", () => {
    expect(codecError(() => encodeDatum(types.queues, { one: U1 })).message).toMatch(
      /"one" is not an integer/,
    );
    expect(codecError(() => encodeDatum(types.queues, { "01": U1 })).message).toMatch(/01/);
    expect(codecError(() => encodeDatum(types.queues, { "-1": U1 })).message).toMatch(/out of range/);
    const wrongValue = codecError(() =>
      encodeDatum(types.stats, { rx: "many" } as unknown as Value, {
        table: "Interface",
        column: "statistics",
      }),
    );
    expect(wrongValue.message).toMatch(/table Interface column statistics: map value for key "rx"/);
    expect(wrongValue.message).toMatch(/"many" is not an integer/);
    expect(wrongValue.path).toEqual({ table: "Interface", column: "statistics" });
    expect(codecError(() => encodeDatum(types.options, ["a"])).message).toMatch(/map/);
    expect(
      codecError(() =>
        decodeDatum(types.options, [
          "map",
          [
            ["a", "b"],
            ["a", "c"],
          ],
        ]),
      ).message,
    ).toMatch(/duplicate/);
    expect(codecError(() => decodeDatum(types.options, ["map", [["a"]]])).message).toMatch(/pair/);
    expect(codecError(() => decodeDatum(types.options, ["set", []])).message).toMatch(/map/);
    expect(codecError(() => decodeDatum(types.strings, ["map", []])).message).toMatch(/map/);
  });
});

describe("atom checks", () => {
  it("name table, column, value and range for an out-of-range integer", () => {
    const e = codecError(() => encodeDatum(types.tag, 4096, PORT_TAG));
    expect(e.message).toBe("table Port column tag: 4096 is out of range 0..4095");
    expect(e.path).toEqual(PORT_TAG);
    expect(codecError(() => encodeDatum(types.tag, -1, PORT_TAG)).message).toMatch(
      /-1 is out of range 0\.\.4095/,
    );
    expect(encodeDatum(types.tag, 4095, PORT_TAG)).toBe(4095);
    expect(encodeDatum(types.tag, 0, PORT_TAG)).toBe(0);
  });

  it("reject values outside an enum, listing the accepted ones", () => {
    const e = codecError(() =>
      encodeDatum(types.direction, "sideways", { table: "ACL", column: "direction" }),
    );
    expect(e.message).toMatch(
      /table ACL column direction: "sideways" is not one of "from-lport", "to-lport"/,
    );
  });

  it("reject values of the wrong type, saying what is accepted", () => {
    const e = codecError(() => encodeDatum(types.tag, "12" as unknown as Value, PORT_TAG));
    expect(e.message).toMatch(
      /table Port column tag: "12" is not an integer; expected an integer in 0\.\.4095/,
    );
    expect(codecError(() => encodeDatum(types.scalarInt, 1.5)).message).toMatch(/1.5 is not an integer/);
    expect(codecError(() => encodeDatum(types.real, Number.NaN)).message).toMatch(/NaN/);
    expect(codecError(() => encodeDatum(types.real, Infinity)).message).toMatch(/Infinity/);
    expect(codecError(() => encodeDatum(types.bool, "true")).message).toMatch(/not a boolean/);
    expect(codecError(() => encodeDatum(types.strings, [1] as unknown as Value)).message).toMatch(
      /not a string/,
    );
    expect(codecError(() => encodeDatum(types.ref, 5)).message).toMatch(/not a UUID/);
    expect(codecError(() => encodeDatum(types.strings, { a: "b" })).message).toMatch(/expected a set/);
    expect(codecError(() => encodeDatum(types.strings, undefined as unknown as Value)).message).toMatch(
      /undefined/,
    );
  });

  it("reject unsafe integers", () => {
    expect(codecError(() => encodeDatum(types.scalarInt, 2 ** 53)).message).toMatch(/safe integer/);
    expect(encodeDatum(types.scalarInt, Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(encodeDatum(types.scalarInt, Number.MIN_SAFE_INTEGER)).toBe(Number.MIN_SAFE_INTEGER);
  });

  it("check string length in code points, NUL characters and unpaired surrogates", () => {
    expect(encodeDatum(types.name, "😀😀😀")).toBe("😀😀😀");
    expect(codecError(() => encodeDatum(types.name, "")).message).toMatch(/shorter than 1/);
    expect(codecError(() => encodeDatum(types.name, "abcd")).message).toMatch(/longer than 3/);
    expect(codecError(() => encodeDatum(types.strings, ["a\u0000b"])).message).toMatch(/NUL/);
    expect(codecError(() => encodeDatum(types.strings, ["\ud800"])).message).toMatch(/surrogate/);
  });

  it("accept integral numbers for reals", () => {
    expect(encodeDatum(types.real, 3)).toBe(3);
    expect(decodeDatum(types.real, 3)).toBe(3);
    expect(decodeAtom({ type: "real" }, 2.5)).toBe(2.5);
  });
});

describe("set sizes and duplicates", () => {
  it("reject too many elements", () => {
    const e = codecError(() => encodeDatum(types.pair, ["a", "b", "c"], { table: "T", column: "pair" }));
    expect(e.message).toBe("table T column pair: at most 2 element(s) allowed, got 3");
    expect(codecError(() => encodeDatum(types.tag, [1, 2], PORT_TAG)).message).toMatch(/at most 1/);
    const many = Array.from({ length: 4097 }, (_, i) => i % 4096);
    expect(codecError(() => encodeDatum(types.trunks, many)).message).toMatch(/at most 4096/);
  });

  it("accept a set at its maximum size", () => {
    const all = Array.from({ length: 4096 }, (_, i) => i);
    expect(decodeDatum(types.trunks, encodeDatum(types.trunks, all))).toEqual(all);
  });

  it("reject duplicate set elements", () => {
    expect(codecError(() => encodeDatum(types.strings, ["a", "a"])).message).toMatch(
      /duplicate set element "a"/,
    );
    expect(codecError(() => encodeDatum(types.refs, [U1, U1.toUpperCase()])).message).toMatch(/duplicate/);
    expect(codecError(() => encodeDatum(types.refs, [namedUuid("x"), namedUuid("x")])).message).toMatch(
      /duplicate/,
    );
  });

  it("decode more than one element into an optional column as an error", () => {
    expect(codecError(() => decodeDatum(types.tag, ["set", [1, 2]], PORT_TAG)).message).toMatch(
      /table Port column tag/,
    );
  });
});

describe("decoding junk", () => {
  it.each([
    ["an object", types.strings, { a: 1 }],
    ["a number for a string set", types.strings, 5],
    ["a string for an integer", types.tag, "5"],
    ["a fractional integer", types.tag, 1.5],
    ["null", types.tag, null],
    ["a nested set", types.strings, ["set", [["set", ["a"]]]]],
    ["a set whose members are not an array", types.strings, ["set", "a"]],
    ["an unknown tag", types.ref, ["uid", U1]],
    ["a map without pairs", types.options, ["map", "x"]],
    ["a map with non-array pairs", types.options, ["map", ["ab"]]],
    ["a wrong map value type", types.stats, ["map", [["rx", "1"]]]],
    ["undefined", types.scalarInt, undefined],
  ])("rejects %s, naming the column", (_what, type, wire) => {
    const e = codecError(() => decodeDatum(type, wire, { table: "T", column: "c" }));
    expect(e.message.startsWith("table T column c: ")).toBe(true);
    expect(e.path).toEqual({ table: "T", column: "c" });
  });
});

describe("atoms", () => {
  it("encodeAtom / decodeAtom", () => {
    expect(encodeAtom({ type: "string" }, "x")).toBe("x");
    expect(encodeAtom({ type: "uuid" }, namedUuid("n"))).toEqual(["named-uuid", "n"]);
    expect(decodeAtom({ type: "uuid" }, ["uuid", U1])).toBe(U1);
    expect(decodeAtom({ type: "boolean" }, false)).toBe(false);
    expect(codecError(() => encodeAtom({ type: "integer", maxInteger: 3 }, 4, { column: "c" })).message).toBe(
      "column c: 4 is out of range -∞..3",
    );
    expect(codecError(() => decodeAtom({ type: "boolean" }, 0)).message).toMatch(/boolean/);
  });

  it("decodeAtom does not enforce constraints (server data is trusted)", () => {
    expect(decodeAtom({ type: "integer", maxInteger: 3 }, 4)).toBe(4);
    expect(decodeDatum(types.direction, "other")).toBe("other");
  });
});

describe("rows", () => {
  const table = SYNTHETIC.table("Everything");

  it("encode and decode, leaving absent columns absent", () => {
    const row = { real: 1.5, int_map: { "7": "seven" }, ref: null, _uuid: U1 };
    const wire = encodeRow(table, row);
    expect(wire).toEqual({
      real: 1.5,
      int_map: ["map", [[7, "seven"]]],
      ref: ["set", []],
      _uuid: ["uuid", U1],
    });
    expect(decodeRow(table, wire)).toEqual(row);
    expect(decodeRow(table, {})).toEqual({});
  });

  it("skip undefined members when encoding", () => {
    expect(encodeRow(table, { real: 1, ref: undefined as unknown as Value })).toEqual({ real: 1 });
  });

  it("reject unknown columns and bad values, naming them", () => {
    const unknown = codecError(() => decodeRow(table, { nope: 1 }));
    expect(unknown.path).toEqual({ table: "Everything", column: "nope" });
    expect(unknown.message).toMatch(/Everything.*nope/);
    expect(codecError(() => encodeRow(table, { nope: 1 })).path).toEqual({
      table: "Everything",
      column: "nope",
    });
    expect(codecError(() => encodeRow(table, { short: "x" })).message).toMatch(
      /table Everything column short/,
    );
    expect(codecError(() => decodeRow(table, [] as unknown as Record<string, unknown>)).message).toMatch(
      /not an object/,
    );
  });
});

describe("defaultValue", () => {
  it("follows RFC 7047", () => {
    expect(defaultValue(types.scalarInt)).toBe(0);
    expect(defaultValue(types.real)).toBe(0);
    expect(defaultValue(types.bool)).toBe(false);
    expect(defaultValue(types.name)).toBe("");
    expect(defaultValue(types.ref)).toBe("00000000-0000-0000-0000-000000000000");
    expect(defaultValue(types.tag)).toBeNull();
    expect(defaultValue(types.strings)).toEqual([]);
    expect(defaultValue(types.atLeastOne)).toEqual([""]);
    expect(defaultValue(types.options)).toEqual({});
    expect(defaultValue({ key: { type: "integer" }, value: { type: "boolean" }, min: 1, max: 2 })).toEqual({
      "0": false,
    });
  });
});

describe("valuesEqual", () => {
  it("compares sets without order and maps by key", () => {
    expect(valuesEqual(types.strings, ["a", "b"], ["b", "a"])).toBe(true);
    expect(valuesEqual(types.strings, ["a", "b"], ["a"])).toBe(false);
    expect(valuesEqual(types.options, { a: "1", b: "2" }, { b: "2", a: "1" })).toBe(true);
    expect(valuesEqual(types.options, { a: "1" }, { a: "2" })).toBe(false);
    expect(valuesEqual(types.options, { a: "1" }, { b: "1" })).toBe(false);
  });

  it("treats the plain shapes of one value alike", () => {
    expect(valuesEqual(types.tag, null, [] as unknown as Value)).toBe(true);
    expect(valuesEqual(types.tag, 5, [5])).toBe(true);
    expect(valuesEqual(types.tag, 5, null)).toBe(false);
    expect(valuesEqual(types.strings, "a", ["a"])).toBe(true);
    expect(valuesEqual(types.options, null, {})).toBe(true);
  });

  it("compares uuids case-insensitively, numbers by value and named uuids by name", () => {
    expect(valuesEqual(types.ref, U1, U1.toUpperCase())).toBe(true);
    expect(valuesEqual(types.real, 0, -0)).toBe(true);
    expect(valuesEqual(types.queues, { "1": U1 }, { "1": U1 })).toBe(true);
    expect(valuesEqual(types.ref, namedUuid("a"), namedUuid("a"))).toBe(true);
    expect(valuesEqual(types.ref, namedUuid("a"), namedUuid("b"))).toBe(false);
    expect(valuesEqual(types.ref, namedUuid("a"), U1)).toBe(false);
  });

  it("treats values invalid for the type as unequal", () => {
    expect(valuesEqual(types.options, ["a"], ["a"])).toBe(false);
    expect(valuesEqual(types.strings, { a: "b" }, { a: "b" })).toBe(false);
  });
});
