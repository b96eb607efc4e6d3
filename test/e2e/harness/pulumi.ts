/**
 * Drives real Pulumi CLI operations from e2e tests and example runners, fully offline.
 *
 * - The CLI is located once per process with `scripts/ensure-pulumi.sh` (last stdout line = bin dir).
 * - Programs run as Automation API *inline* programs: no `pulumi-language-nodejs` is needed.
 * - Every {@link TestStack} gets its own temporary root holding a file:// backend, a PULUMI_HOME and
 *   (unless `workDir` is given) a workspace directory; `remove()` deletes all of it.
 *
 * Module resolution in the dynamic-provider process (checked with @pulumi/pulumi 3.248 and CLI 3.259):
 * the CLI starts `pulumi-resource-pulumi-nodejs` (found on PATH) with the workspace workDir as its
 * working directory. That shell script runs `node -e "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')"`
 * from there, and the provider evaluates serialized resource providers with `require-from-string`,
 * whose module has an empty filename, so bare requires resolve from `<cwd>/node_modules` and its
 * parents only; Node's package self-reference does NOT apply (no parent filename). The repository root
 * therefore does not resolve `pulumi-ovs/provider`. The default workDir holds two symlinks instead:
 * `node_modules/pulumi-ovs -> <repo>` and `node_modules/@pulumi -> <repo>/node_modules/@pulumi`.
 * Node resolves symlinks to real paths, so the provider code and the SDK are the repository's copies.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as auto from "@pulumi/pulumi/automation";

const execFileP = promisify(execFile);

/** The repository root (this file lives in `<repo>/test/e2e/harness/`). */
/** The package root: the nearest directory above this file whose package.json is pulumi-ovs's. */
export const REPO_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "pulumi-ovs") return dir;
    } catch {
      // no package.json here
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the pulumi-ovs package root above ${start}`);
  }
}
const PULUMI_SDK_DIR = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");
const DEFAULT_PASSPHRASE = "pulumi-ovs-e2e-passphrase";
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

// ---------------------------------------------------------------------------------------------
// CLI and environment
// ---------------------------------------------------------------------------------------------

/** Runs `fn` with a throw-away PULUMI_HOME so that nothing is written to ~/.pulumi. */
async function withScratchHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ovs-home-"));
  try {
    return await fn(home);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

let cliDirPromise: Promise<string> | undefined;
let commandPromise: Promise<auto.PulumiCommand> | undefined;

/**
 * Directory holding the `pulumi` binary: runs `scripts/ensure-pulumi.sh` once per process (it may build
 * the CLI the first time on a machine) and caches the answer.
 */
export function ensurePulumiCli(): Promise<string> {
  if (!cliDirPromise) {
    cliDirPromise = (async () => {
      const script = path.join(REPO_ROOT, "scripts", "ensure-pulumi.sh");
      let stdout: string;
      try {
        ({ stdout } = await withScratchHome((home) =>
          execFileP("bash", [script], {
            cwd: REPO_ROOT,
            env: { ...process.env, PULUMI_HOME: home },
            maxBuffer: 64 * 1024 * 1024,
            timeout: 60 * 60 * 1000,
          }),
        ));
      } catch (e) {
        const err = e as Error & { stderr?: string };
        throw new Error(`ensure-pulumi.sh failed: ${err.message}\n${err.stderr ?? ""}`);
      }
      const lines = stdout.split("\n").map((l) => l.trim());
      const dir = lines.filter((l) => l.length > 0).pop();
      if (!dir || !fs.existsSync(path.join(dir, "pulumi"))) {
        throw new Error(`ensure-pulumi.sh did not print a directory holding 'pulumi' (stdout: ${stdout})`);
      }
      return dir;
    })();
    cliDirPromise.catch(() => (cliDirPromise = undefined));
  }
  return cliDirPromise;
}

/** The Automation API handle on the located CLI (version-checked once, then cached). */
export function pulumiCommand(): Promise<auto.PulumiCommand> {
  if (!commandPromise) {
    commandPromise = (async () => {
      const dir = await ensurePulumiCli();
      // PulumiCommand wants an installation root that holds `bin/pulumi`.
      let root = path.dirname(dir);
      if (path.basename(dir) !== "bin") {
        root = path.join(os.tmpdir(), `pulumi-ovs-cli-${process.getuid?.() ?? "user"}`);
        fs.mkdirSync(path.join(root, "bin"), { recursive: true });
        const link = path.join(root, "bin", "pulumi");
        fs.rmSync(link, { force: true });
        fs.symlinkSync(path.join(dir, "pulumi"), link);
      }
      // get() runs `pulumi version` with process.env, which would log into ~/.pulumi/logs. The child
      // is spawned synchronously inside get(), so PULUMI_HOME only needs to be swapped around the call.
      return withScratchHome((home) => {
        const saved = process.env.PULUMI_HOME;
        process.env.PULUMI_HOME = home;
        try {
          return auto.PulumiCommand.get({ root });
        } finally {
          if (saved === undefined) delete process.env.PULUMI_HOME;
          else process.env.PULUMI_HOME = saved;
        }
      });
    })();
    commandPromise.catch(() => (commandPromise = undefined));
  }
  return commandPromise;
}

export interface PulumiEnvOptions {
  /** Existing directory for the file:// backend; a fresh temporary one is made otherwise. */
  backendDir?: string;
  /** Existing PULUMI_HOME; a fresh temporary one is made otherwise. */
  pulumiHome?: string;
  /** Passphrase for the passphrase secrets provider. */
  passphrase?: string;
}

export interface PulumiEnv {
  /** Directory holding the `pulumi` binary. */
  cliDir: string;
  backendDir: string;
  backendUrl: string;
  pulumiHome: string;
  passphrase: string;
  /** Environment for every Pulumi command (merged over process.env by the Automation API). */
  env: Record<string, string>;
  /** Temporary directories created here (the caller removes them). */
  tempDirs: string[];
}

/** Builds the offline environment for Pulumi commands. */
export async function pulumiEnv(opts: PulumiEnvOptions = {}): Promise<PulumiEnv> {
  const cliDir = await ensurePulumiCli();
  const tempDirs: string[] = [];
  const temp = (prefix: string): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    tempDirs.push(d);
    return d;
  };
  const backendDir = opts.backendDir ?? temp("pulumi-ovs-backend-");
  const pulumiHome = opts.pulumiHome ?? temp("pulumi-ovs-home-");
  const passphrase = opts.passphrase ?? DEFAULT_PASSPHRASE;
  const backendUrl = `file://${backendDir}`;
  const PATH = [cliDir, PULUMI_SDK_DIR, path.dirname(process.execPath), process.env.PATH ?? ""].join(
    path.delimiter,
  );
  return {
    cliDir,
    backendDir,
    backendUrl,
    pulumiHome,
    passphrase,
    tempDirs,
    env: {
      PATH,
      PULUMI_HOME: pulumiHome,
      PULUMI_BACKEND_URL: backendUrl,
      PULUMI_CONFIG_PASSPHRASE: passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    },
  };
}

