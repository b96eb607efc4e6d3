/**
 * Issue 13, `bench:scale` without daemons: the workload's counts at full size and at fractions, the
 * 5 % update selection, the scripts' calls, chaining under an argument limit, and the targets
 * computed from made-up measurements.
 */
import { argvBytes, chain, FULL, shapeAt, workload, type Call } from "../../../bench/scale/workload";
import { targets } from "../../../bench/scale/report";
import type { Measurement } from "../../../bench/scale/bench";

describe("bench:scale workload", () => {
  it("is 3,110 OVN and 1,010 OVS objects at full size", () => {
    const w = workload(shapeAt(1));
    expect(w.shape).toEqual(FULL);
    expect(w.objects).toEqual({ ovn: 3110, ovs: 1010, all: 4120 });
    expect(w.rows).toEqual({
      Logical_Switch: 100,
      Logical_Switch_Port: 3000,
      Logical_Router: 10,
      Bridge: 10,
      Port: 1000,
    });
    expect(w.resources.single.all).toBe(4120);
    // 100 switches + 100 port collections + 10 routers + 10 bridges + 10 port collections.
    expect(w.resources.collections.all).toBe(230);
  });

  it("updates every 20th port: 5 % of the members", () => {
    const w = workload(shapeAt(1));
    expect(w.switchPorts.filter((p) => p.updated)).toHaveLength(150);
    expect(w.bridgePorts.filter((p) => p.updated)).toHaveLength(50);
    expect(w.updatedMembers).toBe(200);
    expect(w.resources.single.updated).toBe(200);
    // 30 ports per switch, 100 per bridge: every collection holds an updated member.
    expect(w.resources.collections.updated).toBe(110);
    const s = w.scripts("internal");
    expect(s.update).toHaveLength(200);
  });

  it("scales the parents, not the ports per parent", () => {
    expect(shapeAt(0.25)).toEqual({ ...FULL, switches: 25, routers: 3, bridges: 3 });
    expect(workload(shapeAt(0.25)).objects).toEqual({ ovn: 778, ovs: 303, all: 1081 });
    expect(shapeAt(0.01)).toEqual({ ...FULL, switches: 1, routers: 1, bridges: 1 });
    expect(() => shapeAt(0)).toThrow(/scale/);
    expect(() => shapeAt(Number.NaN)).toThrow(/scale/);
  });

  it("gives every object a unique name and every port a unique address", () => {
    const w = workload(shapeAt(1));
    const names = [
      ...w.switches,
      ...w.routers,
      ...w.bridges,
      ...w.switchPorts.map((p) => p.name),
      ...w.bridgePorts.map((p) => p.name),
    ];
    expect(new Set(names).size).toBe(4120);
    expect(new Set(w.switchPorts.map((p) => p.address)).size).toBe(3000);
    // Interface names must fit a Linux device name (15 bytes).
    expect(
      Math.max(...[...w.bridges, ...w.bridgePorts.map((p) => p.name)].map((n) => n.length)),
    ).toBeLessThanOrEqual(15);
  });

  it("has one script call per object for create and destroy", () => {
    const s = workload(shapeAt(1)).scripts("plain");
    expect(s.create).toHaveLength(4120);
    expect(s.destroy).toHaveLength(4120);
    expect(s.create.filter((c) => c.tool === "ovn-nbctl")).toHaveLength(3110);
    expect(s.create.flatMap((c) => c.commands).some((c) => c.includes("type=internal"))).toBe(false);
    expect(
      workload(shapeAt(1))
        .scripts("internal")
        .create.flatMap((c) => c.commands)
        .filter((c) => c.includes("type=internal")),
    ).toHaveLength(1000);
  });
});

describe("bench:scale chain", () => {
  const calls: Call[] = Array.from({ length: 50 }, (_, k) => ({
    tool: "ovn-nbctl",
    commands: [
      ["ls-add", `sw${k}`],
      ["set", "x", `sw${k}`],
    ],
  }));
  const fixed = ["ovn-nbctl", "--db=unix:/x"];

  it("chains every call into one invocation when the limit allows", () => {
    const [argv, ...more] = chain(calls, fixed, 1 << 20);
    expect(more).toEqual([]);
    expect(argv.slice(0, 6)).toEqual([...fixed, "ls-add", "sw0", "--", "set"]);
    expect(argv.filter((a) => a === "--")).toHaveLength(99);
    expect(argv.filter((a) => a === "ls-add")).toHaveLength(50);
  });

  it("splits at call boundaries under the limit, keeping the order", () => {
    const limit = 1000;
    const argvs = chain(calls, fixed, limit);
    expect(argvs.length).toBeGreaterThan(1);
    for (const a of argvs) {
      expect(argvBytes(a)).toBeLessThanOrEqual(limit);
      expect(a.slice(0, 3)).toEqual([...fixed, "ls-add"]);
      expect(a[a.length - 1]).toMatch(/^sw\d+$/);
    }
    const added = argvs.flatMap((a) => a.flatMap((x, k) => (x === "ls-add" ? [a[k + 1]] : [])));
    expect(added).toEqual(calls.map((_, k) => `sw${k}`));
  });

  it("refuses a call that alone exceeds the limit", () => {
    expect(() => chain(calls, fixed, 50)).toThrow(/exceeds/);
  });
});

describe("bench:scale targets", () => {
  const m = (
    kind: Measurement["kind"],
    scale: number,
    objects: number,
    units: number,
    ms: Measurement["ms"],
  ): Measurement => ({
    kind,
    scale,
    objects,
    units,
    ms,
  });
  const all = (create: number, preview: number, update: number, destroy: number) => ({
    create,
    "preview --refresh": preview,
    "update 5%": update,
    destroy,
  });

  it("computes each target from the measurements", () => {
    const ts = targets([
      m("floor", 0.25, 1081, 1081, all(100_000, 20_000, 10_000, 90_000)),
      m("single", 0.25, 1081, 1081, all(120_000, 30_000, 10_000, 100_000)),
      m("collections", 0.25, 1081, 73, all(2_000, 1_000, 1_000, 1_000)),
      m("collections", 1, 4120, 230, all(8_000, 6_000, 3_000, 4_000)),
      m("per-object", 1, 4120, 4120, { create: 160_000, "update 5%": 8_000, destroy: 150_000 }),
    ]);
    expect(ts.map((t) => [t.measured, t.met])).toEqual([
      ["20.00×", true],
      ["6.00 s", false],
      ["4.20×", true],
      ["1.18×", false],
    ]);
    // 4,120 / 1,081 objects: the limit is 5/4 of that ratio.
    expect(ts[2].target).toMatch(/^<= 4\.76×/);
  });

  it("says what is missing instead of inventing a figure", () => {
    const ts = targets([m("collections", 1, 4120, 230, all(8_000, 4_000, 3_000, 4_000))]);
    expect(ts.map((t) => t.met)).toEqual([undefined, true, undefined, undefined]);
    expect(ts[0].measured).toMatch(/not measured/);
  });

  it("shows the engine floor for (b)'s resources beside (b)'s preview --refresh", () => {
    const ts = targets([
      m("floor-collections", 1, 4120, 230, all(6_000, 5_500, 2_000, 3_000)),
      m("collections", 1, 4120, 230, all(8_000, 6_000, 3_000, 4_000)),
    ]);
    expect(ts[1]).toMatchObject({
      measured: "6.00 s (engine floor for the same resources: 5.50 s)",
      met: false,
    });
  });
});
