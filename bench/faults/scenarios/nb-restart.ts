/**
 * Scenario 4: the OVN northbound ovsdb-server is restarted (stopped and started again on the same
 * database) while `pulumi up` creates the workload. Transactions in flight fail or are retried on
 * the new connection; a rerun of `up` converges with no row duplicated or left orphaned.
 */
import { restartDaemon, startSandbox, stopSandbox } from "../../../sandbox";
import type { TestStack } from "../../../test/e2e/harness/pulumi";
import type { FaultRow } from "../types";
import {
  faultMidUp,
  finish,
  firstError,
  rerun,
  makeStack,
  nbScope,
  nbWorkload,
  objectsWanted,
  seedForeignNb,
  snapshot,
} from "../lib";

export const SCENARIO = "NB ovsdb-server restarted mid-up; rerun";

export async function run(log: (m: string) => void = () => undefined): Promise<FaultRow[]> {
  const objects = objectsWanted();
  const started = Date.now();
  const sb = await startSandbox({ name: "flt-nbr", hosts: 1, ovn: true });
  let stack: TestStack | undefined;
  try {
    const nb = sb.central!.nbRemote.unix;
    stack = await makeStack("nb-restart", nbWorkload({ remote: nb }, objects, "fr"));
    const scope = nbScope(stack, nb);
    await seedForeignNb(nb, "fr");
    const before = await snapshot(scope);

    const { first, injected: pid } = await faultMidUp(stack, objects, () =>
      restartDaemon(sb, "central", "nb"),
    );
    log(`NB ovsdb-server restarted (new PID ${pid}); ${first}`);
    const outcome = await rerun(stack, first);
    return [await finish({ scenario: SCENARIO, objects, stack, scope, before, outcome, started, log })];
  } finally {
    await stack?.remove().catch((e: unknown) => log(`cleanup: ${firstError(e)}`));
    await stopSandbox(sb);
  }
}
