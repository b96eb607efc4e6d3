/** Operation builders: plain RFC 7047 operation objects. */
import { byUuid, eq, excludes, ge, gt, includes, le, lt, ne } from "../../../provider/ovsdb/conditions";
import { namedUuid } from "../../../provider/ovsdb/notation";
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
} from "../../../provider/ovsdb/operations";
import { U1 } from "./fixtures";

describe("builders", () => {
  it("build plain operation objects", () => {
    expect(insert("Bridge", { name: "br0" })).toEqual({
      op: "insert",
      table: "Bridge",
      row: { name: "br0" },
    });
    expect(insert("Bridge", { name: "br0" }, { uuidName: "br", uuid: U1 })).toEqual({
      op: "insert",
      table: "Bridge",
      row: { name: "br0" },
      uuidName: "br",
      uuid: U1,
    });
    expect(select("Bridge", [eq("name", "br0")], ["ports"])).toEqual({
      op: "select",
      table: "Bridge",
      where: [["name", "==", "br0"]],
      columns: ["ports"],
    });
    expect(select("Bridge")).toEqual({ op: "select", table: "Bridge", where: [] });
    expect(update("Port", [byUuid(U1)], { tag: 5 })).toEqual({
      op: "update",
      table: "Port",
      where: [["_uuid", "==", U1]],
      row: { tag: 5 },
    });
    expect(mutate("Bridge", [], [["ports", "insert", [U1]]])).toEqual({
      op: "mutate",
      table: "Bridge",
      where: [],
      mutations: [["ports", "insert", [U1]]],
    });
    expect(del("Port", [eq("name", "p")])).toEqual({
      op: "delete",
      table: "Port",
      where: [["name", "==", "p"]],
    });
    expect(wait("Port", [], ["name"], [{ name: "p" }])).toEqual({
      op: "wait",
      table: "Port",
      where: [],
      columns: ["name"],
      until: "==",
      rows: [{ name: "p" }],
    });
    expect(wait("Port", [], ["name"], [], { until: "!=", timeout: 100 })).toMatchObject({
      until: "!=",
      timeout: 100,
    });
    expect(comment("hi")).toEqual({ op: "comment", comment: "hi" });
    expect(assertLock("lk")).toEqual({ op: "assert", lock: "lk" });
    expect(commit(true)).toEqual({ op: "commit", durable: true });
    expect(abort()).toEqual({ op: "abort" });
  });

  it("build conditions", () => {
    expect(eq("a", 1)).toEqual(["a", "==", 1]);
    expect(ne("a", 1)).toEqual(["a", "!=", 1]);
    expect(lt("a", 1)).toEqual(["a", "<", 1]);
    expect(le("a", 1)).toEqual(["a", "<=", 1]);
    expect(gt("a", 1)).toEqual(["a", ">", 1]);
    expect(ge("a", 1)).toEqual(["a", ">=", 1]);
    expect(includes("a", [1])).toEqual(["a", "includes", [1]]);
    expect(excludes("a", [1])).toEqual(["a", "excludes", [1]]);
    expect(byUuid(namedUuid("x"))).toEqual(["_uuid", "==", namedUuid("x")]);
  });
});
