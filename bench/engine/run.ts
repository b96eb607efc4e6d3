/**
 * `pulumi up` of N pulumi-ovs resources against the engine's own floor: the same program with a
 * dynamic provider that does nothing (see bench.ts). One sandbox with OVN; N = 110 and 1,100 by
 * default. Prints one table (rows = N × step; floor, pulumi-ovs, ratio, per resource) or JSON.
 * Exits 1 when a step's change summary is not what the workload implies.
 *
 *   npm run build && flock /tmp/pulumi-ovs-e2e.lock npm run bench:engine -- [--sizes 110,1100] [--json]
 */
import { parseArgs } from "node:util";
import { formatTable } from "../table";
import { EngineBench, SIDES, STEPS, type SizeResult } from "./bench";

function parseSizes(text: string): number[] {
  const sizes = text.split(",").map((s) => Number(s.trim()));
  const bad = sizes.filter((n) => !Number.isInteger(n) || n < 2);
  if (bad.length || !sizes.length) throw new Error(`--sizes takes integers >= 2, comma-separated: ${text}`);
  return sizes;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const perResource = (ms: number, n: number) => (ms / n).toFixed(1);
const ratio = (a: number, b: number) => (b / a).toFixed(2);

function renderTable(results: SizeResult[]): string {
  const body: string[][] = [];
  for (const r of results) {
    const [floor, ours] = SIDES.map((s) => r.sides[s]);
    const total = (ms: Record<string, number>) => Object.values(ms).reduce((a, b) => a + b, 0);
    for (const step of STEPS) {
      const [a, b] = [floor.ms[step], ours.ms[step]];
      body.push([
        String(r.n),
        step,
        seconds(a),
        seconds(b),
        ratio(a, b),
        perResource(a, r.n),
        perResource(b, r.n),
      ]);
    }
    const [a, b] = [total(floor.ms), total(ours.ms)];
    body.push([
      String(r.n),
      "all steps",
      seconds(a),
      seconds(b),
      ratio(a, b),
      perResource(a, r.n),
      perResource(b, r.n),
    ]);
    const [ca, cb] = [floor.checkpointBytes, ours.checkpointBytes];
    body.push([
      String(r.n),
      "checkpoint, KB",
      (ca / 1024).toFixed(0),
      (cb / 1024).toFixed(0),
      ratio(ca, cb),
      (ca / r.n).toFixed(0),
      (cb / r.n).toFixed(0),
    ]);
    const [pa, pb] = [floor.providerBytesPerResource, ours.providerBytesPerResource];
    body.push([
      String(r.n),
      "  of it __provider, B/res",
      "",
      "",
      ratio(pa, pb),
      pa.toFixed(0),
      pb.toFixed(0),
    ]);
  }
  return formatTable(
    ["N", "step", "floor s", "pulumi-ovs s", "ratio", "floor ms|B /res", "pulumi-ovs ms|B /res"],
    body,
    new Set([0, 2, 3, 4, 5, 6]),
  );
}

function legend(results: SizeResult[]): string {
  const shapes = results.map(
    (r) => `N=${r.n}: ${r.switches} switches + ${r.ports} ports, ${r.updated} updated`,
  );
  return (
    `pulumi up through the real CLI (file backend), one sandbox with OVN (1 host); ${shapes.join("; ")}.\n` +
    `floor = the same SDK resources and serialized shim with a dynamic provider that does nothing ` +
    `(bench/engine/floor-provider.ts); ratio = pulumi-ovs / floor.`
  );
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
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: removing the stacks and the sandbox`);
      void bench.close().finally(() => process.exit(130));
    });
  }
  const results = await bench.run();
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else console.log(`\n${legend(results)}\n\n${renderTable(results)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
