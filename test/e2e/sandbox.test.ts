/**
 * The sandbox itself: real OVS/OVN daemons in network namespaces, packets between containers on
 * two simulated hosts, two sandboxes at once, clean teardown, recovery after a crashed daemon.
 * Needs root and the Debian packages openvswitch-switch, ovn-central, ovn-host.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { promisify } from "node:util";
import {
  SandboxError,
  addContainer,
  execIn,
  loadSandbox,
  ping,
  removeContainer,
  sandboxStatus,
  startSandbox,
  stopSandbox,
  type ContainerInfo,
  type HostInfo,
  type SandboxInfo,
} from "../../sandbox";

const execFileP = promisify(execFile);

const TOOLS = [
  "/usr/bin/ovs-vsctl",
  "/usr/sbin/ovs-vswitchd",
  "/usr/bin/ovn-nbctl",
  "/usr/bin/ovn-controller",
];
const missing = TOOLS.filter((t) => !existsSync(t));
const isRoot = process.getuid?.() === 0;
const runnable = isRoot && missing.length === 0;
if (!runnable) {
  console.warn(`sandbox e2e skipped: ${isRoot ? `missing ${missing.join(", ")}` : "needs root"}`);
}
const suite = runnable ? describe : describe.skip;

jest.setTimeout(180_000);

// Unique per run, at most 16 characters.
const tag = `${process.pid % 100000}${Date.now() % 1000}`.slice(0, 8);
const NAME_A = `ea${tag}`;
const NAME_B = `eb${tag}`;
const NAME_C = `ec${tag}`;
const ALL = [NAME_A, NAME_B, NAME_C];

async function sh(argv: string[], timeoutMs = 90_000): Promise<string> {
  const [cmd, ...args] = argv;
  const { stdout } = await execFileP(cmd as string, args, { timeout: timeoutMs });
  return stdout;
}
const vsctl = (h: HostInfo, ...args: string[]): Promise<string> =>
  sh(["ovs-vsctl", "--timeout=30", `--db=${h.remotes.unix}`, ...args]);
const nbctl = (sb: SandboxInfo, ...args: string[]): Promise<string> =>
  sh(["ovn-nbctl", `--db=${sb.central?.nbRemote.unix}`, ...args]);

function netnsList(): string[] {
  try {
    return readdirSync("/run/netns");
  } catch {
    return [];
  }
}
/** Alive = exists and not a zombie (PID 1 here reaps orphaned daemons only every few seconds). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
async function rootVeths(): Promise<string[]> {
  const out = await sh(["ip", "-j", "link", "show", "type", "veth"]);
  return (JSON.parse(out || "[]") as { ifname: string }[]).map((l) => l.ifname).sort();
}
function recordedPids(sb: SandboxInfo): number[] {
  const ds = [...sb.hosts.flatMap((h) => h.daemons), ...(sb.central?.daemons ?? [])];
  return ds.flatMap((d) => (d.pid === undefined ? [] : [d.pid]));
}

/** Asserts nothing of the sandbox is left: namespaces, processes, directory. */
function expectGone(sb: SandboxInfo): void {
  expect(netnsList().filter((n) => n.startsWith(sb.prefix))).toEqual([]);
  expect(recordedPids(sb).filter(alive)).toEqual([]);
  expect(existsSync(sb.dir)).toBe(false);
  expect(sandboxStatus(sb.name).exists).toBe(false);
}

const TCP_SERVER = [
  "import socket",
  's=socket.create_server(("",5001)); s.settimeout(20); c,_=s.accept(); c.settimeout(20); n=0',
  "while (b:=c.recv(65536)): n+=len(b)",
  "c.sendall(str(n).encode())",
].join("\n");
const TCP_CLIENT = [
  "import socket,sys",
  "s=socket.create_connection((sys.argv[1],5001),10); s.settimeout(20)",
  's.sendall(b"x"*200000); s.shutdown(1); print(s.recv(16).decode())',
].join("\n");

