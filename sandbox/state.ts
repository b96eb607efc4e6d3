/**
 * The sandbox state file (`DIR/state.json`), the registry of sandboxes, names and locks.
 *
 * The state file is rewritten (atomically) every time something is created, so that `down`
 * after a crash in the middle of `up` knows every daemon, namespace, veth and directory.
 */
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  closeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SandboxError } from "./exec";
import { isAlive, readPidfile } from "./procs";
import { sleep, waitFor } from "./wait";

/** Tunnel protocol OVN uses between chassis. */
export type EncapType = "geneve" | "vxlan";

/** One daemon the sandbox started. */
export interface DaemonInfo {
  /** Program name: ovsdb-server, ovs-vswitchd, ovn-northd, ovn-controller. */
  program: string;
  /** Role inside its host or the central: "ovsdb-server", "ovs-vswitchd", "nb", "sb", "northd", "ovn-controller". */
  role: string;
  /** Network namespace the daemon runs in. */
  namespace: string;
  /** Process id; absent until the daemon has started. */
  pid?: number;
  pidfile: string;
  logfile: string;
  /** unixctl socket for `ovs-appctl -t` / `ovn-appctl -t`. */
  ctl: string;
  /** How it was started (program arguments, environment), so that it can be restarted the same way. */
  start?: { args: string[]; env?: Record<string, string>; unixctlOption: boolean };
}

/** Two ways to reach one OVSDB database. */
export interface Remotes {
  /** `unix:/…/db.sock`: works from any namespace, including the root one. */
  unix: string;
  /** `tcp:IP:PORT` on the underlay: reachable only from the sandbox's namespaces. */
  tcp: string;
}

/** A simulated hypervisor: one network namespace with its own ovsdb-server and ovs-vswitchd. */
export interface HostInfo {
  /** h1, h2, … */
  name: string;
  namespace: string;
  /** Directory holding the host's database, sockets, pidfiles and logs (`OVS_RUNDIR`). */
  runDir: string;
  /** The host's underlay address (on `br-phy`), also its OVN encap IP. */
  underlayIp: string;
  /** Underlay NIC inside the host namespace (a port of br-phy). */
  underlayNic: string;
  /** Peer of the NIC inside the net namespace (a port of the underlay Linux bridge). */
  underlayPeer: string;
  /** vswitch database remotes. */
  remotes: Remotes;
  /** OpenFlow management socket pattern of a bridge: replace BRIDGE, e.g. `unix:DIR/h1/br-int.mgmt`. */
  bridgeMgmt: string;
  /** OVN chassis name (`external_ids:system-id`) when OVN is enabled. */
  systemId?: string;
  daemons: DaemonInfo[];
  /** Convenience copy of the daemons' PIDs, keyed by role. */
  pids: Record<string, number>;
  /** Ready-to-paste command prefixes. */
  tools: Record<string, string>;
}

/** OVN central: NB and SB databases plus ovn-northd, in the net namespace. */
export interface CentralInfo {
  namespace: string;
  runDir: string;
  ip: string;
  nbRemote: Remotes;
  sbRemote: Remotes;
  daemons: DaemonInfo[];
  pids: Record<string, number>;
  tools: Record<string, string>;
}

/** A container: a network namespace with one veth into a host namespace. */
export interface ContainerInfo {
  name: string;
  /** Host name (h1, …) the container lives on. */
  host: string;
  /** Container network namespace (`ip netns exec NAMESPACE …`). */
  namespace: string;
  /** Host namespace, where {@link ContainerInfo.hostVeth} lives. */
  hostNamespace: string;
  /** Host-side veth: the name to give `ovs-vsctl add-port`. */
  hostVeth: string;
  /** Interface name inside the container (always eth0). */
  ifname: string;
  /** MAC address of the container's interface. */
  mac: string;
  /** Address in CIDR form, if one was assigned. */
  ip?: string;
  gateway?: string;
  mtu: number;
  /** Bridge the port was attached to when `attach` was requested. */
  bridge?: string;
  attached: boolean;
  ifaceId?: string;
}

/** Options a sandbox was started with (after defaults). */
export interface ResolvedOptions {
  hosts: number;
  ovn: boolean;
  encap: EncapType;
  underlayMtu: number;
  /** An external network (namespace `sbx-NAME.ext`) joined to each host's `br-ex`. */
  external: boolean;
}

