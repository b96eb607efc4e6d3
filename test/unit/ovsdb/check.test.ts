/**
 * Checking and encoding transactions against the real vswitch and OVN NB schemas plus a small
 * synthetic schema for types they lack.
 */
import { OvsdbSchemaError, type SchemaProblem } from "../../../provider/ovsdb/errors";
import type { Row } from "../../../provider/ovsdb/codec";
import { namedUuid } from "../../../provider/ovsdb/notation";
import { DatabaseSchema } from "../../../provider/ovsdb/schema";
import { checkOperations, encodeOperations } from "../../../provider/ovsdb/check";
import { byUuid, eq, excludes, ge, gt, includes, le, lt, ne } from "../../../provider/ovsdb/conditions";
import {
  abort,
  assertLock,
  comment,
  commit,
  del,
  insert,
  mutate,
  select,
  update,
  wait,
  type Operation,
} from "../../../provider/ovsdb/operations";
import { U1, U2, loadSchema } from "./fixtures";

const vswitch = loadSchema("/usr/share/openvswitch/vswitch.ovsschema");
const nb = loadSchema("/usr/share/ovn/ovn-nb.ovsschema");

const synthetic = DatabaseSchema.parse({
  name: "Synthetic",
  version: "1.0.0",
  tables: {
    Meter: {
      isRoot: true,
      columns: {
        rate: { type: "real" },
        samples: { type: { key: "real", min: 0, max: "unlimited" } },
        counters: { type: { key: "string", value: "integer", min: 0, max: "unlimited" } },
        flags: { type: { key: "boolean", min: 0, max: 1 } },
        serial: { type: "integer", mutable: false },
      },
    },
  },
});

/** Problems as `op/table/column` triples, for compact assertions. */
function where(problems: SchemaProblem[]): string[] {
  return problems.map((p) => `${p.op}/${p.table ?? "-"}/${p.column ?? "-"}`);
}

/** The only problem of a one-operation transaction, which must mention `column`. */
function onlyProblem(schema: DatabaseSchema, op: Operation, table: string, column?: string): SchemaProblem {
  const problems = checkOperations(schema, [op]);
  expect(where(problems)).toEqual([`0/${table}/${column ?? "-"}`]);
  if (column !== undefined) expect(problems[0].message).toContain(column);
  return problems[0];
}

function expectValid(schema: DatabaseSchema, ops: Operation[]): void {
  expect(checkOperations(schema, ops)).toEqual([]);
}

