/**
 * Reading `ovs-vsctl`/`ovn-nbctl`/`ovn-sbctl --format=json list TABLE` output as plain rows: uuids
 * as strings, sets as arrays, maps as objects (tests and benchmarks that check the databases with
 * the real tools).
 */

/** One OVSDB datum of the tools' JSON output as a plain value. */
export function ctlValue(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const [tag, x] = v as [string, unknown];
  if (tag === "uuid" || tag === "named-uuid") return x;
  if (tag === "set") return (x as unknown[]).map(ctlValue);
  if (tag === "map")
    return Object.fromEntries((x as [unknown, unknown][]).map(([k, y]) => [ctlValue(k), ctlValue(y)]));
  return v;
}

/** The rows of a `--format=json list` output, by heading. */
export function ctlRows(stdout: string): Record<string, unknown>[] {
  const j = JSON.parse(stdout) as { headings: string[]; data: unknown[][] };
  return j.data.map((r) => Object.fromEntries(j.headings.map((h, n) => [h, ctlValue(r[n])])));
}
