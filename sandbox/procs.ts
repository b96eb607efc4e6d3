/**
 * Process bookkeeping through /proc: is a PID one of ours, is it alive, stop it.
 *
 * A PID is "ours" only while /proc/PID/cmdline mentions the sandbox directory, so a recycled
 * PID is never signalled. Zombies count as dead: a detached daemon that exited is an orphan
 * zombie until PID 1 reaps it (on these VMs, only every few seconds).
 */
import { readFileSync, readdirSync } from "node:fs";
import { poll } from "./wait";

/** Program names of the daemons a sandbox starts (as in /proc/PID/comm, 15 chars max). */
export const DAEMON_COMMS: ReadonlySet<string> = new Set([
  "ovsdb-server",
  "ovs-vswitchd",
  "ovn-northd",
  "ovn-controller",
]);

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/** Process state letter from /proc/PID/stat (R, S, D, Z, …) or undefined if there is no such process. */
export function procState(pid: number): string | undefined {
  const stat = readProc(pid, "stat");
  if (stat === undefined) return undefined;
  // "PID (comm) S …": comm may contain spaces and parentheses; the state follows the last ")".
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) || undefined;
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== "Z" && s !== "X";
}

/** The command line of a process, arguments joined by spaces ("" for zombies and kernel threads). */
export function cmdline(pid: number): string {
  return (readProc(pid, "cmdline") ?? "").split("\0").join(" ").trim();
}

/** True when `pid` is alive and its command line mentions `dir` (a path, matched as `dir/`). */
export function isOurs(pid: number, dir: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  return isAlive(pid) && cmdline(pid).includes(dir.endsWith("/") ? dir : `${dir}/`);
}

/** Live processes named one of `comms` (default the daemons) whose command line mentions `dir/`. */
export function findDaemonsUsing(dir: string, comms: ReadonlySet<string> = DAEMON_COMMS): number[] {
  const needle = dir.endsWith("/") ? dir : `${dir}/`;
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const comm = readProc(pid, "comm")?.trim();
    if (!comm || !comms.has(comm)) continue;
    if (isAlive(pid) && cmdline(pid).includes(needle)) out.push(pid);
  }
  return out;
}

/** Reads a pidfile; undefined when missing or malformed. */
export function readPidfile(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Stops the given processes, each only if it is alive and mentions `dir`: SIGTERM to all at
 * once, wait up to `graceMs`, then SIGKILL the rest and wait again. Returns the PIDs signalled
 * and those still alive at the end (normally none).
 */
export async function terminate(
  pids: Iterable<number>,
  dir: string,
  graceMs = 3000,
): Promise<{ signalled: number[]; survivors: number[] }> {
  const targets = [...new Set(pids)].filter((p) => isOurs(p, dir));
  for (const p of targets) signal(p, "SIGTERM");
  // A process that is exiting has released its command line before it becomes a zombie: it is
  // still running (not yet gone) while its cmdline reads empty.
  const running = (p: number): boolean => isAlive(p) && (cmdline(p) === "" || isOurs(p, dir));
  let left = targets;
  const allGone = (timeoutMs: number) =>
    poll(() => (left = left.filter(running)).length === 0, { timeoutMs, intervalMs: 20 });
  await allGone(graceMs);
  if (left.length > 0) {
    for (const p of left) if (isOurs(p, dir)) signal(p, "SIGKILL");
    await allGone(2000);
  }
  return { signalled: targets, survivors: left };
}
