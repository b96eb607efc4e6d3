/**
 * Issue 9, kind 2: a parent deleted by hand under every child type (ovs.Port and ovs.Flow under a
 * bridge; ovn.LogicalSwitchPort and a router port's switch-side port under a logical switch;
 * ovn.LogicalRouterPort, NAT and static route under a logical router). The real tools delete the
 * parents (`ovs-vsctl del-br`, `ovn-nbctl ls-del` / `lr-del`); one `refresh` and one `up` (and, in a
 * second round, `preview --refresh` and `up --refresh`) must bring back the parent and every child
 * with the stack's marker, and `preview --refresh --expect-no-changes` must pass afterwards. The
 * scenario is the bench's (bench/faults/scenarios/parent-gone.ts); here its zeros are asserted.
 */
import { runParentGone, type ParentGoneResult } from "../../bench/faults/scenarios/parent-gone";

jest.setTimeout(300_000);

describe("a parent deleted by hand under each child type (issue 9, kind 2)", () => {
  let result: ParentGoneResult;

  beforeAll(async () => {
    result = await runParentGone({ sandboxName: "e2e-lc-parent" });
  }, 300_000);

  const CHILDREN = ["p", "f", "lsp", "lrp-join", "lrp", "nat", "route"];

  it.each(CHILDREN)(
    "%s: every check passed (deployed, dropped by refresh, restored by up, no drift)",
    (child) => {
      const mine = result.checks.filter((c) => c.child === child);
      expect(mine.filter((c) => !c.ok)).toEqual([]);
      expect(mine.map((c) => c.what)).toEqual(
        expect.arrayContaining([
          "deployed",
          "refresh drops what is gone",
          "refresh, then up: restored",
          "refresh, then up: preview --refresh --expect-no-changes",
          "preview --refresh plans the repair",
          "preview --refresh, then up --refresh: restored",
          "preview --refresh, then up --refresh: preview --refresh --expect-no-changes",
        ]),
      );
    },
  );

  it("one row per child type, converged, with no duplicate, orphan or lost foreign object", () => {
    expect(result.rows).toHaveLength(CHILDREN.length);
    for (const row of result.rows) {
      expect(row).toMatchObject({ outcome: "converged", duplicates: 0, orphans: 0, foreignLost: 0 });
      expect(row.objects).toBeGreaterThanOrEqual(2);
    }
  });

  it("up after refresh re-creates the parents and their children; the joining router port is updated", () => {
    const up = result.plans["up"];
    for (const name of ["br", "p", "f", "ls", "lsp", "lr", "lrp", "nat", "route"])
      expect(up[name]).toBe("create");
    expect(up["lrp-join"]).toBe("update");
  });
});
