/**
 * examples/openflow end to end (field report, flow tables): the real Pulumi engine deploys a
 * secure-mode bridge with con6 and con7, then OpenFlow flows; pings prove every step. A flow added
 * by hand with ovs-ofctl survives `up` and `destroy`; refresh shows a flow deleted by hand; a typo
 * in actions fails at preview with ovs-ofctl's message and writes nothing.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ovs } from "pulumi-ovs";
import {
  addContainer,
  ping,
  startSandbox,
  stopSandbox,
  type ContainerInfo,
  type SandboxInfo,
} from "../../sandbox";
import { PulumiOperationError, TestStack } from "./harness/pulumi";
import { openflowSingleHost, type OpenflowOptions } from "../../examples/openflow/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const SANDBOX = `e2e-of-${process.pid % 100000}`.slice(0, 16);
const HAND_FLOW = "priority=50,udp,tp_dst=9999 actions=drop";

describe("examples/openflow (issue 5)", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  let remote: string;
  let mgmt: string;
  const c: Record<string, ContainerInfo> = {};

  const program = (o: Partial<OpenflowOptions>) => async () => openflowSingleHost({ host: { remote }, ...o });
  /** Flow lines of ovs0 (no statistics, port names), sorted. */
  const flows = async (): Promise<string[]> =>
    (await execFileP("ovs-ofctl", ["--no-stats", "--names", "dump-flows", mgmt])).stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.includes("actions="))
      .sort();
  const reaches = (from: ContainerInfo, to: string) => ping(from, to, { count: 2, timeoutS: 1 });

  beforeAll(async () => {
    sb = await startSandbox({ name: SANDBOX, hosts: 1, ovn: false });
    remote = sb.hosts[0].remotes.unix;
    mgmt = `unix:${sb.hosts[0].runDir}/ovs0.mgmt`;
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
    stack = await TestStack.create({
      project: "openflow",
      stack: "e2e",
      program: program({ forward: false }),
    });
  });

  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("a secure-mode bridge has no NORMAL flow: con6 and con7 cannot reach each other", async () => {
    const r = await stack.up();
    expect(r.summary.create).toBe(3); // bridge, 2 ports
    expect(await flows()).toEqual([]);
    expect(await reaches(c.con6, "192.168.1.3")).toBe(false);
  });

  it("two in_port flows forward between them: they ping", async () => {
    stack.setProgram(program({ forward: true }));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 2, update: 0, delete: 0, replace: 0 });
    const r = await stack.up();
    expect(r.summary.create).toBe(2);
    const cookies = r.outputs.cookies as Record<string, string>;
    expect(await flows()).toEqual(
      [
        `cookie=${cookies["con6-to-con7"]}, priority=1,in_port="veth-con6" actions=output:"veth-con7"`,
        `cookie=${cookies["con7-to-con6"]}, priority=1,in_port="veth-con7" actions=output:"veth-con6"`,
      ].sort(),
    );
    expect(await reaches(c.con6, "192.168.1.3")).toBe(true);
    expect(await reaches(c.con7, "192.168.1.2")).toBe(true);
  });

  it("a flow added by hand with ovs-ofctl survives pulumi up", async () => {
    await execFileP("ovs-ofctl", ["add-flow", mgmt, HAND_FLOW]);
    const r = await stack.up();
    expect(r.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
    expect(await flows()).toContain(HAND_FLOW);
  });

  it("a priority-2 drop on con7's port stops it; removing that resource restores it", async () => {
    stack.setProgram(program({ forward: true, dropCon7: true }));
    let r = await stack.up();
    expect(r.summary).toMatchObject({ create: 1, update: 0, delete: 0, replace: 0 });
    const drop = (r.outputs.cookies as Record<string, string>)["drop-con7"];
    expect(await flows()).toContain(`cookie=${drop}, priority=2,in_port="veth-con7" actions=drop`);
    expect(await reaches(c.con6, "192.168.1.3")).toBe(false);
    expect(await reaches(c.con7, "192.168.1.2")).toBe(false);

    stack.setProgram(program({ forward: true, dropCon7: false }));
    r = await stack.up();
    expect(r.summary).toMatchObject({ create: 0, update: 0, delete: 1, replace: 0 });
    expect((await flows()).some((l) => l.includes(drop))).toBe(false);
    expect(await reaches(c.con6, "192.168.1.3")).toBe(true);
    expect(await flows()).toContain(HAND_FLOW);
  });

  it("refresh shows a flow deleted by hand; up puts it back", async () => {
    const cookies = (await stack.outputs()).cookies as Record<string, string>;
    await execFileP("ovs-ofctl", ["del-flows", mgmt, `cookie=${cookies["con7-to-con6"]}/-1`]);
    expect(await reaches(c.con6, "192.168.1.3")).toBe(false);
    const refreshed = await stack.refresh();
    expect(refreshed.steps.find((s) => s.name === "con7-to-con6")?.op).toBe("delete");
    const r = await stack.up();
    expect(r.summary).toMatchObject({ create: 1, update: 0, delete: 0, replace: 0 });
    expect(await reaches(c.con6, "192.168.1.3")).toBe(true);
  });

  it("refresh shows actions changed by hand as drift; up restores them in place", async () => {
    const cookies = (await stack.outputs()).cookies as Record<string, string>;
    await execFileP("ovs-ofctl", ["mod-flows", mgmt, `cookie=${cookies["con6-to-con7"]}/-1,actions=drop`]);
    expect(await reaches(c.con6, "192.168.1.3")).toBe(false);
    const refreshed = await stack.refresh();
    const step = refreshed.steps.find((s) => s.name === "con6-to-con7");
    expect(step?.op).toBe("update");
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    expect(p.steps.find((s) => s.op === "update")?.diffs).toEqual(["actions"]);
    await stack.up();
    expect(await reaches(c.con6, "192.168.1.3")).toBe(true);
    expect((await stack.outputs()).cookies).toEqual(cookies); // modified in place, same cookie
  });

  it("a typo in actions fails at preview with ovs-ofctl's own message; nothing is written", async () => {
    const before = await flows();
    const bad = await TestStack.create({
      project: "openflow",
      stack: "typo",
      program: async () => {
        new ovs.Flow("typo", {
          host: { remote },
          bridge: "ovs0",
          priority: 9,
          match: "in_port=veth-con6",
          actions: "outpt:veth-con7",
        });
      },
    });
    const e = await bad.preview({ diff: true }).catch((x) => x);
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).message).toMatch(
      /typo.*property actions .*ovs-ofctl: unknown action outpt/s,
    );
    expect((e as PulumiOperationError).messagesOf("typo")).toContainEqual(
      expect.stringMatching(/property actions .*has a problem: \[INVALID_INPUT\] .*unknown action outpt/),
    );
    expect(await flows()).toEqual(before);
    await bad.remove();
  });

  it("another stack's flows on the same bridge: its destroy leaves our flows and the hand-added one", async () => {
    const before = await flows();
    const other = await TestStack.create({
      project: "openflow",
      stack: "other",
      program: async () => {
        const f = new ovs.Flow("arp-normal", {
          host: { remote },
          bridge: "ovs0",
          priority: 30,
          match: "arp",
          actions: "NORMAL",
          openflowVersion: "OpenFlow13",
        });
        return { cookie: f.cookie, installed: f.installed };
      },
    });
    const r = await other.up();
    expect(r.summary.create).toBe(1);
    expect(await flows()).toEqual(
      [...before, `cookie=${r.outputs.cookie}, priority=30,arp actions=NORMAL`].sort(),
    );
    await other.destroy();
    expect(await flows()).toEqual(before);
    await other.remove();
  });

  it("flows removed from the program are deleted, the hand-added one stays; destroy removes the rest", async () => {
    stack.setProgram(program({ forward: false }));
    const r = await stack.up();
    expect(r.summary.delete).toBe(2);
    expect(await flows()).toEqual([HAND_FLOW]);
    await stack.destroy();
    const out = (await execFileP("ovs-vsctl", [`--db=${remote}`, "list-br"])).stdout.trim();
    expect(out).toBe("br-phy");
  });
});
