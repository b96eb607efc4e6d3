/**
 * Real ovsdb-server processes for integration tests and benchmarks (outside any namespace, on
 * loopback): a standalone server from one
 * of the installed schemas, or a clustered database of several members on loopback. Every process
 * is a child of this one, tracked by PID and killed in `stop()`.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { run, runOk, spawnChild, type Child } from "./exec";
import { waitFor } from "./wait";

export const SCHEMAS = {
  vswitch: "/usr/share/openvswitch/vswitch.ovsschema",
  nb: "/usr/share/ovn/ovn-nb.ovsschema",
  sb: "/usr/share/ovn/ovn-sb.ovsschema",
} as const;
export type SchemaName = keyof typeof SCHEMAS;

export const DB_NAMES: Record<SchemaName, string> = {
  vswitch: "Open_vSwitch",
  nb: "OVN_Northbound",
  sb: "OVN_Southbound",
};

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix: string): string {
  // Short paths: unix socket paths are limited to 107 bytes.
  return fs.mkdtempSync(path.join(os.tmpdir(), `povs-${prefix}-`));
}

/** Waits up to 15 s for `cond`. */
async function waitUntil(
  cond: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  await waitFor(cond, timeoutMs, () => new Error(`timed out waiting for ${what}`));
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: socketPath });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

function spawnServer(args: string[], logFile: string): Child {
  return spawnChild(["ovsdb-server", ...args], { logFile });
}

/** One standalone ovsdb-server listening on a unix socket and on 127.0.0.1:PORT. */
export class TestOvsdbServer {
  readonly dir: string;
  readonly dbFile: string;
  readonly socket: string;
  readonly unix: string;
  readonly tcp: string;
  readonly dbName: string;
  private proc: Child | undefined;

  private constructor(
    readonly schema: SchemaName,
    readonly port: number,
    dir: string,
  ) {
    this.dir = dir;
    this.dbFile = path.join(dir, "db");
    this.socket = path.join(dir, "sock");
    this.unix = `unix:${this.socket}`;
    this.tcp = `tcp:127.0.0.1:${port}`;
    this.dbName = DB_NAMES[schema];
  }

  /** `ssl:127.0.0.1:PORT` when started with TLS material. */
  ssl?: string;
  private sslArgs: string[] = [];

  /**
   * Start a server for `schema`. With `ssl` (paths of PEM files), it also listens on
   * `pssl:PORT:127.0.0.1` and requires client certificates signed by the CA.
   */
  static async start(
    schema: SchemaName,
    opts: { ssl?: { privateKey: string; certificate: string; caCert: string } } = {},
  ): Promise<TestOvsdbServer> {
    const dir = makeTempDir(schema);
    const server = new TestOvsdbServer(schema, await freePort(), dir);
    if (opts.ssl) {
      const port = await freePort();
      server.ssl = `ssl:127.0.0.1:${port}`;
      server.sslArgs = [
        `--private-key=${opts.ssl.privateKey}`,
        `--certificate=${opts.ssl.certificate}`,
        `--ca-cert=${opts.ssl.caCert}`,
        `--remote=pssl:${port}:127.0.0.1`,
      ];
    }
    await runOk("creating the database", ["ovsdb-tool", "create", server.dbFile, SCHEMAS[schema]]);
    await server.launch();
    return server;
  }

  get pid(): number | undefined {
    return this.proc?.process.pid;
  }

  private async launch(): Promise<void> {
    this.proc = spawnServer(
      [
        this.dbFile,
        `--remote=punix:${this.socket}`,
        `--remote=ptcp:${this.port}:127.0.0.1`,
        ...this.sslArgs,
        `--unixctl=${path.join(this.dir, "ctl")}`,
        "-vconsole:off",
        `--log-file=${path.join(this.dir, "log")}`,
      ],
      path.join(this.dir, "stderr"),
    );
    const proc = this.proc;
    await waitUntil(async () => {
      if (!proc.running) throw new Error(`ovsdb-server exited; see ${this.dir}/log`);
      return canConnect(this.socket);
    }, `ovsdb-server in ${this.dir}`);
  }

