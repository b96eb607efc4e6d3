/**
 * `pulumi up` of N pulumi-ovs resources against the engine's own floor: the same program with a
 * dynamic provider that does nothing (see bench.ts). One sandbox with OVN; N = 110 and 1,100 by
 * default. Prints one table (rows = N × step; floor, pulumi-ovs, ratio, per resource) or JSON.
 * Exits 1 when a step's change summary is not what the workload implies.
 *
 *   npm run build && flock /tmp/pulumi-ovs-e2e.lock npm run bench:engine -- [--sizes 110,1100] [--json]
 */
import { parseArgs } from "node:util";
import { closeOnInterrupt } from "./cleanup";
import { EngineBench } from "./bench";
import { legend, renderTable } from "./report";

function parseSizes(text: string): number[] {
  const sizes = text.split(",").map((s) => Number(s.trim()));
  const bad = sizes.filter((n) => !Number.isInteger(n) || n < 2);
  if (bad.length || !sizes.length) throw new Error(`--sizes takes integers >= 2, comma-separated: ${text}`);
  return sizes;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "110,1100" },
      json: { type: "boolean", default: false },
    },
  });
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const bench = new EngineBench({ sizes: parseSizes(values.sizes), log });
  closeOnInterrupt(log, () => bench.close());
  const results = await bench.run();
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else console.log(`\n${legend(results)}\n\n${renderTable(results)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
