/**
 * Drives real Pulumi CLI operations from e2e tests, benchmarks and example runners, fully offline:
 * {@link TestStack}. Every TestStack gets its own temporary root holding a file:// backend, a
 * PULUMI_HOME and (unless `workDir` is given) a workspace directory; `remove()` deletes all of it.
 * How the CLI is found and how the dynamic provider resolves this package: `./cli.ts`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as auto from "@pulumi/pulumi/automation";
import { runOk } from "../../../sandbox/exec";
import { checkProviderWorkDir, makeProviderWorkDir, pulumiCommand, pulumiEnv, type PulumiEnv } from "./cli";
import { EventCollector, PulumiOperationError, plainOutputs, type OpResult } from "./events";

export * from "./cli";
export * from "./events";

/** An inline Pulumi program: registers resources, returns the stack outputs. */
export type PulumiProgram = () => Promise<Record<string, unknown> | void>;
/** Stack configuration: plain values, or secrets. */
export type ConfigInput = Record<string, string | { value: string; secret: true }>;

export interface TestStackOptions {
  project: string;
  stack: string;
  program: PulumiProgram;
  /**
   * Workspace directory (e.g. an `examples/<name>/` with its own node_modules). It must resolve
   * `pulumi-ovs` and `@pulumi/pulumi` for the dynamic provider (checked). It is not deleted; a
   * `Pulumi.yaml` is written there only if none exists (and then removed again), and its stack file
   * `Pulumi.<stack>.yaml` is removed with the stack. Default: a temporary directory with symlinks.
   */
  workDir?: string;
  /**
   * A Pulumi project directory (e.g. `examples/single-host-vlan`, or the repository root) whose
   * `Pulumi.yaml` the stack uses: its name, and its options such as `refresh: always`. The file is
   * copied into the temporary workDir (without `main`), so the CLI reads what `pulumi up` in that
   * directory would; the program still runs inline. Not combined with `workDir`.
   */
  projectDir?: string;
  config?: ConfigInput;
  /** Share a backend directory between stacks (not deleted by `remove()`). */
  backendDir?: string;
  passphrase?: string;
  /** Extra environment for every command (and hence for the dynamic-provider process). */
  envVars?: Record<string, string>;
}

export interface PreviewOptions {
  diff?: boolean;
  refresh?: boolean;
  expectNoChanges?: boolean;
}

export interface UpOptions extends PreviewOptions {
  /** URNs to replace. */
  replace?: string[];
}

/** A stack export; `json` (non-enumerable) is the exact text the CLI printed. */
export type ExportedState = auto.Deployment & { readonly json: string };

export interface RemoveOptions {
  /** Skip `destroy` (e.g. the resources are already gone) and force `stack rm`. */
  skipDestroy?: boolean;
}

/**
 * The `Pulumi.yaml` of a project directory for an inline program: as written, without its
 * top-level `main` (the CLI checks that the entry file exists, and the program runs inline).
 */
function inlineProject(dir: string): string {
  const file = path.join(path.resolve(dir), "Pulumi.yaml");
  if (!fs.existsSync(file)) throw new Error(`${dir} holds no Pulumi.yaml`);
  return fs.readFileSync(file, "utf8").replace(/^main:.*\n/m, "");
}

/** Project options of a workspace's `Pulumi.yaml` (`ProjectSettings` does not declare them). */
interface ProjectOptions {
  options?: { refresh?: string };
}

export class TestStack {
  private static readonly live = new Set<TestStack>();
  private removed = false;
  private removing: Promise<void> | undefined;

  private constructor(
    readonly stack: auto.Stack,
    readonly env: PulumiEnv,
    readonly workDir: string,
    /** Files and directories `remove()` deletes. */
    private readonly cleanup: string[],
  ) {}

  get name(): string {
    return this.stack.name;
  }

  get workspace(): auto.Workspace {
    return this.stack.workspace;
  }

