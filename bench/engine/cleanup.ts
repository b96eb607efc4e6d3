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

/**
 * On SIGINT or SIGTERM: logs, runs `close` (the benchmark's clean-up) and exits with 130. The
 * handlers stay registered until the exit: execa (under the Automation API) hooks the same signals
 * through signal-exit, which re-raises a signal that no other listener is left to handle, and that
 * would end the process in the middle of its clean-up. A second signal while cleaning up is logged.
 */
export function closeOnInterrupt(log: (message: string) => void, close: () => Promise<void>): void {
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (closing) return log(`${signal}: still removing the stacks and the sandbox`);
      closing = true;
      log(`${signal}: removing the stacks and the sandbox`);
      void close().finally(() => process.exit(130));
    });
  }
}