  /** Stop the process (SIGTERM) and start it again on the same database and ports. */
  async restart(): Promise<void> {
    await this.proc?.stop();
    await this.launch();
  }

  /** Kill the process without restarting it. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.proc?.stop(signal);
  }

  async start(): Promise<void> {
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Run an ovs-vsctl / ovn-nbctl style tool against this server. */
  async tool(cmd: string, args: string[]): Promise<string> {
    return runOk(cmd, [cmd, `--db=${this.unix}`, ...args]);
  }
}

/** A clustered database with `size` members on loopback, each with its own client port. */
export class TestCluster {
  readonly members: {
    index: number;
    dbFile: string;
    socket: string;
    ctl: string;
    tcp: string;
    raftPort: number;
    proc?: Child;
  }[] = [];

  private constructor(
    readonly schema: SchemaName,
    readonly dir: string,
  ) {}

  get dbName(): string {
    return DB_NAMES[this.schema];
  }

  /** All members' client remotes, comma-separated, as OVS tools take them. */
  get remotes(): string {
    return this.members.map((m) => m.tcp).join(",");
  }

  static async start(schema: SchemaName, size = 3): Promise<TestCluster> {
    const c = new TestCluster(schema, makeTempDir(`cl${schema}`));
    try {
      for (let i = 0; i < size; i++) {
        c.members.push({
          index: i,
          dbFile: path.join(c.dir, `db${i}`),
          socket: path.join(c.dir, `s${i}`),
          ctl: path.join(c.dir, `ctl${i}`),
          tcp: `tcp:127.0.0.1:${await freePort()}`,
          raftPort: await freePort(),
        });
      }
      const raft = (i: number) => `tcp:127.0.0.1:${c.members[i].raftPort}`;
      const first = c.members[0].dbFile;
      await runOk("creating the cluster", ["ovsdb-tool", "create-cluster", first, SCHEMAS[schema], raft(0)]);
      for (let i = 1; i < size; i++) {
        const db = c.members[i].dbFile;
        await runOk("joining the cluster", ["ovsdb-tool", "join-cluster", db, c.dbName, raft(i), raft(0)]);
      }
      await Promise.all(c.members.map((m) => c.launch(m.index)));
      await c.waitForLeader();
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  async launch(i: number): Promise<void> {
    const m = this.members[i];
    const port = m.tcp.split(":")[2];
    m.proc = spawnServer(
      [
        m.dbFile,
        `--remote=punix:${m.socket}`,
        `--remote=ptcp:${port}:127.0.0.1`,
        `--unixctl=${m.ctl}`,
        "-vconsole:off",
        `--log-file=${path.join(this.dir, `log${i}`)}`,
      ],
      path.join(this.dir, `stderr${i}`),
    );
    await waitUntil(() => canConnect(m.socket), `cluster member ${i}`);
  }

  /** The index of the member that says it is the leader, waiting for an election if needed. */
  async waitForLeader(timeoutMs = 20_000): Promise<number> {
    return waitFor(
      async () => {
        const leader = await this.findLeader();
        return leader >= 0 ? leader : undefined;
      },
      timeoutMs,
      () => new Error("timed out waiting for a cluster leader"),
    );
  }

  async findLeader(): Promise<number> {
    for (const m of this.members) {
      if (!m.proc?.running) continue;
      // A member that does not answer is not the leader.
      const r = await run(["ovs-appctl", "-t", m.ctl, "cluster/status", this.dbName]);
      if (r.code === 0 && /^Role: leader$/m.test(r.stdout)) return m.index;
    }
    return -1;
  }

  async kill(i: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.members[i].proc?.stop(signal);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.proc?.stop()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
