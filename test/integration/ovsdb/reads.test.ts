/**
 * Reads fed by a monitor (provider/pool.ts `getReader`, `MonitorCache.answer`) against a real
 * ovsdb-server: every select a refresh may send gets the rows the server itself returns, for every
 * condition function on every kind of column (atoms, optional atoms, sets, maps, uuids, `_uuid`),
 * several selects per transaction, chosen columns or all; a change made elsewhere reaches the
 * reads; after this process writes, reads go to the server again.
 */
import { OvsdbClient } from "../../../provider/ovsdb/client";
import { insert, namedUuid, select, type Operation, type Row } from "../../../provider/ovsdb";
import { closeAll, getClient, getReader, readStats } from "../../../provider/pool";
import { TestOvsdbServer } from "../../../sandbox/ovsdb-server";

jest.setTimeout(60_000);

const NB = "OVN_Northbound";

/** Rows in a comparable order, each with sorted set columns (`_version`: the cache has none). */
function canonical(rows: Row[] | undefined): unknown[] {
  const sortSets = (r: Row) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => k !== "_version")
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, Array.isArray(v) ? [...v].map(String).sort() : v]),
    );
  return (rows ?? [])
    .map((r) => JSON.stringify(sortSets(r)))
    .sort()
    .map((j) => JSON.parse(j) as unknown);
}

