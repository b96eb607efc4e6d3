/**
 * The root program (`npm run demo`): the whole field report composed in one stack on a 2-host OVN
 * sandbox — VLAN, VXLAN, flows and routed OVN containers — and every promised pair checked.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { TestStack } from "./harness/pulumi";
import { fieldReportDemo } from "../../demo/program";
import { sandboxEnvironment } from "../../demo/config";
import { createDemoContainers, runChecks } from "../../demo/topology";

jest.setTimeout(600_000);
const execFileP = promisify(execFile);

describe("the demo program", () => {
  let sb: SandboxInfo;
  let stack: TestStack;

  beforeAll(async () => {
    await stopSandbox("e2e-demo"); // leftovers of an interrupted run
    sb = await startSandbox({ name: "e2e-demo", hosts: 2, ovn: true });
  });
  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys the field report and every pair behaves as promised", async () => {
    const containers = await createDemoContainers(sb);
    stack = await TestStack.create({
      project: "pulumi-ovs-demo",
      stack: "dev",
      program: async () => {
        const out = fieldReportDemo(sandboxEnvironment("e2e-demo"));
        return { chassis: out.ovn.chassis, up: out.ovn.up };
      },
    });
    const r = await stack.up();
    expect(r.summary.create).toBeGreaterThan(20);
    const results = await runChecks(containers);
    const wrong = results
      .filter((x) => !x.ok)
      .map((x) => `${x.from} -> ${x.to} (${x.what}): expected ${x.expect}`);
    expect(wrong).toEqual([]);

    await stack.destroy();
    const nb = (await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "show"])).stdout.trim();
    expect(nb).toBe("");
    for (const h of sb.hosts) {
      const brs = (await execFileP("ovs-vsctl", [`--db=${h.remotes.unix}`, "list-br"])).stdout
        .trim()
        .split("\n");
      expect(brs.sort()).toEqual(["br-int", "br-phy"]);
    }
  });
});
