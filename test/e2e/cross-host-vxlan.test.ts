/**
 * examples/cross-host-vxlan end to end: two sandbox hosts joined by VXLAN ports that the real
 * Pulumi engine deploys; VLAN 100 containers on both hosts reach each other, VLAN 200 stays apart.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  startSandbox,
  stopSandbox,
  addContainer,
  ping,
  type SandboxInfo,
  type ContainerInfo,
} from "../../sandbox";
import { TestStack } from "./harness/pulumi";
import { crossHostVxlan } from "../../examples/cross-host-vxlan/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

describe("examples/cross-host-vxlan", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const c: Record<string, ContainerInfo> = {};

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-vxlan", hosts: 2, ovn: false });
    c.con6 = await addContainer(sb, {
      host: "h1",
      name: "con6",
      portName: "veth-con6",
      ip: "192.168.1.2/24",
    });
    c.con7 = await addContainer(sb, {
      host: "h1",
      name: "con7",
      portName: "veth-con7",
      ip: "192.168.1.3/24",
    });
    c.con9 = await addContainer(sb, {
      host: "h2",
      name: "con9",
      portName: "veth-con9",
      ip: "192.168.1.5/24",
    });
    c.con10 = await addContainer(sb, {
      host: "h2",
      name: "con10",
      portName: "veth-con10",
      ip: "192.168.1.6/24",
    });
    const [h1, h2] = sb.hosts;
    stack = await TestStack.create({
      project: "cross-host-vxlan",
      stack: "e2e",
      program: async () =>
        crossHostVxlan([
          {
            host: { remote: h1.remotes.unix },
            bridge: "ovs0",
            underlayIp: h1.underlayIp,
            containers: [
              { name: "con6", port: "veth-con6", tag: 100 },
              { name: "con7", port: "veth-con7", tag: 200 },
            ],
          },
          {
            host: { remote: h2.remotes.unix },
            bridge: "ovs1",
            underlayIp: h2.underlayIp,
            containers: [
              { name: "con9", port: "veth-con9", tag: 100 },
              { name: "con10", port: "veth-con10", tag: 200 },
            ],
          },
        ]),
    });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("joins the hosts with VXLAN: VLAN 100 reaches across, VLAN 200 is not reachable from 100", async () => {
    const r = await stack.up();
    expect(r.summary.create).toBe(8); // 2 bridges, 2 vxlan ports, 4 container ports
    const [h1, h2] = sb.hosts;
    const opt = async (db: string, key: string) =>
      (
        await execFileP("ovs-vsctl", [`--db=${db}`, "get", "interface", "vxlan1", `options:${key}`])
      ).stdout.trim();
    expect(await opt(h1.remotes.unix, "remote_ip")).toBe(`"${h2.underlayIp}"`);
    expect(await opt(h2.remotes.unix, "remote_ip")).toBe(`"${h1.underlayIp}"`);
    expect(await opt(h1.remotes.unix, "key")).toBe("flow");

    expect(await ping(c.con6, "192.168.1.5", { count: 3 })).toBe(true); // h1 VLAN 100 -> h2 VLAN 100
    expect(await ping(c.con7, "192.168.1.6", { count: 3 })).toBe(true); // h1 VLAN 200 -> h2 VLAN 200
    expect(await ping(c.con6, "192.168.1.6", { count: 2, timeoutS: 1 })).toBe(false); // 100 -> 200: no
    expect(await ping(c.con6, "192.168.1.3", { count: 2, timeoutS: 1 })).toBe(false); // same host, other VLAN
  });

  it("destroy removes both bridges and leaves the underlay bridges alone", async () => {
    await stack.destroy();
    for (const h of sb.hosts) {
      const out = (await execFileP("ovs-vsctl", [`--db=${h.remotes.unix}`, "list-br"])).stdout.trim();
      expect(out).toBe("br-phy");
    }
  });
});
