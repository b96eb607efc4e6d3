/**
 * The collection engine's pure parts: uuid-names made unique per member, waits sent first with
 * results mapped back, the batch's rounds (one transaction for all members; a guard failure retried
 * by all; a member refused before its write: nothing sent), and what every collection declaration
 * derives from its singular (member arguments, shared ones, keys in messages).
 */
import { Batch, BatchAborted, batchOrder, renameUuidNames } from "../../../provider/engine/batch";
import { collectionOwnerOf, memberArgsOf, memberOwner } from "../../../provider/engine/collection";
import { collectionSpecs } from "../../../provider/resources/specs";
import { handler } from "../../../provider";
import { resourceOf, stackOf } from "../../../provider/resources/common";
import {
  OvsdbTransactionError,
  insert,
  mutate,
  namedUuid,
  wait,
  eq,
  NamedUuid,
  type Operation,
  type OperationResult,
  type OvsdbClient,
} from "../../../provider/ovsdb";
import type { DatabaseBinding } from "../../../provider/engine/spec";

describe("renameUuidNames", () => {
  it("prefixes every uuid-name and every reference to one, and leaves the input alone", () => {
    const ops: Operation[] = [
      insert("Interface", { name: "p" }, { uuidName: "iface" }),
      insert("Port", { name: "p", interfaces: [namedUuid("iface")] }, { uuidName: "row" }),
      mutate("Bridge", [eq("_uuid", "b")], [["ports", "insert", [namedUuid("row")]]]),
    ];
    const out = renameUuidNames(ops, "m3_");
    expect(out.map((o) => (o.op === "insert" ? o.uuidName : undefined))).toEqual([
      "m3_iface",
      "m3_row",
      undefined,
    ]);
    const port = out[1] as unknown as { row: { interfaces: NamedUuid[] } };
    expect(port.row.interfaces[0]).toEqual(new NamedUuid("m3_iface"));
    const m = out[2] as unknown as { mutations: [string, string, NamedUuid[]][] };
    expect(m.mutations[0][2][0].name).toBe("m3_row");
    expect((ops[0] as { uuidName: string }).uuidName).toBe("iface");
  });
});

describe("batchOrder", () => {
  it("sends every wait first and says where each member's operations went", () => {
    const w = (t: string) => wait(t, [], [], [], { until: "==", timeout: 0 });
    const a = insert("A", {}, { uuidName: "x" });
    const { ops, at } = batchOrder([{ ops: [w("P"), a] }, { ops: [w("Q"), a, w("R")] }]);
    expect(ops.map((o) => `${o.op} ${(o as { table?: string }).table}`)).toEqual([
      "wait P",
      "wait Q",
      "wait R",
      "insert A",
      "insert A",
    ]);
    expect(at).toEqual([
      [0, 3],
      [1, 4, 2],
    ]);
  });
});

/** A database binding whose commits are recorded and answered by `answer`. */
function fakeDb(answer: (ops: Operation[]) => OperationResult[]) {
  const sent: Operation[][] = [];
  const db = {
    commit: async (_c: OvsdbClient, ops: Operation[]) => {
      sent.push(ops);
      return answer(ops);
    },
  } as unknown as DatabaseBinding;
  const client = { transact: async () => [] } as unknown as OvsdbClient;
  return { db, client, sent };
}

const ins = (n: number): Operation[] => [insert("T", { n }, { uuidName: "row" })];

