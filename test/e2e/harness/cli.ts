/**
 * The Pulumi CLI and its offline environment, for the harness ({@link ./pulumi.ts}) and the demo.
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
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as auto from "@pulumi/pulumi/automation";
import { run } from "../../../sandbox/exec";

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
      const r = await withScratchHome((home) =>
        run(["bash", script], { cwd: REPO_ROOT, env: { PULUMI_HOME: home }, timeoutMs: 60 * 60 * 1000 }),
      );
      if (r.code !== 0) throw new Error(`ensure-pulumi.sh failed (exit ${r.code}):\n${r.stderr}`);
      const stdout = r.stdout;
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
  const r = await run([process.execPath, "-e", `process.chdir(${JSON.stringify(workDir)}); ${probe}`], {
    cwd: os.tmpdir(),
  });
  if (r.code !== 0) {
    throw new Error(
      `workDir ${workDir} cannot resolve 'pulumi-ovs' and '@pulumi/pulumi' for the dynamic provider ` +
        `(needs node_modules/pulumi-ovs and node_modules/@pulumi/pulumi there or in a parent): ` +
        r.stderr.trim(),
    );
  }
}
