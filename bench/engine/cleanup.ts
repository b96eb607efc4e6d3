/** Cleaning up after a benchmark that deploys stacks on a sandbox (bench:engine, bench:scale). */
import * as fs from "node:fs";
import { stopSandbox, type SandboxInfo } from "../../sandbox";
import type { TestStack } from "../../test/e2e/harness/pulumi";

/**
 * Removes the stacks (without destroy: the sandbox goes with them), the work directories and the
 * sandbox; what fails is logged, not thrown, so that the rest is still cleaned up.
 */
export async function cleanUp(o: {
  stacks: Iterable<TestStack>;
  dirs: Iterable<string>;
  sandbox?: SandboxInfo;
  log: (message: string) => void;
}): Promise<void> {
  const failures: unknown[] = [];
  for (const ts of o.stacks) await ts.remove({ skipDestroy: true }).catch((e: unknown) => failures.push(e));
  for (const dir of o.dirs) fs.rmSync(dir, { recursive: true, force: true });
  if (o.sandbox) await stopSandbox(o.sandbox).catch((e: unknown) => failures.push(e));
  if (failures.length) o.log(`cleanup: ${failures.map((f) => String(f)).join("; ")}`);
}
