/**
 * OVSDB client: one logical connection to a database server (or to the members of a cluster),
 * with the RFC 7047 methods, schema-aware transactions, reconnection with backoff, and leader
 * discovery for clustered databases.
 *
 * Reconnection never resends a request that was written to the old connection: such a request
 * fails with `OvsdbConnectionClosedError` (`mayHaveBeenApplied: true`) and the caller decides.
 * Requests made while the client is reconnecting wait for the new connection and are then sent
 * once.
 */
import { EventEmitter } from "node:events";
import { RpcConnection, type RpcNotification } from "./rpc";
import { openStream, parseRemotes, type Remote, type TlsOptions } from "./transport";
import {
  OvsdbConnectError,
  OvsdbConnectionClosedError,
  OvsdbInvalidRemoteError,
  OvsdbNotLeaderError,
} from "./errors";
import { DatabaseSchema } from "./schema";
import { encodeOperations } from "./check";
import type { Operation } from "./operations";
import { decodeResults, type OperationResult } from "./results";

export interface BackoffOptions {
  /** First delay between reconnection rounds, in ms. Default 100. */
  initialMs?: number;
  /** Longest delay, in ms. Default 8000. */
  maxMs?: number;
}

export interface ClientOptions {
  /** TLS material for `ssl:` remotes. */
  tls?: TlsOptions;
  /**
   * Connect only to a server that is the leader of `database`'s cluster (or serves it standalone),
   * and move to another member when leadership moves. Needed for writes to a clustered database.
   * Default: true when `database` is given.
   */
  leaderOnly?: boolean;
  /** The database whose leader to look for (e.g. "OVN_Northbound"). */
  database?: string;
  /** Reconnect after the connection drops. Default true. */
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /** Time allowed for one connection attempt, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * How long `connect()` and requests made while disconnected wait for a connection before failing
   * with `OvsdbConnectError`, in ms. Default 30000.
   */
  waitForConnectionMs?: number;
  /** Inactivity probe interval, in ms (0 disables). Default 5000. */
  probeIntervalMs?: number;
}

export interface ClientEvents {
  /** A connection (first or later) is ready; `remote` is the server's remote string. */
  connected: [remote: string, reconnect: boolean];
  /** The connection dropped; the client will reconnect unless closed. */
  disconnected: [reason: string];
  /** Raw notifications, by method. */
  update: [monitorId: unknown, updates: unknown];
  update2: [monitorId: unknown, updates: unknown];
  update3: [monitorId: unknown, lastTxnId: string, updates: unknown];
  locked: [lockId: string];
  stolen: [lockId: string];
  /** Errors that have no caller to go to (e.g. a failed reconnect round). */
  error: [error: Error];
}

export interface TransactOptions {
  timeoutMs?: number;
  /**
   * Aborting sends a `cancel` for the transaction and rejects with `OvsdbCancelledError`; the
   * server may still have committed it if the cancel came too late.
   */
  signal?: AbortSignal;
}

/** `_Server` database row for one database (ovsdb-server(5)). */
interface ServerDatabaseRow {
  model: string;
  connected: boolean;
  leader: boolean;
}

const SERVER_DB = "_Server";

export class OvsdbClient extends EventEmitter<ClientEvents> {
  readonly remotes: Remote[];
  private rpc: RpcConnection | undefined;
  private currentRemote: Remote | undefined;
  private nextRemoteIndex = 0;
  private userClosed = false;
  private connecting: Promise<void> | undefined;
  private readonly schemas = new Map<string, Promise<DatabaseSchema>>();
  private readonly options: Required<Omit<ClientOptions, "tls" | "database" | "backoff">> & {
    tls?: TlsOptions;
    database?: string;
    backoff: Required<BackoffOptions>;
  };
  private everConnected = false;
  private leaderWatchId = 0;

