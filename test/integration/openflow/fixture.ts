/**
 * A one-host sandbox (real ovsdb-server and ovs-vswitchd, userspace datapath, no OVN) for the
 * OpenFlow integration tests, plus small ovs-vsctl / ovs-ofctl helpers. Every test file starts its
 * own sandbox under a unique name and stops it in afterAll.
 */
import { existsSync } from "node:fs";
import { startSandbox, stopSandbox, type HostInfo, type SandboxInfo } from "../../../sandbox";
import { runOk } from "../../../sandbox/exec";
import { waitFor } from "../../../sandbox/wait";

const TOOLS = ["/usr/bin/ovs-vsctl", "/usr/sbin/ovs-vswitchd", "/usr/bin/ovs-ofctl"];
const missing = TOOLS.filter((t) => !existsSync(t));
const isRoot = process.getuid?.() === 0;
/** Whether real daemons can run here (root and the OVS packages). */
export const runnable = isRoot && missing.length === 0;
export const reason = isRoot ? `missing ${missing.join(", ")}` : "needs root";

/** A sandbox name unique per run: at most 16 of [a-z0-9-]. */
export function uniqueName(prefix: string): string {
  const tag = `${process.pid % 10000}${Math.floor(Math.random() * 1e4)}`;
  return `${prefix}${tag}`.slice(0, 16);
}

export async function startHost(name: string): Promise<{ sb: SandboxInfo; host: HostInfo }> {
  const sb = await startSandbox({ name, hosts: 1, ovn: false });
  return { sb, host: sb.hosts[0] };
}

export async function stopHost(sb: SandboxInfo | undefined, name: string): Promise<void> {
  await stopSandbox(sb ?? name);
}

export function sh(argv: string[]): Promise<string> {
  return runOk(argv[0] ?? "", argv, { timeoutMs: 30_000 });
}

export const vsctl = (h: HostInfo, ...args: string[]): Promise<string> =>
  sh(["ovs-vsctl", "--timeout=30", `--db=${h.remotes.unix}`, ...args]);

/** `unix:RUNDIR/BRIDGE.mgmt` of a bridge on the host. */
export const mgmt = (h: HostInfo, bridge: string): string => `unix:${h.runDir}/${bridge}.mgmt`;

export const ofctl = (h: HostInfo, bridge: string, command: string, ...args: string[]): Promise<string> =>
  sh(["ovs-ofctl", command, mgmt(h, bridge), ...args]);

/** `dump-flows --no-stats --names` lines of a bridge, trimmed, without the reply header. */
export async function flowLines(h: HostInfo, bridge: string, selector?: string): Promise<string[]> {
  const out = await sh([
    "ovs-ofctl",
    "--no-stats",
    "--names",
    "dump-flows",
    mgmt(h, bridge),
    ...(selector ? [selector] : []),
  ]);
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes("actions="));
}

/**
 * A netdev bridge with `internal` ports p1..pN (their ofports are 1..N, requested), waiting until
 * ovs-vswitchd has created the bridge's management socket and the ports.
 */
export async function makeBridge(
  h: HostInfo,
  bridge: string,
  opts: { failMode?: "secure" | "standalone"; ports?: number; protocols?: string; controller?: string } = {},
): Promise<void> {
  const args = ["add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev"];
  if (opts.failMode) args.push(`fail_mode=${opts.failMode}`);
  if (opts.protocols) args.push(`protocols=${opts.protocols}`);
  for (let i = 1; i <= (opts.ports ?? 0); i++) {
    args.push("--", "add-port", bridge, `${bridge}-p${i}`);
    args.push("--", "set", "interface", `${bridge}-p${i}`, "type=internal", `ofport_request=${i}`);
  }
  await vsctl(h, ...args);
  if (opts.controller) await vsctl(h, "set-controller", bridge, opts.controller);
  await waitFor(
    async () => {
      if (!existsSync(`${h.runDir}/${bridge}.mgmt`)) return false;
      const show = await sh(["ovs-ofctl", "show", mgmt(h, bridge)]).catch(() => "");
      return (show.match(/^\s*\d+\(/gm) ?? []).length >= (opts.ports ?? 0);
    },
    15_000,
    () => new Error(`bridge ${bridge} did not come up`),
  );
}