describe("Batch", () => {
  it("sends the writes of all members as one transaction and gives each its own results", async () => {
    const { db, client, sent } = fakeDb((ops) => ops.map((_, k) => ({ uuid: `u${k}` })));
    const batch = new Batch(db, client, {});
    const out = await batch.run(
      [0, 1, 2].map((n) => async (b: DatabaseBinding) => {
        await new Promise((r) => setTimeout(r, 5 * (3 - n))); // members reach their commit at different times
        return b.commit(client, ins(n), {});
      }),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0].map((o) => (o as { uuidName: string }).uuidName)).toEqual(["m0_row", "m1_row", "m2_row"]);
    expect(out.map((r) => (r.status === "fulfilled" ? r.value : r.reason))).toEqual([
      [{ uuid: "u0" }],
      [{ uuid: "u1" }],
      [{ uuid: "u2" }],
    ]);
  });

  it("a member refused before its write ends the batch: nothing is sent", async () => {
    const { db, client, sent } = fakeDb((ops) => ops.map(() => ({})));
    const refused = new Error("taken");
    const out = await new Batch(db, client, {}).run([
      (b: DatabaseBinding) => b.commit(client, ins(0), {}),
      async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw refused;
      },
    ]);
    expect(sent).toHaveLength(0);
    expect(out[0].status === "rejected" && out[0].reason).toBeInstanceOf(BatchAborted);
    expect(out[1].status === "rejected" && out[1].reason).toBe(refused);
  });

  it("a failed guard fails every member (each retries); another failure only the member whose operation failed", async () => {
    let calls = 0;
    const { db, client } = fakeDb(() => {
      calls++;
      throw calls === 1
        ? new OvsdbTransactionError("timed out", undefined, 0)
        : new OvsdbTransactionError("constraint violation", "x", 1);
    });
    const first = await new Batch(db, client, {}).run(
      [0, 1].map((n) => (b: DatabaseBinding) => b.commit(client, ins(n), {})),
    );
    expect(first.every((r) => r.status === "rejected" && r.reason instanceof OvsdbTransactionError)).toBe(
      true,
    );
    const second = await new Batch(db, client, {}).run(
      [0, 1].map((n) => (b: DatabaseBinding) => b.commit(client, ins(n), {})),
    );
    expect(second[0].status === "rejected" && second[0].reason).toBeInstanceOf(BatchAborted);
    expect(second[1].status === "rejected" && second[1].reason).toBeInstanceOf(OvsdbTransactionError);
  });
});

describe("member owner markers", () => {
  it("keep the stack and name the member", () => {
    const o = memberOwner("proj/dev/web", 'a/b "c"');
    expect(stackOf(o)).toBe("proj/dev");
    expect(resourceOf(o)).toBe('web["a/b \\"c\\""]');
    expect(resourceOf("proj/dev/web")).toBe("web");
  });
});

describe.each(collectionSpecs.map((s) => [s.type, s] as const))("%s", (type, spec) => {
  const { of, arg, shared } = spec.collection;

  it("finds the collection in a member's owner marker, and none in a singular's", () => {
    for (const key of ["web-3", 'a"b', "x]y", 'q"]'])
      expect(collectionOwnerOf(memberOwner("proj/dev/ports", key))).toBe("proj/dev/ports");
    expect(collectionOwnerOf("proj/dev/port-1")).toBeUndefined();
  });

  it("members take the singular's arguments but the shared ones and the name", () => {
    const members = Object.keys(memberArgsOf(spec.collection));
    for (const k of shared) expect(members).not.toContain(k);
    for (const k of members) expect(Object.keys(of.args)).toContain(k);
    for (const k of shared) expect(Object.keys(spec.args)).toContain(k);
    expect(Object.keys(spec.args)).toContain(arg);
  });

  it("check names a member's unknown field by the member's path", async () => {
    const r = await handler(type).check({}, { [arg]: { "m-1": { notAnArgument: 1 } }, owner: "p/s/x" });
    const texts = r.failures.map((f) => f.reason).join("\n");
    expect(texts).toContain(`${arg}["m-1"]`);
    expect(texts).toContain("notAnArgument");
  });
});

describe("ovn:LogicalSwitchPorts check", () => {
  it("refuses a static address two members list, naming the later member", async () => {
    const nb = { remote: "unix:/nonexistent" };
    const r = await handler("ovn:LogicalSwitchPorts").check(
      {},
      {
        nb,
        switch: "sw0",
        ports: {
          a: { addresses: ["0a:00:00:00:00:01 10.0.0.5"] },
          b: { addresses: ["0a:00:00:00:00:02 10.0.0.5"] },
          c: { addresses: ["0a:00:00:00:00:03 10.0.0.6"] },
          d: { addresses: ["0A:00:00:00:00:03 10.0.0.7"] },
        },
        owner: "p/s/ports",
      },
    );
    expect(r.failures.map((f) => f.reason)).toEqual([
      '[INVALID_INPUT] ports["b"].addresses: 10.0.0.5 is also an address of port a of this collection',
      '[INVALID_INPUT] ports["d"].addresses: 0a:00:00:00:00:03 is also an address of port c of this collection',
    ]);
  });
});