describe("reads answered from a monitor of the database", () => {
  let server: TestOvsdbServer;
  /** A client of its own: the server's answers to compare with. */
  let truth: OvsdbClient;
  const uuids: Record<string, string> = {};

  beforeAll(async () => {
    server = await TestOvsdbServer.start("nb");
    truth = await OvsdbClient.connect(server.unix);
    // Ports p0..p7 (every kind of column filled in some, empty in others), spread over sw0..sw2.
    const ops: Operation[] = [];
    for (let p = 0; p < 8; p++) {
      const row: Row = {
        name: `p${p}`,
        addresses: p % 2 ? [`0a:00:00:00:00:0${p} 10.0.0.${p}`, "dynamic"] : [],
        external_ids: p % 3 ? { role: p % 2 ? "app" : "cache", p: String(p) } : {},
        type: p === 7 ? "router" : "",
      };
      if (p % 4 === 1) row.tag_request = p * 10;
      if (p % 3 === 2) row.enabled = p % 2 === 0;
      ops.push(insert("Logical_Switch_Port", row, { uuidName: `p${p}` }));
    }
    for (let s = 0; s < 3; s++) {
      const ports = [0, 1, 2, 3, 4, 5, 6, 7].filter((p) => p % 3 === s).map((p) => namedUuid(`p${p}`));
      const external_ids = { tier: s === 0 ? "web" : "db", n: String(s) };
      ops.push(insert("Logical_Switch", { name: `sw${s}`, external_ids, ports }));
    }
    const results = await truth.transact(NB, ops);
    results.forEach((r, n) => (uuids[n < 8 ? `p${n}` : `sw${n - 8}`] = r.uuid!));
  });

  afterAll(async () => {
    await closeAll();
    truth?.close();
    await server?.stop();
  });

  const conn = () => ({ remote: server.unix });

  /** Each case: the operations of one read transaction. */
  const cases: [string, () => Operation[]][] = [
    ["every row, every column", () => [select("Logical_Switch_Port", [])]],
    [
      "by _uuid, chosen columns",
      () => [select("Logical_Switch_Port", [["_uuid", "==", uuids.p3]], ["name"])],
    ],
    ["by _uuid in capitals", () => [select("Logical_Switch", [["_uuid", "==", uuids.sw1.toUpperCase()]])]],
    ["by _uuid, unknown row", () => [select("Logical_Switch", [["_uuid", "==", uuids.p1]])]],
    ["_uuid !=", () => [select("Logical_Switch", [["_uuid", "!=", uuids.sw1]], ["name"])]],
    ["string ==", () => [select("Logical_Switch_Port", [["name", "==", "p5"]])]],
    ["string !=", () => [select("Logical_Switch_Port", [["type", "!=", ""]], ["name", "type"])]],
    ["optional integer ==", () => [select("Logical_Switch_Port", [["tag_request", "==", 10]], ["name"])]],
    ["optional integer <", () => [select("Logical_Switch_Port", [["tag_request", "<", 40]], ["name"])]],
    ["optional integer >=", () => [select("Logical_Switch_Port", [["tag_request", ">=", 10]], ["name"])]],
    [
      "optional integer == empty",
      () => [select("Logical_Switch_Port", [["tag_request", "==", []]], ["name"])],
    ],
    ["optional boolean ==", () => [select("Logical_Switch_Port", [["enabled", "==", true]], ["name"])]],
    [
      "optional boolean != false",
      () => [select("Logical_Switch_Port", [["enabled", "!=", false]], ["name"])],
    ],
    ["set includes", () => [select("Logical_Switch_Port", [["addresses", "includes", "dynamic"]], ["name"])]],
    [
      "set excludes",
      () => [select("Logical_Switch_Port", [["addresses", "excludes", ["dynamic"]]], ["name"])],
    ],
    ["set == empty", () => [select("Logical_Switch_Port", [["addresses", "==", []]], ["name"])]],
    [
      "uuid set includes",
      () => [select("Logical_Switch", [["ports", "includes", [uuids.p4]]], ["name", "ports"])],
    ],
    [
      "uuid set excludes two",
      () => [select("Logical_Switch", [["ports", "excludes", [uuids.p4, uuids.p0]]], ["name"])],
    ],
    [
      "map includes a pair",
      () => [select("Logical_Switch_Port", [["external_ids", "includes", { role: "app" }]])],
    ],
    [
      "map includes two pairs",
      () => [
        select("Logical_Switch_Port", [["external_ids", "includes", { role: "cache", p: "2" }]], ["name"]),
      ],
    ],
    [
      "map excludes a pair (same key, other value stays)",
      () => [select("Logical_Switch_Port", [["external_ids", "excludes", { role: "app" }]], ["name"])],
    ],
    ["map ==", () => [select("Logical_Switch", [["external_ids", "==", { tier: "db", n: "2" }]], ["name"])]],
    ["map == empty", () => [select("Logical_Switch_Port", [["external_ids", "==", {}]], ["name"])]],
    [
      "several conditions",
      () => [
        select(
          "Logical_Switch_Port",
          [
            ["addresses", "includes", "dynamic"],
            ["external_ids", "includes", { role: "app" }],
            ["name", "!=", "p1"],
          ],
          ["name"],
        ),
      ],
    ],
    [
      "several selects in one transaction",
      () => [
        select("Logical_Switch", [["name", "==", "sw2"]], ["ports"]),
        select("Logical_Switch_Port", [["_uuid", "==", uuids.p2]]),
        select("Logical_Router", []),
      ],
    ],
  ];

  it.each(cases)("%s: the rows the server returns, from the monitor", async (_name, ops) => {
    const reader = await getReader(conn(), NB);
    const before = { ...readStats };
    const got = await reader.transact(NB, ops());
    expect(readStats.cached - before.cached).toBe(1);
    expect(readStats.direct - before.direct).toBe(0);
    const want = await truth.transact(NB, ops());
    expect(got.map((r) => canonical(r.rows))).toEqual(want.map((r) => canonical(r.rows)));
    // Each case selects something, or nothing on purpose (the unknown row).
    expect(got.length).toBe(ops().length);
  });

  it("a cached row handed out is a copy: changing it changes no later read", async () => {
    const reader = await getReader(conn(), NB);
    const [first] = await reader.transact(NB, [select("Logical_Switch", [["name", "==", "sw0"]])]);
    (first.rows![0].external_ids as Record<string, string>).tier = "changed";
    (first.rows![0].ports as string[]).push("x");
    const [again] = await reader.transact(NB, [select("Logical_Switch", [["name", "==", "sw0"]])]);
    expect(again.rows![0].external_ids).toMatchObject({ tier: "web" });
    expect(again.rows![0].ports).not.toContain("x");
  });

  it("a change made by another client reaches the reads", async () => {
    const reader = await getReader(conn(), NB);
    await truth.transact(NB, [insert("Logical_Switch", { name: "sw-elsewhere" })]);
    const deadline = Date.now() + 5000;
    let rows: Row[] = [];
    while (Date.now() < deadline) {
      [{ rows = [] }] = await reader.transact(NB, [
        select("Logical_Switch", [["name", "==", "sw-elsewhere"]]),
      ]);
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(rows.map((r) => r.name)).toEqual(["sw-elsewhere"]);
  });

  it("the indexes a select built follow later changes of the rows", async () => {
    const reader = await getReader(conn(), NB);
    const holding = async (uuid: string) =>
      (
        await reader.transact(NB, [select("Logical_Switch", [["ports", "includes", [uuid]]], ["name"])])
      )[0].rows!.map((r) => r.name);
    const named = async (name: string) =>
      (await reader.transact(NB, [select("Logical_Switch_Port", [["name", "==", name]], ["name"])]))[0].rows!
        .length;
    expect(await holding(uuids.p4)).toEqual(["sw1"]);
    expect(await named("p4")).toBe(1);
    // p4 moves from sw1 to sw2 and is renamed, by another client.
    await truth.transact(NB, [
      {
        op: "mutate",
        table: "Logical_Switch",
        where: [["name", "==", "sw1"]],
        mutations: [["ports", "delete", [uuids.p4]]],
      },
      {
        op: "mutate",
        table: "Logical_Switch",
        where: [["name", "==", "sw2"]],
        mutations: [["ports", "insert", [uuids.p4]]],
      },
      {
        op: "update",
        table: "Logical_Switch_Port",
        where: [["_uuid", "==", uuids.p4]],
        row: { name: "p4-renamed" },
      },
    ]);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await named("p4")) !== 0) await new Promise((r) => setTimeout(r, 10));
    expect(await holding(uuids.p4)).toEqual(["sw2"]);
    expect(await named("p4")).toBe(0);
    expect(await named("p4-renamed")).toBe(1);
  });

  it("after this process writes, reads go to the server and see the write at once", async () => {
    const reader = await getReader(conn(), NB);
    const writer = await getClient(conn(), NB);
    await writer.transact(NB, [insert("Logical_Switch", { name: "sw-mine" })]);
    const before = { ...readStats };
    const [{ rows }] = await reader.transact(NB, [select("Logical_Switch", [["name", "==", "sw-mine"]])]);
    expect(rows!.map((r) => r.name)).toEqual(["sw-mine"]);
    expect(readStats.direct - before.direct).toBe(1);
    expect(readStats.cached - before.cached).toBe(0);
  });
});
