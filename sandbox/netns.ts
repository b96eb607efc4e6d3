/** Network namespaces, veth pairs and checksum offload, through `ip` and `ethtool`. */
import { readdirSync } from "node:fs";
import { SandboxError, execInNs, run, runOk, which } from "./exec";

/** Names of the existing named network namespaces (those in /run/netns). */
export function listNetns(): string[] {
  try {
    return readdirSync("/run/netns").sort();
  } catch {
    return [];
  }
}

/** Runs `ip -n NS ARGS…`, throwing a {@link SandboxError} that starts with `what` on failure. */
export function ipIn(ns: string, what: string, ...args: string[]): Promise<string> {
  return runOk(what, ["ip", "-n", ns, ...args]);
}

/** Creates namespace `ns` and brings its loopback up. */
export async function addNetns(ns: string): Promise<void> {
  await runOk(`creating network namespace ${ns}`, ["ip", "netns", "add", ns]);
  await ipIn(ns, `bringing up lo in ${ns}`, "link", "set", "lo", "up");
}

/** Deletes the given namespaces that exist (one `ip -batch` process); returns those deleted. */
export async function delNetns(names: Iterable<string>): Promise<string[]> {
  const existing = new Set(listNetns());
  const targets = [...new Set(names)].filter((n) => existing.has(n));
  if (targets.length === 0) return [];
  await run(["ip", "-force", "-batch", "-"], { input: targets.map((n) => `netns del ${n}\n`).join("") });
  const left = new Set(listNetns());
  const stuck = targets.filter((n) => left.has(n));
  if (stuck.length > 0) throw new SandboxError(`could not delete network namespaces: ${stuck.join(", ")}`);
  return targets;
}

/**
 * Creates a veth pair: `name` inside namespace `ns`, `peer` inside `peerNs`, both with `mtu`.
 * Nothing is created in the root namespace.
 */
export async function addVeth(
  ns: string,
  name: string,
  peerNs: string,
  peer: string,
  mtu: number,
): Promise<void> {
  const m = String(mtu);
  const link = ["link", "add", name, "mtu", m, "type", "veth"];
  const peerLink = ["peer", "name", peer, "mtu", m, "netns", peerNs];
  await ipIn(ns, `creating veth ${ns}/${name} <-> ${peerNs}/${peer}`, ...link, ...peerLink);
}

// ETHTOOL_STXCSUM through SIOCETHTOOL, for machines without the ethtool program.
const TXOFF_PY = [
  "import array,fcntl,socket,struct,sys",
  'v=array.array("I",[0x17,0]); s=socket.socket()',
  'fcntl.ioctl(s,0x8946,struct.pack("16sP",sys.argv[1].encode(),v.buffer_info()[0]))',
].join("\n");

/**
 * Turns TX checksum offload off on `dev` inside `ns`. Needed on every veth end and on the
 * underlay bridge: the userspace datapath forwards packets whose checksum a veth left for
 * "hardware" to fill in, and TCP then arrives with bad checksums (ping still works).
 */
export async function txOff(ns: string, dev: string): Promise<void> {
  const ethtool = which("ethtool");
  const argv = ethtool ? [ethtool, "-K", dev, "tx", "off"] : ["python3", "-c", TXOFF_PY, dev];
  const r = await execInNs(ns, argv);
  if (r.code !== 0) {
    const hint = ethtool ? "" : " (ethtool is not installed; the python3 ioctl fallback failed)";
    throw new SandboxError(
      `turning off TX checksum offload on ${ns}/${dev} failed${hint}: ${r.stderr.trim()}`,
    );
  }
}

/** Details of one link inside a namespace (`ip -j link show`). */
export async function linkInfo(
  ns: string,
  dev: string,
): Promise<{ address: string; mtu: number; operstate: string } | undefined> {
  const r = await run(["ip", "-n", ns, "-j", "link", "show", "dev", dev]);
  if (r.code !== 0) return undefined;
  const arr = JSON.parse(r.stdout) as { address: string; mtu: number; operstate: string }[];
  return arr[0];
}