/**
 * The external network of a sandbox started with `external: true`: a namespace standing for the
 * outside world, whose Linux bridge holds the external router/server address, and per host a veth
 * from the host's OVS bridge `br-ex` (port `ext0`) to that bridge (port named after the host).
 */
export interface ExternalInfo {
  /** `sbx-NAME.ext`: run servers and clients of the outside world here (`execIn`, `ping`, `tcpAnswers`). */
  namespace: string;
  /** Linux bridge in {@link ExternalInfo.namespace} that holds {@link ExternalInfo.ip}: `br-ext`. */
  bridge: string;
  /** OVS bridge of each host holding its external NIC `ext0`: `br-ex`; map a physical network to it. */
  providerBridge: string;
  /** `203.0.113.0/24` (TEST-NET-3). */
  cidr: string;
  /** The external router/server: `203.0.113.1`. */
  ip: string;
}

/** Everything about a running sandbox; also the content of `DIR/state.json`. */
export interface SandboxInfo {
  version: 1;
  name: string;
  /** Sandbox directory (state file, one sub-directory per host, `central/`). */
  dir: string;
  /** Path of the state file. */
  stateFile: string;
  /** Prefix of every network namespace of this sandbox. */
  prefix: string;
  /** "starting" while `up` runs, "ready" when it finished, "failed" when it failed and rolled back. */
  phase: "starting" | "ready" | "failed";
  /** PID of the process that ran `up` (to tell a crashed `up` from a running one). */
  ownerPid: number;
  createdAt: string;
  options: ResolvedOptions;
  underlay: {
    /** e.g. 10.200.17.0/24 */
    subnet: string;
    /** The N of 10.200.N.0/24, unique among the sandboxes of this machine. */
    index: number;
    /** The namespace holding the underlay Linux bridge (and the OVN central). */
    netns: string;
    /** Name of the Linux bridge in {@link SandboxInfo.underlay.netns}. */
    bridge: string;
    /** Address of the bridge itself (.254); the OVN central listens on it. */
    bridgeIp: string;
    mtu: number;
    /** TCP ports: host vswitch databases, OVN NB, OVN SB. */
    ports: { ovsdb: number; nb: number; sb: number };
  };
  hosts: HostInfo[];
  central?: CentralInfo;
  /** The external network, when started with `external: true`. */
  external?: ExternalInfo;
  containers: ContainerInfo[];
  /** Every namespace created (or about to be), in creation order. */
  namespaces: string[];
  /** Every veth pair created: `namespace/name <-> peerNamespace/peer`. */
  veths: { namespace: string; name: string; peerNamespace: string; peer: string }[];
  /** Every directory created (removed by `down`). */
  dirs: string[];
  /** How to point the command-line tools at the sandbox. */
  env: Record<string, string>;
  /** Set when the last `up` failed. */
  error?: string;
}

/** Sandbox names: lowercase letters, digits and dashes, at most 16 characters. */
export const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/;
/** Container names: at most 15 characters (the default host-side veth name). */
export const CONTAINER_RE = /^[a-z0-9][a-z0-9_-]{0,14}$/;

/** Throws unless `name` is a valid sandbox name. */
export function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new SandboxError(
      `invalid sandbox name ${JSON.stringify(name)}: use 1-16 characters a-z, 0-9 and "-" (not at either end)`,
    );
  }
}

/** Namespace prefix of a sandbox, e.g. `sbx-default.`; the dot cannot occur in a name, so prefixes never nest. */
export const nsPrefix = (name: string): string => `sbx-${name}.`;

/** Root directory for sandboxes and the registry: `$PULUMI_OVS_SANDBOX_DIR` or `/tmp/pulumi-ovs-sandbox`. */
export function sandboxRoot(): string {
  return resolve(process.env.PULUMI_OVS_SANDBOX_DIR || "/tmp/pulumi-ovs-sandbox");
}

/** Default directory of sandbox `name`. */
export const defaultDir = (name: string): string => join(sandboxRoot(), name);

const registryDir = (): string => join(sandboxRoot(), ".registry");
const registryFile = (name: string): string => join(registryDir(), `${name}.json`);

/** Stable starting point for the underlay subnet index: FNV-1a of the name, mapped to 1..250. */
export function preferredIndex(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name, "utf8")) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 250) + 1;
}

/** TCP ports of sandbox number `index`: unique per sandbox, so remotes never look alike. */
export const portsFor = (index: number): { ovsdb: number; nb: number; sb: number } => ({
  ovsdb: 20000 + index * 10,
  nb: 20000 + index * 10 + 1,
  sb: 20000 + index * 10 + 2,
});

