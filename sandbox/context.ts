/**
 * What the parts of a sandbox share while it starts: paths of the schemas, names of the
 * underlay devices, the context of one `up` (state plus saver, abort flag), and small steps every
 * part uses (a namespace, a directory, a daemon record, an ovs-vsctl command line).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startDaemon } from "./daemons";
import { SandboxError } from "./exec";
import { addNetns } from "./netns";
import type { DaemonInfo, HostInfo, SandboxInfo } from "./state";

export const UNDERLAY_BRIDGE = "br-ul";
export const UNDERLAY_NIC = "eth0";
export const VSWITCH_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";
export const OVN_SCHEMAS = { nb: "/usr/share/ovn/ovn-nb.ovsschema", sb: "/usr/share/ovn/ovn-sb.ovsschema" };

/** Throws unless running as root. */
export function requireRoot(): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new SandboxError(
      "the sandbox needs root (it creates network namespaces and veths and runs OVS daemons): run it as root or with sudo",
    );
  }
}

export const vsctlArgv = (h: HostInfo, ...args: string[]): string[] => [
  "ovs-vsctl",
  "--timeout=30",
  `--db=${h.remotes.unix}`,
  ...args,
];

/** Mutable context of one `up`: the state plus a saver that keeps state.json current. */
export interface Ctx {
  info: SandboxInfo;
  save: () => void;
  log: (m: string) => void;
  timeoutMs: number;
  /** Set when a parallel step failed: the other steps stop at their next check. */
  aborted: boolean;
}

class Aborted extends Error {}

/** Throws when another parallel step already failed (so no new resource gets started). */
export function checkAbort(ctx: Ctx): void {
  if (ctx.aborted) throw new Aborted("aborted");
}

/**
 * Like Promise.all, but waits for every task to settle before rejecting, so that a rollback
 * never races with steps still creating things. The first failure (not an abort) wins.
 */
export async function allSettled(ctx: Ctx, tasks: (Promise<unknown> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(
    tasks.map((t) =>
      (t ?? Promise.resolve()).catch((e: unknown) => {
        ctx.aborted = true;
        throw e;
      }),
    ),
  );
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length > 0) throw failures.find((e) => !(e instanceof Aborted)) ?? failures[0];
}

/** One daemon to start for a host or the central: see {@link launch}. */
export interface Launch {
  /** Host name, or "central". */
  owner: string;
  /** The host or central it belongs to: its namespace, run directory and daemon records. */
  at: { namespace: string; runDir: string; daemons: DaemonInfo[] };
  program: string;
  /** Default the program name. */
  role?: string;
  /** Base name of its pidfile, log and unixctl socket in the run directory; default the program name. */
  files?: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * Records daemon `l` (so a crash leaves its pidfile path in the state) and starts it in its
 * namespace; resolves once it has daemonized. ovn-controller takes no `--unixctl`: its socket is
 * `RUNDIR/ovn-controller.PID.ctl`.
 */
export async function launch(ctx: Ctx, l: Launch): Promise<DaemonInfo> {
  checkAbort(ctx);
  const files = l.files ?? l.program;
  const unixctlOption = l.program !== "ovn-controller";
  const d: DaemonInfo = {
    program: l.program,
    role: l.role ?? l.program,
    namespace: l.at.namespace,
    pidfile: join(l.at.runDir, `${files}.pid`),
    logfile: join(l.at.runDir, `${files}.log`),
    ctl: join(l.at.runDir, unixctlOption ? `${files}.ctl` : `${l.program}.PID.ctl`),
  };
  l.at.daemons.push(d);
  await startDaemon({ daemon: d, owner: l.owner, args: l.args, env: l.env, unixctlOption, record: ctx.save });
  return d;
}

export async function createNamespace(ctx: Ctx, ns: string): Promise<void> {
  checkAbort(ctx);
  if (!ctx.info.namespaces.includes(ns)) ctx.info.namespaces.push(ns);
  ctx.save();
  await addNetns(ns);
}

export function makeDir(ctx: Ctx, dir: string): void {
  if (!ctx.info.dirs.includes(dir)) ctx.info.dirs.push(dir);
  ctx.save();
  mkdirSync(dir, { recursive: true });
}