describe("encodeOperations", () => {
  it("encodes a bridge creation transaction", () => {
    const ops: Operation[] = [
      insert("Interface", { name: "p0", type: "internal" }, { uuidName: "iface" }),
      insert("Port", { name: "p0", interfaces: [namedUuid("iface")], tag: 10 }, { uuidName: "port" }),
      insert(
        "Bridge",
        { name: "br0", ports: [namedUuid("port")], external_ids: { owner: "pulumi" } },
        { uuidName: "br" },
      ),
      mutate("Open_vSwitch", [], [["bridges", "insert", [namedUuid("br")]]]),
      comment("create br0"),
      commit(false),
    ];
    expect(encodeOperations(vswitch, ops)).toEqual([
      { op: "insert", table: "Interface", row: { name: "p0", type: "internal" }, "uuid-name": "iface" },
      {
        op: "insert",
        table: "Port",
        row: { name: "p0", interfaces: ["named-uuid", "iface"], tag: 10 },
        "uuid-name": "port",
      },
      {
        op: "insert",
        table: "Bridge",
        row: { name: "br0", ports: ["named-uuid", "port"], external_ids: ["map", [["owner", "pulumi"]]] },
        "uuid-name": "br",
      },
      {
        op: "mutate",
        table: "Open_vSwitch",
        where: [],
        mutations: [["bridges", "insert", ["named-uuid", "br"]]],
      },
      { op: "comment", comment: "create br0" },
      { op: "commit", durable: false },
    ]);
  });

  it("encodes select, update, delete, wait, assert and abort", () => {
    const ops: Operation[] = [
      select("Port", [eq("name", "p0"), includes("trunks", [1, 2])], ["_uuid", "tag"]),
      update("Port", [byUuid(U1)], { tag: null, trunks: [3] }),
      del("Port", [ne("_uuid", U2)]),
      wait("Port", [eq("name", "p0")], ["tag"], [{ tag: 5 }], { until: "!=", timeout: 250 }),
      assertLock("my_lock"),
      abort(),
    ];
    expect(encodeOperations(vswitch, ops)).toEqual([
      {
        op: "select",
        table: "Port",
        where: [
          ["name", "==", "p0"],
          ["trunks", "includes", ["set", [1, 2]]],
        ],
        columns: ["_uuid", "tag"],
      },
      {
        op: "update",
        table: "Port",
        where: [["_uuid", "==", ["uuid", U1]]],
        row: { tag: ["set", []], trunks: 3 },
      },
      { op: "delete", table: "Port", where: [["_uuid", "!=", ["uuid", U2]]] },
      {
        op: "wait",
        table: "Port",
        where: [["name", "==", "p0"]],
        columns: ["tag"],
        until: "!=",
        rows: [{ tag: 5 }],
        timeout: 250,
      },
      { op: "assert", lock: "my_lock" },
      { op: "abort" },
    ]);
  });

  it("encodes mutations of every kind", () => {
    const ops: Operation[] = [
      mutate(
        "Port",
        [eq("name", "p0")],
        [
          ["tag", "+=", 1],
          ["trunks", "*=", 2],
          ["trunks", "insert", 7],
          ["trunks", "delete", [1, 2]],
          ["external_ids", "insert", { a: "b" }],
          ["external_ids", "delete", { a: "b" }],
          ["other_config", "delete", ["x", "y"]],
          ["other_config", "delete", "z"],
        ],
      ),
    ];
    expect((encodeOperations(vswitch, ops)[0] as { mutations: unknown }).mutations).toEqual([
      ["tag", "+=", 1],
      ["trunks", "*=", 2],
      ["trunks", "insert", 7],
      ["trunks", "delete", ["set", [1, 2]]],
      ["external_ids", "insert", ["map", [["a", "b"]]]],
      ["external_ids", "delete", ["map", [["a", "b"]]]],
      ["other_config", "delete", ["set", ["x", "y"]]],
      ["other_config", "delete", "z"],
    ]);
  });

  it("relaxes set sizes for includes and excludes only", () => {
    // Port.interfaces holds 1..unlimited; Port.tag 0..1.
    expectValid(vswitch, [select("Port", [includes("interfaces", [])])]);
    expectValid(vswitch, [select("Port", [excludes("tag", [1, 2, 3])])]);
    expectValid(vswitch, [select("Port", [includes("name", "p0"), excludes("name", "p1")])]);
    onlyProblem(vswitch, select("Port", [eq("interfaces", [])]), "Port", "interfaces");
    onlyProblem(vswitch, select("Port", [includes("tag", [1, 2])]), "Port", "tag");
    onlyProblem(vswitch, select("Port", [includes("name", ["a", "b"])]), "Port", "name");
  });

  it("allows ordering functions on integer and real columns holding at most one value", () => {
    expectValid(vswitch, [select("Port", [lt("tag", 5), ge("tag", 1)])]);
    expectValid(nb, [select("NB_Global", [gt("nb_cfg", 3), le("nb_cfg", 9)])]);
    expectValid(synthetic, [select("Meter", [lt("rate", 0.5)])]);
  });

  it("throws OvsdbSchemaError with every problem", () => {
    const ops: Operation[] = [insert("Nope", {}), update("Port", [], { tag: 4096, nope: 1 })];
    try {
      encodeOperations(vswitch, ops);
      throw new Error("unreachable");
    } catch (e) {
      expect(e).toBeInstanceOf(OvsdbSchemaError);
      expect(where((e as OvsdbSchemaError).problems)).toEqual(["0/Nope/-", "1/Port/tag", "1/Port/nope"]);
      expect((e as Error).message).toMatch(/3 schema problems/);
    }
  });
});

