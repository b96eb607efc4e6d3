/**
 * `RpcConnection` over an in-memory Duplex where the test plays the server: what the connection
 * writes is parsed back into messages, and what the "server" sends is pushed into the stream, in
 * whatever chunks the test chooses. No daemons, no sockets.
 */
import { Duplex } from "node:stream";
import { RpcConnection, type RpcConnectionOptions, type RpcNotification } from "../../../provider/ovsdb/rpc";
import { JsonStreamSplitter } from "../../../provider/ovsdb/framing";
import {
  OvsdbCancelledError,
  OvsdbConnectionClosedError,
  OvsdbRpcError,
  OvsdbTimeoutError,
} from "../../../provider/ovsdb/errors";

type Message = Record<string, unknown>;

/** The server side of the fake connection. */
class FakePeer {
  /** Every message the connection wrote, parsed, in order. */
  readonly received: Message[] = [];
  /** Called for every message the connection writes (e.g. to answer it). */
  onMessage: ((m: Message) => void) | undefined;
  readonly stream: Duplex;
  private readonly splitter = new JsonStreamSplitter();

  constructor() {
    this.stream = new Duplex({
      read() {
        // Data is pushed by `send`.
      },
      write: (chunk: Buffer, _encoding, callback) => {
        for (const m of this.splitter.push(chunk) as Message[]) {
          this.received.push(m);
          this.onMessage?.(m);
        }
        callback();
      },
    });
  }

