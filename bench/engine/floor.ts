/**
 * The floor's workspace: a Pulumi workspace directory in which `pulumi-ovs` (and every subpath,
 * `pulumi-ovs/provider` included) resolves to the no-op provider of floor-provider.ts, and
 * `@pulumi/pulumi` to the repository's copy. A stack run there deploys the SDK's own resources
 * (same classes, same inputs, same serialized shim) while the dynamic-provider process does nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Creates the floor's workspace; the caller deletes it (`fs.rmSync(dir, { recursive: true })`). */
export function makeFloorWorkDir(repoRoot: string): string {
  // The provider process runs plain Node: it loads the compiled module, also when the bench
  // itself runs from the TypeScript sources (jest).
  const providerJs = path.join(repoRoot, "dist", "bench", "engine", "floor-provider.js");
  if (!fs.existsSync(providerJs)) throw new Error(`${providerJs} is missing: run \`npm run build\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ovs-floor-"));
  const pkg = path.join(dir, "node_modules", "pulumi-ovs");
  fs.mkdirSync(pkg, { recursive: true });
  const exports = { ".": "./provider.js", "./package.json": "./package.json", "./*": "./provider.js" };
  fs.writeFileSync(
    path.join(pkg, "package.json"),
    JSON.stringify({ name: "pulumi-ovs", version: "0.0.0-floor", exports }, null, 2),
  );
  fs.writeFileSync(
    path.join(pkg, "provider.js"),
    `module.exports = require(${JSON.stringify(providerJs)});\n`,
  );
  fs.symlinkSync(
    path.join(repoRoot, "node_modules", "@pulumi"),
    path.join(dir, "node_modules", "@pulumi"),
    "dir",
  );
  return dir;
}
