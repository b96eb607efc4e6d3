/**
 * examples/openflow-cross-host end to end (field report, cross-subnet): con9 (192.168.2.2/24) on
 * host 2 reaches con6 (192.168.1.2/24) on host 1 through VXLAN, only by in_port flows and default
 * routes `dev eth0` in the containers. Without the routes there is no route; without the flows on
 * host 1 (secure bridge) nothing passes.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  addContainer,
  execIn,
  ping,
  startSandbox,
  stopSandbox,
  type ContainerInfo,
  type SandboxInfo,
} from "../../sandbox";
import { TestStack } from "./harness/pulumi";
import { openflowCrossHost, type CrossSubnetHost } from "../../examples/openflow-cross-host/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const SANDBOX = `e2e-ofx-${process.pid % 100000}`.slice(0, 16);

describe("examples/openflow-cross-host (issue 5)", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const c: Record<string, ContainerInfo> = {};

  const hosts = (): [CrossSubnetHost, CrossSubnetHost] => {
    const [h1, h2] = sb.hosts;
    return [
      {
        host: { remote: h1.remotes.unix },
        bridge: "ovs0",
        underlayIp: h1.underlayIp,
        port: "veth-con6",
        priority: 4,
        failMode: "secure",
      },
      {
        host: { remote: h2.remotes.unix },
        bridge: "ovs1",
        underlayIp: h2.underlayIp,
        port: "veth-con9",
        priority: 1,
        failMode: "standalone",
      },
    ];
  };
  const flows = async (host: number, bridge: string): Promise<string[]> =>
    (
      await execFileP("ovs-ofctl", [
        "--no-stats",
        "--names",
        "dump-flows",
        `unix:${sb.hosts[host].runDir}/${bridge}.mgmt`,
      ])
    ).stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.includes("actions="))
      .sort();

  beforeAll(async () => {
    sb = await startSandbox({ name: SANDBOX, hosts: 2, ovn: false });
    c.con6 = await addContainer(sb, {
      host: "h1",
      name: "con6",
      portName: "veth-con6",
      ip: "192.168.1.2/24",
    });
    c.con9 = await addContainer(sb, {
      host: "h2",
      name: "con9",
      portName: "veth-con9",
      ip: "192.168.2.2/24",
    });
    stack = await TestStack.create({
      project: "openflow-cross-host",
      stack: "e2e",
      program: async () => openflowCrossHost(hosts()),
    });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys bridges, VXLAN ports and the report's flows on both hosts", async () => {
    const r = await stack.up();
    expect(r.summary.create).toBe(10); // per host: bridge, vxlan1, container port, 2 flows
    const out = r.outputs as Record<string, { cookies: { fromTunnel: string; toTunnel: string } }>;
    expect(await flows(0, "ovs0")).toEqual(
      [
        `cookie=${out.host1.cookies.fromTunnel}, priority=4,in_port=vxlan1 actions=output:"veth-con6"`,
        `cookie=${out.host1.cookies.toTunnel}, priority=4,in_port="veth-con6" actions=output:vxlan1`,
      ].sort(),
    );
    expect(await flows(1, "ovs1")).toEqual(
      [
        `cookie=${out.host2.cookies.fromTunnel}, priority=1,in_port=vxlan1 actions=output:"veth-con9"`,
        `cookie=${out.host2.cookies.toTunnel}, priority=1,in_port="veth-con9" actions=output:vxlan1`,
        "priority=0 actions=NORMAL",
      ].sort(),
    );
  });

  it("without default routes, con9 has no route to 192.168.1.2 (as in the report)", async () => {
    const r = await execIn(c.con9, ["ping", "-c", "1", "-W", "1", "192.168.1.2"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Network is unreachable/);
  });

  it("with default routes dev eth0 in both containers, con9 (192.168.2.2) reaches con6 (192.168.1.2) through VXLAN", async () => {
    for (const name of ["con6", "con9"]) {
      const r = await execIn(c[name], ["ip", "route", "add", "default", "dev", "eth0"]);
      expect(r).toMatchObject({ code: 0 });
    }
    expect(await ping(c.con9, "192.168.1.2", { count: 3 })).toBe(true);
    expect(await ping(c.con6, "192.168.2.2", { count: 3 })).toBe(true);
    // the packets really took the flows (and the tunnel)
    const stats = (
      await execFileP("ovs-ofctl", ["dump-flows", `unix:${sb.hosts[0].runDir}/ovs0.mgmt`, "in_port=vxlan1"])
    ).stdout;
    expect(stats).toMatch(/n_packets=[1-9]/);
  });

  it("deleting host 1's flow from the tunnel by hand cuts the path; up restores it", async () => {
    const out = (await stack.outputs()) as Record<string, { cookies: { fromTunnel: string } }>;
    await execFileP("ovs-ofctl", [
      "del-flows",
      `unix:${sb.hosts[0].runDir}/ovs0.mgmt`,
      `cookie=${out.host1.cookies.fromTunnel}/-1`,
    ]);
    expect(await ping(c.con9, "192.168.1.2", { count: 2, timeoutS: 1 })).toBe(false);
    const r = await stack.up({ refresh: true });
    expect(r.summary.create).toBe(1);
    expect(await ping(c.con9, "192.168.1.2", { count: 3 })).toBe(true);
  });

  it("destroy removes everything it made", async () => {
    await stack.destroy();
    for (const h of sb.hosts) {
      const out = (await execFileP("ovs-vsctl", [`--db=${h.remotes.unix}`, "list-br"])).stdout.trim();
      expect(out).toBe("br-phy");
    }
  });
});
