/**
 * The sandbox's external network (issue 12): `startSandbox({ external: true })` builds the outside
 * world's namespace with br-ext 203.0.113.1/24 and a br-ex per host holding ext0, a veth into it;
 * packets cross it (a probe container on h1's br-ex pings the external address and learns, from a
 * peer-echo server there, the address it was seen with); `down` leaves nothing behind, servers
 * included. Needs root and the Debian packages openvswitch-switch, ovn-central, ovn-host.
 */
import { existsSync, readdirSync } from "node:fs";
import {
  SandboxError,
  addContainer,
  execIn,
  ping,
  startPeerEcho,
  startSandbox,
  stopSandbox,
  tcpAnswers,
  type HostInfo,
  type SandboxInfo,
} from "../../../sandbox";
import { runOk } from "../../../sandbox/exec";
import { isAlive } from "../../../sandbox/procs";
import { reason, runnable, uniqueName } from "../openflow/fixture";

if (!runnable) console.warn(`external network integration skipped: ${reason}`);
const suite = runnable ? describe : describe.skip;

jest.setTimeout(120_000);

const NAME = uniqueName("ext");
const PORT = 7001;

const netns = (): string[] => (existsSync("/run/netns") ? readdirSync("/run/netns") : []);
const sh = (argv: string[]): Promise<string> => runOk(argv[0] ?? "", argv, { timeoutMs: 30_000 });
const vsctl = (h: HostInfo, ...args: string[]): Promise<string> =>
  sh(["ovs-vsctl", "--timeout=30", `--db=${h.remotes.unix}`, ...args]);

interface Link {
  ifname: string;
  mtu: number;
  address: string;
  master?: string;
  operstate: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}
async function links(ns: string): Promise<Link[]> {
  return JSON.parse(await sh(["ip", "-n", ns, "-j", "addr", "show"])) as Link[];
}
/** `tx-checksumming: off` as ethtool reports it. */
async function txChecksumming(ns: string, dev: string): Promise<string> {
  const out = await sh(["ip", "netns", "exec", ns, "ethtool", "-k", dev]);
  return /^tx-checksumming: (\w+)/m.exec(out)?.[1] ?? "?";
}

