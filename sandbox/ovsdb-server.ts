/**
 * Real ovsdb-server processes for integration tests and benchmarks (outside any namespace, on
 * loopback): a standalone server from one
 * of the installed schemas, or a clustered database of several members on loopback. Every process
 * is a child of this one, tracked by PID and killed in `stop()`.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

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

async function waitFor(
  cond: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
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

interface ServerProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

function spawnServer(args: string[], logFile: string): ServerProcess {
  const child = spawn("ovsdb-server", args, { stdio: ["ignore", "ignore", fs.openSync(logFile, "a")] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, exited };
}

async function killServer(p: ServerProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 3000);
  await p.exited;
  clearTimeout(timer);
}

/** One standalone ovsdb-server listening on a unix socket and on 127.0.0.1:PORT. */
export class TestOvsdbServer {
  readonly dir: string;
  readonly dbFile: string;
  readonly socket: string;
  readonly unix: string;
  readonly tcp: string;
  readonly dbName: string;
  private proc: ServerProcess | undefined;

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
    await execFileP("ovsdb-tool", ["create", server.dbFile, SCHEMAS[schema]]);
    await server.launch();
    return server;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
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
    await waitFor(async () => {
      if (proc.child.exitCode !== null) throw new Error(`ovsdb-server exited; see ${this.dir}/log`);
      return canConnect(this.socket);
    }, `ovsdb-server in ${this.dir}`);
  }

  /** Stop the process (SIGTERM) and start it again on the same database and ports. */
  async restart(): Promise<void> {
    await killServer(this.proc);
    await this.launch();
  }

  /** Kill the process without restarting it. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await killServer(this.proc, signal);
  }

  async start(): Promise<void> {
    await this.launch();
  }

  async stop(): Promise<void> {
    await killServer(this.proc);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Run an ovs-vsctl / ovn-nbctl style tool against this server. */
  async tool(cmd: string, args: string[]): Promise<string> {
    const { stdout } = await execFileP(cmd, [`--db=${this.unix}`, ...args], { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
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
    proc?: ServerProcess;
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
      await execFileP("ovsdb-tool", ["create-cluster", c.members[0].dbFile, SCHEMAS[schema], raft(0)]);
      for (let i = 1; i < size; i++) {
        await execFileP("ovsdb-tool", ["join-cluster", c.members[i].dbFile, c.dbName, raft(i), raft(0)]);
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
    await waitFor(() => canConnect(m.socket), `cluster member ${i}`);
  }

  /** The index of the member that says it is the leader, waiting for an election if needed. */
  async waitForLeader(timeoutMs = 20_000): Promise<number> {
    let leader = -1;
    await waitFor(
      async () => {
        leader = await this.findLeader();
        return leader >= 0;
      },
      "a cluster leader",
      timeoutMs,
    );
    return leader;
  }

  async findLeader(): Promise<number> {
    for (const m of this.members) {
      if (!m.proc || m.proc.child.exitCode !== null || m.proc.child.signalCode !== null) continue;
      try {
        const { stdout } = await execFileP("ovs-appctl", ["-t", m.ctl, "cluster/status", this.dbName]);
        if (/^Role: leader$/m.test(stdout)) return m.index;
      } catch {
        // member not answering: not the leader
      }
    }
    return -1;
  }

  async kill(i: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await killServer(this.members[i].proc, signal);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => killServer(m.proc)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
