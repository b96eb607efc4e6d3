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
import { TestStack } from "../../sandbox/pulumi";
import { formatTable } from "../table";
import type { FaultRow } from "./types";

type Scenario = { run: (log?: (m: string) => void) => Promise<FaultRow[]> };

/**
 * Every scenario module, in the order. Modules that are not on this branch yet are
 * skipped (they are written in parallel); add new ones here.
 */
const SCENARIOS = [
  "replace",
  "parent-gone",
  "cli-killed",
  "nb-restart",
  "nb-cluster-leader",
  "vswitchd-restart",
  "concurrent-writer",
  "property-inputs",
];

function load(name: string): Scenario | undefined {
  try {
    return require(`./scenarios/${name}`) as Scenario;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && String(e).includes(`scenarios/${name}`)) {
      return undefined;
    }
    throw e;
  }
}

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
  const unknown = (only ?? []).filter((n) => !SCENARIOS.includes(n));
  if (unknown.length)
    throw new Error(`unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.join(", ")}`);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const rows: FaultRow[] = [];
  let failed = false;
  for (const name of only ?? SCENARIOS) {
    const mod = load(name);
    if (!mod) {
      log(`${name}: not on this branch, skipped`);
      continue;
    }
    log(`${name}: running`);
    const t0 = Date.now();
    try {
      if (typeof mod.run !== "function") throw new Error(`bench/faults/scenarios/${name} exports no run()`);
      const got = await mod.run(values.verbose ? (m) => log(`  ${m}`) : undefined);
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
