/**
 * Scenario 3: the Pulumi CLI is killed (SIGKILL) in the middle of creating the workload, with its
 * dynamic-provider process (as when the machine or container running `pulumi up` dies). Then the
 * README's recovery: `pulumi refresh --clear-pending-creates` (the Automation API's
 * `refresh({ clearPendingCreates: true })`) and `pulumi up`. Rows written by the killed run are
 * taken back by the new creates (same name, this stack's marker), so nothing is duplicated or
 * left orphaned, and foreign keys added meanwhile survive.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { startSandbox, stopSandbox } from "../../../sandbox";
import type { TestStack } from "../../../test/e2e/harness/pulumi";
import type { FaultRow } from "../types";
import {
  faultMidUp,
  descendants,
  finish,
  firstError,
  makeStack,
  nbScope,
  nbWorkload,
  objectsWanted,
  ourPulumiCli,
  seedForeignKeys,
  seedForeignNb,
  snapshot,
} from "../lib";

/** Deletes empty `*.attrs` files below `dir` (gocloud fileblob metadata sidecars); returns how many. */
function removeEmptyAttrs(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(e.parentPath, e.name);
    if (e.isFile() && e.name.endsWith(".attrs") && statSync(file).size === 0) {
      rmSync(file);
      n++;
    }
  }
  return n;
}

export const SCENARIO = "Pulumi CLI killed (SIGKILL) mid-create; refresh --clear-pending-creates; up";

export async function run(log: (m: string) => void = () => undefined): Promise<FaultRow[]> {
  const objects = objectsWanted();
  const started = Date.now();
  const sb = await startSandbox({ name: "flt-kill", hosts: 1, ovn: true });
  let stack: TestStack | undefined;
  try {
    const nb = sb.central!.nbRemote.unix;
    stack = await makeStack("cli-killed", nbWorkload({ remote: nb }, objects, "fk"));
    const scope = nbScope(stack, nb);
    await seedForeignNb(nb, "fk");

    // Kill the CLI once half the objects are created, and everything it started.
    const { injected: killed } = await faultMidUp(stack, objects, async () => {
      const tree = ourPulumiCli().flatMap((cli) => [cli, ...descendants(cli)]);
      for (const pid of tree) process.kill(pid, "SIGKILL");
      return tree;
    });
    if (killed.length === 0) throw new Error("no pulumi CLI process of ours to kill");

    // The documented recovery (README, "When pulumi up was killed"), first the file backend's part:
    // an empty `.attrs` sidecar (the kill came between its truncation and its write) makes every
    // command fail with "failed to load checkpoint: EOF"; the killed run's lock blocks the stack.
    const emptyAttrs = removeEmptyAttrs(path.join(stack.env.backendDir, ".pulumi"));
    await stack.stack.cancel();
    const pending = (await stack.exportState()).deployment.pending_operations?.length ?? 0;
    log(`killed PIDs ${killed.join(",")}; ${pending} pending operations in the state`);

    // Someone adds keys to the rows written so far; the recovery must keep them.
    await seedForeignKeys(scope, nb, "Logical_Switch", "after-kill");
    await seedForeignKeys(scope, nb, "Logical_Switch_Port", "after-kill");
    const before = await snapshot(scope, stack);

    await stack.stack.refresh({ color: "never", clearPendingCreates: true });
    let outcome: string;
    try {
      const up = await stack.up();
      outcome =
        `converged: ${pending} pending creates cleared, ${emptyAttrs} empty .attrs removed, ` +
        `${up.summary.create} created on rerun`;
    } catch (e) {
      outcome = `failed: ${firstError(e)}`;
    }
    return [await finish({ scenario: SCENARIO, objects, stack, scope, before, outcome, started, log })];
  } finally {
    await stack?.remove().catch((e: unknown) => log(`cleanup: ${firstError(e)}`));
    await stopSandbox(sb);
  }
}
