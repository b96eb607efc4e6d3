/**
 * A sandbox: simulated hypervisors, each a network namespace running its own ovsdb-server and
 * ovs-vswitchd (userspace datapath), joined by an underlay Linux bridge in a "net" namespace,
 * optionally with an OVN central (NB, SB, ovn-northd in the net namespace) and one
 * ovn-controller per host.
 *
 * Layout of sandbox `NAME` with index N (10.200.N.0/24):
 *
 * ```
 * sbx-NAME.net   br-ul 10.200.N.254/24 (Linux bridge, MTU 1600), ports h1, h2, …
 *                OVN central: NB tcp:10.200.N.254:20000+10N+1, SB …+2 (unix sockets in DIR/central)
 * sbx-NAME.hK    eth0 (veth to br-ul) in OVS bridge br-phy (netdev) holding 10.200.N.K/24
 *                ovsdb-server unix:DIR/hK/db.sock, tcp:10.200.N.K:20000+10N
 *                ovs-vswitchd; with OVN: ovn-controller and br-int
 * sbx-NAME.CNAME containers made by addContainer: eth0 <-> veth CNAME in a host namespace
 * ```
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { daemonError, startDaemon, waitSocket } from "./daemons";
import {
  SandboxError,
  execInNs,
  pingFrom,
  run,
  runOk,
  which,
  type ExecResult,
  type PingOptions,
  type RunOptions,
} from "./exec";
import { addNetns, addVeth, delNetns, ipIn, linkInfo, listNetns, txOff } from "./netns";
import { findDaemonsUsing, isAlive, isOurs, readPidfile, terminate } from "./procs";
import {
  CONTAINER_RE,
  allocLock,
  checkName,
  defaultDir,
  dirOf,
  lookup,
  nsPrefix,
  portsFor,
  preferredIndex,
  readState,
  register,
  registryEntries,
  sandboxLock,
  saveState,
  unregister,
  withLock,
  type CentralInfo,
  type ContainerInfo,
  type DaemonInfo,
  type EncapType,
  type HostInfo,
  type ResolvedOptions,
  type SandboxInfo,
} from "./state";

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Sandbox name (1-16 of a-z, 0-9, "-"); default "default". Namespaces are named `sbx-NAME.*`. */
  name?: string;
  /** Number of simulated hosts h1…hN (1-32); default 2. */
  hosts?: number;
  /** Start an OVN central and an ovn-controller per host; default true. */
  ovn?: boolean;
  /** Sandbox directory; default `$PULUMI_OVS_SANDBOX_DIR/NAME` or `/tmp/pulumi-ovs-sandbox/NAME`. */
  baseDir?: string;
  /** OVN tunnel type between chassis; default "geneve". */
  encap?: EncapType;
  /** MTU of the underlay (bridge, veths, br-phy); default 1600 so that 1500-byte containers fit in tunnels. */
  underlayMtu?: number;
  /** Progress messages (e.g. `console.error`); default silent. */
  log?: (message: string) => void;
  /** Limit for each readiness wait, in milliseconds; default 30000. */
  timeoutMs?: number;
}

/** Options of {@link addContainer}. */
export interface ContainerOptions {
  /** Host name (h1, h2, …) whose namespace gets the host end of the veth. */
  host: string;
  /** Container name (1-15 of a-z, 0-9, "_", "-"); the namespace is `sbx-SANDBOX.NAME`. */
  name: string;
  /** Bridge for `attach`; default br-int when the sandbox runs OVN. */
  bridge?: string;
  /** MAC of the container's eth0; default random. */
  mac?: string;
  /** Address of eth0 in CIDR form, e.g. 192.168.1.2/24. */
  ip?: string;
  /** Default gateway inside the container. */
  gateway?: string;
  /** MTU of both veth ends; default 1500. */
  mtu?: number;
  /** Name of the host-side veth (max 15 characters); default the container name. */
  portName?: string;
  /**
   * Add the host-side veth to `bridge` with `ovs-vsctl add-port` (and set
   * `external_ids:iface-id` when `ifaceId` is given). Default false: only the namespace and the
   * veth are created and the caller attaches the port (ovs-vsctl, or the Pulumi resources).
   */
  attach?: boolean;
  /** `external_ids:iface-id` to set when attaching (binds the port to an OVN logical port). */
  ifaceId?: string;
}

/** What {@link stopSandbox} did. */
export interface StopReport {
  name: string;
  dir: string;
  /** PIDs that were signalled. */
  stopped: number[];
  namespacesDeleted: string[];
  dirRemoved: boolean;
}

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

const UNDERLAY_BRIDGE = "br-ul";
const UNDERLAY_NIC = "eth0";
const MAX_HOSTS = 32;
const MAX_DIR_LEN = 80; // unix socket paths (DIR/hNN/BRIDGE.mgmt) must stay under 108 bytes
const VSWITCH_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";
const OVN_SCHEMAS = { nb: "/usr/share/ovn/ovn-nb.ovsschema", sb: "/usr/share/ovn/ovn-sb.ovsschema" };
const RESERVED_IFNAMES = new Set(["lo", UNDERLAY_NIC, "br-phy", "br-int", "ovs-netdev", "ovs-system"]);

