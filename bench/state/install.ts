/**
 * The layout a user has: a separate project whose `node_modules/pulumi-ovs` is the package as
 * `npm pack` makes it (not the repository's self-link). Its dependencies are linked to the
 * repository's copies, so the program and the Automation API share one `@pulumi/pulumi`.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../test/e2e/harness/pulumi";
import type { Sdk } from "./kinds";
import type * as variantsModule from "./variants";

const execFileP = promisify(execFile);

export interface InstalledPackage {
  /** The project directory (a workDir for TestStack: it resolves `pulumi-ovs` from its node_modules). */
  project: string;
  /** `pulumi-ovs` as the project imports it. */
  sdk: Sdk;
  /** bench/state/variants.js of the installed copy. */
  variants: typeof variantsModule;
  /** Deletes the project and the tarball. */
  remove(): void;
}

/** Packs the built repository (`dist/` must be current) and installs it into a new project. */
export async function installPacked(): Promise<InstalledPackage> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ovs-state-"));
  try {
    const { stdout } = await execFileP("npm", ["pack", "--json", "--pack-destination", root], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
    const project = path.join(root, "project");
    const nm = path.join(project, "node_modules");
    const pkgDir = path.join(nm, "pulumi-ovs");
    fs.mkdirSync(pkgDir, { recursive: true });
    await execFileP("tar", ["xzf", path.join(root, filename), "-C", pkgDir, "--strip-components=1"]);
    const deps = Object.keys(
      (
        JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as {
          dependencies: Record<string, string>;
        }
      ).dependencies,
    );
    for (const top of new Set(deps.map((d) => d.split("/")[0]))) {
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules", top), path.join(nm, top), "dir");
    }
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({
        name: "state-bench",
        private: true,
        dependencies: { "pulumi-ovs": `file:../${filename}` },
      }),
    );
    return {
      project,
      sdk: require(pkgDir) as Sdk,
      variants: require(path.join(pkgDir, "dist", "bench", "state", "variants.js")) as typeof variantsModule,
      remove: () => fs.rmSync(root, { recursive: true, force: true }),
    };
  } catch (e) {
    fs.rmSync(root, { recursive: true, force: true });
    throw e;
  }
}
