/**
 * Scenario 5: a 3-member clustered OVN northbound database (raft, on loopback) with ovn-northd
 * reading it; the leader is killed (SIGKILL) while `pulumi up` creates the workload. The provider's
 * client moves to the new leader; the run or its rerun converges with no row written twice, and
 * ovn-northd follows the new leader too (every switch gets its southbound datapath).
 */
import { startNorthd } from "../../../sandbox/central";
import type { Child } from "../../../sandbox/exec";
import { TestCluster, TestOvsdbServer } from "../../../sandbox/ovsdb-server";
import { poll } from "../../../sandbox/wait";
import type { TestStack } from "../../../test/e2e/harness/pulumi";
import type { FaultRow } from "../types";
import {
  faultMidUp,
  ctl,
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

export const SCENARIO = "clustered NB (3 members): leader killed mid-up; rerun";

/** Waits until ovn-northd has a southbound datapath for each of `n` switches; returns how many. */
async function datapaths(sb: TestOvsdbServer, n: number, timeoutMs = 60_000): Promise<number> {
  let count = 0;
  await poll(
    async () => {
      const out = await sb.tool("ovn-sbctl", ["--bare", "--columns=_uuid", "list", "Datapath_Binding"]);
      count = out.split("\n").filter((l) => l.trim()).length;
      return count >= n;
    },
    { timeoutMs, intervalMs: 500 },
  );
  return count;
}

export async function run(log: (m: string) => void = () => undefined): Promise<FaultRow[]> {
  const objects = objectsWanted();
  const started = Date.now();
  const cluster = await TestCluster.start("nb", 3);
  let sb: TestOvsdbServer | undefined;
  let northd: Child | undefined;
  let stack: TestStack | undefined;
  try {
    sb = await TestOvsdbServer.start("sb");
    await ctl("ovn-nbctl", cluster.remotes, "init");
    northd = startNorthd(cluster.remotes, sb.unix, cluster.dir);
    const nb = cluster.remotes;
    stack = await makeStack("nb-cluster", nbWorkload({ remote: nb }, objects, "fc"));
    const scope = nbScope(stack, nb);
    await seedForeignNb(nb, "fc");
    const before = await snapshot(scope);

    const leader = await cluster.waitForLeader();
    const { first } = await faultMidUp(stack, objects, () => cluster.kill(leader));
    const newLeader = await cluster.waitForLeader();
    log(`leader ${leader} killed, new leader ${newLeader}; ${first}`);

    let outcome = await rerun(stack, first);
    if (outcome.startsWith("converged")) {
      const switches = Math.ceil(objects / 10) + 1; // and the foreign one
      const dps = await datapaths(sb, switches);
      outcome += `; ovn-northd: ${dps}/${switches} datapaths${dps < switches ? " (NOT following the new leader)" : ""}`;
    }
    return [await finish({ scenario: SCENARIO, objects, stack, scope, before, outcome, started, log })];
  } finally {
    await stack?.remove().catch((e: unknown) => log(`cleanup: ${firstError(e)}`));
    await northd?.stop();
    await sb?.stop();
    await cluster.stop();
  }
}