describe("checkOperations", () => {
  it("accepts a valid transaction", () => {
    expectValid(vswitch, [
      insert("Interface", { name: "i" }, { uuidName: "i" }),
      insert("Port", { name: "p", interfaces: namedUuid("i") }, { uuidName: "p" }),
      mutate("Bridge", [eq("name", "br0")], [["ports", "insert", namedUuid("p")]]),
    ]);
  });

  it("reports unknown tables", () => {
    const problems = checkOperations(vswitch, [comment("x"), select("Switches", [])]);
    expect(where(problems)).toEqual(["1/Switches/-"]);
    expect(problems[0].message).toContain("Switches");
  });

  it("reports unknown columns wherever they appear", () => {
    onlyProblem(vswitch, insert("Port", { name: "p", interfaces: U1, colour: "red" }), "Port", "colour");
    onlyProblem(vswitch, update("Port", [], { colour: "red" }), "Port", "colour");
    onlyProblem(vswitch, select("Port", [eq("colour", "red")]), "Port", "colour");
    onlyProblem(vswitch, select("Port", [], ["colour"]), "Port", "colour");
    onlyProblem(vswitch, mutate("Port", [], [["colour", "insert", "red"]]), "Port", "colour");
    onlyProblem(vswitch, wait("Port", [], ["colour"], []), "Port", "colour");
    onlyProblem(vswitch, del("Port", [eq("colour", "red")]), "Port", "colour");
  });

  it("reports values of the wrong type or out of range", () => {
    const tag = onlyProblem(vswitch, update("Port", [], { tag: 4096 }), "Port", "tag");
    expect(tag.message).toMatch(/4096 is out of range 0\.\.4095/);
    onlyProblem(vswitch, update("Port", [], { trunks: ["1"] }), "Port", "trunks");
    onlyProblem(vswitch, update("Bridge", [], { ports: ["not-a-uuid"] }), "Bridge", "ports");
    onlyProblem(vswitch, update("Interface", [], { options: { a: 1 } }), "Interface", "options");
    onlyProblem(vswitch, select("Port", [eq("tag", "ten")]), "Port", "tag");
    onlyProblem(vswitch, mutate("Port", [], [["trunks", "insert", [5000]]]), "Port", "trunks");
    onlyProblem(nb, update("ACL", [], { direction: "up" }), "ACL", "direction");
    onlyProblem(vswitch, wait("Port", [], ["tag"], [{ tag: -1 }]), "Port", "tag");
  });

  it("reports writes to read-only and immutable columns", () => {
    onlyProblem(vswitch, insert("Bridge", { name: "b", _uuid: U1 }), "Bridge", "_uuid");
    onlyProblem(vswitch, update("Bridge", [], { _version: U1 }), "Bridge", "_version");
    const name = onlyProblem(vswitch, update("Bridge", [], { name: "b2" }), "Bridge", "name");
    expect(name.message).toMatch(/immutable/);
    onlyProblem(vswitch, mutate("Bridge", [], [["_uuid", "insert", [U1]]]), "Bridge", "_uuid");
    onlyProblem(synthetic, mutate("Meter", [], [["serial", "+=", 1]]), "Meter", "serial");
    expectValid(synthetic, [insert("Meter", { serial: 7 })]);
    expectValid(vswitch, [wait("Bridge", [], ["_uuid"], [{ _uuid: U1 }])]);
  });

  it("reports mutators the column type does not allow", () => {
    onlyProblem(vswitch, mutate("Bridge", [], [["datapath_type", "+=", 1]]), "Bridge", "datapath_type");
    onlyProblem(vswitch, mutate("Interface", [], [["options", "+=", 1]]), "Interface", "options");
    onlyProblem(nb, mutate("NB_Global", [], [["nb_cfg", "insert", 1]]), "NB_Global", "nb_cfg");
    onlyProblem(synthetic, mutate("Meter", [], [["rate", "%=", 2]]), "Meter", "rate");
    onlyProblem(synthetic, mutate("Meter", [], [["flags", "+=", 1]]), "Meter", "flags");
    onlyProblem(vswitch, mutate("Port", [], [["trunks", "/=", 0]]), "Port", "trunks");
    onlyProblem(vswitch, mutate("Port", [], [["trunks", "+=", [1, 2]]]), "Port", "trunks");
    const unknown = onlyProblem(vswitch, mutate("Port", [], [["tag", "^=" as "+=", 1]]), "Port", "tag");
    expect(unknown.message).toMatch(/unknown mutator/);
    expectValid(synthetic, [
      mutate(
        "Meter",
        [],
        [
          ["rate", "*=", 1.5],
          ["samples", "-=", 0.25],
          ["samples", "insert", [1.5, 2.5]],
          ["counters", "delete", ["rx"]],
        ],
      ),
    ]);
    expectValid(nb, [
      mutate(
        "NB_Global",
        [],
        [
          ["nb_cfg", "+=", 1],
          ["nb_cfg", "%=", 7],
        ],
      ),
    ]);
    // Arithmetic arguments are not bound by the column's range: ovsdb-server checks the result.
    expectValid(vswitch, [mutate("Port", [], [["tag", "+=", 10000]])]);
  });

  it("reports condition functions the column type does not allow", () => {
    const name = onlyProblem(vswitch, select("Bridge", [lt("name", 3)]), "Bridge", "name");
    expect(name.message).toContain("<");
    onlyProblem(vswitch, select("Port", [gt("trunks", 3)]), "Port", "trunks");
    onlyProblem(vswitch, select("Interface", [ge("options", 3)]), "Interface", "options");
    onlyProblem(vswitch, select("Port", [["tag", "~=" as "==", 3]]), "Port", "tag");
    onlyProblem(vswitch, select("Port", [lt("tag", null as unknown as number)]), "Port", "tag");
  });

  it("reports duplicate uuid-names on the later insert", () => {
    const problems = checkOperations(vswitch, [
      insert("Interface", { name: "a" }, { uuidName: "x" }),
      insert("Interface", { name: "b" }, { uuidName: "y" }),
      insert("Interface", { name: "c" }, { uuidName: "x" }),
    ]);
    expect(where(problems)).toEqual(["2/Interface/-"]);
    expect(problems[0].message).toMatch(/duplicate uuid-name x/);
  });

  it("reports named-uuids that no insert defines, and references into the wrong table", () => {
    const undefinedRef = checkOperations(vswitch, [
      insert("Interface", { name: "i" }, { uuidName: "iface" }),
      mutate("Bridge", [], [["ports", "insert", [namedUuid("port")]]]),
    ]);
    expect(where(undefinedRef)).toEqual(["1/Bridge/ports"]);
    expect(undefinedRef[0].message).toMatch(/port/);
    const wrongTable = checkOperations(vswitch, [
      insert("Interface", { name: "i" }, { uuidName: "iface" }),
      update("Bridge", [], { ports: [namedUuid("iface")] }),
    ]);
    expect(where(wrongTable)).toEqual(["1/Bridge/ports"]);
    expect(wrongTable[0].message).toMatch(/Interface/);
    // References may precede the insert that defines them; conditions may use them too.
    expectValid(vswitch, [
      mutate("Bridge", [], [["ports", "insert", [namedUuid("p")]]]),
      insert("Port", { name: "p", interfaces: [namedUuid("i")] }, { uuidName: "p" }),
      insert("Interface", { name: "p" }, { uuidName: "i" }),
      select("Port", [byUuid(namedUuid("p"))]),
    ]);
    expect(where(checkOperations(vswitch, [select("Port", [byUuid(namedUuid("ghost"))])]))).toEqual([
      "0/Port/_uuid",
    ]);
    expect(where(checkOperations(vswitch, [update("QoS", [], { queues: { "1": namedUuid("q") } })]))).toEqual(
      ["0/QoS/queues"],
    );
  });

  it("reports wait rows with columns missing from `columns`", () => {
    const p = onlyProblem(vswitch, wait("Port", [], ["name"], [{ name: "p", tag: 3 }]), "Port", "tag");
    expect(p.message).toMatch(/columns/);
    expectValid(vswitch, [wait("Port", [], ["name", "tag"], [{ name: "p", tag: 3 }, { name: "q" }])]);
  });

  it("reports inserts that leave a required column unset", () => {
    onlyProblem(vswitch, insert("Port", { name: "p" }), "Port", "interfaces");
    onlyProblem(
      vswitch,
      insert("Flow_Sample_Collector_Set", { id: 1 }),
      "Flow_Sample_Collector_Set",
      "bridge",
    );
    const acl = checkOperations(nb, [insert("ACL", { priority: 1, match: "1" })]);
    expect(where(acl).sort()).toEqual(["0/ACL/action", "0/ACL/direction"]);
    onlyProblem(nb, insert("Meter_Band", { action: "drop" }), "Meter_Band", "rate");
    expectValid(nb, [insert("ACL", { priority: 1, match: "1", action: "drop", direction: "to-lport" })]);
    expectValid(nb, [insert("Logical_Switch", {})]);
  });

  it("reports malformed operation members", () => {
    onlyProblem(vswitch, insert("Interface", { name: "i" }, { uuidName: "1x" }), "Interface");
    onlyProblem(vswitch, insert("Interface", { name: "i" }, { uuid: "nope" }), "Interface");
    onlyProblem(vswitch, wait("Port", [], [], [], { timeout: -5 }), "Port");
    onlyProblem(vswitch, wait("Port", [], [], [], { until: "<" as "==" }), "Port");
    onlyProblem(vswitch, { op: "select", table: "Port", where: "all" as unknown as [] }, "Port");
    onlyProblem(vswitch, { op: "mutate", table: "Port", where: [], mutations: {} as unknown as [] }, "Port");
    onlyProblem(vswitch, { op: "update", table: "Port", where: [], row: [] as unknown as Row }, "Port");
    onlyProblem(vswitch, select("Port", ["tag" as unknown as ["tag", "==", 1]]), "Port");
    expect(where(checkOperations(vswitch, [assertLock("bad lock")]))).toEqual(["0/-/-"]);
    expect(where(checkOperations(vswitch, [{ op: "commit", durable: "yes" as unknown as boolean }]))).toEqual(
      ["0/-/-"],
    );
    expect(where(checkOperations(vswitch, [{ op: "comment", comment: 5 as unknown as string }]))).toEqual([
      "0/-/-",
    ]);
    const unknownOp = checkOperations(vswitch, [{ op: "upsert" } as unknown as Operation]);
    expect(where(unknownOp)).toEqual(["0/-/-"]);
    expect(unknownOp[0].message).toMatch(/upsert/);
  });

  it("reports problems in operation order", () => {
    const problems = checkOperations(vswitch, [
      update("Port", [], { tag: -1 }),
      insert("Interface", { name: "a" }, { uuidName: "x" }),
      insert("Interface", { name: "b", nope: 1 }, { uuidName: "x" }),
    ]);
    expect(where(problems)).toEqual(["0/Port/tag", "2/Interface/-", "2/Interface/nope"]);
  });
});
