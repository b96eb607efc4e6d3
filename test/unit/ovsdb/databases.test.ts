/**
 * The typed rows in provider/ovsdb/databases/ are generated from the installed schemas
 * (scripts/gen-schema-types.ts): this regenerates them in memory and compares with the checked-in
 * files, and checks that each column's kind and TypeScript type follow what the codec decodes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  SCHEMA_SOURCES,
  columnTsType,
  generateAll,
  readSchema,
  rowTypeName,
} from "../../../scripts/gen-schema-types";
import { decodeDatum, defaultValue } from "../../../provider/ovsdb/codec";
import { DATABASES, columnKind, nb, vswitch, type RowOf } from "../../../provider/ovsdb/databases";
import { eq } from "../../../provider/ovsdb/conditions";
import type { CacheSpec, CachedRow } from "../../../provider/ovsdb/cache";
import { selectRows, type Selected } from "../../../provider/ovsdb/select";
import type { OvsdbClient } from "../../../provider/ovsdb/client";
import type { Value } from "../../../provider/ovsdb/notation";
import type { ColumnSchema } from "../../../provider/ovsdb/schema";

const schemas = SCHEMA_SOURCES.map((s) => ({ ...s, schema: readSchema(s.schemaFile) }));

describe("generated files", () => {
  const files = [...generateAll()].map(([file, text]) => [path.relative(process.cwd(), file), file, text]);
  it.each(files)("%s is up to date (npm run gen:schema)", (_, file, text) => {
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readFileSync(file, "utf8")).toBe(text);
  });

  it("covers the three databases, under their schema names", () => {
    expect(Object.keys(DATABASES).sort()).toEqual(["OVN_Northbound", "OVN_Southbound", "Open_vSwitch"]);
    for (const { schema } of schemas) {
      const d = DATABASES[schema.name as keyof typeof DATABASES];
      expect(d.name).toBe(schema.name);
      expect(Object.keys(d.tables)).toEqual([...schema.tables.keys()].sort());
    }
  });
});

describe("rowTypeName", () => {
  it.each([
    ["Logical_Switch", "LogicalSwitchRow"],
    ["ACL", "ACLRow"],
    ["Open_vSwitch", "OpenVSwitchRow"],
    ["NB_Global", "NBGlobalRow"],
    ["QoS", "QoSRow"],
  ])("%s → %s", (table, name) => expect(rowTypeName(table)).toBe(name));
});

/** Every column of every installed schema. */
const columns: [string, ColumnSchema][] = schemas.flatMap(({ schema }) =>
  [...schema.tables.values()].flatMap((t) =>
    [...t.columns.values()].map((c): [string, ColumnSchema] => [`${schema.name}.${t.name}.${c.name}`, c]),
  ),
);

/** A wire datum with two elements (or one when the column holds at most one). */
function sampleWire(c: ColumnSchema): unknown {
  const atom = (type: string, i: number): unknown =>
    ({
      integer: i,
      real: i + 0.5,
      boolean: i === 1,
      string: `s${i}`,
      uuid: ["uuid", `0000000${i}-0000-0000-0000-000000000000`],
    })[type];
  const n = c.type.max === 1 ? 1 : 2;
  const indexes = [...Array(n).keys()];
  if (c.type.value) {
    return ["map", indexes.map((i) => [atom(c.type.key.type, i), atom(c.type.value!.type, i)])];
  }
  return ["set", indexes.map((i) => atom(c.type.key.type, i))];
}

/** The JS shape of a decoded value, as the generated type declares it. */
function shapeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

