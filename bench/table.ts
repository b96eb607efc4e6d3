/**
 * The Markdown-style table every benchmark prints: a header, a rule, one line per row; columns
 * listed in `right` are right-aligned (numbers), the others left-aligned.
 */
export function formatTable(
  header: string[],
  body: string[][],
  right: ReadonlySet<number> = new Set(),
): string {
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((b) => (b[k] ?? "").length)));
  const line = (cells: string[]) =>
    "| " +
    widths
      .map((w, k) => (right.has(k) ? (cells[k] ?? "").padStart(w) : (cells[k] ?? "").padEnd(w)))
      .join(" | ") +
    " |";
  return [line(header), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join(
    "\n",
  );
}
