/**
 * The reliability suite (issue 9): runs each fault scenario on the sandbox and prints one table —
 * scenario, objects, outcome, duplicates, orphans, foreign rows/keys lost, seconds. The e2e tests
 * (test/e2e/faults*.test.ts) run the same scenarios and assert the zeros.
 *
 *   npm run build && npm run bench:faults -- [--only NAME[,NAME…]] [--objects N] [--verbose]
 *
 * NAME is a scenario module's file name (`cli-killed`, `nb-restart`, …). `--objects` sets the
 * workload of the scale scenarios (default 300). Exits 1 when a scenario throws, does not converge
 * or reports a loss.
 */
import { parseArgs } from "node:util";
import { TestStack } from "../../test/e2e/harness/pulumi";
import { formatTable } from "../table";
import type { FaultRow } from "./types";

import * as replace from "./scenarios/replace";
import * as parentGone from "./scenarios/parent-gone";
import * as cliKilled from "./scenarios/cli-killed";
import * as nbRestart from "./scenarios/nb-restart";
import * as nbClusterLeader from "./scenarios/nb-cluster-leader";
import * as vswitchdRestart from "./scenarios/vswitchd-restart";
import * as concurrentWriter from "./scenarios/concurrent-writer";
import * as propertyInputs from "./scenarios/property-inputs";

type Log = (m: string) => void;

/** Every scenario, in the order, by its module's file name. */
const SCENARIOS: Record<string, (log?: Log) => Promise<FaultRow[]>> = {
  replace: () => replace.run(),
  "parent-gone": () => parentGone.run(),
  "cli-killed": (log) => cliKilled.run(log),
  "nb-restart": (log) => nbRestart.run(log),
  "nb-cluster-leader": (log) => nbClusterLeader.run(log),
  "vswitchd-restart": (log) => vswitchdRestart.run(log),
  "concurrent-writer": (log) => concurrentWriter.run(log),
  "property-inputs": () => propertyInputs.run(),
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      objects: { type: "string" },
      verbose: { type: "boolean", default: false },
    },
  });
  if (values.objects !== undefined) process.env.FAULTS_OBJECTS = values.objects;
  const only = values.only?.split(",").map((s) => s.trim());
  const names = Object.keys(SCENARIOS);
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(", ")}; known: ${names.join(", ")}`);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const rows: FaultRow[] = [];
  let failed = false;
  for (const name of only ?? names) {
    log(`${name}: running`);
    const t0 = Date.now();
    try {
      const got = await SCENARIOS[name](values.verbose ? (m) => log(`  ${m}`) : undefined);
      for (const r of got) log(`  ${r.scenario}: ${r.outcome}`);
      rows.push(...got);
    } catch (e) {
      failed = true;
      if (values.verbose) log(String((e as Error)?.stack ?? e));
      const message = String((e as Error)?.message ?? e).split("\n")[0];
      rows.push({
        scenario: name,
        objects: 0,
        outcome: `error: ${message}`,
        duplicates: NaN,
        orphans: NaN,
        foreignLost: NaN,
        seconds: (Date.now() - t0) / 1000,
      });
    }
  }
  failed ||= rows.some(
    (r) => !r.outcome.startsWith("converged") || r.duplicates || r.orphans || r.foreignLost,
  );
  const num = (n: number) => (Number.isNaN(n) ? "-" : String(n));
  console.log(
    "\n" +
      formatTable(
        ["scenario", "objects", "outcome", "duplicates", "orphans", "foreign lost", "seconds"],
        rows.map((r) => [
          r.scenario,
          String(r.objects),
          r.outcome,
          num(r.duplicates),
          num(r.orphans),
          num(r.foreignLost),
          r.seconds === undefined ? "" : r.seconds.toFixed(1),
        ]),
        new Set([1, 3, 4, 5, 6]),
      ),
  );
  if (failed) process.exitCode = 1;
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => TestStack.removeAll().catch(() => undefined));
