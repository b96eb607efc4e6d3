/**
 * OVSDB connections pooled per remote inside the provider process. One dynamic-provider process
 * serves every resource of a deployment, so a host with 200 ports is one connection, opened
 * lazily by the first operation that needs it.
 */
import { createHash } from "node:crypto";
import { OvsdbClient, type TlsOptions } from "./ovsdb";

export interface Connection {
  /** OVSDB remote(s) as OVS tools take them: `unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT`, comma lists. */
  remote: string;
  tls?: TlsOptions;
}

const pool = new Map<string, Promise<OvsdbClient>>();

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

/**
 * A connected client for `database` at `conn`. Several remotes (a cluster) are followed to the
 * leader, since handlers write.
 */
export function getClient(conn: Connection, database: string): Promise<OvsdbClient> {
  const k = key(conn, database);
  let p = pool.get(k);
  if (!p) {
    p = OvsdbClient.connect(conn.remote, {
      tls: conn.tls,
      database,
      waitForConnectionMs: 15_000,
      backoff: { initialMs: 100, maxMs: 2000 },
    });
    pool.set(k, p);
    p.catch(() => pool.delete(k));
  }
  return p;
}

/** Close every pooled connection (tests and benchmarks that call handlers directly). */
export async function closeAll(): Promise<void> {
  const clients = [...pool.values()];
  pool.clear();
  for (const c of clients) {
    try {
      (await c).close();
    } catch {
      // never connected
    }
  }
}
