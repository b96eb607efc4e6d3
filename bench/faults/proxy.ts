/**
 * A JSON-RPC proxy in front of an ovsdb-server unix socket that injects a conflicting write at the
 * worst moment: after the provider has read a row and planned its change, just before its write
 * transaction reaches the server. Armed per row (uuid), for a number of writes. It reports, per
 * injected write, whether the server refused it (a guard `wait` failed) or committed it anyway
 * (the conflicting change was silently overwritten).
 */
import * as net from "node:net";
import * as path from "node:path";
import { JsonStreamSplitter } from "../../provider/ovsdb/framing";

interface Armed {
  table: string;
  column: string;
  times: number;
  inject: () => Promise<void>;
}

/** What happened to the writes on one armed row. */
export interface ProxyStats {
  injected: number;
  /** Injected writes the server refused because a guard failed (`wait` timed out). */
  refused: number;
  /** Injected writes the server committed: the injected change was overwritten. */
  overwrote: number;
  /** Later writes to the row (after the arming ran out) that the server committed. */
  committed: number;
}

type Message = { id?: unknown; method?: string; params?: unknown[]; result?: unknown[]; error?: unknown };
type Op = { op?: string; table?: string; where?: unknown[]; row?: Record<string, unknown> };

function targetUuid(op: Op): string | undefined {
  const w = op.where?.[0] as [string, string, [string, string]] | undefined;
  return w && w[0] === "_uuid" && w[1] === "==" ? w[2]?.[1] : undefined;
}

export class ConflictProxy {
  readonly stats = new Map<string, ProxyStats>();
  private readonly armed = new Map<string, Armed>();
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly socket: string,
    private readonly upstream: string,
  ) {}

  /** `unix:…` remote of the proxy, for the stack's `nb` argument. */
  get remote(): string {
    return `unix:${this.socket}`;
  }

  static async start(upstreamSocket: string, dir: string): Promise<ConflictProxy> {
    const socket = path.join(dir, "proxy.sock");
    const server = net.createServer();
    const p = new ConflictProxy(server, socket, upstreamSocket);
    server.on("connection", (c) => p.serve(c));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socket, resolve);
    });
    return p;
  }

  /** Before each of the next `times` updates of `column` of row `uuid`, run `inject` (and wait for it). */
  arm(uuid: string, table: string, column: string, times: number, inject: () => Promise<void>): void {
    this.armed.set(uuid, { table, column, times, inject });
    this.stats.set(uuid, { injected: 0, refused: 0, overwrote: 0, committed: 0 });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private serve(client: net.Socket): void {
    const up = net.createConnection({ path: this.upstream });
    this.sockets.add(client).add(up);
    const fromClient = new JsonStreamSplitter();
    const fromServer = new JsonStreamSplitter();
    /** Transaction ids of writes to armed rows: which row, and whether a conflict was injected before it. */
    const watched = new Map<unknown, { uuid: string; injected: boolean }>();
    let queue = Promise.resolve();
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("error", end).on("close", end);
    up.on("error", end).on("close", end);

    client.on("data", (chunk) => {
      const msgs = fromClient.push(chunk) as Message[];
      queue = queue.then(async () => {
        for (const m of msgs) {
          if (m.method === "transact") await this.beforeTransact(m, watched);
          if (!up.destroyed) up.write(JSON.stringify(m));
        }
      });
    });
    up.on("data", (chunk) => {
      for (const m of fromServer.push(chunk) as Message[]) {
        const w = m.id !== undefined ? watched.get(m.id) : undefined;
        if (w && m.result) {
          watched.delete(m.id);
          const st = this.stats.get(w.uuid)!;
          const refused = m.result.some((r) => (r as { error?: string } | null)?.error === "timed out");
          const failed = m.result.some((r) => (r as { error?: string } | null)?.error);
          if (w.injected) {
            if (refused) st.refused++;
            else if (!failed) st.overwrote++;
          } else if (!failed) st.committed++;
        }
        if (!client.destroyed) client.write(JSON.stringify(m));
      }
    });
  }

  private async beforeTransact(m: Message, watched: Map<unknown, { uuid: string; injected: boolean }>) {
    for (const op of (m.params ?? []).slice(1) as Op[]) {
      if (op.op !== "update" || !op.row) continue;
      const uuid = targetUuid(op);
      const a = uuid ? this.armed.get(uuid) : undefined;
      if (!uuid || !a || op.table !== a.table || !(a.column in op.row)) continue;
      const inject = a.times > 0;
      watched.set(m.id, { uuid, injected: inject });
      if (inject) {
        a.times--;
        this.stats.get(uuid)!.injected++;
        await a.inject();
      }
      return;
    }
  }
}
