/**
 * Issue 10, the benchmark against the engine's floor (`npm run bench:engine`) at a tiny N, through
 * the real Pulumi CLI, so that it cannot rot: the floor's provider really does nothing (no
 * northbound row), pulumi-ovs really writes every row, every step reports the changes the workload
 * implies (the bench checks each summary and throws otherwise), both sides store the same
 * serialized provider, and the sandbox is gone afterwards.
 */
import { sandboxStatus } from "../../sandbox";
import { EngineBench, SIDES, STEPS } from "../../bench/engine/bench";

jest.setTimeout(300_000);

const SANDBOX = "t-bench-engine";

describe("bench:engine (issue 10)", () => {
  it("measures N=4 no-op and pulumi-ovs resources side by side, then removes its sandbox", async () => {
    const bench = new EngineBench({ sizes: [4], sandboxName: SANDBOX, log: (m) => console.log(m) });
    const [r, ...more] = await bench.run();
    expect(more).toEqual([]);
    expect({ n: r.n, switches: r.switches, ports: r.ports, updated: r.updated }).toEqual({
      n: 4,
      switches: 1,
      ports: 3,
      updated: 1,
    });
    const floor = r.sides.floor;
    const ours = r.sides["pulumi-ovs"];
    expect(floor.rowsAfterCreate).toBe(0);
    expect(ours.rowsAfterCreate).toBe(4);
    for (const side of SIDES) {
      for (const step of STEPS) expect(r.sides[side].ms[step]).toBeGreaterThan(0);
      expect(r.sides[side].cpuMs.create.pulumi).toBeGreaterThan(0);
      expect(r.sides[side].checkpointBytes).toBeGreaterThan(1000);
    }
    // The same SDK shim on both sides: the floor isolates the provider's work and its outputs.
    expect(floor.bytesPerResource.provider).toBeGreaterThan(100);
    expect(floor.bytesPerResource.provider).toBe(ours.bytesPerResource.provider);
    // The floor's outputs are its inputs; pulumi-ovs's outputs add what it read (uuid, …).
    expect(floor.bytesPerResource.outputs).toBe(floor.bytesPerResource.inputs);
    expect(ours.bytesPerResource.outputs).toBeGreaterThan(ours.bytesPerResource.inputs);
    expect(ours.checkpointBytes).toBeGreaterThan(floor.checkpointBytes);
    expect(sandboxStatus(SANDBOX).exists).toBe(false);
  });
});
