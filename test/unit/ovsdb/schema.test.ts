/**
 * Schema parsing: the real Open vSwitch and OVN schemas, and malformed schemas.
 */
import { existsSync, readFileSync } from "node:fs";
import { OvsdbSchemaError } from "../../../provider/ovsdb/errors";
import {
  DatabaseSchema,
  isMap,
  isOptional,
  isScalar,
  isSet,
  type ColumnType,
} from "../../../provider/ovsdb/schema";

const SCHEMA_FILES = {
  vswitch: "/usr/share/openvswitch/vswitch.ovsschema",
  nb: "/usr/share/ovn/ovn-nb.ovsschema",
  sb: "/usr/share/ovn/ovn-sb.ovsschema",
};
function load(file: string): DatabaseSchema {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npm run setup\` (openvswitch-switch, ovn-central)`);
  return DatabaseSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** A minimal valid schema with one table, for mutation in the error tests. */
function tiny(columns: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { name: "Tiny", version: "1.0.0", tables: { T: { columns, ...extra } } };
}

function problemsOf(json: unknown): { table?: string; column?: string; message: string }[] {
  try {
    DatabaseSchema.parse(json);
  } catch (e) {
    expect(e).toBeInstanceOf(OvsdbSchemaError);
    return (e as OvsdbSchemaError).problems;
  }
  throw new Error("expected the schema to be rejected");
}

