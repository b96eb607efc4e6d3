/** Starting OVS/OVN daemons inside a namespace, with pidfiles and logs in the sandbox directory. */
import { existsSync, readFileSync } from "node:fs";
import { SandboxError, run } from "./exec";
import { waitFor } from "./wait";
import { isAlive, readPidfile } from "./procs";
import type { DaemonInfo } from "./state";

/** Last `n` lines of a log file, or a note that it is missing. */
export function logTail(path: string, n = 6): string {
  try {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    return lines.slice(-n).join("\n");
  } catch {
    return "(no log file)";
  }
}

/** Error for a daemon that failed, naming it and pointing to its log. */
export function daemonError(d: DaemonInfo, owner: string, what: string, detail = ""): SandboxError {
  const tail = logTail(d.logfile);
  return new SandboxError(
    `${owner}: ${d.program} (${d.role}) ${what}${detail ? `: ${detail.trim()}` : ""}\n` +
      `  log: ${d.logfile}\n  last log lines:\n${tail.replace(/^/gm, "    ")}`,
  );
}

/** What to start and how. */
export interface DaemonSpec {
  /** The daemon record; `record` is called before the start so that a crash leaves the pidfile path behind. */
  daemon: DaemonInfo;
  /** Host or "central", for messages. */
  owner: string;
  /** Program arguments (without the pidfile/log/detach options, which are added). */
  args: string[];
  /** Environment (OVS_RUNDIR, OVN_RUNDIR). */
  env?: Record<string, string>;
  /** Pass `--unixctl=CTL` (ovn-controller takes none; its socket is RUNDIR/ovn-controller.PID.ctl). */
  unixctlOption: boolean;
  /** Called when the record changed (before start, after the PID is known). */
  record: () => void;
  timeoutMs?: number;
}

/**
 * Starts a daemon with `--detach` inside its namespace and waits until it has daemonized (OVS
 * daemons detach only once initialized: ovsdb-server listens, ovs-vswitchd applied its first
 * configuration). Fills in `daemon.pid`. Throws an error naming the daemon and its log otherwise.
 */
export async function startDaemon(spec: DaemonSpec): Promise<void> {
  const d = spec.daemon;
  d.start = { args: spec.args, env: spec.env, unixctlOption: spec.unixctlOption };
  spec.record();
  const argv = ["ip", "netns", "exec", d.namespace, d.program, ...spec.args, "-vconsole:off"];
  argv.push(`--pidfile=${d.pidfile}`, `--log-file=${d.logfile}`, "--detach");
  if (spec.unixctlOption) argv.push(`--unixctl=${d.ctl}`);
  const timeoutMs = spec.timeoutMs ?? 30_000;
  const r = await run(argv, { env: spec.env, daemonizes: true, timeoutMs });
  if (r.code !== 0) {
    // The pidfile may exist if the daemon itself is stuck: record it for `down`.
    d.pid = readPidfile(d.pidfile);
    spec.record();
    throw daemonError(d, spec.owner, `failed to start (exit ${r.code})`, r.stderr);
  }
  const pid = await waitFor(
    () => readPidfile(d.pidfile),
    5000,
    () => daemonError(d, spec.owner, `started but wrote no pidfile ${d.pidfile}`),
  );
  d.pid = pid;
  if (!spec.unixctlOption) d.ctl = d.ctl.replace("PID", String(pid));
  spec.record();
  if (!isAlive(pid)) throw daemonError(d, spec.owner, `exited right after starting (PID ${pid})`);
}

/** Waits until a unix socket file exists (and its daemon is alive). */
export async function waitSocket(
  d: DaemonInfo,
  owner: string,
  path: string,
  timeoutMs = 10_000,
): Promise<void> {
  await waitFor(
    () => {
      if (d.pid !== undefined && !isAlive(d.pid)) throw daemonError(d, owner, `died (PID ${d.pid})`);
      return existsSync(path);
    },
    timeoutMs,
    () => daemonError(d, owner, `did not create ${path} within ${timeoutMs} ms`),
  );
}