/**
 * Creates a directory from which the dynamic-provider process resolves `pulumi-ovs/*` and
 * `@pulumi/pulumi/*` (see the header comment).
 */
export function makeProviderWorkDir(dir: string): string {
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(nm, { recursive: true });
  fs.symlinkSync(REPO_ROOT, path.join(nm, "pulumi-ovs"), "dir");
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules", "@pulumi"), path.join(nm, "@pulumi"), "dir");
  return dir;
}

/**
 * Checks, in a child process run exactly like the dynamic provider (cwd = workDir, code evaluated by
 * require-from-string), that `workDir` resolves the modules the provider needs. Throws if not.
 */
export async function checkProviderWorkDir(workDir: string): Promise<void> {
  const rfs = require.resolve("require-from-string", { paths: [PULUMI_SDK_DIR] });
  const probe =
    `const r = require(${JSON.stringify(rfs)})(` +
    `"module.exports = [require.resolve('pulumi-ovs/package.json'), ` +
    `require.resolve('@pulumi/pulumi/cmd/dynamic-provider')]"); console.log(JSON.stringify(r));`;
  try {
    await execFileP(process.execPath, ["-e", `process.chdir(${JSON.stringify(workDir)}); ${probe}`], {
      cwd: os.tmpdir(),
    });
  } catch (e) {
    throw new Error(
      `workDir ${workDir} cannot resolve 'pulumi-ovs' and '@pulumi/pulumi' for the dynamic provider ` +
        `(needs node_modules/pulumi-ovs and node_modules/@pulumi/pulumi there or in a parent): ` +
        `${(e as Error).message}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export type PulumiProgram = () => Promise<Record<string, unknown> | void>;
export type ConfigInput = Record<string, string | { value: string; secret: true }>;

/** One resource step reported by the engine (root stack and provider resources included). */
export interface StepInfo {
  /** Final op: for `refresh`, the outcome reported after reading (`same`, `update`, `delete`). */
  op: auto.OpType;
  urn: string;
  type: string;
  name: string;
  /**
   * Changed top-level properties. The engine's `diffs` when it reports any; otherwise (an update or
   * replace whose provider implements `diff`: @pulumi/pulumi's dynamic-provider host drops the `diffs`
   * a dynamic `diff()` returns) the input keys that differ between old and new state, and for refresh
   * the output keys that differ. See `diffSource`.
   */
  diffs?: string[];
  diffSource?: "engine" | "inputs" | "outputs";
  detailedDiff?: Record<string, auto.PropertyDiff>;
  /** Keys that cause a replacement. */
  keys?: string[];
  /** True when the engine reported this step as failed (resOpFailedEvent). */
  failed?: boolean;
  /** Full engine metadata (old/new state included). */
  metadata: auto.StepEventMetadata;
}

export interface OpSummary {
  [op: string]: number;
  create: number;
  update: number;
  delete: number;
  replace: number;
  same: number;
}

export interface OpResult {
  stdout: string;
  stderr: string;
  /** Counts of `steps` by op (root stack and providers excluded; a replacement counts once). */
  summary: OpSummary;
  /** Steps of user resources: the root `pulumi:pulumi:Stack` and `pulumi:providers:*` are left out. */
  steps: StepInfo[];
  /** Every step, including the root stack and providers. */
  allSteps: StepInfo[];
  /** Stack outputs (plain values; secrets decrypted) after the operation; `{}` for preview/destroy. */
  outputs: Record<string, unknown>;
  /** Non-debug diagnostics (warnings, errors, provider stderr). */
  diagnostics: auto.DiagnosticEvent[];
  /** The engine's own change summary (counts the root stack). */
  engineSummary: auto.OpMap;
  /** Every engine event received. */
  events: auto.EngineEvent[];
  durationMs: number;
}

/** A failed operation; `message` leads with the engine's error diagnostics. */
export class PulumiOperationError extends Error {
  constructor(
    readonly operation: string,
    /** Error-severity diagnostic messages, resource-specific ones first ("name: message"). */
    readonly errors: string[],
    /** What was collected before the failure. */
    readonly result: OpResult,
    cause: unknown,
  ) {
    const cliText = `${(cause as { message?: string })?.message ?? String(cause)}`;
    const tail = cliText.length > 4000 ? `...${cliText.slice(-4000)}` : cliText;
    super(
      `pulumi ${operation} failed: ${errors.length ? errors.join("\n") : "(no error diagnostics)"}\n` +
        `--- CLI output ---\n${tail}`,
      { cause },
    );
    this.name = "PulumiOperationError";
  }

  /**
   * The error messages the engine reported for one resource (its name in the program), as the
   * provider wrote them: `[NAME_TAKEN] ovs.Bridge "b" on …`, or for an argument problem found at
   * preview `… property tag value 4096 has a problem: [INVALID_INPUT] …`.
   */
  messagesOf(resource: string): string[] {
    return this.errors.filter((x) => x.startsWith(`${resource}: `)).map((x) => x.slice(resource.length + 2));
  }
}

function nameFromUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

function changedKeys(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): string[] {
  const x = a ?? {};
  const y = b ?? {};
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  keys.delete("__provider");
  return [...keys].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k])).sort();
}

function isUserStep(s: StepInfo): boolean {
  return s.type !== ROOT_STACK_TYPE && !s.type.startsWith(PROVIDER_TYPE_PREFIX);
}

/** Collects engine events of one operation into steps and diagnostics. */
class EventCollector {
  readonly events: auto.EngineEvent[] = [];
  readonly steps: StepInfo[] = [];
  readonly diagnostics: auto.DiagnosticEvent[] = [];
  engineSummary: auto.OpMap = {};

  readonly onEvent = (e: auto.EngineEvent): void => {
    this.events.push(e);
    if (e.resourcePreEvent) this.pre(e.resourcePreEvent.metadata);
    if (e.resOutputsEvent) this.out(e.resOutputsEvent.metadata);
    if (e.resOpFailedEvent) {
      const m = e.resOpFailedEvent.metadata;
      const step = this.find(m.urn, m.op) ?? this.pre(m);
      step.failed = true;
    }
    if (e.diagnosticEvent && (e.diagnosticEvent.severity as string) !== "debug") {
      this.diagnostics.push(e.diagnosticEvent);
    }
    if (e.summaryEvent) this.engineSummary = e.summaryEvent.resourceChanges ?? {};
  };

  private find(urn: string, op: string): StepInfo | undefined {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i] as StepInfo;
      if (s.urn === urn && s.op === op) return s;
    }
    return undefined;
  }

  private pre(m: auto.StepEventMetadata): StepInfo {
    const step: StepInfo = { op: m.op, urn: m.urn, type: m.type, name: nameFromUrn(m.urn), metadata: m };
    this.apply(step, m);
    this.steps.push(step);
    return step;
  }

  private out(m: auto.StepEventMetadata): void {
    const step = this.find(m.urn, m.op) ?? this.find(m.urn, "refresh");
    if (!step) {
      this.pre(m);
      return;
    }
    step.op = m.op;
    step.metadata = m;
    this.apply(step, m);
  }

  private apply(step: StepInfo, m: auto.StepEventMetadata): void {
    if (m.keys?.length) step.keys = m.keys;
    if (m.detailedDiff) step.detailedDiff = m.detailedDiff;
    if (m.diffs?.length) {
      step.diffs = m.diffs;
      step.diffSource = "engine";
    } else if (step.diffSource !== "engine" && (m.op === "update" || m.op === "replace")) {
      const byInputs = changedKeys(m.old?.inputs, m.new?.inputs);
      const byOutputs = changedKeys(m.old?.outputs, m.new?.outputs);
      if (byInputs.length) {
        step.diffs = byInputs;
        step.diffSource = "inputs";
      } else if (byOutputs.length) {
        step.diffs = byOutputs;
        step.diffSource = "outputs";
      }
    }
  }

  result(base: {
    stdout: string;
    stderr: string;
    outputs: Record<string, unknown>;
    durationMs: number;
  }): OpResult {
    const steps = this.steps.filter(isUserStep);
    const summary: OpSummary = { create: 0, update: 0, delete: 0, replace: 0, same: 0 };
    for (const s of steps) {
      if (s.failed || s.op === "create-replacement" || s.op === "delete-replaced") continue;
      summary[s.op] = (summary[s.op] ?? 0) + 1;
    }
    return {
      ...base,
      summary,
      steps,
      allSteps: [...this.steps],
      diagnostics: [...this.diagnostics],
      engineSummary: this.engineSummary,
      events: [...this.events],
    };
  }

  errors(): string[] {
    const errs = this.diagnostics.filter((d) => d.severity === "error");
    const withUrn = errs.filter((d) => d.urn).map((d) => `${nameFromUrn(d.urn ?? "")}: ${d.message.trim()}`);
    const rest = errs.filter((d) => !d.urn).map((d) => d.message.trim());
    return [...withUrn, ...rest];
  }
}

function plainOutputs(map: auto.OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value]));
}

// ---------------------------------------------------------------------------------------------
// TestStack
// ---------------------------------------------------------------------------------------------

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
    const { stdout } = await execFileP((await pulumiCommand()).command, args, {
      cwd: this.workDir,
      env: { ...process.env, ...this.stack.workspace.envVars },
      maxBuffer: 512 * 1024 * 1024,
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