describe("real schemas", () => {
  let vswitch: DatabaseSchema;
  let nb: DatabaseSchema;
  let sb: DatabaseSchema;

  beforeAll(() => {
    vswitch = load(SCHEMA_FILES.vswitch);
    nb = load(SCHEMA_FILES.nb);
    sb = load(SCHEMA_FILES.sb);
  });

  it("parses names, versions and checksums", () => {
    expect(vswitch.name).toBe("Open_vSwitch");
    expect(nb.name).toBe("OVN_Northbound");
    expect(sb.name).toBe("OVN_Southbound");
    for (const s of [vswitch, nb, sb]) {
      expect(s.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(typeof s.cksum).toBe("string");
      expect(s.tables.size).toBeGreaterThan(10);
    }
  });

  it("keeps the raw JSON", () => {
    const json: unknown = JSON.parse(readFileSync(SCHEMA_FILES.vswitch, "utf8"));
    expect(DatabaseSchema.parse(json).raw).toBe(json);
  });

  it("Port.tag is an optional integer in 0..4095", () => {
    const tag = vswitch.column("Port", "tag");
    expect(tag.type).toEqual({ key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 });
    expect(isOptional(tag.type)).toBe(true);
    expect(isScalar(tag.type)).toBe(false);
    expect(isSet(tag.type)).toBe(false);
    expect(isMap(tag.type)).toBe(false);
    expect(tag.mutable).toBe(true);
    expect(tag.ephemeral).toBe(false);
  });

  it("Port.trunks is a set of at most 4096 VLAN ids", () => {
    const t = vswitch.column("Port", "trunks").type;
    expect(t).toEqual({ key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 4096 });
    expect(isSet(t)).toBe(true);
  });

  it("Bridge.ports is a set of strong references to Port", () => {
    const t = vswitch.column("Bridge", "ports").type;
    expect(t).toEqual({
      key: { type: "uuid", refTable: "Port", refType: "strong" },
      min: 0,
      max: "unlimited",
    });
    expect(isSet(t)).toBe(true);
  });

  it("Interface.options is a string → string map", () => {
    const t = vswitch.column("Interface", "options").type;
    expect(t).toEqual({ key: { type: "string" }, value: { type: "string" }, min: 0, max: "unlimited" });
    expect(isMap(t)).toBe(true);
    expect(isSet(t)).toBe(false);
  });

  it("QoS.queues maps integers to Queue references", () => {
    const t = vswitch.column("QoS", "queues").type;
    expect(t.key).toEqual({ type: "integer", minInteger: 0, maxInteger: 4294967295 });
    expect(t.value).toEqual({ type: "uuid", refTable: "Queue", refType: "strong" });
  });

  it("parses enums, ephemeral and immutable columns", () => {
    const state = vswitch.column("Interface", "admin_state");
    expect(state.type.key.enum).toEqual(["up", "down"]);
    expect(state.ephemeral).toBe(true);
    expect(vswitch.column("Bridge", "name").mutable).toBe(false);
    expect(nb.column("ACL", "direction").type).toEqual({
      key: { type: "string", enum: ["from-lport", "to-lport"] },
      min: 1,
      max: 1,
    });
  });

  it("parses weak references", () => {
    const weak = [...sb.tables.values()].flatMap((t) =>
      [...t.columns.values()].filter(
        (c) => c.type.key.refType === "weak" || c.type.value?.refType === "weak",
      ),
    );
    expect(weak.length).toBeGreaterThan(0);
  });

  it("parses root tables, maxRows and indexes", () => {
    expect(vswitch.table("Open_vSwitch").isRoot).toBe(true);
    expect(vswitch.table("Open_vSwitch").maxRows).toBe(1);
    expect(vswitch.table("Port").isRoot).toBe(false);
    expect(vswitch.table("Port").indexes).toEqual([["name"]]);
    expect(vswitch.table("Flow_Sample_Collector_Set").indexes).toEqual([["id", "bridge"]]);
    expect(vswitch.table("Mirror").indexes).toEqual([]);
    expect(vswitch.table("Mirror").maxRows).toBeUndefined();
  });

  it("NB: Logical_Switch_Port.addresses, Logical_Switch, NB_Global.nb_cfg", () => {
    const addresses = nb.column("Logical_Switch_Port", "addresses").type;
    expect(addresses).toEqual({ key: { type: "string" }, min: 0, max: "unlimited" });
    expect(isSet(addresses)).toBe(true);
    expect(nb.table("Logical_Switch").isRoot).toBe(true);
    const nbCfg: ColumnType = nb.column("NB_Global", "nb_cfg").type;
    expect(nbCfg).toEqual({ key: { type: "integer" }, min: 1, max: 1 });
    expect(isScalar(nbCfg)).toBe(true);
  });

  it("every table has the implicit _uuid and _version columns, read-only", () => {
    for (const schema of [vswitch, nb, sb]) {
      for (const table of schema.tables.values()) {
        for (const name of ["_uuid", "_version"]) {
          const c = table.columns.get(name);
          expect(c).toEqual({
            name,
            type: { key: { type: "uuid" }, min: 1, max: 1 },
            ephemeral: false,
            mutable: false,
          });
        }
      }
    }
  });

  it("column names match their map keys and all refTables exist", () => {
    for (const schema of [vswitch, nb, sb]) {
      for (const [tname, table] of schema.tables) {
        expect(table.name).toBe(tname);
        for (const [cname, column] of table.columns) {
          expect(column.name).toBe(cname);
          for (const base of [column.type.key, column.type.value]) {
            if (base?.refTable) expect(schema.tables.has(base.refTable)).toBe(true);
          }
        }
      }
    }
  });

  it("table() and column() name what is missing", () => {
    expect(() => vswitch.table("Nope")).toThrow(OvsdbSchemaError);
    expect(() => vswitch.table("Nope")).toThrow(/Nope/);
    try {
      vswitch.column("Port", "nope");
      throw new Error("unreachable");
    } catch (e) {
      expect(e).toBeInstanceOf(OvsdbSchemaError);
      expect((e as OvsdbSchemaError).problems).toEqual([
        expect.objectContaining({ table: "Port", column: "nope" }),
      ]);
      expect((e as Error).message).toMatch(/Port/);
      expect((e as Error).message).toMatch(/nope/);
    }
    expect(() => vswitch.column("Nope", "x")).toThrow(/Nope/);
    expect(vswitch.findTable("Nope")).toBeUndefined();
  });
});

describe("schema parsing rules", () => {
  it("applies RFC 7047 defaults", () => {
    const s = DatabaseSchema.parse(tiny({ a: { type: "string" } }));
    const a = s.column("T", "a");
    expect(a).toEqual({
      name: "a",
      type: { key: { type: "string" }, min: 1, max: 1 },
      ephemeral: false,
      mutable: true,
    });
    expect(s.cksum).toBeUndefined();
    expect(s.table("T").indexes).toEqual([]);
  });

  it("makes every table a root table when no table says isRoot (pre-isRoot schemas)", () => {
    const legacy = DatabaseSchema.parse({
      name: "L",
      version: "1.0.0",
      tables: { A: { columns: {} }, B: { columns: {} } },
    });
    expect(legacy.table("A").isRoot).toBe(true);
    expect(legacy.table("B").isRoot).toBe(true);
    const modern = DatabaseSchema.parse({
      name: "M",
      version: "1.0.0",
      tables: { A: { columns: {}, isRoot: true }, B: { columns: {} } },
    });
    expect(modern.table("A").isRoot).toBe(true);
    expect(modern.table("B").isRoot).toBe(false);
  });

  it("parses the long forms of types, enums as a single atom and every constraint", () => {
    const s = DatabaseSchema.parse(
      tiny({
        one: { type: { key: { type: "string", enum: "only" } } },
        ints: { type: { key: { type: "integer", enum: ["set", [1, 2, 3]] }, min: 0, max: 2 } },
        r: { type: { key: { type: "real", minReal: -1.5, maxReal: 2.5 } } },
        s: { type: { key: { type: "string", minLength: 1, maxLength: 8 } } },
        u: { type: { key: { type: "uuid", refTable: "T", refType: "weak" }, min: 0, max: "unlimited" } },
        ue: { type: { key: { type: "uuid", enum: ["uuid", "12345678-1234-1234-1234-123456789abc"] } } },
        m: { type: { key: "integer", value: { type: "boolean" }, min: 1, max: 3 } },
      }),
    );
    expect(s.column("T", "one").type.key).toEqual({ type: "string", enum: ["only"] });
    expect(s.column("T", "ints").type).toEqual({ key: { type: "integer", enum: [1, 2, 3] }, min: 0, max: 2 });
    expect(s.column("T", "r").type.key).toEqual({ type: "real", minReal: -1.5, maxReal: 2.5 });
    expect(s.column("T", "s").type.key).toEqual({ type: "string", minLength: 1, maxLength: 8 });
    expect(s.column("T", "u").type.key).toEqual({ type: "uuid", refTable: "T", refType: "weak" });
    expect(s.column("T", "ue").type.key.enum).toEqual(["12345678-1234-1234-1234-123456789abc"]);
    expect(s.column("T", "m").type).toEqual({
      key: { type: "integer" },
      value: { type: "boolean" },
      min: 1,
      max: 3,
    });
  });

  it("ignores members it does not know (forward compatibility)", () => {
    const s = DatabaseSchema.parse({
      ...(tiny({ a: { type: "string", future: 1 } }) as object),
      extra: true,
    });
    expect(s.column("T", "a").type.key.type).toBe("string");
  });

  it.each([
    ["not an object", 42, undefined, /object/],
    ["bad name", { name: "1x", version: "1.0.0", tables: {} }, undefined, /name/],
    ["bad version", { name: "X", version: "1.0", tables: {} }, undefined, /version/],
    ["missing tables", { name: "X", version: "1.0.0" }, undefined, /tables/],
    ["bad cksum", { name: "X", version: "1.0.0", cksum: 5, tables: {} }, undefined, /cksum/],
  ])("rejects a schema with %s", (_what, json, column, message) => {
    const problems = problemsOf(json);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].column).toBe(column);
    expect(problems[0].message).toMatch(message);
  });

  it.each([
    ["an unknown atomic type", { type: "float" }, /float/],
    ["an unknown base type", { type: { key: { type: "float" } } }, /atomic type/],
    ["a missing key", { type: { min: 0 } }, /key/],
    ["min 2", { type: { key: "string", min: 2, max: 3 } }, /min/],
    ["max 0", { type: { key: "string", min: 0, max: 0 } }, /max/],
    ["max below min", { type: { key: "string", min: 1, max: 0 } }, /max/],
    ["max as a bad string", { type: { key: "string", max: "lots" } }, /max/],
    ["a negative min", { type: { key: "string", min: -1 } }, /min/],
    [
      "minInteger > maxInteger",
      { type: { key: { type: "integer", minInteger: 5, maxInteger: 1 } } },
      /minInteger/,
    ],
    ["minReal > maxReal", { type: { key: { type: "real", minReal: 5, maxReal: 1 } } }, /minReal/],
    ["minLength > maxLength", { type: { key: { type: "string", minLength: 5, maxLength: 1 } } }, /minLength/],
    ["a fractional minInteger", { type: { key: { type: "integer", minInteger: 0.5 } } }, /minInteger/],
    ["a constraint of another type", { type: { key: { type: "string", minInteger: 0 } } }, /minInteger/],
    ["refTable on a string", { type: { key: { type: "string", refTable: "T" } } }, /refTable/],
    ["a bad refType", { type: { key: { type: "uuid", refTable: "T", refType: "soft" } } }, /refType/],
    ["an unknown refTable", { type: { key: { type: "uuid", refTable: "Nope" } } }, /Nope/],
    ["an enum of the wrong type", { type: { key: { type: "integer", enum: ["set", ["a"]] } } }, /enum/],
    ["an empty enum", { type: { key: { type: "integer", enum: ["set", []] } } }, /enum/],
    ["non-boolean ephemeral", { type: "string", ephemeral: "yes" }, /ephemeral/],
    ["non-boolean mutable", { type: "string", mutable: 1 }, /mutable/],
    ["a non-object column", "string", /object/],
  ])("rejects a column with %s, naming table and column", (_what, column, message) => {
    const problems = problemsOf(tiny({ c: column }));
    expect(problems).toEqual([expect.objectContaining({ table: "T", column: "c" })]);
    expect(problems[0].message).toMatch(message);
  });

  it("rejects reserved and invalid column names", () => {
    expect(problemsOf(tiny({ _mine: { type: "string" } }))).toEqual([
      expect.objectContaining({ table: "T", column: "_mine", message: expect.stringMatching(/reserved/) }),
    ]);
    expect(problemsOf(tiny({ "a-b": { type: "string" } }))[0]).toMatchObject({ table: "T", column: "a-b" });
  });

  it("rejects bad table members", () => {
    expect(problemsOf(tiny({}, { isRoot: "yes" }))[0]).toMatchObject({
      table: "T",
      message: expect.stringMatching(/isRoot/),
    });
    expect(problemsOf(tiny({}, { maxRows: 0 }))[0]).toMatchObject({
      table: "T",
      message: expect.stringMatching(/maxRows/),
    });
    expect(problemsOf(tiny({}, { indexes: [["nope"]] }))[0]).toMatchObject({ table: "T", column: "nope" });
    expect(problemsOf(tiny({}, { indexes: [[]] }))[0]).toMatchObject({
      table: "T",
      message: expect.stringMatching(/index/),
    });
    expect(problemsOf({ name: "X", version: "1.0.0", tables: { T: { columns: 3 } } })[0]).toMatchObject({
      table: "T",
    });
    expect(problemsOf({ name: "X", version: "1.0.0", tables: { _T: { columns: {} } } })[0]).toMatchObject({
      table: "_T",
    });
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(
      tiny({ a: { type: "float" }, b: { type: { key: "string", min: 5 } }, c: { type: "string" } }),
    );
    expect(problems.map((p) => p.column)).toEqual(["a", "b"]);
    expect(() => DatabaseSchema.parse(tiny({ a: { type: "float" }, b: { type: "nope" } }))).toThrow(
      /2 schema problems/,
    );
  });
});
