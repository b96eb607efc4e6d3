/**
 * Issue 9, fault scenario 8 (property-based inputs) against real daemons: for every resource
 * type, generated invalid inputs leave no row, generated valid inputs round-trip with an empty
 * diff and no ovn-northd warning, and no foreign row is lost.
 */
import { run } from "../../../bench/faults/scenarios/property-inputs";

jest.setTimeout(180_000);

it("property inputs: every type refuses invalid inputs without writing and round-trips valid ones", async () => {
  const rows = await run({ validPerType: 30, invalidPerType: 100, log: (m) => console.log(m) });
  expect(rows.map((r) => r.scenario)).toHaveLength(13);
  console.log(
    rows
      .map((r) => `${r.scenario}: ${r.objects} inputs, ${r.seconds?.toFixed(1)} s, ${r.outcome}`)
      .join("\n"),
  );
  const bad = rows.filter((r) => r.outcome !== "ok" || r.duplicates || r.orphans || r.foreignLost);
  expect(bad).toEqual([]);
  for (const r of rows) expect(r.objects).toBeGreaterThanOrEqual(100);
});
