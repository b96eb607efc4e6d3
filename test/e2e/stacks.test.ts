/**
 * One program, one stack per environment: the same program deployed to two stacks against two
 * independent sandboxes does not interfere; and the CI recipe — `pulumi preview --diff` for a
 * change, `pulumi preview --refresh --expect-no-changes` failing on hand-made drift and passing
 * when nothing drifted.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { singleHostVlan, REPORT_CONTAINERS } from "../../examples/single-host-vlan/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

describe("stacks per environment and previews in CI", () => {
  const sandboxes: SandboxInfo[] = [];
  const stacks: TestStack[] = [];
  const vsctl = async (sb: SandboxInfo, ...args: string[]) =>
    (
      await execFileP("ovs-vsctl", [`--db=${sb.hosts[0].remotes.unix}`, "--timeout=20", ...args])
    ).stdout.trim();
  const program = (sb: SandboxInfo, con7Tag: number) => async () =>
    singleHostVlan({
      host: { remote: sb.hosts[0].remotes.unix },
      // Ports of type internal: no containers needed to show the rows.
      containers: REPORT_CONTAINERS.map((c) => ({ ...c, tag: c.name === "con7" ? con7Tag : c.tag })),
    });

  beforeAll(async () => {
    sandboxes.push(await startSandbox({ name: "e2e-dev", hosts: 1, ovn: false }));
    sandboxes.push(await startSandbox({ name: "e2e-prod", hosts: 1, ovn: false }));
    // Two stacks of one project in one backend, as `pulumi stack init dev` / `prod` would make.
    const dev = await TestStack.create({
      project: "field-report",
      stack: "dev",
      program: program(sandboxes[0], 200),
    });
    const prod = await TestStack.create({
      project: "field-report",
      stack: "prod",
      program: program(sandboxes[1], 200),
      backendDir: dev.env.backendDir,
    });
    stacks.push(dev, prod);
  });
  afterAll(async () => {
    for (const s of stacks) await s.remove().catch(() => undefined);
    for (const sb of sandboxes) await stopSandbox(sb);
  });

  it("deploys the same program to two stacks without interference", async () => {
    const [dev, prod] = stacks;
    await dev.up();
    await prod.up();
    for (const sb of sandboxes)
      expect(await vsctl(sb, "list-ports", "ovs0")).toBe("veth-con6\nveth-con7\nveth-con8");
    // Each stack marks its rows with its own owner.
    expect(await vsctl(sandboxes[0], "get", "port", "veth-con6", "external_ids:pulumi-ovs-owner")).toBe(
      '"field-report/dev/con6"',
    );
    expect(await vsctl(sandboxes[1], "get", "port", "veth-con6", "external_ids:pulumi-ovs-owner")).toBe(
      '"field-report/prod/con6"',
    );

    // A change deployed to dev only leaves prod as it was.
    dev.setProgram(program(sandboxes[0], 100));
    await dev.up();
    expect(await vsctl(sandboxes[0], "get", "port", "veth-con7", "tag")).toBe("100");
    expect(await vsctl(sandboxes[1], "get", "port", "veth-con7", "tag")).toBe("200");
    const p = await prod.preview({ diff: true });
    expect(p.summary.update + p.summary.create + p.summary.delete + p.summary.replace).toBe(0);
  });

  it("preview --diff names the host, the row and the column that would change", async () => {
    const prod = stacks[1];
    prod.setProgram(program(sandboxes[1], 300));
    const p = await prod.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    expect(p.steps.find((s) => s.op === "update")).toMatchObject({ name: "con7", diffs: ["tag"] });
    // The human-readable diff: which resource, on which host, which column.
    expect(p.stdout).toContain("ovs:Port: (update)");
    expect(p.stdout).toContain(sandboxes[1].hosts[0].remotes.unix);
    expect(p.stdout).toMatch(/~ tag\s*: 200 => 300/);
    prod.setProgram(program(sandboxes[1], 200));
  });

  it("preview --refresh --expect-no-changes passes without drift and fails on hand-made drift", async () => {
    const prod = stacks[1];
    await prod.preview({ refresh: true, expectNoChanges: true });

    await vsctl(sandboxes[1], "set", "port", "veth-con8", "tag=999");
    const e = await prod.preview({ refresh: true, expectNoChanges: true }).then(
      () => undefined,
      (x) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    // The failure carries the CLI's output: the drifted column and the change it would make.
    expect((e as PulumiOperationError).message).toMatch(/tag\s*: 999 => 100/);
    expect((e as PulumiOperationError).message).toMatch(/no changes were expected/i);

    await prod.up({ refresh: true });
    expect(await vsctl(sandboxes[1], "get", "port", "veth-con8", "tag")).toBe("100");
    await prod.preview({ refresh: true, expectNoChanges: true });
  });
});
