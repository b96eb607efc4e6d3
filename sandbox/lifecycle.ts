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
 * sbx-NAME.ext   with `external: true`: br-ext 203.0.113.1/24 (Linux bridge, MTU 1500), ports h1, h2, …
 *                each a veth to ext0 in a host namespace, a port of the host's OVS bridge br-ex
 * sbx-NAME.CNAME containers made by addContainer: eth0 <-> veth CNAME in a host namespace
 * ```
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join, resolve } from "node:path";
import {
  OVN_SCHEMAS,
  UNDERLAY_BRIDGE,
  VSWITCH_SCHEMA,
  allSettled,
  createNamespace,
  makeDir,
  requireRoot,
  type Ctx,
} from "./context";
import { daemonError, startDaemon } from "./daemons";
import { SandboxError, run, which } from "./exec";
import { connectHostToExternal, planExternal, setupExternalBridge } from "./external";
import { connectHostToUnderlay, planHost, setupUnderlayBridge, startHostDb, startVswitchd } from "./hosts";
import { delNetns, listNetns } from "./netns";
import { planCentral, startController, startOvnCentral, waitController } from "./ovn";
import { SERVER_COMMS, serversDir } from "./servers";
import { findDaemonsUsing, readPidfile, terminate } from "./procs";
import {
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
  type EncapType,
  type ResolvedOptions,
  type SandboxInfo,
} from "./state";
import { currentState, daemonStatuses, isHealthy } from "./status";

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
  /**
   * Add an external network: namespace `sbx-NAME.ext` standing for the outside world (Linux bridge
   * `br-ext` holding 203.0.113.1/24) and, per host, an OVS bridge `br-ex` whose port `ext0` is a
   * veth into it. No bridge mappings are set: map a physical network to `br-ex` with
   * `ovn.ChassisConfig` `bridgeMappings`. Default false.
   */
  external?: boolean;
  /** Progress messages (e.g. `console.error`); default silent. */
  log?: (message: string) => void;
  /** Limit for each readiness wait, in milliseconds; default 30000. */
  timeoutMs?: number;
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

const MAX_HOSTS = 32;
const MAX_DIR_LEN = 80; // unix socket paths (DIR/hNN/BRIDGE.mgmt) must stay under 108 bytes

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

/** Checks the options of {@link startSandbox} and fills in the defaults. */
export function resolveOptions(opts: SandboxOptions): ResolvedOptions {
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
  return { hosts, ovn: opts.ovn ?? true, encap, underlayMtu, external: opts.external ?? false };
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
      // State files written before the external network existed have no `external` option.
      const old: Partial<ResolvedOptions> = existing.options;
      const same = isDeepStrictEqual({ ...old, external: old.external ?? false }, options);
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
      if (options.external) s.external = planExternal(s);
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
      const ext = info.external;
      await allSettled(ctx, [
        setupUnderlayBridge(ctx),
        ext ? createNamespace(ctx, ext.namespace).then(() => setupExternalBridge(ctx, ext)) : undefined,
        ...info.hosts.map((h) => createNamespace(ctx, h.namespace)),
      ]);
      say(`namespaces and underlay ${info.underlay.subnet} ready${ext ? `, external ${ext.cidr}` : ""}`);
      const central = info.central;
      await allSettled(ctx, [
        central ? startOvnCentral(ctx, central).then(() => say("OVN central up")) : undefined,
        ...info.hosts.map(async (h) => {
          await allSettled(ctx, [
            connectHostToUnderlay(ctx, h),
            ext ? connectHostToExternal(ctx, h, ext) : undefined,
            startHostDb(ctx, h),
          ]);
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
  for (const p of findDaemonsUsing(serversDir(dir), SERVER_COMMS)) pids.add(p);
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
