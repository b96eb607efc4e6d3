/**
 * Small TCP servers inside a sandbox's namespaces, for checking what crosses a network: a
 * peer-echo server answers each connection with the address it saw the client come from (so a
 * client behind SNAT learns its translated address).
 *
 * A server is a detached python3 process. Its PID goes to a pidfile in the sandbox directory
 * (`DIR/servers/`) as soon as it is spawned, and its command line names that pidfile, so `down`
 * stops it even after a crash: it signals the PIDs of the pidfiles and every python3 whose command
 * line mentions `DIR/servers/` (only processes whose command line mentions the directory).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { logTail } from "./daemons";
import { SandboxError } from "./exec";
import { terminate } from "./procs";
import { checkName, dirOf, readState, type ContainerInfo } from "./state";
import { waitFor } from "./wait";

/** A server started by {@link startPeerEcho}. */
export interface PeerEcho {
  pid: number;
  /** Namespace it listens in. */
  namespace: string;
  port: number;
  /** Stops it (by PID: SIGTERM, then SIGKILL) and removes its pidfile and log; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Listens on every address at port argv[1]; prints "listening" once it does; answers each
 * connection with the client's IP address and closes it. argv[2] (its pidfile) is only there so
 * that the command line names the sandbox directory.
 */
const PEER_ECHO = `
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
print("listening", flush=True)
while True:
    c, peer = s.accept()
    try:
        c.sendall(peer[0].encode())
    except OSError:
        pass
    c.close()
`;

const PYTHON = "/usr/bin/python3";
/** Program names of the servers (as in /proc/PID/comm), for `down`'s sweep of {@link serversDir}. */
export const SERVER_COMMS: ReadonlySet<string> = new Set(["python3"]);
/** Where the servers' pidfiles and logs live: `DIR/servers`. */
export const serversDir = (dir: string): string => join(dir, "servers");
const READY_TIMEOUT_MS = 10_000;

/** The sandbox a namespace belongs to: `sbx-NAME.…` → NAME and its directory. */
export function sandboxOfNamespace(ns: string): { name: string; dir: string } {
  const m = /^sbx-([^.]+)\./.exec(ns);
  if (!m) throw new SandboxError(`${ns} is not a sandbox namespace (sbx-NAME.…)`);
  const name = m[1] as string;
  checkName(name);
  const dir = dirOf(name);
  if (!readState(join(dir, "state.json")))
    throw new SandboxError(`namespace ${ns}: sandbox ${name} is not running (no state in ${dir})`);
  return { name, dir };
}

/** Throws unless `port` is a TCP port number. */
export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new SandboxError(`port must be an integer from 1 to 65535, got ${port}`);
}

/**
 * Starts a TCP server in a container (or a sandbox namespace given by name, e.g.
 * `info.external.namespace`) that answers each connection on `port` with the IP address it saw
 * the client come from, then closes it: `tcpAnswers(client, ip, port, n)` returns those
 * addresses (the SNAT address, for a client behind a gateway). Resolves once it listens. Needs
 * python3. Stop it with `stop()`; `down` stops it too.
 */
export async function startPeerEcho(
  target: ContainerInfo | string,
  opts: { port: number },
): Promise<PeerEcho> {
  const ns = typeof target === "string" ? target : target.namespace;
  checkPort(opts.port);
  const { dir } = sandboxOfNamespace(ns);
  mkdirSync(serversDir(dir), { recursive: true });
  // One file name per start: a failed second start on a port must not touch the first one's pidfile.
  const base = join(serversDir(dir), `peer-echo-${ns}-${opts.port}-${randomBytes(4).toString("hex")}`);
  const pidfile = `${base}.pid`;
  const logfile = `${base}.log`;
  const log = openSync(logfile, "w");
  // `ip netns exec` execs python3 in the same process: the PID spawned is the server's.
  const child = spawn("ip", ["netns", "exec", ns, PYTHON, "-c", PEER_ECHO, String(opts.port), pidfile], {
    detached: true,
    stdio: ["ignore", "pipe", log],
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new SandboxError(`could not start the peer-echo server in ${ns}`);
  writeFileSync(pidfile, `${pid}\n`);

  let exited = false;
  let ready = false;
  child.once("exit", () => (exited = true));
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (ready ||= d.includes("listening")));
  const stop = async (): Promise<void> => {
    const { survivors } = await terminate([pid], dir);
    if (survivors.length > 0) throw new SandboxError(`peer-echo server ${pid} in ${ns} survived SIGKILL`);
    rmSync(pidfile, { force: true });
  };
  try {
    await waitFor(
      () => {
        if (exited && !ready) throw new SandboxError(`exited (port ${opts.port} in use?)`);
        return ready;
      },
      READY_TIMEOUT_MS,
      () => `did not listen within ${READY_TIMEOUT_MS} ms`,
    );
  } catch (e) {
    await stop();
    throw new SandboxError(
      `peer-echo server in ${ns} on port ${opts.port}: ${(e as Error).message}\n  log: ${logfile}\n` +
        logTail(logfile).replace(/^/gm, "    "),
    );
  } finally {
    child.stdout?.destroy();
    child.unref();
  }
  const stopAndClean = async (): Promise<void> => {
    await stop();
    rmSync(logfile, { force: true });
  };
  return { pid, namespace: ns, port: opts.port, stop: stopAndClean };
}