  private constructor(remotes: Remote[], options: ClientOptions) {
    super();
    this.remotes = remotes;
    this.options = {
      tls: options.tls,
      database: options.database,
      leaderOnly: options.leaderOnly ?? options.database !== undefined,
      reconnect: options.reconnect ?? true,
      backoff: { initialMs: options.backoff?.initialMs ?? 100, maxMs: options.backoff?.maxMs ?? 8000 },
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      waitForConnectionMs: options.waitForConnectionMs ?? 30_000,
      probeIntervalMs: options.probeIntervalMs ?? 5000,
    };
    // Events without listeners must not crash the process.
    this.on("error", () => undefined);
  }

  /**
   * Connect to the first usable remote of `remotes` (a string as OVS tools take it, possibly
   * comma-separated, or a list). Rejects with `OvsdbConnectError` if none is usable within
   * `waitForConnectionMs`.
   */
  static async connect(remotes: string | string[], options: ClientOptions = {}): Promise<OvsdbClient> {
    const client = new OvsdbClient(parseRemotes(remotes), options);
    await client.ensureConnected();
    return client;
  }

  /** The remote currently connected, if any. */
  get connectedRemote(): string | undefined {
    return this.rpc && !this.rpc.closed ? this.currentRemote?.text : undefined;
  }

  get isConnected(): boolean {
    return this.rpc !== undefined && !this.rpc.closed;
  }

  /** Close for good: pending requests fail, no reconnection. */
  close(): void {
    this.userClosed = true;
    this.rpc?.close("closed by client");
    this.rpc = undefined;
  }

  // ---- RFC 7047 methods ------------------------------------------------------------------------

  listDbs(): Promise<string[]> {
    return this.call<string[]>("list_dbs", []);
  }

  /** The database's schema, fetched once per connection and parsed. */
  getSchema(db: string): Promise<DatabaseSchema> {
    let p = this.schemas.get(db);
    if (!p) {
      p = this.call<unknown>("get_schema", [db]).then((json) => DatabaseSchema.parse(json));
      p.catch(() => this.schemas.delete(db));
      this.schemas.set(db, p);
    }
    return p;
  }

  /**
   * Run operations as one transaction. Operations are checked against the schema before anything
   * is sent (`OvsdbSchemaError`); a failed operation becomes `OvsdbTransactionError` carrying the
   * server's `details`; results are decoded per operation.
   */
  async transact(db: string, ops: Operation[], options: TransactOptions = {}): Promise<OperationResult[]> {
    const schema = await this.getSchema(db);
    const wire = encodeOperations(schema, ops);
    const results = await this.transactWire(db, wire, options);
    return decodeResults(schema, ops, results);
  }

  /** Send already-encoded operations; returns the raw result array (errors not interpreted). */
  transactWire(db: string, wireOps: unknown[], options: TransactOptions = {}): Promise<unknown[]> {
    return this.call<unknown[]>("transact", [db, ...wireOps], options);
  }

  /** Ask the server to abandon the request with JSON-RPC id `id` (RFC 7047 4.1.4). */
  cancel(id: number): void {
    this.rpc?.notify("cancel", [id]);
  }

  /** RFC 7047 `monitor`: returns the initial table-updates in wire form. */
  monitor(db: string, monitorId: unknown, requests: Record<string, unknown>): Promise<unknown> {
    return this.call("monitor", [db, monitorId, requests]);
  }

  /** `monitor_cond` (ovsdb-server(7)): returns the initial table-updates2. */
  monitorCond(db: string, monitorId: unknown, requests: Record<string, unknown>): Promise<unknown> {
    return this.call("monitor_cond", [db, monitorId, requests]);
  }

  /**
   * `monitor_cond_since`: returns `[found, lastTxnId, updates2]`; when `found` is true the
   * updates are only what changed after `lastTxnId`.
   */
  monitorCondSince(
    db: string,
    monitorId: unknown,
    requests: Record<string, unknown>,
    lastTxnId: string | null,
  ): Promise<[boolean, string, unknown]> {
    return this.call("monitor_cond_since", [
      db,
      monitorId,
      requests,
      lastTxnId ?? "00000000-0000-0000-0000-000000000000",
    ]);
  }