/** Throws unless running as root. */
export function requireRoot(): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new SandboxError(
      "the sandbox needs root (it creates network namespaces and veths and runs OVS daemons): run it as root or with sudo",
    );
  }
}

function requireTools(ovn: boolean): void {
  const progs = ["ip", "ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl"];
  if (ovn) progs.push("ovn-northd", "ovn-controller", "ovn-nbctl", "ovn-sbctl");
  const missing = progs.filter((p) => !which(p));
  const files = [VSWITCH_SCHEMA, ...(ovn ? Object.values(OVN_SCHEMAS) : [])].filter((f) => !existsSync(f));
  if (missing.length > 0 || files.length > 0) {
    throw new SandboxError(
      `missing ${[...missing, ...files].join(", ")}: install the Debian packages openvswitch-switch` +
        (ovn ? ", ovn-central and ovn-host" : ""),
    );
  }
}

function resolveOptions(opts: SandboxOptions): ResolvedOptions {
  const hosts = opts.hosts ?? 2;
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
    throw new SandboxError(`hosts must be an integer from 1 to ${MAX_HOSTS}, got ${hosts}`);
  }
  const encap = opts.encap ?? "geneve";
  if (encap !== "geneve" && encap !== "vxlan")
    throw new SandboxError(`encap must be geneve or vxlan, got ${encap}`);
  const underlayMtu = opts.underlayMtu ?? 1600;
  if (!Number.isInteger(underlayMtu) || underlayMtu < 1280 || underlayMtu > 9000) {
    throw new SandboxError(`underlayMtu must be an integer from 1280 to 9000, got ${underlayMtu}`);
  }
  return { hosts, ovn: opts.ovn ?? true, encap, underlayMtu };
}

const vsctlArgv = (h: HostInfo, ...args: string[]): string[] => [
  "ovs-vsctl",
  "--timeout=30",
  `--db=${h.remotes.unix}`,
  ...args,
];

/** Mutable context of one `up`: the state plus a saver that keeps state.json current. */
interface Ctx {
  info: SandboxInfo;
  save: () => void;
  log: (m: string) => void;
  timeoutMs: number;
  /** Set when a parallel step failed: the other steps stop at their next check. */
  aborted: boolean;
}

class Aborted extends Error {}

/** Throws when another parallel step already failed (so no new resource gets started). */
function checkAbort(ctx: Ctx): void {
  if (ctx.aborted) throw new Aborted("aborted");
}

/**
 * Like Promise.all, but waits for every task to settle before rejecting, so that a rollback
 * never races with steps still creating things. The first failure (not an abort) wins.
 */
