/**
 * Issue 10, smaller state per resource. A stack whose state holds the provider text of before
 * (the serialized closure shim, ~2 KB per copy, swapped in for every resource by a stack
 * transformation) is updated, refreshed and destroyed by the SDK of now: Pulumi deletes and reads
 * old resources with the text in their state, so that text must keep working. Then the checkpoint
 * shows what a resource costs with the new text.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { TestStack } from "./harness/pulumi";
import { ovn, ovs } from "../../sdk";
import { providerFor } from "../../sdk/shim";
import { checkpointPath, measureCheckpoint, type ResourceBytes } from "../../bench/state/checkpoint";
import { closureShim, serializeLikeDynamicResource, swapProvider } from "../../bench/state/variants";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

const TYPES = ["ovs:Bridge", "ovs:Port", "ovn:LogicalSwitch", "ovn:LogicalSwitchPort"];

describe("a stack deployed with the closure shim of before issue 10", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const old = new Map<string, string>();
  const vsctl = async (...args: string[]) =>
    (
      await execFileP("ovs-vsctl", [`--db=${sb.hosts[0].remotes.unix}`, "--timeout=20", ...args])
    ).stdout.trim();
  const nbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=20", ...args])
    ).stdout.trim();

  /** `before`: every resource gets the old text; the port has tag 100 and the switch a port. */
  const program = (phase: "before" | "now") => async () => {
    if (phase === "before") pulumi.runtime.registerStackTransformation(swapProvider(old));
    const host = { remote: sb.hosts[0].remotes.unix };
    const nb = { remote: sb.central!.nbRemote.unix };
    const br = new ovs.Bridge("br", { host, name: "shim-br", datapathType: "netdev" });
    new ovs.Port("port", {
      host,
      bridge: br.name,
      name: "shim-p1",
      tag: phase === "before" ? 100 : 200,
      interface: { type: "internal" },
    });
    const ls = new ovn.LogicalSwitch("ls", { nb, name: "shim-ls" });
    if (phase === "before") new ovn.LogicalSwitchPort("lsp", { nb, switch: ls.name, name: "shim-lsp" });
  };

  /** Our resources in the checkpoint, by resource name, with their inputs and outputs. */
  const checkpoint = async () => {
    const state = (await stack.exportState()) as {
      deployment: {
        resources: {
          urn: string;
          type: string;
          inputs?: { __provider?: string };
          outputs?: { __provider?: string };
        }[];
      };
    };
    const bytes = measureCheckpoint(checkpointPath(stack.env.backendDir, "state-shim", "e2e"));
    const ours = new Map<string, { type: string; inputs?: string; outputs?: string; bytes: ResourceBytes }>();
    state.deployment.resources.forEach((r) => {
      if (!r.type.startsWith("pulumi-nodejs:dynamic/")) return;
      ours.set(r.urn.split("::").pop()!, {
        type: r.type.replace("pulumi-nodejs:dynamic/", ""),
        inputs: r.inputs?.__provider,
        outputs: r.outputs?.__provider,
        bytes: bytes.resources.find((b) => b.urn === r.urn)!,
      });
    });
    return ours;
  };

  beforeAll(async () => {
    for (const t of TYPES) old.set(t, await serializeLikeDynamicResource(closureShim(t)));
    sb = await startSandbox({ name: "e2e-oldshim", hosts: 1, ovn: true });
    stack = await TestStack.create({ project: "state-shim", stack: "e2e", program: program("before") });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys with the old text in the state of every resource", async () => {
    const r = await stack.up();
    expect(r.summary.create).toBe(4);
    const ours = await checkpoint();
    expect([...ours.keys()].sort()).toEqual(["br", "ls", "lsp", "port"]);
    for (const [, r] of ours) {
      expect(r.inputs).toBe(old.get(r.type));
      expect(r.outputs).toBe(old.get(r.type));
      expect(r.bytes.provider).toBeGreaterThan(4000);
    }
  });

  it("the new SDK updates it: an in-place change, a resource deleted with its old text, the rest unchanged", async () => {
    const before = await checkpoint();
    stack.setProgram(program("now"));
    const r = await stack.up();
    expect(r.summary).toMatchObject({ update: 1, delete: 1, same: 2, create: 0, replace: 0 });
    expect(await vsctl("get", "port", "shim-p1", "tag")).toBe("200");
    expect(await nbctl("lsp-list", "shim-ls")).toBe("");

    const now = await checkpoint();
    expect([...now.keys()].sort()).toEqual(["br", "ls", "port"]);
    // The updated resource holds the new text in inputs and outputs: about 4 KB less state.
    const port = now.get("port")!;
    expect(port.inputs).toBe(providerFor("ovs:Port"));
    expect(port.outputs).toBe(providerFor("ovs:Port"));
    expect(port.bytes.provider).toBeLessThan(250);
    expect(before.get("port")!.bytes.total - port.bytes.total).toBeGreaterThan(3800);
    // Unchanged resources take the new inputs; their outputs are kept until they change.
    for (const name of ["br", "ls"]) expect(now.get(name)!.inputs).toBe(providerFor(now.get(name)!.type));
  });

  it("refreshes (reads with the text in the state) and then shows no changes", async () => {
    await vsctl("set", "port", "shim-p1", "tag=300");
    const r = await stack.refresh();
    expect(r.summary.update).toBe(1);
    const p = await stack.preview();
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    await stack.up();
    expect(await vsctl("get", "port", "shim-p1", "tag")).toBe("200");
    const again = await stack.preview({ refresh: true });
    expect(again.summary).toMatchObject({ update: 0, create: 0, delete: 0, replace: 0 });
  });

  it("destroys every row", async () => {
    await stack.destroy();
    expect(await vsctl("--if-exists", "get", "port", "shim-p1", "tag")).toBe("");
    expect((await vsctl("list-br")).split("\n")).not.toContain("shim-br");
    expect(await nbctl("ls-list")).not.toContain("shim-ls");
  });
});