describe("each column's kind and type follow the codec", () => {
  it.each(columns)("%s", (_, column) => {
    const kind = columnKind(column);
    const ts = columnTsType(column);
    const decoded = decodeDatum(column.type, sampleWire(column));
    switch (kind) {
      case "map":
        expect(shapeOf(decoded)).toBe("object");
        expect(ts).toMatch(/^(Partial<)?Record</);
        break;
      case "set":
        expect(shapeOf(decoded)).toBe("array");
        expect(ts).toMatch(/\[\]$/);
        break;
      case "optional":
        expect(shapeOf(decodeDatum(column.type, ["set", []]))).toBe("null");
        expect(ts).toMatch(/ \| null$/);
        break;
      case "scalar":
        expect(["string", "number", "boolean"]).toContain(shapeOf(decoded));
        expect(shapeOf(defaultValue(column.type))).toBe(shapeOf(decoded));
        expect(ts).not.toMatch(/null|\[\]|Record/);
        break;
    }
    const atomShape =
      kind === "map" ? "object" : shapeOf(kind === "set" ? (decoded as unknown[])[0] : decoded);
    if (kind !== "map" && !column.type.key.enum) {
      const expected = {
        integer: "number",
        real: "number",
        boolean: "boolean",
        string: "string",
        uuid: "string",
      };
      expect(atomShape).toBe(expected[column.type.key.type]);
      expect(ts).toContain(expected[column.type.key.type]);
    }
  });

  it("enum columns are unions of their literals", () => {
    const action = nb.description.tables.ACL.columns.action;
    expect(action.key.enum).toEqual(["allow", "allow-related", "allow-stateless", "drop", "reject"]);
    const aclAction: nb.ACLRow["action"] = "allow-related";
    expect(action.key.enum).toContain(aclAction);
  });
});

describe("the types (checked by the compiler, run as plain assertions)", () => {
  it("rows, columns and conditions are typed by database and table", () => {
    const row: RowOf<"OVN_Northbound", "Logical_Switch"> = {
      _uuid: "00000000-0000-0000-0000-000000000001",
      _version: "00000000-0000-0000-0000-000000000002",
      name: "sw0",
      ports: [],
      acls: [],
      qos_rules: [],
      load_balancer: [],
      load_balancer_group: [],
      dns_records: [],
      copp: null,
      other_config: { subnet: "10.0.0.0/24" },
      external_ids: {},
      forwarding_groups: [],
    };
    const selected: Selected<"OVN_Northbound", "Logical_Switch", "name"> = {
      _uuid: row._uuid,
      name: row.name,
    };
    // @ts-expect-error: Logical_Switch has no column "nam"
    const typo: Selected<"OVN_Northbound", "Logical_Switch", "nam"> = { _uuid: row._uuid, nam: "x" };
    const spec: CacheSpec<"Open_vSwitch"> = {
      Bridge: { columns: ["name", "ports"], where: [eq("name", "br0")] },
    };
    // @ts-expect-error: Bridge has no column "nme"
    const badSpec: CacheSpec<"Open_vSwitch"> = { Bridge: { indexes: ["nme"] } };
    const cached: CachedRow<vswitch.BridgeRow> = { _uuid: row._uuid, name: "br0" };
    const untyped: CacheSpec = { Anything: { indexes: ["at_all"] } };
    expect([selected, typo, spec, badSpec, cached, untyped]).toHaveLength(6);
    expect(Object.keys(row).sort()).toEqual(Object.keys(nb.description.tables.Logical_Switch.columns).sort());
  });

  it("selectRows is typed by its literal database and table, untyped for a string", () => {
    // Not run (no server here): the compiler checks the calls and the @ts-expect-error lines.
    async function calls(c: OvsdbClient): Promise<unknown[]> {
      const [sw] = await selectRows(c, "OVN_Northbound", "Logical_Switch", [eq("name", "sw0")], ["ports"]);
      const ports: string[] = sw.ports;
      // @ts-expect-error: name was not selected
      const name: string = sw.name;
      // @ts-expect-error: Logical_Switch has no column "nme"
      await selectRows(c, "OVN_Northbound", "Logical_Switch", [eq("nme", "sw0")]);
      const [br] = await selectRows(c, "Open_vSwitch", "Bridge");
      const fail: "standalone" | "secure" | null = br.fail_mode;
      const db: string = "Open_vSwitch";
      const [any] = await selectRows(c, db, "Bridge", [eq("anything", 1)], ["at_all"]);
      const value: Value = any.at_all;
      return [ports, name, fail, value];
    }
    expect(calls).toBeInstanceOf(Function);
  });
});