/** A TCP transfer of 200000 bytes from one container to another (checks checksums end to end). */
async function tcpTransfer(from: ContainerInfo, to: ContainerInfo, toIp: string): Promise<string> {
  const server = spawn("ip", ["netns", "exec", to.namespace, "python3", "-c", TCP_SERVER], {
    stdio: "ignore",
  });
  try {
    for (let i = 0; i < 100; i++) {
      const r = await execIn(to, ["ss", "-Hltn", "sport = :5001"]);
      if (r.stdout.trim()) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const client = await execIn(from, ["python3", "-c", TCP_CLIENT, toIp], { timeoutMs: 30_000 });
    return client.stdout.trim() || client.stderr.trim();
  } finally {
    server.kill("SIGKILL");
  }
}

suite("sandbox (real OVS/OVN daemons in network namespaces)", () => {
  let vethsBefore: string[] = [];
  const started: SandboxInfo[] = [];

  beforeAll(async () => {
    vethsBefore = await rootVeths();
  });

  afterAll(async () => {
    // Always tear down, whatever happened above.
    for (const name of ALL) {
      await stopSandbox(name).catch((e: unknown) => console.error(`cleanup of ${name} failed:`, e));
    }
    for (const sb of started) expect(netnsList().filter((n) => n.startsWith(sb.prefix))).toEqual([]);
  });

  let a: SandboxInfo;
  let vm1: ContainerInfo;
  let vm2: ContainerInfo;

  test("two OVN chassis: containers bound through ovs-vsctl and ovn-nbctl ping across hosts", async () => {
    const t0 = Date.now();
    a = await startSandbox({ name: NAME_A, hosts: 2, ovn: true });
    started.push(a);
    console.log(`startSandbox(2 hosts + OVN): ${Date.now() - t0} ms`);

    expect(a.phase).toBe("ready");
    expect(a.hosts.map((h) => h.name)).toEqual(["h1", "h2"]);
    expect(a.hosts[0]?.remotes.unix).toMatch(/^unix:\/.*\/h1\/db\.sock$/);
    expect(a.hosts[0]?.remotes.tcp).toMatch(/^tcp:10\.200\.\d+\.1:\d+$/);
    expect(a.central?.sbRemote.tcp).toMatch(/^tcp:10\.200\.\d+\.254:\d+$/);
    expect(JSON.parse(readFileSync(a.stateFile, "utf8")).phase).toBe("ready");
    expect(loadSandbox(NAME_A).dir).toBe(a.dir);
    expect(sandboxStatus(NAME_A).healthy).toBe(true);

    // Starting it again with the same options reuses it.
    const again = await startSandbox({ name: NAME_A, hosts: 2, ovn: true });
    expect(recordedPids(again)).toEqual(recordedPids(a));

    const [h1, h2] = a.hosts as [HostInfo, HostInfo];
    // ovn-controller created br-int as the chassis bridge.
    expect((await vsctl(h1, "get", "bridge", "br-int", "datapath_type")).trim()).toBe("netdev");
    expect((await vsctl(h1, "get", "bridge", "br-int", "fail_mode")).trim()).toBe("secure");

    vm1 = await addContainer(a, { host: "h1", name: "vm1", ip: "192.168.50.1/24", mac: "00:00:00:aa:00:01" });
    vm2 = await addContainer(a, { host: "h2", name: "vm2", ip: "192.168.50.2/24", mac: "00:00:00:aa:00:02" });
    expect(vm1.namespace).toBe(`${a.prefix}vm1`);
    expect(vm1.hostVeth).toBe("vm1");
    expect(vm1.mac).toBe("00:00:00:aa:00:01");
    expect(loadSandbox(NAME_A).containers.map((c) => c.name)).toEqual(["vm1", "vm2"]);

    await vsctl(
      h1,
      "add-port",
      "br-int",
      vm1.hostVeth,
      "--",
      "set",
      "interface",
      vm1.hostVeth,
      "external_ids:iface-id=lp1",
    );
    await vsctl(
      h2,
      "add-port",
      "br-int",
      vm2.hostVeth,
      "--",
      "set",
      "interface",
      vm2.hostVeth,
      "external_ids:iface-id=lp2",
    );
    await nbctl(a, "ls-add", "ls0");
    await nbctl(
      a,
      "lsp-add",
      "ls0",
      "lp1",
      "--",
      "lsp-set-addresses",
      "lp1",
      "00:00:00:aa:00:01 192.168.50.1",
    );
    await nbctl(
      a,
      "lsp-add",
      "ls0",
      "lp2",
      "--",
      "lsp-set-addresses",
      "lp2",
      "00:00:00:aa:00:02 192.168.50.2",
    );
    await nbctl(a, "--timeout=60", "wait-until", "Logical_Switch_Port", "lp1", "up=true");
    await nbctl(a, "--timeout=60", "wait-until", "Logical_Switch_Port", "lp2", "up=true");
    await nbctl(a, "--timeout=60", "--wait=hv", "sync");

    expect(await ping(vm1, "192.168.50.2")).toBe(true);
    expect(await ping(vm2, "192.168.50.1")).toBe(true);
    // A full 1500-byte frame crosses the tunnel (underlay MTU 1600).
    expect(await ping(vm1, "192.168.50.2", { count: 2, size: 1472, dontFragment: true })).toBe(true);
    // Nothing answers an address no port is bound to.
    expect(await ping(vm1, "192.168.50.99", { count: 2, timeoutS: 1 })).toBe(false);
    // TCP works too (TX checksum offload is off on every veth).
    expect(await tcpTransfer(vm1, vm2, "192.168.50.2")).toBe("200000");

    // execIn runs inside the namespace.
    const addr = await execIn(vm1, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]);
    expect(addr.code).toBe(0);
    expect(addr.stdout).toContain("192.168.50.1/24");
    expect((await execIn(vm1, ["false"])).code).toBe(1);
  });

  test("a second sandbox runs at the same time (no OVN, one host, TCP remote from the net namespace)", async () => {
    const b = await startSandbox({ name: NAME_B, hosts: 1, ovn: false });
    started.push(b);
    expect(b.central).toBeUndefined();
    expect(b.prefix).not.toBe(a.prefix);
    expect(b.underlay.subnet).not.toBe(a.underlay.subnet);
    expect(b.underlay.ports.ovsdb).not.toBe(a.underlay.ports.ovsdb);
    expect(b.dir).not.toBe(a.dir);

    const h1 = b.hosts[0] as HostInfo;
    expect(await vsctl(h1, "show")).toContain("Bridge br-phy");
    const overTcp = await execIn(b.underlay.netns, [
      "ovs-vsctl",
      "--timeout=10",
      `--db=${h1.remotes.tcp}`,
      "show",
    ]);
    expect(overTcp.stderr).toBe("");
    expect(overTcp.stdout).toContain("Bridge br-phy");
    const aHost = a.hosts[0] as HostInfo;
    const aTcp = await execIn(a.underlay.netns, [
      "ovs-vsctl",
      "--timeout=10",
      `--db=${aHost.remotes.tcp}`,
      "br-exists",
      "br-int",
    ]);
    expect(aTcp.code).toBe(0);

    // Plain OVS in B: two containers on one bridge, attached by addContainer.
    await vsctl(h1, "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
    const c1 = await addContainer(b, {
      host: "h1",
      name: "c1",
      ip: "10.9.0.1/24",
      bridge: "br0",
      attach: true,
    });
    const c2 = await addContainer(b, {
      host: "h1",
      name: "c2",
      ip: "10.9.0.2/24",
      bridge: "br0",
      attach: true,
    });
    expect(c1.attached).toBe(true);
    expect(await ping(c1, "10.9.0.2")).toBe(true);
    await expect(addContainer(b, { host: "h9", name: "c3" })).rejects.toThrow(/no host h9/);
    await expect(addContainer(b, { host: "h1", name: "c1" })).rejects.toThrow(/already exists/);
    await removeContainer(b, "c2");
    expect(netnsList()).not.toContain(c2.namespace);
    expect((await vsctl(h1, "list-ports", "br0")).trim()).toBe("c1");

    // A still works while B runs.
    expect(await ping(vm1, "192.168.50.2")).toBe(true);

    await stopSandbox(b);
    expectGone(b);
  });

  test("stopSandbox removes every namespace, daemon, veth and directory, and can run twice", async () => {
    const t0 = Date.now();
    const report = await stopSandbox(NAME_A);
    console.log(`stopSandbox(2 hosts + OVN + 2 containers): ${Date.now() - t0} ms`);
    expect(report.namespacesDeleted).toHaveLength(5);
    expect(report.dirRemoved).toBe(true);
    expectGone(a);
    expect(await rootVeths()).toEqual(vethsBefore);

    const second = await stopSandbox(NAME_A);
    expect(second.stopped).toEqual([]);
    expect(second.namespacesDeleted).toEqual([]);
    expect(() => loadSandbox(NAME_A)).toThrow(SandboxError);
  });

  test("after kill -9 of an ovs-vswitchd, status reports it and stopSandbox still cleans up", async () => {
    const c = await startSandbox({ name: NAME_C, hosts: 2, ovn: true, encap: "vxlan" });
    started.push(c);
    await addContainer(c, { host: "h2", name: "x1", ip: "192.168.60.1/24" });
    const victim = c.hosts[0]?.pids["ovs-vswitchd"] as number;
    expect(alive(victim)).toBe(true);
    process.kill(victim, "SIGKILL");
    for (let i = 0; i < 100 && alive(victim); i++) await new Promise((r) => setTimeout(r, 20));

    const st = sandboxStatus(NAME_C);
    expect(st.healthy).toBe(false);
    expect(st.daemons.find((d) => d.owner === "h1" && d.role === "ovs-vswitchd")?.alive).toBe(false);
    // An unhealthy sandbox is not silently reused.
    await expect(startSandbox({ name: NAME_C, hosts: 2, ovn: true, encap: "vxlan" })).rejects.toThrow(
      /unhealthy[\s\S]*h1\/ovs-vswitchd/,
    );

    // With no daemon left (what a reboot or a killed test run leaves), starting reclaims it.
    for (const d of sandboxStatus(NAME_C).daemons) if (d.alive && d.pid) process.kill(d.pid, "SIGKILL");
    for (let i = 0; i < 100 && sandboxStatus(NAME_C).daemons.some((d) => d.alive); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const again = await startSandbox({ name: NAME_C, hosts: 2, ovn: true, encap: "vxlan" });
    started.push(again);
    expect(sandboxStatus(NAME_C).healthy).toBe(true);
    expect(again.ownerPid).toBe(process.pid);

    await stopSandbox(NAME_C);
    expectGone(c);
    expect(await rootVeths()).toEqual(vethsBefore);
    await stopSandbox(NAME_C);
  });
});
