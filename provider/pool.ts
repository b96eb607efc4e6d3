/**
 * OVSDB connections pooled per remote inside the provider process. One dynamic-provider process
 * serves every resource of a deployment, so a host with 200 ports is one connection, opened
 * lazily by the first operation that needs it.
 *
 * Reads of a refresh go through {@link getReader}: the first one starts a monitor of the whole
 * database on the pooled connection ({@link MonitorCache}), and every `select`-only transaction
 * after it is answered from that local copy, so refreshing N resources costs one snapshot of the
 * database instead of N round trips. Once this process has sent a transaction that may change the
 * database on that connection, its reads go to the server again (a monitor's update may trail the
 * reply to our own write; the server's answer never does).
 */
import { createHash } from "node:crypto";
import { MonitorCache, OvsdbClient, type CacheSpec, type Operation, type TlsOptions } from "./ovsdb";

export interface Connection {
  /** OVSDB remote(s) as OVS tools take them: `unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT`, comma lists. */
  remote: string;
  tls?: TlsOptions;
}

interface Pooled {
  database: string;
  /** The connected client; its `transact` notes writes. */
  client: Promise<OvsdbClient>;
  /** Set once this process sent a transaction that may change the database. */
  written: boolean;
  /** The monitor feeding reads, started by the first read; undefined when it could not start. */
  cache?: Promise<MonitorCache | undefined>;
}

const pool = new Map<string, Pooled>();

/** How the pooled connections' reads were answered (tests and benchmarks). */
export const readStats = { cached: 0, direct: 0 };

/**
 * `monitor: false` sends every read to the server, as before monitor-fed reads (benchmarks compare
 * the two; takes effect for connections opened after it is set).
 */
export const readOptions = { monitor: true };

/** Operations that leave the database as it is. */
const READ_ONLY = new Set(["select", "wait", "comment", "assert"]);

function key(conn: Connection, database: string): string {
  const tls = conn.tls
    ? createHash("sha256")
        .update(conn.tls.privateKey)
        .update(conn.tls.certificate)
        .update(conn.tls.caCert)
        .digest("hex")
    : "";
  return `${database}|${conn.remote}|${tls}`;
}

/** `client` with its `transact` replaced by `transact`; every other member is the client's own. */
function withTransact(client: OvsdbClient, transact: OvsdbClient["transact"]): OvsdbClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === "transact") return transact;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function pooled(conn: Connection, database: string): Pooled {
  const k = key(conn, database);
  let p = pool.get(k);
  if (!p) {
    const entry: Pooled = { database, written: false, client: undefined as unknown as Promise<OvsdbClient> };
    entry.client = OvsdbClient.connect(conn.remote, {
      tls: conn.tls,
      database,
      waitForConnectionMs: 15_000,
      backoff: { initialMs: 100, maxMs: 2000 },
    }).then((client) => {
      // Every transaction of the pooled client passes here: a write ends monitor-fed reads.
      const send = client.transact.bind(client);
      client.transact = (db, ops, options) => {
        if (ops.some((o) => !READ_ONLY.has(o.op))) noteWrite(entry);
        return send(db, ops, options);
      };
      return client;
    });
    entry.client.catch(() => pool.delete(k));
    pool.set(k, (p = entry));
  }
  return p;
}

function noteWrite(entry: Pooled): void {
  if (entry.written) return;
  entry.written = true;
  void entry.cache?.then((c) => c?.stop());
}

/**
 * A connected client for `database` at `conn`. Several remotes (a cluster) are followed to the
 * leader, since handlers write.
 */
export function getClient(conn: Connection, database: string): Promise<OvsdbClient> {
  return pooled(conn, database).client;
}

/**
 * The pooled client of `database` at `conn` for reads: its `select`-only transactions are answered
 * from a monitor of the whole database (started by the first read) until this process writes to
 * it; anything else, and every read when the monitor cannot be started, goes to the server.
 * For databases whose every table is small enough to hold in memory (the northbound and
 * Open_vSwitch databases, not the southbound's logical flows).
 */
export async function getReader(conn: Connection, database: string): Promise<OvsdbClient> {
  const entry = pooled(conn, database);
  const client = await entry.client;
  return withTransact(client, async (db, ops, options) => {
    if (db === database && !entry.written && readOptions.monitor) {
      const cache = await cacheOf(entry, client);
      const answer = entry.written ? undefined : cache?.answer(ops as Operation[]);
      if (answer) {
        readStats.cached++;
        return answer;
      }
    }
    readStats.direct++;
    return client.transact(db, ops, options);
  });
}

function cacheOf(entry: Pooled, client: OvsdbClient): Promise<MonitorCache | undefined> {
  entry.cache ??= (async () => {
    const schema = await client.getSchema(entry.database);
    const spec: CacheSpec = Object.fromEntries([...schema.tables.keys()].map((t) => [t, {}]));
    return MonitorCache.start(client, entry.database, spec);
  })().catch(() => undefined);
  return entry.cache;
}

/** Close every pooled connection (tests and benchmarks that call handlers directly). */
export async function closeAll(): Promise<void> {
  const entries = [...pool.values()];
  pool.clear();
  for (const e of entries) {
    try {
      (await e.cache)?.stop();
      (await e.client).close();
    } catch {
      // never connected
    }
  }
}
