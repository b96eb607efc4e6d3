/**
 * examples/single-host-vlan end to end: the real Pulumi engine deploys the field report's first
 * experiment to a sandbox host; rows are checked with ovs-vsctl and connectivity with ping.
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
import * as path from "node:path";
import { REPO_ROOT, TestStack } from "./harness/pulumi";
import { singleHostVlan, REPORT_CONTAINERS } from "../../examples/single-host-vlan/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

describe("examples/single-host-vlan", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const containers: Record<string, ContainerInfo> = {};
  const ips: Record<string, string> = { con6: "192.168.1.2", con7: "192.168.1.3", con8: "192.168.1.4" };
  let vsctl: (...args: string[]) => Promise<string>;

  const program = (con7Tag: number) => async () =>
    singleHostVlan({
      host: { remote: sb.hosts[0].remotes.unix },
      containers: REPORT_CONTAINERS.map((c) => (c.name === "con7" ? { ...c, tag: con7Tag } : c)),
    });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-vlan", hosts: 1, ovn: false });
    vsctl = async (...args) =>
      (
        await execFileP("ovs-vsctl", [`--db=${sb.hosts[0].remotes.unix}`, "--timeout=20", ...args])
      ).stdout.trim();
    for (const c of REPORT_CONTAINERS) {
      containers[c.name] = await addContainer(sb, {
        host: "h1",
        name: c.name,
        portName: c.port,
        ip: `${ips[c.name]}/24`,
      });
    }
    // The example's own Pulumi.yaml: `options: refresh: always`, as `pulumi up` in its directory.
    stack = await TestStack.create({
      project: "single-host-vlan",
      stack: "e2e",
      program: program(200),
      projectDir: path.join(REPO_ROOT, "examples", "single-host-vlan"),
    });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys bridge ovs0 with con6/con7/con8 on VLAN 100/200/100: con8 reaches con6, not con7", async () => {
    const r = await stack.up();
    expect(r.summary.create).toBe(4);
    expect(await vsctl("get", "port", "veth-con6", "tag")).toBe("100");
    expect(await vsctl("get", "port", "veth-con7", "tag")).toBe("200");
    expect(await vsctl("get", "port", "veth-con8", "tag")).toBe("100");
    expect(await vsctl("get", "bridge", "ovs0", "datapath_type")).toBe("netdev");
    const ofports = r.outputs.ofports as Record<string, number>;
    expect(ofports.con6).toBeGreaterThan(0);

    expect(await ping(containers.con8, ips.con6, { count: 3 })).toBe(true);
    expect(await ping(containers.con8, ips.con7, { count: 2, timeoutS: 1 })).toBe(false);
  });

  it("a second up changes nothing", async () => {
    const r = await stack.preview({ diff: true });
    expect(r.summary.update + r.summary.create + r.summary.delete + r.summary.replace).toBe(0);
  });

  it("retagging con7 to 100 previews as one in-place update of its tag, and connects it", async () => {
    stack.setProgram(program(100));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    const step = p.steps.find((s) => s.op === "update")!;
    expect(step.name).toBe("con7");
    expect(step.diffs).toEqual(["tag"]);
    expect(p.stdout).toMatch(/tag\s*:\s*200 => 100/);

    await stack.up();
    expect(await vsctl("get", "port", "veth-con7", "tag")).toBe("100");
    expect(await ping(containers.con8, ips.con7, { count: 3 })).toBe(true);
  });

  it("refresh reports a hand-made retag, and up restores the program's tag", async () => {
    await vsctl("set", "port", "veth-con7", "tag=300");
    const r = await stack.refresh();
    expect(r.summary.update).toBe(1);
    const step = r.steps.find((s) => s.op === "update")!;
    expect(step.name).toBe("con7");
    expect(step.diffs).toContain("tag");

    const p = await stack.preview({ diff: true });
    expect(p.stdout).toMatch(/tag\s*:\s*300 => 100/);
    await stack.up();
    expect(await vsctl("get", "port", "veth-con7", "tag")).toBe("100");
  });

  it("refreshes before every operation (refresh: always): a plain preview shows a hand-made change, a plain up undoes it", async () => {
    expect(await stack.refreshesAlways()).toBe(true);
    await vsctl("set", "port", "veth-con8", "tag=999");
    const p = await stack.preview({ diff: true }); // no --refresh: the project asks for it
    expect(p.steps.filter((s) => s.op === "update").map((s) => s.name)).toContain("con8");
    expect(p.stdout).toMatch(/tag\s*:\s*999 => 100/);
    await stack.up();
    expect(await vsctl("get", "port", "veth-con8", "tag")).toBe("100");
    const again = await stack.preview({ diff: true });
    expect(again.summary.update + again.summary.create + again.summary.delete + again.summary.replace).toBe(
      0,
    );
  });

  it("keeps the provider in the state small: a shim that requires the package by name", async () => {
    const state = (await stack.exportState()) as {
      deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] };
    };
    const ours = state.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/ovs:"));
    expect(ours.length).toBe(4);
    for (const r of ours) {
      const provider = String(r.inputs?.__provider ?? "");
      expect(provider.length).toBeGreaterThan(0);
      expect(provider.length).toBeLessThan(4096);
      expect(provider).toContain('require("pulumi-ovs/provider")');
      // No copy of provider code: the OVSDB client and zod schemas stay in the package.
      expect(provider).not.toMatch(/OvsdbClient|transact\(|JsonStreamSplitter|zod/);
    }
  });

  it("destroy removes exactly the rows the stack created", async () => {
    // Someone adds a bridge with a port by hand; it must survive.
    await vsctl(
      "add-br",
      "handbr",
      "--",
      "set",
      "bridge",
      "handbr",
      "datapath_type=netdev",
      "--",
      "add-port",
      "handbr",
      "handp",
      "--",
      "set",
      "interface",
      "handp",
      "type=internal",
    );
    await stack.destroy();
    const bridges = (await vsctl("list-br")).split("\n").sort();
    expect(bridges).toEqual(["br-phy", "handbr"]);
    expect(await vsctl("list-ports", "handbr")).toBe("handp");
    expect(await vsctl("--if-exists", "get", "port", "veth-con6", "tag")).toBe("");
  });
});
