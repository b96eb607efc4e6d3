/**
 * Issue 9, kind 1: `pulumi up --replace` of any resource keeps its row. The engine creates the
 * replacement first (it takes over the row that carries its own owner marker) and deletes the old
 * instance afterwards; that delete must leave the row the new instance holds. For every resource
 * type (one stack holding one of each, on a sandbox with one host and an OVN central): after the
 * replacement the row, flow or keys exist once, carry the stack's marker and the new instance's
 * token, `preview --refresh --expect-no-changes` passes, and nothing foreign is lost; destroy then
 * leaves nothing of the stack. The scenario is the bench's (`bench/faults/scenarios/replace.ts`).
 */
import {
  CASES,
  expectedMarker,
  runReplaceScenario,
  type ReplaceReport,
} from "../../bench/faults/scenarios/replace";
import { handlers } from "../../provider";

/** Every resource type the provider serves, as the SDK names them (`ovn.AddressSet`). */
const TYPES = Object.keys(handlers).map((t) => t.replace(":", "."));

jest.setTimeout(600_000);

describe("issue 9 kind 1: up --replace of every resource type keeps its row", () => {
  let report: ReplaceReport;

  beforeAll(async () => {
    report = await runReplaceScenario({ sandbox: "e2e-lc-replace" });
  });

  it("covers every resource type", () => {
    expect(report.cases.map((c) => c.type)).toEqual(CASES.map((c) => c.type));
    expect(CASES.map((c) => c.type).sort()).toEqual([...TYPES].sort());
  });

  it.each(CASES.map((c, n) => [c.type, c.name, n] as const))(
    "%s: replaced once; the row exists once with the stack's marker; the state holds it; preview --refresh is clean",
    (_type, _name, n) => {
      const d = report.cases[n];
      expect(d.upError).toBeUndefined();
      expect(d.replaced).toBe(1);
      expect(d.found).toBe(1);
      expect(d.marker).toBe(expectedMarker(CASES[n]));
      expect(d.held).toBe(true);
      expect(d.previewError).toBeUndefined();
      expect(d.previewClean).toBe(true);
    },
  );

  it("no duplicates, orphans or lost foreign rows after any replacement (the bench's row)", () => {
    for (const d of report.cases) expect({ type: d.type, lost: d.lost }).toEqual({ type: d.type, lost: [] });
    for (const r of report.rows) {
      expect(r).toMatchObject({ outcome: "converged", duplicates: 0, orphans: 0, foreignLost: 0 });
      // Every case holds the whole stack: one row, keys or flow per type plus the router port's
      // switch-side port, the load balancer's health check row and the HA chassis group's two
      // HA_Chassis rows.
      expect(r.objects).toBe(TYPES.length + 4);
    }
  });

  it("destroy leaves no row, key or flow of the stack, and nothing foreign is lost", () => {
    expect(report.afterDestroy).toEqual({ objects: 0, duplicates: 0, orphans: 0, foreignLost: 0, lost: [] });
  });
});
