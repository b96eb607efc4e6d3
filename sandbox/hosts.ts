/**
 * The simulated hypervisors of a sandbox: the underlay Linux bridge in the net namespace, and per
 * host a namespace with a veth into it, an ovsdb-server and an ovs-vswitchd (userspace datapath)
 * whose br-phy holds the underlay address.
 */
import { join } from "node:path";
import {
  UNDERLAY_BRIDGE,
  UNDERLAY_NIC,
  VSWITCH_SCHEMA,
  checkAbort,
  launch,
  vsctlArgv,
  type Ctx,
} from "./context";
import { daemonError, waitSocket } from "./daemons";
import { providerBridgeTxn } from "./external";
import { run, runOk } from "./exec";
import { addVeth, ipIn, linkInfo, txOff } from "./netns";
import { isAlive } from "./procs";
import type { CentralInfo, DaemonInfo, HostInfo, SandboxInfo } from "./state";
import { waitFor } from "./wait";

export function planHost(info: SandboxInfo, k: number): HostInfo {
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

export async function setupUnderlayBridge(ctx: Ctx): Promise<void> {
  checkAbort(ctx);
  const { netns, mtu, bridgeIp } = ctx.info.underlay;
  const br = UNDERLAY_BRIDGE;
  await ipIn(netns, "creating the underlay bridge", "link", "add", br, "mtu", String(mtu), "type", "bridge");
  const cidr = `${bridgeIp}/24`;
  await ipIn(netns, "addressing the underlay bridge", "addr", "add", cidr, "dev", UNDERLAY_BRIDGE);
  await ipIn(netns, "bringing up the underlay bridge", "link", "set", UNDERLAY_BRIDGE, "up");
  await txOff(netns, UNDERLAY_BRIDGE);
}

export async function connectHostToUnderlay(ctx: Ctx, h: HostInfo): Promise<void> {
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
export async function startHostDb(ctx: Ctx, h: HostInfo): Promise<void> {
  checkAbort(ctx);
  const { options, underlay } = ctx.info;
  const db = join(h.runDir, "conf.db");
  await runOk(`${h.name}: ovsdb-tool create`, ["ovsdb-tool", "create", db, VSWITCH_SCHEMA]);
  const sock = h.remotes.unix.slice("unix:".length);
  const d = await launch(ctx, {
    owner: h.name,
    at: h,
    program: "ovsdb-server",
    args: [db, `--remote=punix:${sock}`, "--remote=db:Open_vSwitch,Open_vSwitch,manager_options"],
  });
  await waitSocket(d, h.name, sock);
  ctx.log(`${h.name}: ovsdb-server pid ${d.pid}`);
  const txn = ["--no-wait", "--", "init"];
  txn.push("--", "add-br", "br-phy");
  txn.push("--", "set", "bridge", "br-phy", "datapath_type=netdev", "fail_mode=standalone");
  txn.push("--", "set", "interface", "br-phy", `mtu_request=${underlay.mtu}`);
  txn.push("--", "add-port", "br-phy", h.underlayNic);
  if (options.external) txn.push(...providerBridgeTxn());
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
export async function startVswitchd(ctx: Ctx, h: HostInfo): Promise<void> {
  const d = await launch(ctx, {
    owner: h.name,
    at: h,
    program: "ovs-vswitchd",
    args: [h.remotes.unix],
    env: { OVS_RUNDIR: h.runDir },
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
  await waitFor(
    async () => {
      if (d.pid !== undefined && !isAlive(d.pid)) throw daemonError(d, h.name, `died (PID ${d.pid})`);
      return (await linkInfo(h.namespace, dev)) !== undefined;
    },
    ctx.timeoutMs,
    () => daemonError(d, h.name, `did not create device ${dev} in ${h.namespace}`),
    20,
  );
}