  static async create(opts: TestStackOptions): Promise<TestStack> {
    const env = await pulumiEnv({ backendDir: opts.backendDir, passphrase: opts.passphrase });
    const cleanup = [...env.tempDirs];
    try {
      let workDir: string;
      let projectSettings: auto.ProjectSettings | undefined;
      if (opts.workDir) {
        workDir = path.resolve(opts.workDir);
        await checkProviderWorkDir(workDir);
        const hasProject = ["Pulumi.yaml", "Pulumi.yml", "Pulumi.json"].some((f) =>
          fs.existsSync(path.join(workDir, f)),
        );
        if (!hasProject) {
          projectSettings = { name: opts.project, runtime: "nodejs" };
          cleanup.push(path.join(workDir, "Pulumi.yaml"));
        }
      } else {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ovs-work-"));
        cleanup.push(workDir);
        makeProviderWorkDir(workDir);
        if (opts.projectDir)
          fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), inlineProject(opts.projectDir));
        else projectSettings = { name: opts.project, runtime: "nodejs" };
      }
      const stack = await auto.LocalWorkspace.createOrSelectStack(
        { stackName: opts.stack, projectName: opts.project, program: opts.program },
        {
          workDir,
          pulumiHome: env.pulumiHome,
          pulumiCommand: await pulumiCommand(),
          envVars: { ...env.env, ...(opts.envVars ?? {}) },
          projectSettings,
        },
      );
      const ts = new TestStack(stack, env, workDir, cleanup);
      TestStack.live.add(ts);
      if (opts.config) await ts.setConfig(opts.config);
      return ts;
    } catch (e) {
      for (const p of cleanup) fs.rmSync(p, { recursive: true, force: true });
      throw e;
    }
  }

  /** Removes every stack created in this process that was not removed yet (for afterAll). */
  static async removeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const ts of [...TestStack.live]) {
      try {
        await ts.remove();
      } catch (e) {
        failures.push(e);
      }
    }
    if (failures.length) {
      throw new Error(`TestStack.removeAll: ${failures.map((f) => (f as Error).message ?? f).join("\n")}`);
    }
  }

  async setConfig(config: ConfigInput): Promise<void> {
    const map: auto.ConfigMap = {};
    for (const [k, v] of Object.entries(config)) {
      map[k] = typeof v === "string" ? { value: v } : { value: v.value, secret: true };
    }
    await this.stack.setAllConfig(map);
  }

  /**
   * Whether the project asks for a refresh before every preview, up and destroy (`Pulumi.yaml`
   * `options: refresh: always`). The CLI reads the workspace's Pulumi.yaml for inline programs too.
   */
  async refreshesAlways(): Promise<boolean> {
    const settings = (await this.stack.workspace.projectSettings()) as ProjectOptions;
    return settings.options?.refresh === "always";
  }

  /** Replaces the inline program used by later operations (including refresh and destroy). */
  setProgram(program: PulumiProgram): void {
    this.stack.workspace.program = program;
  }

  async up(opts: UpOptions = {}): Promise<OpResult> {
    return this.run("up", async (c) => {
      const r = await this.stack.up({
        color: "never",
        onEvent: c.onEvent,
        diff: opts.diff,
        refresh: opts.refresh,
        expectNoChanges: opts.expectNoChanges,
        replace: opts.replace,
      });
      return { stdout: r.stdout, stderr: r.stderr, outputs: plainOutputs(r.outputs) };
    });
  }

  async preview(opts: PreviewOptions = {}): Promise<OpResult> {
    return this.run("preview", async (c) => {
      const r = await this.stack.preview({
        color: "never",
        onEvent: c.onEvent,
        diff: opts.diff ?? true,
        refresh: opts.refresh,
        expectNoChanges: opts.expectNoChanges,
      });
      return { stdout: r.stdout, stderr: r.stderr, outputs: {} };
    });
  }

  async refresh(opts: { expectNoChanges?: boolean } = {}): Promise<OpResult> {
    return this.run("refresh", async (c) => {
      const r = await this.stack.refresh({
        color: "never",
        onEvent: c.onEvent,
        expectNoChanges: opts.expectNoChanges,
      });
      return { stdout: r.stdout, stderr: r.stderr, outputs: await this.outputs() };
    });
  }

  async destroy(): Promise<OpResult> {
    return this.run("destroy", async (c) => {
      const r = await this.stack.destroy({ color: "never", onEvent: c.onEvent });
      return { stdout: r.stdout, stderr: r.stderr, outputs: {} };
    });
  }

  /** Current stack outputs as plain values (secrets decrypted). */
  async outputs(): Promise<Record<string, unknown>> {
    return plainOutputs(await this.stack.outputs());
  }

  /**
   * `pulumi stack export` of the current state: the deployment (`{ version, deployment }`, as from
   * `Stack.exportStack()`) plus a non-enumerable `json`, the CLI's exact output (for size checks).
   * Unlike `Stack.exportStack()`, which passes `--show-secrets`, secrets stay encrypted unless
   * `showSecrets` is set.
   */
  async exportState(opts: { showSecrets?: boolean } = {}): Promise<ExportedState> {
    const args = ["stack", "export", "--stack", this.name, "--non-interactive"];
    if (opts.showSecrets) args.push("--show-secrets");
    // PulumiCommand.run() is not part of the typed API; run the same binary directly.
    const stdout = await runOk("pulumi stack export", [(await pulumiCommand()).command, ...args], {
      cwd: this.workDir,
      env: this.stack.workspace.envVars,
    });
    const state = JSON.parse(stdout) as auto.Deployment;
    Object.defineProperty(state, "json", { value: stdout, enumerable: false });
    return state as ExportedState;
  }

  /**
   * Destroys the resources, removes the stack and deletes every temporary directory. Cleanup runs
   * even when destroy fails; the destroy error is rethrown afterwards. Idempotent.
   */
  async remove(opts: RemoveOptions = {}): Promise<void> {
    this.removing ??= this.doRemove(opts);
    return this.removing;
  }

  private async doRemove(opts: RemoveOptions): Promise<void> {
    TestStack.live.delete(this);
    let failure: unknown;
    try {
      if (!opts.skipDestroy) {
        try {
          await this.destroy();
        } catch (e) {
          failure = e;
        }
      }
      try {
        await this.stack.workspace.removeStack(this.name, { force: true });
      } catch (e) {
        failure ??= e;
      }
    } finally {
      this.removed = true;
      for (const p of this.cleanup) fs.rmSync(p, { recursive: true, force: true });
    }
    if (failure) throw failure;
  }

  private async run(
    operation: string,
    fn: (c: EventCollector) => Promise<{ stdout: string; stderr: string; outputs: Record<string, unknown> }>,
  ): Promise<OpResult> {
    if (this.removed) throw new Error(`stack ${this.name} was removed`);
    const c = new EventCollector();
    const t0 = Date.now();
    try {
      const r = await fn(c);
      return c.result({ ...r, durationMs: Date.now() - t0 });
    } catch (e) {
      // CommandError keeps the CLI's output in a (TypeScript-private) commandResult.
      const cr = (e as { commandResult?: { stdout?: string; stderr?: string } }).commandResult;
      const partial = c.result({
        stdout: cr?.stdout ?? "",
        stderr: cr?.stderr ?? "",
        outputs: {},
        durationMs: Date.now() - t0,
      });
      throw new PulumiOperationError(operation, c.errors(), partial, e);
    }
  }
}
