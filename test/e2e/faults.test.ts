/**
 * Issue 9, fault injection: the scenarios of `npm run bench:faults` (bench/faults/scenarios/), run
 * on the sandbox through the real Pulumi CLI, must end converged with nothing duplicated, nothing
 * orphaned and nothing foreign lost. The scale scenarios run at FAULTS_OBJECTS objects (default
 * here 300, as in the bench).
 */
import type { FaultRow } from "../../bench/faults/types";
import * as cliKilled from "../../bench/faults/scenarios/cli-killed";
import * as nbRestart from "../../bench/faults/scenarios/nb-restart";
import * as nbClusterLeader from "../../bench/faults/scenarios/nb-cluster-leader";
import * as vswitchdRestart from "../../bench/faults/scenarios/vswitchd-restart";
import * as concurrentWriter from "../../bench/faults/scenarios/concurrent-writer";
import { TestStack } from "./harness/pulumi";

jest.setTimeout(600_000);

afterAll(() => TestStack.removeAll());

const scenarios: [string, { run: (log?: (m: string) => void) => Promise<FaultRow[]> }][] = [
  ["the Pulumi CLI killed mid-create, then refresh --clear-pending-creates and up", cliKilled],
  ["the NB ovsdb-server restarted mid-up, then a rerun", nbRestart],
  ["the leader of a 3-member NB cluster killed mid-up, then a rerun (ovn-northd follows)", nbClusterLeader],
  ["ovs-vswitchd restarted: preview --refresh reports every flow, up restores them", vswitchdRestart],
  ["a concurrent writer of foreign keys, and a conflict injected between read and write", concurrentWriter],
];

describe("fault injection (issue 9)", () => {
  it.each(scenarios)("%s: converges, 0 duplicates, 0 orphans, 0 foreign lost", async (_title, scenario) => {
    const log: string[] = [];
    const rows = await scenario.run((m) => log.push(m));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const seen = {
        outcome: row.outcome,
        duplicates: row.duplicates,
        orphans: row.orphans,
        foreignLost: row.foreignLost,
      };
      console.log(
        `${row.scenario}: ${JSON.stringify({ ...seen, objects: row.objects, seconds: row.seconds })}\n${log.join("\n")}`,
      );
      expect(seen).toEqual({
        outcome: expect.stringMatching(/^converged/),
        duplicates: 0,
        orphans: 0,
        foreignLost: 0,
      });
      expect(row.outcome).not.toMatch(/NOT/);
      expect(row.objects).toBeGreaterThan(0);
    }
  });
});