suite("sandbox external network (real daemons, namespaces and packets)", () => {
  let sb: SandboxInfo;

  beforeAll(async () => {
    sb = await startSandbox({ name: NAME, hosts: 2, external: true });
  });

  afterAll(async () => {
    await stopSandbox(NAME);
  });

  test("the state names the external network, its namespace and every new veth", () => {
    expect(sb.options.external).toBe(true);
    expect(sb.external).toEqual({
      namespace: `sbx-${NAME}.ext`,
      bridge: "br-ext",
      providerBridge: "br-ex",
      cidr: "203.0.113.0/24",
      ip: "203.0.113.1",
    });
    expect(sb.namespaces).toContain(`sbx-${NAME}.ext`);
    for (const h of sb.hosts) {
      expect(sb.veths).toContainEqual({
        namespace: h.namespace,
        name: "ext0",
        peerNamespace: `sbx-${NAME}.ext`,
        peer: h.name,
      });
    }
  });

  test("br-ext holds 203.0.113.1/24 with a fixed MAC and one port per host, MTU 1500, TX checksum offload off", async () => {
    const ns = sb.external!.namespace;
    const ls = await links(ns);
    const br = ls.find((l) => l.ifname === "br-ext");
    expect(br?.addr_info?.filter((a) => a.family === "inet")).toEqual([
      expect.objectContaining({ local: "203.0.113.1", prefixlen: 24 }),
    ]);
    expect(br?.mtu).toBe(1500);
    expect(br?.address).toBe("02:00:cb:00:71:01"); // not taken from a port: stays as hosts join
    for (const h of sb.hosts) {
      const port = ls.find((l) => l.ifname === h.name);
      expect(port).toMatchObject({ master: "br-ext", mtu: 1500, operstate: "UP" });
      expect(await txChecksumming(ns, h.name)).toBe("off");
    }
    expect(await txChecksumming(ns, "br-ext")).toBe("off");
  });

  test("each host has a netdev br-ex holding ext0 (no address, no bridge mappings)", async () => {
    for (const h of sb.hosts) {
      expect((await vsctl(h, "list-ports", "br-ex")).trim().split("\n")).toEqual(["ext0"]);
      expect((await vsctl(h, "get", "bridge", "br-ex", "datapath_type")).trim()).toBe("netdev");
      const mappings = await vsctl(
        h,
        "--if-exists",
        "get",
        "open_vswitch",
        ".",
        "external_ids:ovn-bridge-mappings",
      );
      expect(mappings.trim()).toBe("");
      const ext0 = (await links(h.namespace)).find((l) => l.ifname === "ext0");
      expect(ext0).toMatchObject({ mtu: 1500, operstate: "UP" });
      expect(ext0?.addr_info?.filter((a) => a.family === "inet") ?? []).toEqual([]);
      expect(await txChecksumming(h.namespace, "ext0")).toBe("off");
    }
  });

  test("the external namespace answers ping and TCP, and the peer-echo server reports the address it saw", async () => {
    const ext = sb.external!;
    expect(await ping(ext.namespace, ext.ip, { count: 1 })).toBe(true);
    const echo = await startPeerEcho(ext.namespace, { port: PORT });
    try {
      expect(await tcpAnswers(ext.namespace, "127.0.0.1", PORT, 2)).toEqual(["127.0.0.1", "127.0.0.1"]);
      expect(await tcpAnswers(ext.namespace, ext.ip, PORT, 1)).toEqual([ext.ip]);
      // A second server on the same port fails, names its log, and leaves the first one running.
      await expect(startPeerEcho(ext.namespace, { port: PORT })).rejects.toThrow(SandboxError);
      expect(await tcpAnswers(ext.namespace, ext.ip, PORT, 1)).toEqual([ext.ip]);
    } finally {
      await echo.stop();
    }
    expect(isAlive(echo.pid)).toBe(false);
    expect(await tcpAnswers(ext.namespace, ext.ip, PORT, 1)).toEqual(["-"]);
  });

  test("packets cross br-ex: a probe on h2's br-ex reaches the outside, seen with its own address (TCP checksums intact)", async () => {
    const ext = sb.external!;
    const h2 = sb.hosts[1]!;
    const probe = await addContainer(sb, {
      host: h2.name,
      name: "probe",
      ip: "203.0.113.50/24",
      attach: true,
      bridge: "br-ex",
    });
    expect(await ping(probe, ext.ip, { count: 3 })).toBe(true);
    const echo = await startPeerEcho(ext.namespace, { port: PORT });
    try {
      expect(await tcpAnswers(probe, ext.ip, PORT, 2)).toEqual(["203.0.113.50", "203.0.113.50"]);
      // And the other way round: the outside reaches the probe.
      const back = await startPeerEcho(probe, { port: PORT });
      try {
        expect(await tcpAnswers(ext.namespace, "203.0.113.50", PORT, 1)).toEqual([ext.ip]);
      } finally {
        await back.stop();
      }
    } finally {
      await echo.stop();
    }
    const r = await execIn(ext.namespace, ["ip", "neigh", "show", "203.0.113.50"]);
    expect(r.stdout).toContain(probe.mac);
  });

  test("reuse compares the external option; down stops a server left running and leaves no namespace", async () => {
    expect((await startSandbox({ name: NAME, hosts: 2, external: true })).createdAt).toBe(sb.createdAt);
    await expect(startSandbox({ name: NAME, hosts: 2 })).rejects.toThrow(/different options/);
    const left = await startPeerEcho(sb.external!.namespace, { port: PORT });
    expect(isAlive(left.pid)).toBe(true);
    const report = await stopSandbox(NAME);
    expect(report.stopped).toContain(left.pid);
    expect(isAlive(left.pid)).toBe(false);
    expect(netns().filter((n) => n.startsWith(`sbx-${NAME}.`))).toEqual([]);
    expect(report.namespacesDeleted).toContain(`sbx-${NAME}.ext`);
  });
});
