/**
 * Attachments: an argument listing rows of another table by name (a load balancer's `switches`)
 * whose reference column (`Logical_Switch.load_balancer`) must hold the resource's row, declared by
 * an `attachedTo` {@link Storage}. The other direction of managed references (`ref-sets.ts`), and
 * owned the same way, attachment by attachment: the rows listed get the row's uuid (a create adds it
 * in its own transaction, through the row's named uuid), rows listed before and no longer are
 * detached, the other members of their column (other load balancers on the same switch) are left
 * alone. Names are resolved before anything is written; a name no row holds fails with
 * PARENT_MISSING naming every missing row. Refresh shows the listed rows that still hold the row, so
 * an attachment removed by hand is drift; delete detaches the row from every row holding it.
 */
import { eq, includes, mutate, select, type NamedUuid, type OvsdbClient, type Operation } from "../ovsdb";
import { ResourceError } from "../errors";
import type { Props } from "../framework";
import { guardPresent } from "./rows";
import { missingReason, namesIn, rowsNamed } from "./ref-sets";
import type { Attached, Resolved } from "./args";
import type { AttachTarget, TableSpec } from "./spec";

/** An `attachedTo` argument of a spec. */
interface AttachmentArg {
  arg: string;
  to: AttachTarget;
}

/** The `attachedTo` arguments of a spec. */
export function attachmentArgs(spec: Pick<TableSpec, "args">): AttachmentArg[] {
  return Object.entries(spec.args).flatMap(([arg, a]) =>
    a.storage && "attachedTo" in a.storage ? [{ arg, to: a.storage.attachedTo }] : [],
  );
}

const attachedOf = (resolved: Resolved, arg: string): Attached => (resolved[arg] ?? {}) as Attached;

/**
 * Operations attaching the row (`row`: its uuid, or the named uuid of its insert) to the rows the
 * inputs list that do not hold it yet (each guarded: the row still exists under its name) and
 * detaching it from the rows `prev` listed that the inputs no longer do; empty when nothing
 * differs. Pure.
 */
export function planAttachments(
  spec: TableSpec,
  row: string | NamedUuid,
  prev: Props | undefined,
  i: Props,
  resolved: Resolved,
): Operation[] {
  const ops: Operation[] = [];
  for (const { arg, to } of attachmentArgs(spec)) {
    const rows = attachedOf(resolved, arg);
    const want = namesIn(i[arg]);
    const change = (uuid: string, how: "insert" | "delete") =>
      mutate(to.table, [eq("_uuid", uuid)], [[to.column, how, [row]]]);
    for (const n of namesIn(prev?.[arg]).filter((n) => !want.includes(n))) {
      if (rows[n]?.holds) ops.push(change(rows[n].uuid, "delete"));
    }
    for (const n of want) {
      const r = rows[n];
      if (!r) throw new ResourceError("INTERNAL", `${arg}: ${n} was not resolved before planning`);
      if (!r.holds) ops.push(guardPresent(to.table, r.uuid, "name", n), change(r.uuid, "insert"));
    }
  }
  return ops;
}

/**
 * The rows the attachment arguments list now (`i`) or listed before (`prev`), by argument, and
 * whether each holds row `uuid` (none does for a row not inserted yet); fails with PARENT_MISSING,
 * naming every missing row, when a name `i` lists has no row.
 */
export async function resolveAttachments(
  c: OvsdbClient,
  db: string,
  spec: TableSpec,
  prev: Props | undefined,
  i: Props,
  uuid?: string,
): Promise<Resolved> {
  const out: Resolved = {};
  const missing: string[] = [];
  for (const { arg, to } of attachmentArgs(spec)) {
    const rows = await rowsNamed(c, db, arg, to, [...namesIn(prev?.[arg]), ...namesIn(i[arg])], [to.column]);
    const reason = missingReason(arg, to, namesIn(i[arg]), rows);
    if (reason) missing.push(reason); // every argument's missing rows in one message
    const attached: Attached = {};
    for (const [n, r] of Object.entries(rows)) {
      const held = (r[to.column] as string[] | undefined) ?? [];
      attached[n] = { uuid: r._uuid as string, holds: uuid !== undefined && held.includes(uuid) };
    }
    out[arg] = attached;
  }
  if (missing.length) throw new ResourceError("PARENT_MISSING", missing.join("; "));
  return out;
}

/** The rows holding row `uuid` in each attachment column, by argument (for refresh and delete). */
export async function attachedNow(
  c: OvsdbClient,
  db: string,
  spec: TableSpec,
  uuid: string,
): Promise<Resolved> {
  const args = attachmentArgs(spec);
  if (!args.length) return {};
  const results = await c.transact(
    db,
    args.map(({ to }) => select(to.table, [includes(to.column, [uuid])], ["_uuid", "name"])),
  );
  return Object.fromEntries(
    args.map(({ arg }, n) => {
      const holders = (results[n].rows ?? []).map((r) => [
        r.name as string,
        { uuid: r._uuid as string, holds: true },
      ]);
      return [arg, Object.fromEntries(holders) as Attached];
    }),
  );
}

/**
 * What the live attachments say of each argument (for refresh): the names the state `s` listed
 * that still hold the row (`now`, from {@link attachedNow}); rows others attached it to are not
 * shown. Pure.
 */
export function attachmentsFromRow(spec: TableSpec, s: Props, now: Resolved): Props {
  const out: Props = {};
  for (const { arg } of attachmentArgs(spec)) {
    if (s[arg] === undefined) continue;
    const live = attachedOf(now, arg);
    out[arg] = namesIn(s[arg]).filter((n) => live[n]?.holds);
  }
  return out;
}

/** Operations detaching row `uuid` from every row holding it (`now`, from {@link attachedNow}). Pure. */
export function planDetachAll(spec: TableSpec, uuid: string, now: Resolved): Operation[] {
  return attachmentArgs(spec).flatMap(({ arg, to }) =>
    Object.values(attachedOf(now, arg)).map((r) =>
      mutate(to.table, [eq("_uuid", r.uuid)], [[to.column, "delete", [uuid]]]),
    ),
  );
}
