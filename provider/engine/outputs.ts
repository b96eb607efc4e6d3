/**
 * The declared read-only outputs of a resource ({@link OutputSpec}): each taken from the resource's
 * row or from one of its single members (a port's Interface), some after a bounded server-side
 * wait for a value a daemon fills in (an interface's `ofport`). The rows are found by name or by
 * the member's `fixed` columns, so the read can be sent right behind the write that creates them,
 * before its reply (requests on one connection are served in order): write and read cost one round
 * trip together.
 */
import { eq, select, wait, type Condition, type Operation, type OvsdbClient, type Row } from "../ovsdb";
import type { Props } from "../framework";
import { fixedWhere, memberArgs } from "./members";
import type { OutputSpec, TableSpec } from "./spec";

/** The row an output is read from: the resource's own ("") or a member argument's. */
const sourceOf = (o: OutputSpec): string => o.member ?? "";

/** How long the client waits for a reply beyond the server-side wait. */
const REPLY_MARGIN_MS = 10_000;

/** Where a source row is: by uuid, by name, or by a member's fixed columns; undefined when unknown yet. */
function whereOf(spec: TableSpec, source: string, i: Props, uuid?: string): Condition[] | undefined {
  if (source === "") {
    if (uuid) return [eq("_uuid", uuid)];
    const s = spec.nameArg ? spec.args[spec.nameArg]?.storage : undefined;
    return s && "column" in s ? [eq(s.column, i[spec.nameArg!] as string)] : undefined;
  }
  const m = memberArgs(spec).find((x) => x.arg === source)?.rows;
  return m?.single && m.fixed ? fixedWhere(m, i) : undefined;
}

/** The table a source row is in. */
function tableOf(spec: TableSpec, source: string): string {
  return source === "" ? spec.table : memberArgs(spec).find((x) => x.arg === source)!.rows.table;
}

/** A planned read of the outputs: the waits, then one select per source row. */
export interface OutputRead {
  waits: Operation[];
  reads: Operation[];
  sources: string[];
  /** The longest wait, ms. */
  ms: number;
}

/**
 * The read of a spec's outputs for inputs `i` (`uuid`: the row's, when known); undefined when a
 * source row cannot be found without reading another row first. Pure.
 */
export function planOutputRead(spec: TableSpec, i: Props, uuid?: string): OutputRead | undefined {
  const outs = Object.values(spec.outputs ?? {});
  const plan: OutputRead = { waits: [], reads: [], sources: [...new Set(outs.map(sourceOf))], ms: 0 };
  for (const source of plan.sources) {
    const where = whereOf(spec, source, i, uuid);
    if (!where) return undefined;
    const table = tableOf(spec, source);
    for (const o of outs.filter((x) => sourceOf(x) === source && x.awaited)) {
      const { column, ms } = o.awaited!;
      plan.waits.push(wait(table, where, [column], [{ [column]: null }], { until: "!=", timeout: ms }));
      plan.ms = Math.max(plan.ms, ms);
    }
    plan.reads.push(select(table, where));
  }
  return plan;
}

/** The outputs of the source rows already read ("" the resource's row, else by member argument). Pure. */
export function outputsFrom(spec: TableSpec, rows: Record<string, Row | undefined>): Props {
  return Object.fromEntries(
    Object.entries(spec.outputs ?? {}).map(([k, o]) => {
      const row = rows[sourceOf(o)];
      return [k, row ? o.from(row) : undefined];
    }),
  );
}

/**
 * Read the outputs as planned: one transaction with the waits; when a wait runs out (no daemon, or
 * it did not get to it in time), what the rows hold.
 */
export async function readOutputs(
  c: OvsdbClient,
  db: string,
  spec: TableSpec,
  plan: OutputRead,
): Promise<Props> {
  const n = plan.waits.length;
  if (plan.reads.length === 0) return {};
  const results = n
    ? await c
        .transact(db, [...plan.waits, ...plan.reads], { timeoutMs: plan.ms + REPLY_MARGIN_MS })
        .then((r) => r.slice(n))
        .catch(() => c.transact(db, plan.reads))
    : await c.transact(db, plan.reads);
  return outputsFrom(spec, Object.fromEntries(plan.sources.map((s, k) => [s, results[k].rows?.[0] as Row])));
}
