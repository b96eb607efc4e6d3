/**
 * The OVN part of a sandbox: the central (NB and SB ovsdb-servers and ovn-northd, in the net
 * namespace) and one ovn-controller per host.
 */
import { join } from "node:path";
import { OVN_SCHEMAS, allSettled, checkAbort, launch, type Ctx } from "./context";
import { daemonError, waitSocket } from "./daemons";
import { SandboxError, run, runOk } from "./exec";
import type { CentralInfo, DaemonInfo, HostInfo, SandboxInfo } from "./state";

export function planCentral(info: SandboxInfo): CentralInfo {
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

export async function startOvnCentral(ctx: Ctx, c: CentralInfo): Promise<void> {
  checkAbort(ctx);
  const dbs = (["nb", "sb"] as const).map(async (part) => {
    const db = join(c.runDir, `${part}.db`);
    await runOk(`central: ovsdb-tool create ${part}`, ["ovsdb-tool", "create", db, OVN_SCHEMAS[part]]);
    const remote = part === "nb" ? c.nbRemote : c.sbRemote;
    const sock = remote.unix.slice("unix:".length);
    const listen = `ptcp:${ctx.info.underlay.ports[part]}:${c.ip}`;
    const d = await launch(ctx, {
      owner: "central",
      at: c,
      program: "ovsdb-server",
      role: part,
      files: `ovsdb-${part}`,
      args: [db, `--remote=punix:${sock}`, `--remote=${listen}`],
    });
    await waitSocket(d, "central", sock);
  });
  await allSettled(ctx, dbs);
  await launch(ctx, {
    owner: "central",
    at: c,
    program: "ovn-northd",
    role: "northd",
    args: [`--ovnnb-db=${c.nbRemote.unix}`, `--ovnsb-db=${c.sbRemote.unix}`],
    env: { OVS_RUNDIR: c.runDir, OVN_RUNDIR: c.runDir },
  });
}

/** ovn-controller; it creates br-int itself (netdev, fail_mode=secure, disable-in-band). */
export async function startController(ctx: Ctx, h: HostInfo): Promise<void> {
  await launch(ctx, {
    owner: h.name,
    at: h,
    program: "ovn-controller",
    args: [h.remotes.unix],
    env: { OVS_RUNDIR: h.runDir, OVN_RUNDIR: h.runDir },
  });
}

/** Waits until the chassis registered in the SB database and ovs-vswitchd created br-int. */
export async function waitController(ctx: Ctx, h: HostInfo, c: CentralInfo): Promise<void> {
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

/** A tool of the central run against one of its databases (`--timeout=30`): its output, trimmed. */
async function centralTool(
  info: SandboxInfo,
  tool: string,
  remote: "nbRemote" | "sbRemote",
  args: string[],
): Promise<string> {
  if (!info.central) throw new SandboxError(`sandbox ${info.name} has no OVN central`);
  return (await runOk(tool, [tool, `--db=${info.central[remote].unix}`, "--timeout=30", ...args])).trim();
}

/** `ovn-nbctl ARGS…` against the sandbox's northbound database: its output, trimmed (throws on failure). */
export const ovnNbctl = (info: SandboxInfo, ...args: string[]): Promise<string> =>
  centralTool(info, "ovn-nbctl", "nbRemote", args);

/** `ovn-sbctl ARGS…` against the sandbox's southbound database: its output, trimmed (throws on failure). */
export const ovnSbctl = (info: SandboxInfo, ...args: string[]): Promise<string> =>
  centralTool(info, "ovn-sbctl", "sbRemote", args);