  monitorCancel(monitorId: unknown): Promise<unknown> {
    return this.call("monitor_cancel", [monitorId]);
  }

  echo(...args: unknown[]): Promise<unknown[]> {
    return this.call<unknown[]>("echo", args);
  }

  /** Returns true when the lock was granted at once; otherwise a `locked` event follows later. */
  async lock(lockId: string): Promise<boolean> {
    const r = await this.call<{ locked: boolean }>("lock", [lockId]);
    return r.locked;
  }

  async steal(lockId: string): Promise<boolean> {
    const r = await this.call<{ locked: boolean }>("steal", [lockId]);
    return r.locked;
  }

  async unlock(lockId: string): Promise<void> {
    await this.call("unlock", [lockId]);
  }

  // ---- connection management -------------------------------------------------------------------

  /**
   * Send a request on the current connection, waiting for one if the client is reconnecting. A
   * request that provably never left this process (the connection died just before) is sent on
   * the next connection; one that was written is never sent again.
   */
  private async call<T>(
    method: string,
    params: unknown[],
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (!this.rpc || this.rpc.closed) await this.ensureConnected();
      const rpc = this.rpc;
      if (!rpc) throw new OvsdbConnectionClosedError(method, false, "client closed");
      try {
        return await rpc.request<T>(method, params, options);
      } catch (e) {
        const unsent = e instanceof OvsdbConnectionClosedError && !e.mayHaveBeenApplied;
        if (!unsent || this.userClosed || !this.options.reconnect || attempt >= 5) throw e;
      }
    }
  }

  /** Resolve once connected; starts (or joins) a connection round. */
  private ensureConnected(): Promise<void> {
    if (this.userClosed)
      return Promise.reject(new OvsdbConnectionClosedError("connect", false, "client closed"));
    if (this.rpc && !this.rpc.closed) return Promise.resolve();
    if (!this.connecting) {
      this.connecting = this.connectLoop().finally(() => (this.connecting = undefined));
    }
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    const deadline = Date.now() + this.options.waitForConnectionMs;
    let delay = this.options.backoff.initialMs;
    const causes: unknown[] = [];
    for (;;) {
      // One round: every remote once, starting after the last one used.
      for (let i = 0; i < this.remotes.length; i++) {
        if (this.userClosed) throw new OvsdbConnectionClosedError("connect", false, "client closed");
        const remote = this.remotes[(this.nextRemoteIndex + i) % this.remotes.length];
        try {
          await this.tryRemote(remote);
          this.nextRemoteIndex = (this.remotes.indexOf(remote) + 1) % this.remotes.length;
          return;
        } catch (e) {
          if (e instanceof OvsdbInvalidRemoteError) throw e; // retrying cannot help
          causes.push(new Error(`${remote.text}: ${(e as Error).message}`));
        }
      }
      if (Date.now() + delay > deadline) {
        throw new OvsdbConnectError(
          this.remotes.map((r) => r.text),
          causes.slice(-this.remotes.length),
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, this.options.backoff.maxMs);
    }
  }

  private async tryRemote(remote: Remote): Promise<void> {
    const stream = await openStream(remote, {
      tls: this.options.tls,
      timeoutMs: this.options.connectTimeoutMs,
    });
    const rpc = new RpcConnection(stream, {
      probeIntervalMs: this.options.probeIntervalMs,
      onNotification: (n) => this.onNotification(rpc, n),
      onClose: (reason) => this.onRpcClose(rpc, reason),
    });
    try {
      if (this.options.leaderOnly && this.options.database) {
        await this.checkLeader(rpc, this.options.database);
      } else {
        // One round trip before accepting the connection: with TLS 1.3 a server that rejects our
        // certificate says so only after the client's side of the handshake has completed.
        await rpc.request("echo", ["pulumi-ovs-hello"], { timeoutMs: this.options.connectTimeoutMs });
      }
    } catch (e) {
      rpc.close("not usable");
      throw e;
    }
    this.rpc = rpc;
    this.currentRemote = remote;
    this.schemas.clear();
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.emit("connected", remote.text, reconnect);
  }

  /**
   * Ask the server's `_Server` database whether it can take writes for `db`, and watch that row so
   * that a leadership change makes us move to the new leader.
   */
  private async checkLeader(rpc: RpcConnection, db: string): Promise<void> {
    const dbs = await rpc.request<string[]>("list_dbs", [], { timeoutMs: this.options.connectTimeoutMs });
    if (!dbs.includes(SERVER_DB)) return; // an old server without _Server: standalone
    if (!dbs.includes(db)) throw new Error(`server does not serve database "${db}"`);
    const monitorId = `pulumi-ovs-leader-${++this.leaderWatchId}`;
    const initial = await rpc.request<unknown>(
      "monitor_cond",
      [
        SERVER_DB,
        monitorId,
        { Database: [{ columns: ["name", "model", "connected", "leader"], where: [["name", "==", db]] }] },
      ],
      { timeoutMs: this.options.connectTimeoutMs },
    );
    const row = serverRowFromUpdate(initial);
    if (!row) throw new Error(`_Server has no row for database "${db}"`);
    const problem = leaderProblem(row);
    if (problem) throw new OvsdbNotLeaderError(problem);
  }

  private onNotification(rpc: RpcConnection, n: RpcNotification): void {
    if (rpc !== this.rpc) return;
    const [a, b, c] = n.params;
    switch (n.method) {
      case "update":
        this.emit("update", a, b);
        break;
      case "update2":
        if (typeof a === "string" && a.startsWith("pulumi-ovs-leader-")) {
          this.onServerRowChange(rpc, b);
          break;
        }
        this.emit("update2", a, b);
        break;
      case "update3":
        this.emit("update3", a, String(b), c);
        break;
      case "locked":
        this.emit("locked", String(a));
        break;
      case "stolen":
        this.emit("stolen", String(a));
        break;
    }
  }

  private onServerRowChange(rpc: RpcConnection, updates: unknown): void {
    const row = serverRowFromUpdate(updates, true);
    if (!row) return;
    const problem = leaderProblem(row);
    if (problem) rpc.close(`server ${this.currentRemote?.text}: ${problem}`);
  }

  private onRpcClose(rpc: RpcConnection, reason: string): void {
    if (rpc !== this.rpc) return;
    this.rpc = undefined;
    this.emit("disconnected", reason);
    if (this.userClosed || !this.options.reconnect) return;
    // Reconnect in the background; callers waiting in `call` join the same round.
    this.ensureConnected().catch((e) => this.emit("error", e as Error));
  }
}

