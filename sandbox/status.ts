/** Liveness of a sandbox's daemons and namespaces, and reading its state. */
import { join } from "node:path";
import { SandboxError } from "./exec";
import { listNetns } from "./netns";
import { isOurs, readPidfile } from "./procs";
import { checkName, dirOf, readState, type DaemonInfo, type SandboxInfo } from "./state";

/** Liveness of one daemon. */
export interface DaemonStatus {
  /** h1, h2, … or "central". */
  owner: string;
  role: string;
  program: string;
  pid?: number;
  alive: boolean;
  logfile: string;
}

/** Result of {@link sandboxStatus}. */
export interface SandboxStatus {
  name: string;
  dir: string;
  /** A state file exists. */
  exists: boolean;
  phase?: SandboxInfo["phase"];
  /** Ready, every daemon alive and every namespace present. */
  healthy: boolean;
  daemons: DaemonStatus[];
  namespaces: { name: string; exists: boolean }[];
  containers: string[];
}

export function isHealthy(info: SandboxInfo): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (info.phase !== "ready") problems.push(`phase is ${info.phase}`);
  for (const s of daemonStatuses(info)) {
    if (!s.alive) problems.push(`${s.owner}/${s.program} (${s.role}) is not running (log: ${s.logfile})`);
  }
  const live = new Set(listNetns());
  for (const ns of info.namespaces) if (!live.has(ns)) problems.push(`namespace ${ns} is missing`);
  return { ok: problems.length === 0, problems };
}

export function daemonStatuses(info: SandboxInfo): DaemonStatus[] {
  const out: DaemonStatus[] = [];
  const owners: [string, DaemonInfo[]][] = info.hosts.map((h) => [h.name, h.daemons]);
  if (info.central) owners.push(["central", info.central.daemons]);
  for (const [owner, daemons] of owners) {
    for (const d of daemons) {
      const pid = d.pid ?? readPidfile(d.pidfile);
      const alive = pid !== undefined && isOurs(pid, info.dir);
      out.push({ owner, role: d.role, program: d.program, pid, alive, logfile: d.logfile });
    }
  }
  return out;
}

/** Liveness of every daemon and namespace of sandbox `name`; `exists: false` when there is no state. */
export function sandboxStatus(name = "default"): SandboxStatus {
  checkName(name);
  const dir = dirOf(name);
  const info = readState(join(dir, "state.json"));
  if (!info) return { name, dir, exists: false, healthy: false, daemons: [], namespaces: [], containers: [] };
  const live = new Set(listNetns());
  return {
    name,
    dir,
    exists: true,
    phase: info.phase,
    healthy: isHealthy(info).ok,
    daemons: daemonStatuses(info),
    namespaces: info.namespaces.map((n) => ({ name: n, exists: live.has(n) })),
    containers: info.containers.map((c) => c.name),
  };
}

export function currentState(info: SandboxInfo): SandboxInfo {
  const cur = readState(info.stateFile);
  if (!cur) throw new SandboxError(`sandbox ${info.name} is not running (no ${info.stateFile})`);
  if (cur.phase !== "ready") throw new SandboxError(`sandbox ${info.name} is not ready (phase ${cur.phase})`);
  return cur;
}

/** Reads the state of sandbox `name` (registry, else the default directory); throws if there is none. */
export function loadSandbox(name = "default"): SandboxInfo {
  checkName(name);
  const dir = dirOf(name);
  const info = readState(join(dir, "state.json"));
  if (!info)
    throw new SandboxError(
      `no sandbox named ${name} (no state file in ${dir}); start it with up --name ${name}`,
    );
  return info;
}
