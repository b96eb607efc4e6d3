/**
 * Issue 10: `ovn.LogicalSwitchPort` `tag` was renamed `tagRequest` (column tag_request) and its
 * output `assignedTag` became `tag`; `ovs.Port` `interface.macRequest` was renamed `interface.mac`.
 * A stack deployed before the rename (simulated: its state rewritten to the old names and imported)
 * keeps working through the real engine after the program moves to the new names: preview and up
 * show no change, refresh writes the new names, destroy removes the rows. A program still passing
 * an old name fails at preview, naming the new one.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { waitFor } from "../../sandbox/wait";
import { TestStack, PulumiOperationError, type PulumiProgram } from "./harness/pulumi";
import { ovn, ovs } from "../../sdk";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

type Props = Record<string, unknown>;
interface StateResource {
  urn: string;
  type: string;
  inputs?: Props;
  outputs?: Props;
}

describe("arguments renamed by issue 10: a stack deployed before the rename", () => {
  let sb: SandboxInfo;
  let remote: string;
  let nb: { remote: string };
  let stack: TestStack;
  const nbctl = async (...args: string[]) =>
    (await execFileP("ovn-nbctl", [`--db=${nb.remote}`, "--timeout=20", ...args])).stdout.trim();
  const vsctl = async (...args: string[]) =>
    (await execFileP("ovs-vsctl", [`--db=${remote}`, "--timeout=20", ...args])).stdout.trim();

  /** The program, written with today's names (or with `old` names spliced in). */
  const program =
    (old: { lsp?: Props; iface?: Props } = {}): PulumiProgram =>
    async () => {
      const host = { remote };
      const br = new ovs.Bridge("br-ren", { host, name: "br-ren", datapathType: "netdev" });
      const port = new ovs.Port("ren0", {
        host,
        bridge: br.name,
        name: "ren0",
        interface: { type: "internal", mac: "50:54:00:00:00:0A", ...old.iface },
      });
      const sw = new ovn.LogicalSwitch("sw-ren", { nb, name: "sw-ren" });
      new ovn.LogicalSwitchPort("vm1", { nb, switch: sw.name, name: "ren-vm1", addresses: ["unknown"] });
      const c1 = new ovn.LogicalSwitchPort("c1", {
        nb,
        switch: sw.name,
        name: "ren-c1",
        parentName: "ren-vm1",
        tagRequest: 42,
        ...old.lsp,
      });
      const c2 = new ovn.LogicalSwitchPort("c2", {
        nb,
        switch: sw.name,
        name: "ren-c2",
        parentName: "ren-vm1",
      });
      return { c1Tag: c1.tag, c2Tag: c2.tag, mac: port.interface.apply((i) => i?.mac) };
    };

  /** The state's resources of one SDK type (e.g. `ovn:LogicalSwitchPort`). */
  const resourcesOf = (deployment: { resources?: StateResource[] }, type: string) =>
    (deployment.resources ?? []).filter((r) => r.type === `pulumi-nodejs:dynamic/${type}`);

  /** Rename `from` to `to` in `o`, if present. */
  function move(o: Props | undefined, from: string, to: string): void {
    if (o && from in o) {
      o[to] = o[from];
      delete o[from];
    }
  }

  /** The current state rewritten as the release before the rename wrote it, then imported. */
  async function importOldState(): Promise<void> {
    const state = await stack.stack.exportStack();
    const deployment = state.deployment as { resources?: StateResource[] };
    const lsps = resourcesOf(deployment, "ovn:LogicalSwitchPort");
    const ports = resourcesOf(deployment, "ovs:Port");
    expect(lsps).toHaveLength(3);
    expect(ports).toHaveLength(1);
    for (const r of lsps) {
      move(r.outputs, "tag", "assignedTag"); // the output first: `tag` is reused
      move(r.outputs, "tagRequest", "tag");
      move(r.inputs, "tagRequest", "tag");
    }
    for (const r of ports) {
      move(r.inputs?.interface as Props, "mac", "macRequest");
      move(r.outputs?.interface as Props, "mac", "macRequest");
    }
    await stack.stack.importStack(state);
  }

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-renamed", hosts: 1, ovn: true });
    remote = sb.hosts[0].remotes.unix;
    nb = { remote: sb.central!.nbRemote.unix };
    stack = await TestStack.create({ project: "renamed", stack: "dev", program: program() });
  });
  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys with the new names: tag_request and the interface's mac are written", async () => {
    await stack.up();
    expect(await nbctl("get", "Logical_Switch_Port", "ren-c1", "tag_request")).toBe("42");
    expect(await nbctl("get", "Logical_Switch_Port", "ren-c2", "tag_request")).toBe("0");
    expect(await vsctl("get", "Interface", "ren0", "mac")).toBe('"50:54:00:00:00:0a"');
    // ovn-northd chooses c2's tag after the create returned: wait for it before reading it back.
    await waitFor(
      async () => (await nbctl("get", "Logical_Switch_Port", "ren-c2", "tag")) !== "[]",
      15_000,
      () => "ovn-northd did not assign ren-c2 a tag within 15 s",
      100,
    );
    // Stack outputs are computed by `up`: refresh reads the tags into the state, the next `up`
    // (no change) exports them.
    await stack.refresh();
    await stack.up();
    expect(await stack.outputs()).toMatchObject({
      c1Tag: 42,
      c2Tag: expect.any(Number),
      mac: "50:54:00:00:00:0a",
    });
  });

  it("after the old state is imported, preview and up show no change", async () => {
    await importOldState();
    const old = await stack.stack.exportStack();
    const c1 = resourcesOf(old.deployment, "ovn:LogicalSwitchPort").find((r) => r.urn.endsWith("::c1"))!;
    expect(c1.outputs).toMatchObject({ tag: 42, assignedTag: 42 });
    expect(c1.outputs).not.toHaveProperty("tagRequest");

    const preview = await stack.preview({ expectNoChanges: true });
    const none = { same: 6, create: 0, update: 0, delete: 0, replace: 0 }; // bridge, port, switch, 3 ports
    expect(preview.summary).toMatchObject(none);
    const up = await stack.up({ expectNoChanges: true });
    expect(up.summary).toMatchObject(none);
    expect(await nbctl("get", "Logical_Switch_Port", "ren-c1", "tag_request")).toBe("42");
  });

  it("refresh writes the outputs in the new names; the next preview shows no change", async () => {
    await stack.refresh();
    const state = await stack.stack.exportStack();
    const byName = (n: string) =>
      resourcesOf(state.deployment, "ovn:LogicalSwitchPort").find((r) => r.urn.endsWith(`::${n}`))!;
    const assigned = Number(await nbctl("get", "Logical_Switch_Port", "ren-c2", "tag"));
    expect(byName("c1").outputs).toMatchObject({ tagRequest: 42, tag: 42 });
    expect(byName("c2").outputs).toMatchObject({ tag: assigned });
    for (const n of ["vm1", "c1", "c2"]) expect(byName(n).outputs).not.toHaveProperty("assignedTag");
    expect(byName("c2").outputs).not.toHaveProperty("tagRequest");
    const port = resourcesOf(state.deployment, "ovs:Port")[0];
    expect(port.outputs!.interface).toEqual({ type: "internal", mac: "50:54:00:00:00:0a" });
    await stack.preview({ expectNoChanges: true });
  });

  it.each([
    [
      "tag",
      { lsp: { tag: 42 } },
      /property tag .*\[INVALID_INPUT\] tag was renamed tagRequest \(column Logical_Switch_Port\.tag_request\)/,
    ],
    [
      "interface.macRequest",
      { iface: { macRequest: "50:54:00:00:00:0b" } },
      /property interface value .*\[INVALID_INPUT\] interface\.macRequest was renamed interface\.mac \(column Interface\.mac\)/,
    ],
  ])("a program still passing %s fails at preview naming the new argument", async (_name, old, message) => {
    stack.setProgram(program(old));
    const e = await stack.preview().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).message).toMatch(message);
    stack.setProgram(program());
  });

  it("destroy on the old state removes the rows", async () => {
    await importOldState();
    await stack.destroy();
    expect(
      await nbctl("--bare", "--columns=name", "find", "Logical_Switch_Port", "parent_name=ren-vm1"),
    ).toBe("");
    expect(await vsctl("--bare", "--columns=name", "find", "Interface", "name=ren0")).toBe("");
  });
});