function leaderProblem(row: Partial<ServerDatabaseRow>): string | undefined {
  if (row.model === "clustered") {
    if (row.connected === false) return "not connected to its cluster";
    if (row.leader === false) return "not the cluster leader";
  }
  return undefined;
}

/**
 * Pull the `_Server.Database` row out of table-updates2. Initial and inserted rows omit columns
 * that hold their default value (false for `leader` and `connected`); a modify carries only the
 * changed columns.
 */
function serverRowFromUpdate(updates: unknown, partial = false): Partial<ServerDatabaseRow> | undefined {
  const table = (updates as Record<string, unknown> | null)?.["Database"] as
    Record<string, unknown> | undefined;
  if (!table) return undefined;
  for (const change of Object.values(table)) {
    const c = change as Record<string, Record<string, unknown> | undefined>;
    const full = c.initial ?? c.insert;
    const row = full ?? c.modify;
    if (!row) continue;
    const out: Partial<ServerDatabaseRow> = {};
    if (typeof row.model === "string") out.model = row.model;
    if (typeof row.connected === "boolean") out.connected = row.connected;
    else if (full) out.connected = false;
    if (typeof row.leader === "boolean") out.leader = row.leader;
    else if (full) out.leader = false;
    if (partial && out.model === undefined) out.model = "clustered"; // only clustered rows change
    return out;
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