  send(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(bytes: string | Buffer): void {
    this.stream.push(typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
  }

  /** Messages written that are requests (a method and a non-null id). */
  requests(method?: string): Message[] {
    return this.received.filter(
      (m) => typeof m.method === "string" && m.id !== null && (method === undefined || m.method === method),
    );
  }

  /** Answer every request for `method` with its own params. */
  answer(method: string): void {
    this.onMessage = (m) => {
      if (m.method === method && m.id !== null) this.send({ id: m.id, result: m.params, error: null });
    };
  }
}

interface Setup {
  peer: FakePeer;
  rpc: RpcConnection;
  notifications: RpcNotification[];
  closeReasons: string[];
}

const open: RpcConnection[] = [];

function setup(options: Omit<RpcConnectionOptions, "onNotification" | "onClose"> = {}): Setup {
  const peer = new FakePeer();
  const notifications: RpcNotification[] = [];
  const closeReasons: string[] = [];
  const rpc = new RpcConnection(peer.stream, {
    probeIntervalMs: 0,
    ...options,
    onNotification: (n) => notifications.push(n),
    onClose: (reason) => closeReasons.push(reason),
  });
  open.push(rpc);
  return { peer, rpc, notifications, closeReasons };
}

/** Let stream events (which Node delivers on later ticks) run. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The settled error of a promise that must reject. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the promise to reject");
}

afterEach(() => {
  for (const rpc of open.splice(0)) rpc.close("test finished");
});

describe("RpcConnection requests and responses", () => {
  it("numbers requests 1, 2, 3 and matches responses that arrive out of order", async () => {
    const { peer, rpc } = setup();
    const a = rpc.request("list_dbs", []);
    const b = rpc.request("get_schema", ["OVN_Northbound"]);
    const c = rpc.request("echo", ["x"]);
    await tick();
    expect(peer.received).toEqual([
      { method: "list_dbs", params: [], id: 1 },
      { method: "get_schema", params: ["OVN_Northbound"], id: 2 },
      { method: "echo", params: ["x"], id: 3 },
    ]);
    expect(rpc.pendingCount).toBe(3);

    // Two answers in one chunk, in reverse order; the third in a chunk of its own.
    peer.sendRaw(
      JSON.stringify({ id: 3, result: ["x"], error: null }) +
        JSON.stringify({ id: 1, result: ["OVN_Northbound", "_Server"], error: null }),
    );
    await tick();
    expect(rpc.pendingCount).toBe(1);
    peer.send({ id: 2, result: { name: "OVN_Northbound" }, error: null });

    await expect(a).resolves.toEqual(["OVN_Northbound", "_Server"]);
    await expect(b).resolves.toEqual({ name: "OVN_Northbound" });
    await expect(c).resolves.toEqual(["x"]);
    expect(rpc.pendingCount).toBe(0);

    // Ids keep increasing after earlier requests completed.
    const d = rpc.request("list_dbs", []);
    await tick();
    expect(peer.received[3]).toEqual({ method: "list_dbs", params: [], id: 4 });
    peer.send({ id: 4, result: [], error: null });
    await expect(d).resolves.toEqual([]);
  });

  it("ignores a response to an id it never sent", async () => {
    const { peer, rpc, closeReasons } = setup();
    const p = rpc.request("echo", []);
    peer.send({ id: 77, result: "stray", error: null });
    await tick();
    expect(rpc.closed).toBe(false);
    expect(closeReasons).toEqual([]);
    peer.send({ id: 1, result: ["ok"], error: null });
    await expect(p).resolves.toEqual(["ok"]);
  });

  it("sends notifications with a null id", async () => {
    const { peer, rpc } = setup();
    rpc.notify("cancel", [5]);
    await tick();
    expect(peer.received).toEqual([{ method: "cancel", params: [5], id: null }]);
    expect(rpc.pendingCount).toBe(0);
  });
});

describe("RpcConnection requests from the server", () => {
  it("answers echo with the same params and the same id", async () => {
    const { peer, rpc, notifications } = setup();
    const params = ["a", 1, { nested: [true, null] }];
    peer.send({ method: "echo", params, id: "echo" });
    peer.send({ method: "echo", params: [], id: 12 });
    await tick();
    expect(peer.received).toEqual([
      { result: params, error: null, id: "echo" },
      { result: [], error: null, id: 12 },
    ]);
    expect(notifications).toEqual([]);
    expect(rpc.closed).toBe(false);
  });

  it("answers any other request with an 'unknown method' error and stays open", async () => {
    const { peer, rpc, notifications } = setup();
    peer.send({ method: "transact", params: ["OVN_Northbound"], id: 42 });
    peer.send({ method: "get_schema", params: [], id: "s-1" });
    await tick();
    expect(peer.received).toEqual([
      { result: null, error: "unknown method", id: 42 },
      { result: null, error: "unknown method", id: "s-1" },
    ]);
    expect(notifications).toEqual([]);
    expect(rpc.closed).toBe(false);
  });

  it("delivers update, update2, update3, locked and stolen notifications with their params", async () => {
    const { peer, notifications } = setup();
    const sent: RpcNotification[] = [
      { method: "update", params: ["m1", { Logical_Switch: { u1: { new: { name: "a" } } } }] },
      { method: "update2", params: ["m2", { Logical_Switch: { u1: { modify: { name: "b" } } } }] },
      {
        method: "update3",
        params: ["m3", "6f9e7c2a-0000-4000-8000-000000000001", { Logical_Switch: { u1: { delete: null } } }],
      },
      { method: "locked", params: ["L"] },
      { method: "stolen", params: ["L"] },
    ];
    for (const n of sent) peer.send({ ...n, id: null });
    // `id` may also be left out of a notification.
    peer.send({ method: "locked", params: ["M"] });
    // Missing params become an empty list.
    peer.send({ method: "update2", id: null });
    await tick();
    expect(notifications).toEqual([
      ...sent,
      { method: "locked", params: ["M"] },
      { method: "update2", params: [] },
    ]);
    // Notifications are never answered.
    expect(peer.received).toEqual([]);
  });
});

describe("RpcConnection error replies", () => {
  it("turns {error, details} into OvsdbRpcError with both fields", async () => {
    const { peer, rpc } = setup();
    const p = rpc.request("get_schema", ["No_Such_DB"]);
    peer.send({ id: 1, result: null, error: { error: "unknown database", details: "No_Such_DB" } });
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbRpcError);
    expect(e).toMatchObject({
      code: "RPC",
      method: "get_schema",
      error: "unknown database",
      details: "No_Such_DB",
    });
    expect(e.message).toContain("get_schema");
    expect(e.message).toContain("unknown database");
    expect(e.message).toContain("No_Such_DB");
    expect(rpc.closed).toBe(false);
  });

  it("turns an {error} object without details into OvsdbRpcError with no details", async () => {
    const { peer, rpc } = setup();
    const p = rpc.request("monitor_cancel", ["m"]);
    peer.send({ id: 1, result: null, error: { error: "unknown monitor" } });
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbRpcError);
    expect(e).toMatchObject({ method: "monitor_cancel", error: "unknown monitor", details: undefined });
  });

  it("turns a plain string error into OvsdbRpcError", async () => {
    const { peer, rpc } = setup();
    const p = rpc.request("frobnicate", []);
    peer.send({ id: 1, result: null, error: "unknown method" });
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbRpcError);
    expect(e).toMatchObject({ method: "frobnicate", error: "unknown method", details: undefined });
    // The connection is still usable.
    const q = rpc.request("echo", []);
    peer.send({ id: 2, result: [], error: null });
    await expect(q).resolves.toEqual([]);
  });
});

describe("RpcConnection closing", () => {
  const ways: [string, (peer: FakePeer, rpc: RpcConnection) => void, RegExp][] = [
    ["the peer ends the stream", (peer) => void peer.stream.push(null), /closed by peer/],
    ["the stream is destroyed", (peer) => peer.stream.destroy(), /closed by peer/],
    ["the stream fails", (peer) => peer.stream.destroy(new Error("ECONNRESET")), /stream error: ECONNRESET/],
    ["the client closes it", (_peer, rpc) => rpc.close(), /closed by client/],
  ];

  it.each(ways)(
    "when %s, pending requests fail as 'may have been applied'",
    async (_what, doClose, reason) => {
      const { peer, rpc, closeReasons } = setup();
      const a = rejection(rpc.request("transact", ["OVN_Northbound", { op: "comment", comment: "x" }]));
      const b = rejection(rpc.request("list_dbs", []));
      await tick();
      expect(peer.received).toHaveLength(2);
      doClose(peer, rpc);
      for (const [p, method] of [
        [a, "transact"],
        [b, "list_dbs"],
      ] as const) {
        const e = await p;
        expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
        expect(e).toMatchObject({ code: "CONNECTION_CLOSED", method, mayHaveBeenApplied: true });
        expect(e.message).toMatch(reason);
      }
      await tick();
      expect(rpc.closed).toBe(true);
      expect(rpc.pendingCount).toBe(0);
      expect(closeReasons).toHaveLength(1);
      expect(closeReasons[0]).toMatch(reason);
      // A close by the client ends the stream politely (TLS close_notify); others destroy it.
      expect(peer.stream.destroyed || peer.stream.writableEnded).toBe(true);
    },
  );

  it("rejects requests made after the close as 'not sent', without writing them", async () => {
    const { peer, rpc, closeReasons } = setup();
    peer.stream.push(null);
    await waitUntil(() => rpc.closed, "the connection to close");
    const written = peer.received.length;
    const e = await rejection(rpc.request("transact", ["OVN_Northbound"]));
    expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
    expect(e).toMatchObject({ method: "transact", mayHaveBeenApplied: false });
    expect(e.message).toContain("connection closed by peer");
    rpc.notify("cancel", [1]); // a no-op, not an exception
    rpc.close("again"); // idempotent
    await tick();
    expect(peer.received).toHaveLength(written);
    expect(closeReasons).toEqual(["connection closed by peer"]);
  });

  it("closes on a garbage byte from the peer and fails pending requests", async () => {
    const { peer, rpc, closeReasons } = setup();
    const p = rpc.request("list_dbs", []);
    peer.sendRaw("xyz");
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
    expect(e).toMatchObject({ mayHaveBeenApplied: true });
    expect(e.message).toContain("unexpected byte 0x78");
    expect(rpc.closed).toBe(true);
    expect(closeReasons).toHaveLength(1);
    expect(closeReasons[0]).toContain("unexpected byte 0x78");
    expect(peer.stream.destroyed).toBe(true);
  });

  it.each([
    ["invalid JSON inside a balanced value", '{"id":1,"result":}', /invalid JSON/],
    ["a message that is not an object", "[1,2,3]", /not an object/],
    ["a response with a non-numeric id", '{"id":"abc","result":[],"error":null}', /unexpected id "abc"/],
    ["a response with no id", '{"result":[],"error":null}', /unexpected id/],
  ])("closes on %s", async (_what, bytes, reason) => {
    const { peer, rpc, closeReasons } = setup();
    const p = rpc.request("echo", []);
    peer.sendRaw(bytes);
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
    expect(e.message).toMatch(reason);
    expect(closeReasons).toHaveLength(1);
    expect(closeReasons[0]).toMatch(reason);
  });

  it("closes when a notification handler throws", async () => {
    const peer = new FakePeer();
    const closeReasons: string[] = [];
    const rpc = new RpcConnection(peer.stream, {
      probeIntervalMs: 0,
      onNotification: () => {
        throw new Error("handler bug");
      },
      onClose: (r) => closeReasons.push(r),
    });
    open.push(rpc);
    const p = rpc.request("echo", []);
    peer.send({ method: "update2", params: ["m", {}], id: null });
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
    expect(closeReasons).toEqual(["handler failed: handler bug"]);
  });
});

describe("RpcConnection timeouts and cancellation", () => {
  it("rejects with OvsdbTimeoutError after timeoutMs and ignores the late answer", async () => {
    const { peer, rpc, closeReasons } = setup();
    const started = Date.now();
    const e = await rejection(rpc.request("transact", ["OVN_Northbound"], { timeoutMs: 40 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(e).toBeInstanceOf(OvsdbTimeoutError);
    expect(e).toMatchObject({ code: "TIMEOUT", method: "transact", ms: 40, mayHaveBeenApplied: true });
    expect(rpc.pendingCount).toBe(0);

    // The late answer is dropped; the connection stays up and the next id is 2.
    peer.send({ id: 1, result: [{ uuid: ["uuid", "x"] }], error: null });
    const next = rpc.request("echo", ["after"]);
    await tick();
    expect(rpc.closed).toBe(false);
    expect(closeReasons).toEqual([]);
    expect(peer.received.map((m) => m.id)).toEqual([1, 2]);
    peer.send({ id: 2, result: ["after"], error: null });
    await expect(next).resolves.toEqual(["after"]);
  });

  it("does not time out a request answered in time", async () => {
    const { peer, rpc } = setup();
    const p = rpc.request("echo", [], { timeoutMs: 50 });
    peer.send({ id: 1, result: [], error: null });
    await expect(p).resolves.toEqual([]);
    await sleep(80); // the timer was cleared: nothing fires, nothing is written
    expect(rpc.closed).toBe(false);
    expect(peer.received).toHaveLength(1);
  });

  it("rejects with OvsdbCancelledError on abort and sends a cancel naming the id", async () => {
    const { peer, rpc } = setup();
    const first = rpc.request("echo", []);
    const ac = new AbortController();
    const p = rpc.request("transact", ["OVN_Northbound"], { signal: ac.signal, timeoutMs: 10_000 });
    await tick();
    ac.abort();
    const e = await rejection(p);
    expect(e).toBeInstanceOf(OvsdbCancelledError);
    expect(e).toMatchObject({ code: "CANCELLED", method: "transact", mayHaveBeenApplied: true });
    await tick();
    expect(peer.received).toEqual([
      { method: "echo", params: [], id: 1 },
      { method: "transact", params: ["OVN_Northbound"], id: 2 },
      { method: "cancel", params: [2], id: null },
    ]);
    expect(rpc.pendingCount).toBe(1);

    // A late answer to the cancelled request is ignored; the other request is unaffected.
    peer.send({ id: 2, result: [], error: null });
    peer.send({ id: 1, result: ["one"], error: null });
    await expect(first).resolves.toEqual(["one"]);
    expect(rpc.closed).toBe(false);
  });

  it("does not send a cancel when the signal fires after the answer", async () => {
    const { peer, rpc } = setup();
    const ac = new AbortController();
    const p = rpc.request("echo", [], { signal: ac.signal });
    peer.send({ id: 1, result: [], error: null });
    await expect(p).resolves.toEqual([]);
    ac.abort();
    await tick();
    expect(peer.received).toEqual([{ method: "echo", params: [], id: 1 }]);
  });

  it("does not send a request whose signal is already aborted", async () => {
    const { peer, rpc } = setup();
    const ac = new AbortController();
    ac.abort();
    const e = await rejection(rpc.request("transact", ["OVN_Northbound"], { signal: ac.signal }));
    expect(e).toMatchObject({ method: "transact", mayHaveBeenApplied: false });
    await tick();
    expect(peer.received).toEqual([]);
    expect(rpc.pendingCount).toBe(0);
  });
});

describe("RpcConnection framing", () => {
  it("handles messages split into one-byte chunks, including multi-byte UTF-8 characters", async () => {
    const { peer, rpc, notifications } = setup();
    const p1 = rpc.request("get_schema", ["X"]);
    const p2 = rpc.request("echo", []);
    await tick();
    const result1 = { name: "żółw 🐢 ユニコード", braces: "}{][", quote: 'a "quoted" \\ string' };
    const incoming = [
      { id: 2, result: ["two"], error: null },
      { method: "update2", params: ["m", { T: { u: { insert: { name: "ĳ€" } } } }], id: null },
      { method: "echo", params: ["ping"], id: "echo" },
      { id: 1, result: result1, error: null },
    ];
    const bytes = Buffer.from(incoming.map((m) => JSON.stringify(m)).join("\n"), "utf8");
    for (const b of bytes) {
      peer.sendRaw(Buffer.from([b]));
    }
    await expect(p1).resolves.toEqual(result1);
    await expect(p2).resolves.toEqual(["two"]);
    expect(notifications).toEqual([{ method: "update2", params: incoming[1].params }]);
    expect(peer.received.slice(2)).toEqual([{ result: ["ping"], error: null, id: "echo" }]);
    expect(rpc.closed).toBe(false);
  });
});

describe("RpcConnection inactivity probe", () => {
  it("sends an echo to a silent peer, then closes if the peer stays silent", async () => {
    // Silence is counted from the construction of the connection.
    const started = Date.now();
    const { peer, rpc, closeReasons } = setup({ probeIntervalMs: 50 });
    const pending = rejection(rpc.request("list_dbs", []));
    await waitUntil(() => peer.requests("echo").length > 0, "a probe echo");
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(peer.requests("echo")[0]).toEqual({ method: "echo", params: expect.any(Array), id: 2 });
    expect(rpc.closed).toBe(false);

    await waitUntil(() => rpc.closed, "the probe to close the connection");
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(closeReasons).toHaveLength(1);
    expect(closeReasons[0]).toMatch(/inactivity probe/);
    const e = await pending;
    expect(e).toBeInstanceOf(OvsdbConnectionClosedError);
    expect(e.message).toMatch(/inactivity probe/);
    expect(peer.stream.destroyed).toBe(true);
  });

  it("stays open with a peer that answers the probe echo", async () => {
    const { peer, rpc, closeReasons } = setup({ probeIntervalMs: 50 });
    peer.answer("echo");
    await sleep(400);
    expect(rpc.closed).toBe(false);
    expect(closeReasons).toEqual([]);
    // It kept probing: several echoes were sent, all answered.
    expect(peer.requests("echo").length).toBeGreaterThanOrEqual(2);
    expect(rpc.pendingCount).toBe(0);
  });

  it("counts any traffic from the peer as a sign of life", async () => {
    const { peer, rpc } = setup({ probeIntervalMs: 100 });
    const chatter = setInterval(() => peer.send({ method: "update2", params: ["m", {}], id: null }), 15);
    try {
      await sleep(400);
    } finally {
      clearInterval(chatter);
    }
    expect(rpc.closed).toBe(false);
    expect(peer.requests("echo")).toEqual([]);
  });

  it("does not probe when probeIntervalMs is 0", async () => {
    const { peer, rpc } = setup({ probeIntervalMs: 0 });
    await sleep(150);
    expect(peer.received).toEqual([]);
    expect(rpc.closed).toBe(false);
  });
});
