/** Mapping `transact` result arrays: errors, and one decoded result per operation. */
import { OvsdbProtocolError, OvsdbTransactionError } from "../../../provider/ovsdb/errors";
import { eq } from "../../../provider/ovsdb/conditions";
import {
  abort,
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
import { decodeResults, findTransactionError } from "../../../provider/ovsdb/results";
import { U1, loadSchema } from "./fixtures";

const vswitch = loadSchema("/usr/share/openvswitch/vswitch.ovsschema");

describe("decodeResults", () => {
  const ops: Operation[] = [
    insert("Interface", { name: "i" }),
    select("Interface", [eq("name", "i")], ["_uuid", "name", "options", "ofport"]),
    update("Interface", [eq("name", "i")], { type: "internal" }),
    mutate("Interface", [], [["options", "insert", { a: "b" }]]),
    del("Interface", [eq("name", "zzz")]),
    wait("Interface", [], ["name"], []),
    comment("c"),
    commit(false),
  ];

  it("maps each result to plain values", () => {
    const results = decodeResults(vswitch, ops, [
      { uuid: ["uuid", U1] },
      { rows: [{ _uuid: ["uuid", U1], name: "i", options: ["map", [["k", "v"]]], ofport: ["set", []] }] },
      { count: 1 },
      { count: 2 },
      { count: 0 },
      {},
      {},
      {},
    ]);
    expect(results).toEqual([
      { uuid: U1 },
      { rows: [{ _uuid: U1, name: "i", options: { k: "v" }, ofport: null }] },
      { count: 1 },
      { count: 2 },
      { count: 0 },
      {},
      {},
      {},
    ]);
  });

  it("throws the first failed operation with its details and index", () => {
    const wire = [
      { uuid: ["uuid", U1] },
      {},
      {
        error: "constraint violation",
        details: "Transaction causes multiple rows in Interface to have name i",
      },
      null,
      null,
      null,
      null,
      null,
    ];
    const error = findTransactionError(ops, wire);
    expect(error).toBeInstanceOf(OvsdbTransactionError);
    expect(error).toMatchObject({
      error: "constraint violation",
      details: "Transaction causes multiple rows in Interface to have name i",
      opIndex: 2,
      operation: ops[2],
      code: "TRANSACTION",
    });
    expect(() => decodeResults(vswitch, ops, wire)).toThrow(OvsdbTransactionError);
    expect(() => decodeResults(vswitch, ops, wire)).toThrow(
      /operation 2 \(update Interface\) failed: constraint violation/,
    );
  });

  it("reports a commit failure (an extra trailing error) with no operation index", () => {
    const wire = [{ uuid: ["uuid", U1] }, { rows: [] }, { count: 0 }, { count: 0 }, { count: 0 }, {}, {}, {}];
    const failed = [...wire, { error: "referential integrity violation", details: "dangling reference" }];
    const error = findTransactionError(ops, failed);
    expect(error).toMatchObject({ error: "referential integrity violation", details: "dangling reference" });
    expect(error?.opIndex).toBeUndefined();
    expect(error?.operation).toBeUndefined();
    expect(() => decodeResults(vswitch, ops, failed)).toThrow(
      /^commit failed: referential integrity violation/,
    );
    expect(findTransactionError(ops, wire)).toBeUndefined();
  });

  it("reports errors without details and non-string errors", () => {
    const error = findTransactionError([abort()], [{ error: "aborted" }]);
    expect(error).toMatchObject({ error: "aborted", details: undefined, opIndex: 0 });
    expect(findTransactionError([comment("x")], [{ error: { weird: true } }])?.error).toBe('{"weird":true}');
  });

  it("rejects result arrays that do not follow RFC 7047", () => {
    const one = [insert("Interface", { name: "i" })];
    expect(() => decodeResults(vswitch, one, { uuid: ["uuid", U1] })).toThrow(OvsdbProtocolError);
    expect(() => decodeResults(vswitch, one, [])).toThrow(/0 results for 1 operations/);
    expect(() => decodeResults(vswitch, one, [null])).toThrow(OvsdbProtocolError);
    expect(() => decodeResults(vswitch, one, [{ uuid: U1 }])).toThrow(/uuid/);
    expect(() => decodeResults(vswitch, [del("Port", [])], [{ count: -1 }])).toThrow(/count/);
    expect(() => decodeResults(vswitch, [select("Port", [])], [{ rows: 3 }])).toThrow(/rows/);
    expect(findTransactionError(one, "nonsense")).toBeUndefined();
  });

  it("decodes select rows with the table's schema", () => {
    const bad = [{ rows: [{ tag: "x" }] }];
    expect(() => decodeResults(vswitch, [select("Port", [])], bad)).toThrow(/table Port column tag/);
  });
});