/** Writes the state file atomically (temp file + rename), refreshing the derived `pids` maps. */
export function saveState(info: SandboxInfo): void {
  for (const owner of [...info.hosts, ...(info.central ? [info.central] : [])]) {
    owner.pids = {};
    for (const d of owner.daemons) if (d.pid !== undefined) owner.pids[d.role] = d.pid;
  }
  const tmp = `${info.stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + "\n");
  renameSync(tmp, info.stateFile);
}

/** Reads a state file; undefined if it does not exist, throws if it is corrupt. */
export function readState(stateFile: string): SandboxInfo | undefined {
  let text: string;
  try {
    text = readFileSync(stateFile, "utf8");
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as SandboxInfo;
    if (s.version !== 1 || typeof s.name !== "string" || !Array.isArray(s.hosts))
      throw new Error("bad shape");
    return s;
  } catch (e) {
    throw new SandboxError(`state file ${stateFile} is corrupt (${(e as Error).message}); remove it by hand`);
  }
}

/** Registry entry: where sandbox `name` lives. */
interface RegistryEntry {
  name: string;
  dir: string;
  index: number;
}

/** Records sandbox `name` in the registry (so that its subnet is reserved and `loadSandbox(name)` finds it). */
export function register(entry: RegistryEntry): void {
  mkdirSync(registryDir(), { recursive: true });
  const tmp = `${registryFile(entry.name)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(entry) + "\n");
  renameSync(tmp, registryFile(entry.name));
}

/** Removes sandbox `name` from the registry. */
export function unregister(name: string): void {
  rmSync(registryFile(name), { force: true });
}

/** Registry entry of `name`, if any. */
export function lookup(name: string): RegistryEntry | undefined {
  try {
    return JSON.parse(readFileSync(registryFile(name), "utf8")) as RegistryEntry;
  } catch {
    return undefined;
  }
}

/** All registry entries. */
export function registryEntries(): RegistryEntry[] {
  let files: string[];
  try {
    files = readdirSync(registryDir());
  } catch {
    return [];
  }
  const out: RegistryEntry[] = [];
  for (const f of files) {
    if (!f.endsWith(".json")) continue;
    const e = lookup(f.slice(0, -5));
    if (e) out.push(e);
  }
  return out;
}

/** Directory of sandbox `name`: from the registry, else the default. */
export function dirOf(name: string): string {
  return lookup(name)?.dir ?? defaultDir(name);
}

const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding an exclusive lock: calls in this process queue up, and across processes a
 * lock file (`O_EXCL`, holder PID inside) is held. A lock file whose holder is dead is taken
 * over. Waits up to `timeoutMs` for a live holder.
 */
export async function withLock<T>(
  path: string,
  what: string,
  fn: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<T> {
  const prev = inProcess.get(path) ?? Promise.resolve();
  const mine = prev.catch(() => undefined).then(() => withFileLock(path, what, fn, timeoutMs));
  const tail = mine.catch(() => undefined);
  inProcess.set(path, tail);
  try {
    return await mine;
  } finally {
    if (inProcess.get(path) === tail) inProcess.delete(path);
  }
}

async function withFileLock<T>(
  path: string,
  what: string,
  fn: () => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  // A holder that is gone (or our own PID: a leaked lock, since calls in this process are
  // serialized above) leaves a stale lock; so may a holder writing its PID this instant.
  const stale = (): boolean => {
    const holder = readPidfile(path);
    return holder === undefined || holder === process.pid || !isAlive(holder);
  };
  await waitFor(
    async () => {
      try {
        const fd = openSync(path, "wx");
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      if (stale()) {
        // Take a stale lock over only if it is still stale a moment later.
        await sleep(10);
        if (stale()) rmSync(path, { force: true });
      }
      return false;
    },
    timeoutMs,
    () => `${what}: timed out waiting for lock ${path} held by PID ${readPidfile(path) ?? "?"}`,
    50,
  );
  try {
    return await fn();
  } finally {
    if (readPidfile(path) === process.pid) rmSync(path, { force: true });
  }
}

/** Lock path for sandbox `name` (outside its directory, which `down` removes). */
export const sandboxLock = (name: string): string => join(registryDir(), `${name}.lock`);
/** Lock path for allocating subnet indexes. */
export const allocLock = (): string => join(registryDir(), ".alloc.lock");