async function allSettled(ctx: Ctx, tasks: (Promise<unknown> | undefined)[]): Promise<void> {
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

function daemonRecord(ns: string, runDir: string, program: string, role: string, base: string): DaemonInfo {
  return {
    program,
    role,
    namespace: ns,
    pidfile: join(runDir, `${base}.pid`),
    logfile: join(runDir, `${base}.log`),
    ctl: join(runDir, program === "ovn-controller" ? "ovn-controller.PID.ctl" : `${base}.ctl`),
  };
}

function planHost(info: SandboxInfo, k: number): HostInfo {
  const name = `h${k}`;
  const runDir = join(info.dir, name);
  const ip = `10.200.${info.underlay.index}.${k}`;
  const unix = `unix:${join(runDir, "db.sock")}`;
  return {
    name,
    namespace: `${info.prefix}${name}`,
    runDir,
    underlayIp: ip,
    underlayNic: UNDERLAY_NIC,
    underlayPeer: name,
    remotes: { unix, tcp: `tcp:${ip}:${info.underlay.ports.ovsdb}` },
    bridgeMgmt: `unix:${join(runDir, "BRIDGE.mgmt")}`,
    systemId: info.options.ovn ? name : undefined,
    daemons: [],
    pids: {},
    tools: {
      vsctl: `ovs-vsctl --db=${unix}`,
      ofctl: `ovs-ofctl show unix:${join(runDir, "br-int.mgmt")}`,
      appctl: `ovs-appctl -t ${join(runDir, "ovs-vswitchd.ctl")}`,
      exec: `ip netns exec ${info.prefix}${name}`,
    },
  };
}

function planCentral(info: SandboxInfo): CentralInfo {
  const runDir = join(info.dir, "central");
  const ip = info.underlay.bridgeIp;
  const nbUnix = `unix:${join(runDir, "nb.sock")}`;
  const sbUnix = `unix:${join(runDir, "sb.sock")}`;
  return {
    namespace: info.underlay.netns,
    runDir,
    ip,
    nbRemote: { unix: nbUnix, tcp: `tcp:${ip}:${info.underlay.ports.nb}` },
    sbRemote: { unix: sbUnix, tcp: `tcp:${ip}:${info.underlay.ports.sb}` },
    daemons: [],
    pids: {},
    tools: {
      nbctl: `ovn-nbctl --db=${nbUnix}`,
      sbctl: `ovn-sbctl --db=${sbUnix}`,
      northd: `ovn-appctl -t ${join(runDir, "ovn-northd.ctl")}`,
    },
  };
}

async function createNamespace(ctx: Ctx, ns: string): Promise<void> {
  checkAbort(ctx);
  if (!ctx.info.namespaces.includes(ns)) ctx.info.namespaces.push(ns);
  ctx.save();
  await addNetns(ns);
}

function makeDir(ctx: Ctx, dir: string): void {
  if (!ctx.info.dirs.includes(dir)) ctx.info.dirs.push(dir);
  ctx.save();
  mkdirSync(dir, { recursive: true });
}

async function setupUnderlayBridge(ctx: Ctx): Promise<void> {
  checkAbort(ctx);
  const { netns, mtu, bridgeIp } = ctx.info.underlay;
  const br = UNDERLAY_BRIDGE;
  await ipIn(netns, "creating the underlay bridge", "link", "add", br, "mtu", String(mtu), "type", "bridge");
  const cidr = `${bridgeIp}/24`;
  await ipIn(netns, "addressing the underlay bridge", "addr", "add", cidr, "dev", UNDERLAY_BRIDGE);
  await ipIn(netns, "bringing up the underlay bridge", "link", "set", UNDERLAY_BRIDGE, "up");
  await txOff(netns, UNDERLAY_BRIDGE);
}

async function connectHostToUnderlay(ctx: Ctx, h: HostInfo): Promise<void> {
  checkAbort(ctx);
  const { netns, mtu } = ctx.info.underlay;
  ctx.info.veths.push({
    namespace: h.namespace,
    name: h.underlayNic,
    peerNamespace: netns,
    peer: h.underlayPeer,
  });
  ctx.save();
  await addVeth(h.namespace, h.underlayNic, netns, h.underlayPeer, mtu);
  const master = ["master", UNDERLAY_BRIDGE];
  await ipIn(netns, `attaching ${h.name} to the underlay`, "link", "set", h.underlayPeer, ...master, "up");
  await ipIn(h.namespace, `bringing up ${h.namespace}/${h.underlayNic}`, "link", "set", h.underlayNic, "up");
  await Promise.all([txOff(h.namespace, h.underlayNic), txOff(netns, h.underlayPeer)]);
}

/** ovsdb-server for a host, then `init` with br-phy (and the OVN settings) in one transaction. */
async function startHostDb(ctx: Ctx, h: HostInfo): Promise<void> {
  checkAbort(ctx);
  const { options, underlay } = ctx.info;
  const db = join(h.runDir, "conf.db");
  await runOk(`${h.name}: ovsdb-tool create`, ["ovsdb-tool", "create", db, VSWITCH_SCHEMA]);
  checkAbort(ctx);
  const d = daemonRecord(h.namespace, h.runDir, "ovsdb-server", "ovsdb-server", "ovsdb-server");
  h.daemons.push(d);
  const sock = h.remotes.unix.slice("unix:".length);
  await startDaemon({
    daemon: d,
    owner: h.name,
    args: [db, `--remote=punix:${sock}`, "--remote=db:Open_vSwitch,Open_vSwitch,manager_options"],
    unixctlOption: true,
    record: ctx.save,
  });
  await waitSocket(d, h.name, sock);
  ctx.log(`${h.name}: ovsdb-server pid ${d.pid}`);
  const txn = ["--no-wait", "--", "init"];
  txn.push("--", "add-br", "br-phy");
  txn.push("--", "set", "bridge", "br-phy", "datapath_type=netdev", "fail_mode=standalone");
  txn.push("--", "set", "interface", "br-phy", `mtu_request=${underlay.mtu}`);
  txn.push("--", "add-port", "br-phy", h.underlayNic);
  txn.push("--", "set", "open_vswitch", ".", `external_ids:hostname=${h.name}`);
  if (options.ovn) {
    const central = ctx.info.central as CentralInfo;
    txn.push(
      `external_ids:system-id=${h.systemId}`,
      `external_ids:ovn-remote=${central.sbRemote.tcp}`,
      `external_ids:ovn-encap-type=${options.encap}`,
      `external_ids:ovn-encap-ip=${h.underlayIp}`,
      "external_ids:ovn-bridge-datapath-type=netdev",
    );
  }
  const r = await run(vsctlArgv(h, ...txn));
  if (r.code !== 0) throw daemonError(d, h.name, "rejected the initial configuration", r.stderr);
}

/** ovs-vswitchd, the underlay IP on br-phy, and the TCP remote on it. */
async function startVswitchd(ctx: Ctx, h: HostInfo): Promise<void> {
  checkAbort(ctx);
  const d = daemonRecord(h.namespace, h.runDir, "ovs-vswitchd", "ovs-vswitchd", "ovs-vswitchd");
  h.daemons.push(d);
  await startDaemon({
    daemon: d,
    owner: h.name,
    args: [h.remotes.unix],
    env: { OVS_RUNDIR: h.runDir },
    unixctlOption: true,
    record: ctx.save,
  });
  ctx.log(`${h.name}: ovs-vswitchd pid ${d.pid}`);
  // ovs-vswitchd detaches after its first reconfiguration, so br-phy should exist already.
  await waitForLink(ctx, d, h, "br-phy");
  checkAbort(ctx);
  const cidr = `${h.underlayIp}/24`;
  await ipIn(h.namespace, `${h.name}: addressing br-phy`, "addr", "add", cidr, "dev", "br-phy");
  await ipIn(h.namespace, `${h.name}: bringing up br-phy`, "link", "set", "br-phy", "up");
  const ovsdb = h.daemons.find((x) => x.role === "ovsdb-server") as DaemonInfo;
  const listen = `ptcp:${ctx.info.underlay.ports.ovsdb}:${h.underlayIp}`;
  const r = await run(["ovs-appctl", "-t", ovsdb.ctl, "ovsdb-server/add-remote", listen]);
  if (r.code !== 0) throw daemonError(ovsdb, h.name, `refused the TCP remote ${listen}`, r.stderr);
}

async function waitForLink(ctx: Ctx, d: DaemonInfo, h: HostInfo, dev: string): Promise<void> {
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    if (await linkInfo(h.namespace, dev)) return;
    if (d.pid !== undefined && !isAlive(d.pid)) throw daemonError(d, h.name, `died (PID ${d.pid})`);
    if (Date.now() > deadline) throw daemonError(d, h.name, `did not create device ${dev} in ${h.namespace}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startCentral(ctx: Ctx, c: CentralInfo): Promise<void> {
  checkAbort(ctx);
  const dbs = (["nb", "sb"] as const).map(async (part) => {
    const db = join(c.runDir, `${part}.db`);
    await runOk(`central: ovsdb-tool create ${part}`, ["ovsdb-tool", "create", db, OVN_SCHEMAS[part]]);
    checkAbort(ctx);
    const d = daemonRecord(c.namespace, c.runDir, "ovsdb-server", part, `ovsdb-${part}`);
    c.daemons.push(d);
    const remote = part === "nb" ? c.nbRemote : c.sbRemote;
    const sock = remote.unix.slice("unix:".length);
    const listen = `ptcp:${ctx.info.underlay.ports[part]}:${c.ip}`;
    await startDaemon({
      daemon: d,
      owner: "central",
      args: [db, `--remote=punix:${sock}`, `--remote=${listen}`],
      unixctlOption: true,
      record: ctx.save,
    });
    await waitSocket(d, "central", sock);
  });
  await allSettled(ctx, dbs);
  checkAbort(ctx);
  const d = daemonRecord(c.namespace, c.runDir, "ovn-northd", "northd", "ovn-northd");
  c.daemons.push(d);
  await startDaemon({
    daemon: d,
    owner: "central",
    args: [`--ovnnb-db=${c.nbRemote.unix}`, `--ovnsb-db=${c.sbRemote.unix}`],
    env: { OVS_RUNDIR: c.runDir, OVN_RUNDIR: c.runDir },
    unixctlOption: true,
    record: ctx.save,
  });
}

/** ovn-controller; it creates br-int itself (netdev, fail_mode=secure, disable-in-band). */
async function startController(ctx: Ctx, h: HostInfo): Promise<void> {
  checkAbort(ctx);
  const d = daemonRecord(h.namespace, h.runDir, "ovn-controller", "ovn-controller", "ovn-controller");
  h.daemons.push(d);
  await startDaemon({
    daemon: d,
    owner: h.name,
    args: [h.remotes.unix],
    env: { OVS_RUNDIR: h.runDir, OVN_RUNDIR: h.runDir },
    unixctlOption: false,
    record: ctx.save,
  });
}

/** Waits until the chassis registered in the SB database and ovs-vswitchd created br-int. */
async function waitController(ctx: Ctx, h: HostInfo, c: CentralInfo): Promise<void> {
  const d = h.daemons.find((x) => x.role === "ovn-controller") as DaemonInfo;
  const t = `--timeout=${Math.ceil(ctx.timeoutMs / 1000)}`;
  const [chassis, brInt] = await Promise.all([
    run(["ovn-sbctl", t, `--db=${c.sbRemote.unix}`, "wait-until", "Chassis", h.systemId as string]),
    run(["ovs-vsctl", t, `--db=${h.remotes.unix}`, "wait-until", "Interface", "br-int", "ofport=65534"]),
  ]);
  if (chassis.code !== 0) {
    throw daemonError(d, h.name, `did not register chassis ${h.systemId} in the SB database`, chassis.stderr);
  }
  if (brInt.code !== 0) throw daemonError(d, h.name, "did not get br-int created", brInt.stderr);
}

function fillEnv(info: SandboxInfo): void {
  info.env = {};
  for (const h of info.hosts) info.env[`${h.name.toUpperCase()}_OVS_DB`] = h.remotes.unix;
  if (info.central) {
    info.env.OVN_NB_DB = info.central.nbRemote.unix;
    info.env.OVN_SB_DB = info.central.sbRemote.unix;
  }
}

/** Underlay indexes in use by other sandboxes (registry, plus live `sbx-*.net` namespaces). */
async function usedIndexes(name: string): Promise<Set<number>> {
  const used = new Set<number>();
  for (const e of registryEntries()) {
    if (e.name === name) continue;
    if (existsSync(join(e.dir, "state.json"))) used.add(e.index);
    else unregister(e.name); // stale entry: its sandbox is gone
  }
  const others = listNetns().filter(
    (n) => n.startsWith("sbx-") && n.endsWith(".net") && n !== `${nsPrefix(name)}net`,
  );
  await Promise.all(
    others.map(async (ns) => {
      const r = await run(["ip", "-n", ns, "-4", "-o", "addr", "show"]);
      for (const m of r.stdout.matchAll(/inet 10\.200\.(\d+)\./g)) used.add(Number(m[1]));
    }),
  );
  return used;
}

function isHealthy(info: SandboxInfo): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (info.phase !== "ready") problems.push(`phase is ${info.phase}`);
  for (const s of daemonStatuses(info)) {
    if (!s.alive) problems.push(`${s.owner}/${s.program} (${s.role}) is not running (log: ${s.logfile})`);
  }
  const live = new Set(listNetns());
  for (const ns of info.namespaces) if (!live.has(ns)) problems.push(`namespace ${ns} is missing`);
  return { ok: problems.length === 0, problems };
}

function daemonStatuses(info: SandboxInfo): DaemonStatus[] {
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

/**
 * Starts sandbox `opts.name` (default "default") and resolves once every daemon is ready: the
 * databases listen, every ovs-vswitchd has br-phy with the underlay IP, and with OVN every
 * chassis is registered in the SB database and has its br-int.
 *
 * If the sandbox already exists: when it is ready, healthy and started with the same options it
 * is reused (the same info is returned); when it is unhealthy or differs, this throws and asks
 * for `stopSandbox` first; leftovers of a failed or crashed `up`, and a sandbox none of whose
 * daemons runs any more (after a reboot or a killed test run), are cleaned and it starts anew.
 * If starting fails, everything started is stopped again and the error names the daemon and its
 * log file (the directory with the logs is kept until {@link stopSandbox}).
 *
 * Requires root. Progress goes to `opts.log`.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxInfo> {
  requireRoot();
  const name = opts.name ?? "default";
  checkName(name);
  const options = resolveOptions(opts);
  requireTools(options.ovn);
  const dir = resolve(opts.baseDir ?? defaultDir(name));
  if (dir.length > MAX_DIR_LEN) {
    throw new SandboxError(
      `sandbox directory ${dir} is too long (max ${MAX_DIR_LEN} characters; unix socket paths)`,
    );
  }
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const say = (m: string): void => log(`[${((Date.now() - t0) / 1000).toFixed(2)}s] ${m}`);

  return withLock(sandboxLock(name), `sandbox ${name}`, async () => {
    const registered = lookup(name);
    if (registered && registered.dir !== dir && existsSync(join(registered.dir, "state.json"))) {
      throw new SandboxError(
        `sandbox ${name} already exists in ${registered.dir}; stop it first (down --name ${name})`,
      );
    }
    const stateFile = join(dir, "state.json");
    const existing = readState(stateFile);
    // A ready sandbox none of whose daemons runs is what a reboot or a killed run leaves behind:
    // nothing can be using it, so it is cleaned below like the leftovers of a failed start.
    const dead = existing !== undefined && daemonStatuses(existing).every((d) => !d.alive);
    if (existing && existing.phase === "ready" && !dead) {
      const same = JSON.stringify(existing.options) === JSON.stringify(options);
      const health = isHealthy(existing);
      if (same && health.ok) {
        say(`sandbox ${name} is already running; reusing it`);
        return existing;
      }
      const why = same ? `is unhealthy:\n  ${health.problems.join("\n  ")}` : "runs with different options";
      throw new SandboxError(
        `sandbox ${name} already exists (${dir}) and ${why}\nstop it first: stopSandbox("${name}") / sandbox down --name ${name}`,
      );
    }
    if (existing || listNetns().some((n) => n.startsWith(nsPrefix(name)))) {
      say(`cleaning leftovers of an earlier ${name} sandbox`);
      await teardown(name, dir, existing);
    } else if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new SandboxError(
        `${dir} exists, is not empty and holds no sandbox state; choose another baseDir`,
      );
    }

    const info = await withLock(allocLock(), "allocating an underlay subnet", async () => {
      const used = await usedIndexes(name);
      let index = preferredIndex(name);
      for (let i = 0; used.has(index); i++) {
        if (i >= 250) throw new SandboxError("no free underlay subnet 10.200.N.0/24 left (250 sandboxes?)");
        index = (index % 250) + 1;
      }
      const prefix = nsPrefix(name);
      const s: SandboxInfo = {
        version: 1,
        name,
        dir,
        stateFile,
        prefix,
        phase: "starting",
        ownerPid: process.pid,
        createdAt: new Date().toISOString(),
        options,
        underlay: {
          subnet: `10.200.${index}.0/24`,
          index,
          netns: `${prefix}net`,
          bridge: UNDERLAY_BRIDGE,
          bridgeIp: `10.200.${index}.254`,
          mtu: options.underlayMtu,
          ports: portsFor(index),
        },
        hosts: [],
        containers: [],
        namespaces: [],
        veths: [],
        dirs: [dir],
        env: {},
      };
      mkdirSync(dir, { recursive: true });
      if (options.ovn) s.central = planCentral(s);
      for (let k = 1; k <= options.hosts; k++) s.hosts.push(planHost(s, k));
      fillEnv(s);
      saveState(s);
      register({ name, dir, index });
      return s;
    });

    const ctx: Ctx = {
      info,
      save: () => saveState(info),
      log: say,
      timeoutMs: opts.timeoutMs ?? 30_000,
      aborted: false,
    };
    try {
      await createNamespace(ctx, info.underlay.netns);
      for (const h of info.hosts) makeDir(ctx, h.runDir);
      if (info.central) makeDir(ctx, info.central.runDir);
      await allSettled(ctx, [
        setupUnderlayBridge(ctx),
        ...info.hosts.map((h) => createNamespace(ctx, h.namespace)),
      ]);
      say(`namespaces and underlay ${info.underlay.subnet} ready`);
      const central = info.central;
      await allSettled(ctx, [
        central ? startCentral(ctx, central).then(() => say("OVN central up")) : undefined,
        ...info.hosts.map(async (h) => {
          await allSettled(ctx, [connectHostToUnderlay(ctx, h), startHostDb(ctx, h)]);
          await startVswitchd(ctx, h);
          say(`${h.name}: ovsdb-server and ovs-vswitchd up (${h.underlayIp})`);
        }),
      ]);
      if (central) {
        await allSettled(
          ctx,
          info.hosts.map((h) => startController(ctx, h)),
        );
        await allSettled(
          ctx,
          info.hosts.map((h) => waitController(ctx, h, central)),
        );
        say("ovn-controllers registered, br-int ready");
      }
      info.phase = "ready";
      ctx.save();
      say(`sandbox ${name} ready`);
      return info;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      say(`start failed, rolling back: ${message.split("\n")[0]}`);
      info.phase = "failed";
      info.error = message;
      ctx.save();
      try {
        await teardown(name, dir, info, { keepDir: true });
      } catch (e) {
        throw new SandboxError(`${message}\n(rollback also failed: ${(e as Error).message})`, { cause: err });
      }
      throw err;
    }
  });
}

/** Stops everything of a sandbox; see {@link stopSandbox}. Caller holds the sandbox lock. */
async function teardown(
  name: string,
  dir: string,
  info: SandboxInfo | undefined,
  opts: { keepDir?: boolean } = {},
): Promise<StopReport> {
  const pids = new Set<number>();
  const owners = info
    ? [...info.hosts.map((h) => h.daemons), ...(info.central ? [info.central.daemons] : [])]
    : [];
  for (const daemons of owners) {
    for (const d of daemons) {
      if (d.pid !== undefined) pids.add(d.pid);
      const fromFile = readPidfile(d.pidfile);
      if (fromFile !== undefined) pids.add(fromFile);
    }
  }
  // Pidfiles not (yet) in the state, and daemons whose pidfile is gone.
  for (const sub of safeReaddir(dir)) {
    for (const f of safeReaddir(join(dir, sub))) {
      if (f.endsWith(".pid")) {
        const p = readPidfile(join(dir, sub, f));
        if (p !== undefined) pids.add(p);
      }
    }
  }
  for (const p of findDaemonsUsing(dir)) pids.add(p);
  const { signalled, survivors } = await terminate(pids, dir);

  const prefix = nsPrefix(name);
  const nsNames = new Set([...(info?.namespaces ?? []), ...listNetns().filter((n) => n.startsWith(prefix))]);
  const namespacesDeleted = await delNetns(nsNames);

  let dirRemoved = false;
  if (!opts.keepDir && existsSync(dir)) {
    // Remove only a directory that is recognisably a sandbox's (or empty).
    if (existsSync(join(dir, "state.json")) || safeReaddir(dir).length === 0 || info?.dirs.includes(dir)) {
      rmSync(dir, { recursive: true, force: true });
      dirRemoved = true;
    }
  }
  if (!opts.keepDir && (lookup(name)?.dir ?? dir) === dir) unregister(name);
  if (survivors.length > 0) {
    throw new SandboxError(`sandbox ${name}: processes ${survivors.join(", ")} survived SIGKILL`);
  }
  return { name, dir, stopped: signalled, namespacesDeleted, dirRemoved };
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Stops a sandbox and removes everything it created: its daemons (by recorded PID, SIGTERM then
 * SIGKILL, and only processes whose command line mentions the sandbox directory), its network
 * namespaces (hosts, net, containers: their veths go with them; it also sweeps every namespace
 * with the sandbox's prefix), and its directory. Works after a crash (it reads the state file
 * and pidfiles) and is safe to run again: stopping a sandbox that does not exist does nothing.
 */
export async function stopSandbox(nameOrInfo: string | SandboxInfo = "default"): Promise<StopReport> {
  requireRoot();
  const name = typeof nameOrInfo === "string" ? nameOrInfo : nameOrInfo.name;
  checkName(name);
  const dir = typeof nameOrInfo === "string" ? dirOf(name) : nameOrInfo.dir;
  return withLock(sandboxLock(name), `sandbox ${name}`, async () => {
    const info =
      readState(join(dir, "state.json")) ?? (typeof nameOrInfo === "string" ? undefined : nameOrInfo);
    return teardown(name, dir, info);
  });
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

/**
 * Stops one daemon of a running sandbox (SIGTERM, then SIGKILL after a grace period) and starts it
 * again with the arguments it was started with, as `systemctl restart` would: for fault-injection
 * tests (ovs-vswitchd loses its OpenFlow flows, a database server drops its clients). `owner` is a
 * host name (h1, …) or "central"; `role` as in {@link DaemonInfo.role}. Returns the new PID.
 */
export async function restartDaemon(info: SandboxInfo, owner: string, role: string): Promise<number> {
  const cur = currentState(info);
  const find = (i: SandboxInfo) =>
    (owner === "central" ? i.central : i.hosts.find((h) => h.name === owner))?.daemons.find(
      (x) => x.role === role,
    );
  const d = find(cur);
  if (!d?.start) throw new SandboxError(`sandbox ${info.name} has no ${role} on ${owner} to restart`);
  if (d.pid !== undefined) {
    const { survivors } = await terminate([d.pid], cur.dir);
    if (survivors.length > 0) throw daemonError(d, owner, `did not stop (PID ${d.pid})`);
  }
  await startDaemon({ daemon: d, owner, ...d.start, record: () => saveState(cur) });
  const mine = find(info);
  if (mine) mine.pid = d.pid;
  return d.pid as number;
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

function currentState(info: SandboxInfo): SandboxInfo {
  const cur = readState(info.stateFile);
  if (!cur) throw new SandboxError(`sandbox ${info.name} is not running (no ${info.stateFile})`);
  if (cur.phase !== "ready") throw new SandboxError(`sandbox ${info.name} is not ready (phase ${cur.phase})`);
  return cur;
}

const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const CIDR_RE = /^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$/;
const IP_RE = /^(\d{1,3})(\.\d{1,3}){3}$/;

/**
 * Creates a container on a host: namespace `sbx-SANDBOX.NAME` whose eth0 is one end of a veth
 * pair; the other end (`portName`, default the container name) sits in the host's namespace,
 * ready for `ovs-vsctl add-port` (or attached right away with `attach: true`). TX checksum
 * offload is turned off on both ends. Updates the state file and `info.containers`.
 */
export async function addContainer(info: SandboxInfo, opts: ContainerOptions): Promise<ContainerInfo> {
  requireRoot();
  if (!CONTAINER_RE.test(opts.name) || opts.name === "net" || /^h\d+$/.test(opts.name)) {
    throw new SandboxError(
      `invalid container name ${JSON.stringify(opts.name)}: 1-15 of a-z, 0-9, "_", "-" (and not "net" or hN)`,
    );
  }
  const portName = opts.portName ?? opts.name;
  if (!IFNAME_RE.test(portName) || RESERVED_IFNAMES.has(portName)) {
    throw new SandboxError(
      `invalid port name ${JSON.stringify(portName)}: at most 15 characters, not a reserved name`,
    );
  }
  if (opts.mac !== undefined && !MAC_RE.test(opts.mac)) throw new SandboxError(`invalid MAC ${opts.mac}`);
  if (opts.ip !== undefined && !CIDR_RE.test(opts.ip)) {
    throw new SandboxError(`invalid ip ${opts.ip}: use CIDR form, e.g. 192.168.1.2/24`);
  }
  if (opts.gateway !== undefined && !IP_RE.test(opts.gateway))
    throw new SandboxError(`invalid gateway ${opts.gateway}`);
  const mtu = opts.mtu ?? 1500;
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 9000) throw new SandboxError(`invalid mtu ${mtu}`);

  return withLock(sandboxLock(info.name), `sandbox ${info.name}`, async () => {
    const cur = currentState(info);
    const host = cur.hosts.find((h) => h.name === opts.host);
    if (!host) {
      throw new SandboxError(
        `no host ${opts.host} in sandbox ${cur.name} (hosts: ${cur.hosts.map((h) => h.name).join(", ")})`,
      );
    }
    if (cur.containers.some((c) => c.name === opts.name)) {
      throw new SandboxError(`container ${opts.name} already exists in sandbox ${cur.name}`);
    }
    if (await linkInfo(host.namespace, portName)) {
      throw new SandboxError(
        `${host.namespace} already has a device named ${portName}; pass another portName`,
      );
    }
    const bridge = opts.bridge ?? (cur.options.ovn ? "br-int" : undefined);
    if (opts.attach && !bridge)
      throw new SandboxError("attach needs a bridge (this sandbox runs no OVN, so no br-int)");
    const ns = `${cur.prefix}${opts.name}`;
    const c: ContainerInfo = {
      name: opts.name,
      host: host.name,
      namespace: ns,
      hostNamespace: host.namespace,
      hostVeth: portName,
      ifname: "eth0",
      mac: opts.mac ?? "",
      ip: opts.ip,
      gateway: opts.gateway,
      mtu,
      bridge: opts.attach ? bridge : undefined,
      attached: false,
      ifaceId: opts.ifaceId,
    };
    cur.containers.push(c);
    cur.namespaces.push(ns);
    cur.veths.push({ namespace: host.namespace, name: portName, peerNamespace: ns, peer: "eth0" });
    saveState(cur);
    try {
      await addNetns(ns);
      await addVeth(host.namespace, portName, ns, "eth0", mtu);
      if (opts.mac) await ipIn(ns, "setting the MAC", "link", "set", "eth0", "address", opts.mac);
      if (opts.ip) await ipIn(ns, "addressing eth0", "addr", "add", opts.ip, "dev", "eth0");
      await Promise.all([
        ipIn(ns, "bringing up eth0", "link", "set", "eth0", "up"),
        ipIn(host.namespace, `bringing up ${portName}`, "link", "set", portName, "up"),
      ]);
      if (opts.gateway) {
        await ipIn(ns, "adding the default route", "route", "add", "default", "via", opts.gateway);
      }
      await Promise.all([txOff(ns, "eth0"), txOff(host.namespace, portName)]);
      c.mac = (await linkInfo(ns, "eth0"))?.address ?? c.mac;
      if (opts.attach && bridge) {
        const args = ["add-port", bridge, portName];
        if (opts.ifaceId)
          args.push("--", "set", "interface", portName, `external_ids:iface-id=${opts.ifaceId}`);
        await runOk(`attaching ${portName} to ${host.name}/${bridge}`, vsctlArgv(host, ...args));
        c.attached = true;
      }
      saveState(cur);
    } catch (err) {
      await delNetns([ns]).catch(() => undefined);
      cur.containers = cur.containers.filter((x) => x !== c);
      cur.namespaces = cur.namespaces.filter((x) => x !== ns);
      cur.veths = cur.veths.filter((v) => v.peerNamespace !== ns);
      saveState(cur);
      throw err;
    }
    info.containers = cur.containers;
    info.namespaces = cur.namespaces;
    info.veths = cur.veths;
    return c;
  });
}

/**
 * Deletes a container: its namespace (and so both veth ends). When the port was attached by
 * {@link addContainer} (or `detach` is true) its OVS port is deleted too; a port the caller
 * attached is left to the caller. Removing an unknown container does nothing.
 */
export async function removeContainer(
  info: SandboxInfo,
  name: string,
  opts: { detach?: boolean } = {},
): Promise<void> {
  requireRoot();
  await withLock(sandboxLock(info.name), `sandbox ${info.name}`, async () => {
    const cur = readState(info.stateFile);
    if (!cur) return;
    const c = cur.containers.find((x) => x.name === name);
    if (!c) return;
    const host = cur.hosts.find((h) => h.name === c.host);
    if ((opts.detach ?? c.attached) && host) {
      // Best effort: the namespace goes anyway, even if the host's database is down.
      await run(vsctlArgv(host, "--if-exists", "del-port", c.hostVeth));
    }
    await delNetns([c.namespace]);
    cur.containers = cur.containers.filter((x) => x.name !== name);
    cur.namespaces = cur.namespaces.filter((x) => x !== c.namespace);
    cur.veths = cur.veths.filter((v) => v.peerNamespace !== c.namespace);
    saveState(cur);
    info.containers = cur.containers;
    info.namespaces = cur.namespaces;
    info.veths = cur.veths;
  });
}

/** Pings `target` from a container (or any namespace by name); true when a reply arrived. */
export function ping(from: ContainerInfo | string, target: string, opts: PingOptions = {}): Promise<boolean> {
  return pingFrom(typeof from === "string" ? from : from.namespace, target, opts);
}

/**
 * Runs `argv` inside a container's namespace (or any namespace given by name, e.g. a host's
 * `info.hosts[0].namespace`) and returns `{ code, stdout, stderr }`; never throws because of the
 * exit status.
 */
export function execIn(
  from: ContainerInfo | string,
  argv: readonly string[],
  opts: RunOptions = {},
): Promise<ExecResult> {
  return execInNs(typeof from === "string" ? from : from.namespace, argv, opts);
}
