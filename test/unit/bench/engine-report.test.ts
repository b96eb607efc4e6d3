/**
 * Issue 10, `bench:engine` without daemons: the workload's shape at the sizes, and the
 * table's ratios and per-resource figures computed from made-up results.
 */
import { workload } from "../../../bench/engine/workload";
import { renderTable } from "../../../bench/engine/report";
import { STEPS, type SideResult, type SizeResult } from "../../../bench/engine/bench";

const nb = { remote: "unix:/nowhere" };

describe("bench:engine workload", () => {
  it.each([
    [110, 10, 100, 11],
    [1100, 100, 1000, 110],
    [4, 1, 3, 1],
  ])("N=%i is %i switches and %i ports, %i of them updated", (n, switches, ports, updated) => {
    const w = workload(n, nb);
    expect({ n: w.n, switches: w.switches, ports: w.ports, updated: w.updated }).toEqual({
      n,
      switches,
      ports,
      updated,
    });
  });

  it("refuses a size below 2", () => {
    expect(() => workload(1, nb)).toThrow(/>= 2/);
  });
});

describe("bench:engine table", () => {
  const side = (msPerStep: number, bytes: number): SideResult => ({
    ms: Object.fromEntries(STEPS.map((s) => [s, msPerStep])) as SideResult["ms"],
    cpuMs: Object.fromEntries(
      STEPS.map((s) => [s, { pulumi: msPerStep / 2, daemons: 100 }]),
    ) as SideResult["cpuMs"],
    checkpointBytes: bytes * 10,
    bytesPerResource: { checkpoint: bytes, provider: 400, inputs: 300, outputs: bytes - 700 },
    rowsAfterCreate: 0,
  });
  const result: SizeResult = {
    n: 10,
    switches: 1,
    ports: 9,
    updated: 1,
    sides: { floor: side(2000, 2048), "pulumi-ovs": side(2300, 4096) },
  };
  const rows = renderTable([result])
    .split("\n")
    .map((l) => l.split("|").map((c) => c.trim()));
  const row = (label: string) => rows.find((r) => r[2] === label);

  it("has one row per step, with seconds, the ratio and ms per resource", () => {
    for (const step of STEPS)
      expect(row(step)).toEqual(["", "10", step, "2.0", "2.3", "1.15", "200.0", "230.0", ""]);
    expect(row("all steps")?.slice(3, 8)).toEqual(["10.0", "11.5", "1.15", "1000.0", "1150.0"]);
  });

  it("has the CPU time of all steps, of the Pulumi processes and of the daemons", () => {
    expect(row("CPU of program, CLI, provider")?.slice(3, 6)).toEqual(["5.0", "5.8", "1.15"]);
    expect(row("CPU of OVS/OVN daemons")?.slice(3, 6)).toEqual(["0.5", "0.5", "1.00"]);
  });

  it("has the checkpoint's size in total and per resource, and its parts", () => {
    expect(row("checkpoint (KB; B/res)")?.slice(3, 8)).toEqual(["20", "40", "2.00", "2048", "4096"]);
    expect(row("of it: __provider")?.slice(5, 8)).toEqual(["1.00", "400", "400"]);
    expect(row("of it: other outputs")?.slice(6, 8)).toEqual(["1348", "3396"]);
  });
});
