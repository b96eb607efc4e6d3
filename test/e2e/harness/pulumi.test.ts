/**
 * Proves the Pulumi harness end to end with the real CLI, offline: a test-only dynamic resource whose
 * provider manages a file. The provider is written inline (plain functions that only use `require`
 * of Node built-ins), so it is serialized into the state and evaluated by the dynamic-provider plugin.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PulumiOperationError, REPO_ROOT, TestStack, type OpResult, type PulumiProgram } from "./pulumi";

jest.setTimeout(180_000);

interface FileInputs {
  path: string;
  content: string;
  tag: string;
  /** When set, create fails with this message. */
  fail?: string;
}

/** Like the project's shims: implements diff(), so the engine gets no `diffs` from it. */
const fileProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: FileInputs) {
    if (inputs.fail) throw new Error(inputs.fail);
    require("node:fs").writeFileSync(inputs.path, inputs.content);
    let ovsPackage: string;
    try {
      ovsPackage = require.resolve("pulumi-ovs/package.json");
    } catch (e) {
      ovsPackage = `unresolved: ${(e as Error).message.split("\n")[0]}`;
    }
    return { id: inputs.path, outs: { ...inputs, providerCwd: process.cwd(), ovsPackage } };
  },
  async read(id: string, props: Record<string, unknown>) {
    const nodeFs = require("node:fs");
    if (!nodeFs.existsSync(id)) return {};
    return { id, props: { ...props, content: nodeFs.readFileSync(id, "utf8") } };
  },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const keys = ["path", "content", "tag"].filter((k) => olds[k] !== news[k]);
    return { changes: keys.length > 0, replaces: keys.filter((k) => k === "path") };
  },
  async update(_id: string, olds: Record<string, unknown>, news: FileInputs) {
    require("node:fs").writeFileSync(news.path, news.content);
    return { outs: { ...olds, ...news } };
  },
  async delete(id: string) {
    require("node:fs").rmSync(id, { force: true });
  },
};

/** The same without diff(): the engine then diffs the inputs itself and reports `diffs`. */
const plainFileProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: FileInputs) {
    require("node:fs").writeFileSync(inputs.path, inputs.content);
    return { id: inputs.path, outs: inputs };
  },
  async update(_id: string, _olds: unknown, news: FileInputs) {
    require("node:fs").writeFileSync(news.path, news.content);
    return { outs: news };
  },
  async delete(id: string) {
    require("node:fs").rmSync(id, { force: true });
  },
};

type FileArgs = { [K in keyof FileInputs]: pulumi.Input<FileInputs[K]> };

class TestFile extends pulumi.dynamic.Resource {
  declare readonly content: pulumi.Output<string>;
  declare readonly tag: pulumi.Output<string>;
  declare readonly providerCwd: pulumi.Output<string>;
  declare readonly ovsPackage: pulumi.Output<string>;
  constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
    super(fileProvider, name, { ...args, providerCwd: undefined, ovsPackage: undefined }, opts);
  }
}

class PlainTestFile extends pulumi.dynamic.Resource {
  constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
    super(plainFileProvider, name, args, opts);
  }
}

const tmpDirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-harness-test-"));
  tmpDirs.push(d);
  return d;
}

const changed = (r: OpResult) => r.steps.filter((s) => s.op !== "same");

afterAll(async () => {
  try {
    await TestStack.removeAll();
  } finally {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  }
});

test("lifecycle: up, preview --diff, refresh drift, up restores, destroy, remove", async () => {
  const dir = tempDir();
  const fileA = path.join(dir, "a.txt");
  const fileB = path.join(dir, "b.txt");
  const program =
    (tag: string): PulumiProgram =>
    async () => {
      const a = new TestFile("a", { path: fileA, content: "hello", tag });
      new TestFile("b", { path: fileB, content: "other", tag: "fixed" });
      return { content: a.content, tag: a.tag, providerCwd: a.providerCwd, ovsPackage: a.ovsPackage };
    };
  const stack = await TestStack.create({ project: "harness", stack: "lifecycle", program: program("t1") });
  const dirs = [stack.workDir, stack.env.backendDir, stack.env.pulumiHome];
  try {
    const t0 = Date.now();
    const up = await stack.up();
    const upMs = Date.now() - t0;
    expect(up.summary).toMatchObject({ create: 2, update: 0, delete: 0, replace: 0 });
    expect(up.steps.map((s) => `${s.op} ${s.name}`).sort()).toEqual(["create a", "create b"]);
    expect(up.steps[0]?.type).toBe("pulumi-nodejs:dynamic:Resource");
    expect(fs.readFileSync(fileA, "utf8")).toBe("hello");
    expect(up.outputs).toMatchObject({ content: "hello", tag: "t1" });
    // The dynamic-provider process runs in the workspace workDir and resolves pulumi-ovs from there.
    expect(up.outputs.providerCwd).toBe(fs.realpathSync(stack.workDir));
    expect(up.outputs.ovsPackage).toBe(path.join(REPO_ROOT, "package.json"));

    // Change one input through a new program: exactly one in-place update whose diff is only `tag`.
    stack.setProgram(program("t2"));
    const pv = await stack.preview({ diff: true });
    expect(pv.summary).toMatchObject({ create: 0, update: 1, delete: 0, replace: 0, same: 1 });
    expect(changed(pv)).toHaveLength(1);
    expect(changed(pv)[0]).toMatchObject({ op: "update", name: "a", diffs: ["tag"], diffSource: "inputs" });
    expect(fs.readFileSync(fileA, "utf8")).toBe("hello");
    await expect(stack.preview({ diff: true, expectNoChanges: true })).rejects.toThrow(PulumiOperationError);

    // Back to the deployed program: no changes; then drift the file behind Pulumi's back.
    stack.setProgram(program("t1"));
    await stack.preview({ diff: true, expectNoChanges: true });
    fs.writeFileSync(fileA, "drifted");
    const rf = await stack.refresh();
    expect(rf.summary).toMatchObject({ update: 1, same: 1 });
    expect(changed(rf)[0]).toMatchObject({
      op: "update",
      name: "a",
      diffs: ["content"],
      diffSource: "outputs",
    });
    expect(changed(rf)[0]?.metadata.new?.outputs.content).toBe("drifted");
    // Refresh does not run the program, so the stack outputs stay those of the last up.
    expect(rf.outputs.content).toBe("hello");

    // Refreshed state differs from the program: up writes the file back.
    const pv2 = await stack.preview({ diff: true });
    expect(changed(pv2).map((s) => `${s.op} ${s.name}`)).toEqual(["update a"]);
    const up2 = await stack.up();
    expect(up2.summary).toMatchObject({ create: 0, update: 1, same: 1 });
    expect(fs.readFileSync(fileA, "utf8")).toBe("hello");
    expect(await stack.outputs()).toMatchObject({ content: "hello" });
    await stack.preview({ diff: true, refresh: true, expectNoChanges: true });

    const t1 = Date.now();
    const down = await stack.destroy();
    const downMs = Date.now() - t1;
    expect(down.summary).toMatchObject({ delete: 2, create: 0 });
    expect(fs.existsSync(fileA)).toBe(false);
    expect(fs.existsSync(fileB)).toBe(false);
    console.log(`trivial up ${upMs} ms, destroy ${downMs} ms`);
  } finally {
    await stack.remove();
  }
  for (const d of dirs) expect(fs.existsSync(d)).toBe(false);
});

