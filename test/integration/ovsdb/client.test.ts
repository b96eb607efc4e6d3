/**
 * The OVSDB client against a real ovsdb-server (OVN NB and vswitch schemas), over unix and tcp.
 */
import { OvsdbClient } from "../../../provider/ovsdb/client";
import { MonitorCache } from "../../../provider/ovsdb/cache";
import {
  OvsdbCancelledError,
  OvsdbConnectionClosedError,
  OvsdbRpcError,
  OvsdbSchemaError,
  OvsdbTransactionError,
} from "../../../provider/ovsdb/errors";
import { insert, select, update, mutate, del, wait, comment, eq, namedUuid } from "../../../provider/ovsdb";
import { TestOvsdbServer } from "../../../sandbox/ovsdb-server";

jest.setTimeout(60_000);

const NB = "OVN_Northbound";

/** Poll a condition on the cache (updates arrive asynchronously). */
async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(pred()).toBe(true);
}

describe.each(["unix", "tcp"] as const)("OvsdbClient over %s", (transport) => {
  let server: TestOvsdbServer;
  let client: OvsdbClient;

  beforeAll(async () => {
    server = await TestOvsdbServer.start("nb");
    client = await OvsdbClient.connect(transport === "unix" ? server.unix : server.tcp);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("list_dbs and get_schema", async () => {
    expect(await client.listDbs()).toEqual(expect.arrayContaining([NB, "_Server"]));
    const schema = await client.getSchema(NB);
    expect(schema.name).toBe(NB);
    expect(schema.tables.has("Logical_Switch")).toBe(true);
  });

  it("echo", async () => {
    expect(await client.echo("a", 1)).toEqual(["a", 1]);
  });

  it("transact: insert, select, update, mutate, wait, comment, delete", async () => {
    const [ins] = await client.transact(NB, [
      insert("Logical_Switch", { name: "sw-a", other_config: { subnet: "10.0.0.0/24" } }, { uuidName: "sw" }),
      comment("pulumi-ovs integration test"),
    ]);
    const uuid = (ins as { uuid: string }).uuid;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);

    await client.transact(NB, [
      wait(
        "Logical_Switch",
        [eq("name", "sw-a")],
        ["other_config"],
        [{ other_config: { subnet: "10.0.0.0/24" } }],
        {
          timeout: 0,
        },
      ),
      update("Logical_Switch", [eq("_uuid", uuid)], { external_ids: { owner: "test" } }),
      mutate(
        "Logical_Switch",
        [eq("_uuid", uuid)],
        [["other_config", "insert", { exclude_ips: "10.0.0.1" }]],
      ),
    ]);
    const [sel] = await client.transact(NB, [
      select("Logical_Switch", [eq("name", "sw-a")], ["name", "external_ids", "other_config"]),
    ]);
    expect((sel as { rows: unknown[] }).rows).toEqual([
      {
        name: "sw-a",
        external_ids: { owner: "test" },
        other_config: { subnet: "10.0.0.0/24", exclude_ips: "10.0.0.1" },
      },
    ]);
    // Map delete by key leaves other keys alone.
    await client.transact(NB, [
      mutate("Logical_Switch", [eq("_uuid", uuid)], [["other_config", "delete", ["exclude_ips"]]]),
    ]);
    const [sel2] = await client.transact(NB, [
      select("Logical_Switch", [eq("_uuid", uuid)], ["other_config"]),
    ]);
    expect((sel2 as { rows: unknown[] }).rows).toEqual([{ other_config: { subnet: "10.0.0.0/24" } }]);

    const [d] = await client.transact(NB, [del("Logical_Switch", [eq("_uuid", uuid)])]);
    expect(d).toEqual({ count: 1 });
  });

  it("inserts referencing rows through uuid-names in one transaction", async () => {
    const [, swRes] = await client.transact(NB, [
      insert(
        "Logical_Switch_Port",
        { name: "lp-x", addresses: ["00:00:00:00:00:01 10.0.0.5"] },
        { uuidName: "lsp" },
      ),
      insert("Logical_Switch", { name: "sw-x", ports: [namedUuid("lsp")] }),
    ]);
    const out = await server.tool("ovn-nbctl", ["lsp-get-addresses", "lp-x"]);
    expect(out.trim()).toBe("00:00:00:00:00:01 10.0.0.5");
    await client.transact(NB, [del("Logical_Switch", [eq("_uuid", (swRes as { uuid: string }).uuid)])]);
  });

  it("surfaces server errors as typed errors with details", async () => {
    await client.transact(NB, [insert("Logical_Router", { name: "lr-dup" })]);
    // A wait that does not hold times out at once.
    const e1 = await client
      .transact(NB, [
        wait("Logical_Router", [eq("name", "lr-dup")], ["name"], [{ name: "other" }], { timeout: 0 }),
      ])
      .catch((e) => e);
    expect(e1).toBeInstanceOf(OvsdbTransactionError);
    expect(e1.error).toBe("timed out");
    expect(e1.opIndex).toBe(0);

    // Referential integrity: a strong reference to a row that does not exist.
    const e2 = await client
      .transact(NB, [
        insert("Logical_Switch", { name: "bad", ports: ["11111111-2222-3333-4444-555555555555"] }),
      ])
      .catch((e) => e);
    expect(e2).toBeInstanceOf(OvsdbTransactionError);
    expect(e2.error).toBe("referential integrity violation");
    expect(e2.details).toEqual(expect.stringContaining("11111111-2222-3333-4444-555555555555"));

    // Unique index (Logical_Router has none in NB, use a Logical_Switch_Port name index? The NB
    // schema indexes Logical_Switch_Port.name): two ports named the same.
    const e3 = await client
      .transact(NB, [
        insert("Logical_Switch_Port", { name: "dup" }, { uuidName: "a" }),
        insert("Logical_Switch_Port", { name: "dup" }, { uuidName: "b" }),
        insert("Logical_Switch", { name: "sw-dup", ports: [namedUuid("a"), namedUuid("b")] }),
      ])
      .catch((e) => e);
    expect(e3).toBeInstanceOf(OvsdbTransactionError);
    expect(e3.error).toBe("constraint violation");
    expect(e3.details).toEqual(expect.stringContaining("dup"));
    // Nothing of the failed transaction was written.
    expect(
      (
        await server.tool("ovn-nbctl", ["--bare", "--columns=name", "find", "Logical_Switch", "name=sw-dup"])
      ).trim(),
    ).toBe("");
  });

  it("checks operations against the schema before sending", async () => {
    const e = await client.transact(NB, [insert("Logical_Swtch", { name: "x" })]).catch((x) => x);
    expect(e).toBeInstanceOf(OvsdbSchemaError);
    const e2 = await client.transact(NB, [insert("Logical_Switch", { nmae: "x" })]).catch((x) => x);
    expect(e2).toBeInstanceOf(OvsdbSchemaError);
    expect(e2.problems[0]).toMatchObject({ table: "Logical_Switch", column: "nmae" });
  });

  it("RPC errors name the method", async () => {
    const e = await client.getSchema("No_Such_DB").catch((x) => x);
    expect(e).toBeInstanceOf(OvsdbRpcError);
    expect(e.method).toBe("get_schema");
  });

  it("monitor, monitor_cond and monitor_cond_since deliver initial rows and updates", async () => {
    await client.transact(NB, [insert("Logical_Switch", { name: "mon-1" })]);
    const initial = (await client.monitor(NB, "m1", { Logical_Switch: { columns: ["name"] } })) as Record<
      string,
      object
    >;
    expect(JSON.stringify(initial)).toContain("mon-1");
    const initial2 = await client.monitorCond(NB, "m2", {
      Logical_Switch: [{ columns: ["name"], where: [["name", "!=", "no-such-switch"]] }],
    });
    expect(JSON.stringify(initial2)).toContain('"initial"');
    const [found, txnId] = await client.monitorCondSince(
      NB,
      "m3",
      { Logical_Switch: [{ columns: ["name"] }] },
      null,
    );
    expect(found).toBe(false);
    expect(typeof txnId).toBe("string");

    const got = {
      update: new Promise((r) => client.once("update", (id, u) => r([id, u]))),
      update2: new Promise((r) => client.once("update2", (id, u) => r([id, u]))),
      update3: new Promise((r) => client.once("update3", (id, t, u) => r([id, t, u]))),
    };
    await client.transact(NB, [update("Logical_Switch", [eq("name", "mon-1")], { name: "mon-1b" })]);
    const [u1, u2, u3] = (await Promise.all([got.update, got.update2, got.update3])) as unknown[][];
    expect(u1[0]).toBe("m1");
    expect(JSON.stringify(u1[1])).toContain("mon-1b");
    expect(u2[0]).toBe("m2");
    expect(JSON.stringify(u2[1])).toContain('"modify"');
    expect(u3[0]).toBe("m3");
    expect(typeof u3[1]).toBe("string"); // all zeros on a standalone server, which keeps no history

    for (const id of ["m1", "m2", "m3"]) await client.monitorCancel(id);
    const e = await client.monitorCancel("m1").catch((x) => x);
    expect(e).toBeInstanceOf(OvsdbRpcError);
  });

  it("lock, steal and unlock between two clients", async () => {
    const other = await OvsdbClient.connect(transport === "unix" ? server.unix : server.tcp);
    try {
      expect(await client.lock("L")).toBe(true);
      const lockedLater = new Promise<string>((r) => other.once("locked", r));
      expect(await other.lock("L")).toBe(false);
      await client.unlock("L");
      expect(await lockedLater).toBe("L");
      const stolen = new Promise<string>((r) => other.once("stolen", r));
      expect(await client.steal("L")).toBe(true);
      expect(await stolen).toBe("L");
      await client.unlock("L");
    } finally {
      other.close();
    }
  });

  it("cancel of an unknown request id is harmless", async () => {
    client.cancel(999999);
    expect(await client.echo("still-alive")).toEqual(["still-alive"]);
  });

  it("a blocking wait can be cancelled", async () => {
    const ac = new AbortController();
    const p = client
      .transact(
        NB,
        [wait("Logical_Switch", [eq("name", "never")], ["name"], [{ name: "never" }], { timeout: 60_000 })],
        {
          signal: ac.signal,
        },
      )
      .catch((e) => e);
    setTimeout(() => ac.abort(), 200);
    const e = await p;
    expect(e).toBeInstanceOf(OvsdbCancelledError);
    expect(e.mayHaveBeenApplied).toBe(true);
    // The connection is still usable.
    expect(await client.echo("after-cancel")).toEqual(["after-cancel"]);
  });
});

describe("big transactions and monitors", () => {
  let server: TestOvsdbServer;
  let client: OvsdbClient;
  beforeAll(async () => {
    server = await TestOvsdbServer.start("nb");
    client = await OvsdbClient.connect(server.unix);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("commits a 10,000-operation transaction", async () => {
    const ops = Array.from({ length: 10_000 }, (_, i) =>
      insert("Logical_Switch", { name: `big-${i}`, external_ids: { i: String(i) } }),
    );
    const results = await client.transact(NB, ops);
    expect(results).toHaveLength(10_000);
    const count = (await server.tool("ovn-nbctl", ["--bare", "--columns=_uuid", "list", "Logical_Switch"]))
      .split("\n")
      .filter((l) => l.trim()).length;
    expect(count).toBe(10_000);
  });

  it("loads a monitor of 10,000 rows into the cache and indexes them", async () => {
    const cache = await MonitorCache.start(client, NB, {
      Logical_Switch: { columns: ["external_ids"], indexes: ["name"] },
    });
    try {
      expect(cache.size("Logical_Switch")).toBe(10_000);
      const [row] = cache.lookup("Logical_Switch", "name", "big-4242");
      expect(row.external_ids).toEqual({ i: "4242" });
      expect(cache.get("Logical_Switch", row._uuid)?.name).toBe("big-4242");
    } finally {
      cache.stop();
    }
  });
});

describe("monitor cache", () => {
  let server: TestOvsdbServer;
  let client: OvsdbClient;
  beforeAll(async () => {
    server = await TestOvsdbServer.start("vswitch");
    await server.tool("ovs-vsctl", ["--no-wait", "init"]);
    client = await OvsdbClient.connect(server.unix);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("follows inserts, modifications of every column kind, and deletes", async () => {
    const cache = await MonitorCache.start(client, "Open_vSwitch", {
      Bridge: { indexes: ["name"] },
      Port: { indexes: ["name"] },
      Interface: { columns: ["name", "type", "options", "external_ids"], indexes: ["name"] },
    });
    const iface = () => cache.lookup("Interface", "name", "p1")[0];
    const port = () => cache.lookup("Port", "name", "p1")[0];
    try {
      await server.tool("ovs-vsctl", ["--no-wait", "add-br", "br0", "--", "add-port", "br0", "p1", "tag=10"]);
      await until(() => port()?.tag === 10);
      expect(cache.lookup("Bridge", "name", "br0")).toHaveLength(1);

      await server.tool("ovs-vsctl", [
        "--no-wait",
        ...["set", "port", "p1", "tag=20", "trunks=1,2,3"],
        ...["--", "set", "interface", "p1", "type=vxlan", "options:remote_ip=10.0.0.2", "options:key=flow"],
      ]);
      await until(() => iface()?.type === "vxlan");
      expect(port()).toMatchObject({ tag: 20, trunks: [1, 2, 3] });
      expect(iface().options).toEqual({ remote_ip: "10.0.0.2", key: "flow" });

      await server.tool("ovs-vsctl", [
        "--no-wait",
        ...["remove", "port", "p1", "tag", "20", "--", "set", "port", "p1", "trunks=2,4"],
        ...["--", "remove", "interface", "p1", "options", "key"],
        ...["--", "set", "interface", "p1", "options:remote_ip=10.0.0.3"],
      ]);
      await until(() => port()?.tag === null);
      expect(port()).toMatchObject({ tag: null, trunks: [2, 4] });
      expect(iface().options).toEqual({ remote_ip: "10.0.0.3" });

      await server.tool("ovs-vsctl", ["--no-wait", "del-br", "br0"]);
      await until(() => cache.size("Port") === 0);
      expect(cache.lookup("Bridge", "name", "br0")).toHaveLength(0);
      expect(cache.lookup("Interface", "name", "p1")).toHaveLength(0);
    } finally {
      cache.stop();
    }
  });
});

describe("server restart", () => {
  let server: TestOvsdbServer;
  afterAll(async () => {
    await server?.stop();
  });

  it("reconnects, resyncs the cache, and never resends a transaction", async () => {
    server = await TestOvsdbServer.start("nb");
    const client = await OvsdbClient.connect(server.tcp, { backoff: { initialMs: 50, maxMs: 500 } });
    const cache = await MonitorCache.start(client, NB, {
      Logical_Switch: { columns: ["name"], indexes: ["name"] },
    });
    try {
      await client.transact(NB, [insert("Logical_Switch", { name: "before" })]);
      await cache.waitSynced();

      // A transaction that blocks on the server (wait with a long timeout) is pending when the
      // server goes away: it must fail as "may have been applied", and must not be sent again.
      const pending = client
        .transact(NB, [
          wait("Logical_Switch", [eq("name", "gate")], ["name"], [{ name: "gate" }], { timeout: 30_000 }),
          insert("Logical_Switch", { name: "blocked-insert" }),
        ])
        .catch((e) => e);
      await new Promise((r) => setTimeout(r, 200));
      const disconnected = new Promise((r) => client.once("disconnected", r));
      await server.restart();
      await disconnected;
      const err = await pending;
      expect(err).toBeInstanceOf(OvsdbConnectionClosedError);
      expect(err.mayHaveBeenApplied).toBe(true);

      // While reconnecting, a new request waits for the connection and is sent once.
      await client.transact(NB, [insert("Logical_Switch", { name: "after" })]);
      await cache.waitSynced();
      // Satisfy the old wait condition: had the old transaction been resent, it would now insert.
      await client.transact(NB, [insert("Logical_Switch", { name: "gate" })]);
      await new Promise((r) => setTimeout(r, 300));
      const names = (await server.tool("ovn-nbctl", ["--bare", "--columns=name", "list", "Logical_Switch"]))
        .split("\n")
        .filter(Boolean)
        .sort();
      expect(names).toEqual(["after", "before", "gate"]);
      // The cache followed the restart and the writes after it.
      for (let i = 0; i < 50 && cache.size("Logical_Switch") < 3; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(
        cache
          .rows("Logical_Switch")
          .map((r) => r.name)
          .sort(),
      ).toEqual(["after", "before", "gate"]);
      expect(cache.synced).toBe(true);
    } finally {
      cache.stop();
      client.close();
    }
  });

  it("fails requests made while the server stays down, saying they were not sent", async () => {
    const s = await TestOvsdbServer.start("nb");
    const client = await OvsdbClient.connect(s.unix, {
      waitForConnectionMs: 1000,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    try {
      await s.kill();
      await new Promise((r) => setTimeout(r, 100));
      const e = await client.echo("x").catch((x) => x);
      expect(
        e.code === "CONNECT" || (e instanceof OvsdbConnectionClosedError && e.mayHaveBeenApplied === false),
      ).toBe(true);
    } finally {
      client.close();
      await s.stop();
    }
  });
});
