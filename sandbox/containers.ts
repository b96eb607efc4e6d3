/**
 * Containers of a sandbox: a network namespace whose eth0 is one end of a veth pair, the other end
 * in a host's namespace, ready for (or attached to) an OVS bridge; and running commands in them.
 */
import { Address4 } from "ip-address";
import { UNDERLAY_NIC, requireRoot, vsctlArgv } from "./context";
import {
  SandboxError,
  execInNs,
  pingFrom,
  run,
  runOk,
  spawnChild,
  type Child,
  type ExecResult,
  type PingOptions,
  type RunOptions,
} from "./exec";
import { EXTERNAL } from "./external";
import { addNetns, addVeth, delNetns, ipIn, linkInfo, txOff } from "./netns";
import {
  CONTAINER_RE,
  readState,
  saveState,
  sandboxLock,
  withLock,
  type ContainerInfo,
  type SandboxInfo,
} from "./state";
import { currentState } from "./status";

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

const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const RESERVED_IFNAMES = new Set([
  "lo",
  UNDERLAY_NIC,
  "br-phy",
  "br-int",
  "ovs-netdev",
  "ovs-system",
  EXTERNAL.nic,
  EXTERNAL.providerBridge,
]);
/** Container names taken by the sandbox's own namespaces (`sbx-NAME.net`, `sbx-NAME.ext`). */
const RESERVED_NAMES = new Set(["net", "ext"]);
const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** An IPv4 address, with a prefix length when `cidr` (e.g. 192.168.1.2/24), else without. */
function isIpv4(s: string, cidr: boolean): boolean {
  if (!Address4.isValid(s)) return false;
  return cidr === s.includes("/");
}

/**
 * Checks the options of {@link addContainer} that need no sandbox (names, MAC, addresses, MTU)
 * and returns the host-side port name and the MTU; throws a {@link SandboxError} naming the
 * first bad one.
 */
export function checkContainerOptions(opts: ContainerOptions): { portName: string; mtu: number } {
  if (!CONTAINER_RE.test(opts.name) || RESERVED_NAMES.has(opts.name) || /^h\d+$/.test(opts.name)) {
    throw new SandboxError(
      `invalid container name ${JSON.stringify(opts.name)}: 1-15 of a-z, 0-9, "_", "-" (and not "net", "ext" or hN)`,
    );
  }
  const portName = opts.portName ?? opts.name;
  if (!IFNAME_RE.test(portName) || RESERVED_IFNAMES.has(portName)) {
    throw new SandboxError(
      `invalid port name ${JSON.stringify(portName)}: at most 15 characters, not a reserved name`,
    );
  }
  if (opts.mac !== undefined && !MAC_RE.test(opts.mac)) throw new SandboxError(`invalid MAC ${opts.mac}`);
  if (opts.ip !== undefined && !isIpv4(opts.ip, true)) {
    throw new SandboxError(`invalid ip ${opts.ip}: use IPv4 CIDR form, e.g. 192.168.1.2/24`);
  }
  if (opts.gateway !== undefined && !isIpv4(opts.gateway, false))
    throw new SandboxError(`invalid gateway ${opts.gateway}: use an IPv4 address, e.g. 192.168.1.254`);
  const mtu = opts.mtu ?? 1500;
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 9000) throw new SandboxError(`invalid mtu ${mtu}`);
  return { portName, mtu };
}

/**
 * Creates a container on a host: namespace `sbx-SANDBOX.NAME` whose eth0 is one end of a veth
 * pair; the other end (`portName`, default the container name) sits in the host's namespace,
 * ready for `ovs-vsctl add-port` (or attached right away with `attach: true`). TX checksum
 * offload is turned off on both ends. Updates the state file and `info.containers`.
 */
export async function addContainer(info: SandboxInfo, opts: ContainerOptions): Promise<ContainerInfo> {
  requireRoot();
  const { portName, mtu } = checkContainerOptions(opts);

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

/**
 * Opens argv[3] connections to argv[1]:argv[2] one after the other (2 s timeout each) and prints
 * what each answered, one line each ("-" for a connection that failed).
 */
const TCP_CLIENT = `
import socket, sys
for _ in range(int(sys.argv[3])):
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
        print(s.recv(64).decode() or "-"); s.close()
    except OSError:
        print("-")
`;

/**
 * Opens `n` TCP connections from a container (or a namespace by name) to `target`:`port`, one after
 * the other (2 s timeout each), and returns what each answered first (up to 64 bytes), in order;
 * `"-"` for a connection that failed or closed without a word. Needs python3.
 */
export async function tcpAnswers(
  from: ContainerInfo | string,
  target: string,
  port: number,
  n: number,
): Promise<string[]> {
  const r = await execIn(from, ["python3", "-c", TCP_CLIENT, target, String(port), String(n)]);
  return r.stdout.trim().split("\n");
}

/** Listens on argv[1] and answers each connection with argv[2], then closes it. */
const TCP_LISTENER = `
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(sys.argv[2].encode()); c.close()
`;

/**
 * Starts a TCP listener in a container's namespace (or any namespace by name) that answers every
 * connection to `port` with `answer` and closes it, what {@link tcpAnswers} reads back; stop it
 * with its `stop()` (by its PID). Needs python3.
 */
export function tcpListener(on: ContainerInfo | string, port: number, answer: string): Child {
  const ns = typeof on === "string" ? on : on.namespace;
  return spawnChild(["ip", "netns", "exec", ns, "python3", "-c", TCP_LISTENER, String(port), answer]);
}
