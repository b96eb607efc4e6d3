/** The benchmark's table (rows = N × step; floor, pulumi-ovs, ratio, per resource) and legend. */
import { formatTable } from "../table";
import { SIDES, STEPS, type SizeResult } from "./bench";

export function renderTable(results: SizeResult[]): string {
  const body: string[][] = [];
  for (const r of results) {
    const [floor, ours] = SIDES.map((s) => r.sides[s]);
    const row = (
      label: string,
      a: number,
      b: number,
      total: (x: number) => string,
      per: (x: number) => string,
    ) => body.push([String(r.n), label, total(a), total(b), (b / a).toFixed(2), per(a), per(b)]);
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const msPerResource = (ms: number) => (ms / r.n).toFixed(1);
    for (const step of STEPS) row(step, floor.ms[step], ours.ms[step], seconds, msPerResource);
    const sum = (ms: Record<string, number>) => Object.values(ms).reduce((a, b) => a + b, 0);
    row("all steps", sum(floor.ms), sum(ours.ms), seconds, msPerResource);
    for (const who of ["pulumi", "daemons"] as const) {
      const cpu = (side: typeof floor) => STEPS.reduce((a, step) => a + side.cpuMs[step][who], 0);
      const label = { pulumi: "CPU of program, CLI, provider", daemons: "CPU of OVS/OVN daemons" }[who];
      row(`  ${label}`, cpu(floor), cpu(ours), seconds, msPerResource);
    }
    const kb = (bytes: number) => (bytes / 1024).toFixed(0);
    const perN = (bytes: number) => (bytes / r.n).toFixed(0);
    row("checkpoint (KB; B/res)", floor.checkpointBytes, ours.checkpointBytes, kb, perN);
    for (const part of ["provider", "inputs", "outputs"] as const) {
      const label = { provider: "__provider", inputs: "other inputs", outputs: "other outputs" }[part];
      // Compact JSON: the parts sum to less than the indented file.
      const [a, b] = [floor.bytesPerResource[part], ours.bytesPerResource[part]];
      row(`  of it: ${label}`, a * r.n, b * r.n, kb, perN);
    }
  }
  return formatTable(
    [
      "N",
      "step",
      "floor (s; KB)",
      "pulumi-ovs (s; KB)",
      "ratio",
      "floor /res (ms; B)",
      "pulumi-ovs /res (ms; B)",
    ],
    body,
    new Set([0, 2, 3, 4, 5, 6]),
  );
}

export function legend(results: SizeResult[]): string {
  const shapes = results.map(
    (r) => `N=${r.n}: ${r.switches} switches + ${r.ports} ports, ${r.updated} updated`,
  );
  return (
    `pulumi up through the real CLI (file backend), one sandbox with OVN (1 host); ${shapes.join("; ")}.\n` +
    `floor = the same SDK resources and serialized shim with a dynamic provider that does nothing ` +
    `(bench/engine/floor-provider.ts); ratio = pulumi-ovs / floor.`
  );
}
