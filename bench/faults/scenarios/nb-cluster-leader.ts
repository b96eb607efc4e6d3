/**
 * Scenario 5: a 3-member clustered OVN northbound database (raft, on loopback) with ovn-northd
 * reading it; the leader is killed (SIGKILL) while `pulumi up` creates the workload. The provider's
 * client moves to the new leader; the run or its rerun converges with no row written twice, and
 * ovn-northd follows the new leader too (every switch gets its southbound datapath).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { TestCluster, TestOvsdbServer } from "../../../sandbox/ovsdb-server";
import type { TestStack } from "../../../sandbox/pulumi";
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
  sleep,
  snapshot,
} from "../lib";

export const SCENARIO = "clustered NB (3 members): leader killed mid-up; rerun";

function startNorthd(cluster: TestCluster, sb: TestOvsdbServer): ChildProcess {
  const dir = cluster.dir;
  return spawn(
    "ovn-northd",
    [
      `--ovnnb-db=${cluster.remotes}`,
      `--ovnsb-db=${sb.unix}`,
      `--unixctl=${path.join(dir, "northd.ctl")}`,
      "-vconsole:off",
      `--log-file=${path.join(dir, "northd.log")}`,
    ],
    { stdio: "ignore", env: { ...process.env, OVN_RUNDIR: dir, OVS_RUNDIR: dir } },
  );
}

/** Waits until ovn-northd has a southbound datapath for each of `n` switches; returns how many. */
async function datapaths(sb: TestOvsdbServer, n: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sb.tool("ovn-sbctl", ["--bare", "--columns=_uuid", "list", "Datapath_Binding"]);
    const count = out.split("\n").filter((l) => l.trim()).length;
    if (count >= n || Date.now() > deadline) return count;
    await sleep(500);
  }
}

export async function run(log: (m: string) => void = () => undefined): Promise<FaultRow[]> {
  const objects = objectsWanted();
  const started = Date.now();
  const cluster = await TestCluster.start("nb", 3);
  let sb: TestOvsdbServer | undefined;
  let northd: ChildProcess | undefined;
  let stack: TestStack | undefined;
  try {
    sb = await TestOvsdbServer.start("sb");
    await ctl("ovn-nbctl", cluster.remotes, "init");
    northd = startNorthd(cluster, sb);
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
    if (northd?.pid !== undefined && northd.exitCode === null) {
      const exited = new Promise((r) => northd!.once("exit", r));
      northd.kill("SIGTERM");
      await exited;
    }
    await sb?.stop();
    await cluster.stop();
  }
}