test("diffs come from the engine when the provider has no diff()", async () => {
  const dir = tempDir();
  const program =
    (tag: string): PulumiProgram =>
    async () => {
      new PlainTestFile("plain", { path: path.join(dir, "p.txt"), content: "x", tag });
    };
  const stack = await TestStack.create({ project: "harness", stack: "engine-diffs", program: program("t1") });
  try {
    await stack.up();
    stack.setProgram(program("t2"));
    const pv = await stack.preview({ diff: true });
    expect(changed(pv)).toHaveLength(1);
    expect(changed(pv)[0]).toMatchObject({
      op: "update",
      name: "plain",
      diffs: ["tag"],
      diffSource: "engine",
    });
    expect(changed(pv)[0]?.detailedDiff).toEqual({ tag: { diffKind: "update", inputDiff: true } });
  } finally {
    await stack.remove();
  }
});

test("a failing create surfaces the provider's error message", async () => {
  const dir = tempDir();
  const stack = await TestStack.create({
    project: "harness",
    stack: "failing",
    program: async () => {
      new TestFile("ok", { path: path.join(dir, "ok.txt"), content: "fine", tag: "t" });
      new TestFile("broken", {
        path: path.join(dir, "broken.txt"),
        content: "never",
        tag: "t",
        fail: "disk on fire: cannot create broken.txt",
      });
    },
  });
  try {
    const err = await stack.up().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PulumiOperationError);
    const opErr = err as PulumiOperationError;
    expect(opErr.message).toContain("disk on fire: cannot create broken.txt");
    expect(opErr.errors[0]).toBe("broken: disk on fire: cannot create broken.txt");
    expect(opErr.result.steps.find((s) => s.name === "broken")).toMatchObject({ op: "create", failed: true });
    expect(fs.existsSync(path.join(dir, "ok.txt"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "broken.txt"))).toBe(false);
  } finally {
    await stack.remove();
  }
  expect(fs.existsSync(path.join(dir, "ok.txt"))).toBe(false);
});

test("a config secret stays encrypted in the exported state", async () => {
  const dir = tempDir();
  const secret = "s3cr3t-token-1b9f6c";
  const stack = await TestStack.create({
    project: "harness",
    stack: "secrets",
    config: { token: { value: secret, secret: true }, label: "visible-label" },
    program: async () => {
      const cfg = new pulumi.Config();
      const f = new TestFile("f", {
        path: path.join(dir, "f.txt"),
        content: cfg.requireSecret("token"),
        tag: cfg.require("label"),
      });
      return { token: cfg.requireSecret("token"), tag: f.tag };
    },
  });
  try {
    const up = await stack.up();
    expect(up.outputs).toEqual({ token: secret, tag: "visible-label" });
    expect(fs.readFileSync(path.join(dir, "f.txt"), "utf8")).toBe(secret);

    const state = await stack.exportState();
    expect(state.json).toContain("visible-label");
    expect(state.json).not.toContain(secret);
    expect(state.json).toContain("ciphertext");
    expect(state.version).toBeGreaterThanOrEqual(3);
    expect(state.deployment.resources.map((r: { type: string }) => r.type)).toContain(
      "pulumi-nodejs:dynamic:Resource",
    );
    expect(Object.keys(state)).toEqual(["version", "deployment"]);
    expect(state.json.length).toBeLessThan(64 * 1024);
    // Proves the check above is meaningful: the secret is in the state, only encrypted.
    expect((await stack.exportState({ showSecrets: true })).json).toContain(secret);
    // Nor is it in plain text in the stack's config file in the workspace.
    const configFile = fs.readFileSync(path.join(stack.workDir, "Pulumi.secrets.yaml"), "utf8");
    expect(configFile).not.toContain(secret);
  } finally {
    await stack.remove();
  }
});
