/**
 * Pieces shared by the OVN northbound resources: the `nb` connection, the owner-marked row
 * planning (columns compared with the live row, map columns key by key), lookups of switches and
 * routers by name (names are not unique in the OVN schema), and the opt-in wait until every
 * chassis has applied a change (`ovn-nbctl --wait=hv`).
 */
import { z } from "zod";
import {
  mutate,
  select,
  wait,
  eq,
  ge,
  includes,
  type OvsdbClient,
  type Operation,
  type OperationResult,
  type Row,
} from "../../ovsdb";
import { getClient, getReader, type Connection } from "../../pool";
import { ResourceError } from "../../errors";
import { selectRowsByUuid } from "../../engine/rows";
import { adoptArg, connectionArg, type DatabaseBinding } from "../../engine/spec";
import { connectionSchema, ownedIds, ownerSchema, selectRows, waitUntil } from "../common";

export { ownedIds };
export {
  canonical,
  changedColumns,
  foreignRows,
  guardAbsent,
  guardPresent,
  inProgramOrder,
  managedKeys,
  planRowUpdate,
  type RowPlan,
} from "../../engine/rows";

export const NB_DB = "OVN_Northbound";
export const SB_DB = "OVN_Southbound";

/** How long create waits for ovn-northd to fill `dynamic_addresses`. */
export const DYNAMIC_ADDRESS_TIMEOUT_MS = 10_000;
/** Default limit of `waitForChassis`. */
export const DEFAULT_WAIT_TIMEOUT_S = 60;

export type { StringMap } from "../../engine/rows";

/** Arguments every northbound resource takes. */
export const nbBase = {
  nb: connectionSchema,
  waitForChassis: z.boolean({ error: "waitForChassis must be true or false" }).optional(),
  waitTimeoutSeconds: z
    .number({ error: "waitTimeoutSeconds must be a number of seconds" })
    .int("waitTimeoutSeconds: accepted a whole number of seconds, 1..3600")
    .min(1, "waitTimeoutSeconds: accepted 1..3600")
    .max(3600, "waitTimeoutSeconds: accepted 1..3600")
    .optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
};

/** The wait settings of a resource's inputs. */
export interface WaitSettings {
  waitForChassis?: boolean;
  waitTimeoutSeconds?: number;
}

export function nbClient(i: { nb: Connection }): Promise<OvsdbClient> {
  return getClient(i.nb, NB_DB);
}

export function describeNb(c: Connection | undefined): string {
  return c?.remote ? `OVN northbound database ${c.remote}` : "OVN northbound database (unknown)";
}

export function describeSb(c: Connection | undefined): string {
  return c?.remote ? `OVN southbound database ${c.remote}` : "OVN southbound database (unknown)";
}

// ---- lookups -----------------------------------------------------------------------------------

/**
 * The one row of `table` (Logical_Switch or Logical_Router) named `name`, undefined when there is
 * none; an error when several rows carry the name (made outside this package: ovn-nbctl refuses
 * to pick one too).
 */
export async function findByName(
  c: OvsdbClient,
  table: "Logical_Switch" | "Logical_Router",
  name: string,
  columns?: string[],
): Promise<Row | undefined> {
  const rows = await selectRows(c, NB_DB, table, [eq("name", name)], columns);
  if (rows.length > 1) {
    const what = table === "Logical_Switch" ? "logical switches" : "logical routers";
    throw new ResourceError(
      "NAME_TAKEN",
      `${rows.length} ${what} are named ${name} (${rows.map((r) => r._uuid).join(", ")}); ` +
        `names must be unique for this package to address them: rename or delete the extra ones`,
    );
  }
  return rows[0];
}

/** {@link findByName}, failing with PARENT_MISSING (and what to create) when there is none. */
export async function requireParent(
  c: OvsdbClient,
  table: "Logical_Switch" | "Logical_Router",
  name: string,
  columns?: string[],
): Promise<Row> {
  const row = await findByName(c, table, name, columns);
  if (!row) {
    const [what, sdk] =
      table === "Logical_Switch"
        ? ["logical switch", "ovn.LogicalSwitch"]
        : ["logical router", "ovn.LogicalRouter"];
    throw new ResourceError(
      "PARENT_MISSING",
      `${what} ${name} does not exist in the northbound database; create it first (${sdk}) ` +
        `or pass its name as an output (e.g. sw.name) so Pulumi orders the creation`,
    );
  }
  return row;
}

/** Rows of northbound `table` with the given UUIDs (one transaction; missing rows are skipped). */
export function selectByUuids(
  c: OvsdbClient,
  table: string,
  uuids: string[],
  columns?: string[],
): Promise<Row[]> {
  return selectRowsByUuid(c, NB_DB, table, uuids, columns);
}

/** Parents (switches or routers) whose `column` holds `uuid`. */
export async function parentsOf(
  c: OvsdbClient,
  table: "Logical_Switch" | "Logical_Router",
  column: string,
  uuid: string,
): Promise<Row[]> {
  return selectRows(c, NB_DB, table, [includes(column, [uuid])], ["name"]);
}

// ---- waiting for the chassis -------------------------------------------------------------------

/**
 * Operations appended to a transaction when the caller waits for the chassis: increment
 * NB_Global.nb_cfg and read the new value back (a select after a mutate sees the mutation).
 */
export function bumpNbCfg(): Operation[] {
  return [mutate("NB_Global", [], [["nb_cfg", "+=", 1]]), select("NB_Global", [], ["nb_cfg"])];
}

/**
 * Commit `ops` in one transaction; with `waitForChassis`, also bump `nb_cfg` in it and then block
 * (server side) until ovn-northd reports that every chassis applied it (`hv_cfg >= nb_cfg`), like
 * `ovn-nbctl --wait=hv`. Returns the results of `ops`.
 */
export async function commitNb(
  c: OvsdbClient,
  ops: Operation[],
  w: WaitSettings,
): Promise<OperationResult[] | undefined> {
  const writes = ops.some((o) => o.op !== "wait" && o.op !== "select" && o.op !== "comment");
  if (!w.waitForChassis) return writes ? c.transact(NB_DB, ops) : undefined;
  const results = await c.transact(NB_DB, [...ops, ...bumpNbCfg()]);
  const rows = results[results.length - 1].rows ?? [];
  const target = rows[0]?.nb_cfg as number | undefined;
  if (target === undefined) {
    throw new ResourceError(
      "PARENT_MISSING",
      "the change was written, but waitForChassis cannot wait: the northbound database has no NB_Global " +
        "row (is ovn-northd running?)",
    );
  }
  await waitForHvCfg(c, target, (w.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_S) * 1000);
  return results.slice(0, ops.length);
}

/**
 * Blocks until NB_Global's `column` (`sb_cfg`: ovn-northd has written the southbound database;
 * `hv_cfg`: every chassis applied it) reaches `target`: false when `timeoutMs` passed first.
 */
export const waitForCfg = (
  c: OvsdbClient,
  column: "sb_cfg" | "hv_cfg",
  target: number,
  timeoutMs: number,
): Promise<boolean> =>
  waitUntil(
    c,
    NB_DB,
    [wait("NB_Global", [ge(column, target)], [column], [], { until: "!=", timeout: timeoutMs })],
    timeoutMs,
  );

/** Blocks until NB_Global.hv_cfg >= `target`, or fails after `timeoutMs`. */
export async function waitForHvCfg(c: OvsdbClient, target: number, timeoutMs: number): Promise<void> {
  if (await waitForCfg(c, "hv_cfg", target, timeoutMs)) return;
  const [g] = await selectRows(c, NB_DB, "NB_Global", [], ["nb_cfg", "sb_cfg", "hv_cfg"]);
  throw new ResourceError(
    "NOT_APPLIED",
    `the change was written, but the chassis did not apply it within ${Math.round(timeoutMs / 1000)} s ` +
      `(waitForChassis: nb_cfg ${target}, sb_cfg ${g?.sb_cfg}, hv_cfg ${g?.hv_cfg}); check that ovn-northd ` +
      `and every ovn-controller are running, then run again (or raise waitTimeoutSeconds)`,
  );
}

// ---- the database binding of the declaration engine ---------------------------------------------

/** The doc of the `nb` argument (`NorthboundDatabaseArgs` in the SDK). */
export const NB_CONNECTION_DOC =
  'The OVN northbound database, e.g. `{ remote: "tcp:10.0.0.1:6641" }` or ' +
  '`{ remote: "unix:/var/run/ovn/ovnnb_db.sock" }`; all members of a clustered database, ' +
  "comma-separated (the leader is found and followed). Changing it replaces the resource.";

/** The OVN northbound database, as the resources declared with `provider/engine` reach it. */
export const northbound: DatabaseBinding = {
  name: NB_DB,
  connectionArg: "nb",
  base: nbBase,
  baseArgs: {
    nb: connectionArg(NB_CONNECTION_DOC),
    waitForChassis: {
      schema: nbBase.waitForChassis,
      type: "boolean",
      doc:
        "Wait, after each change, until every chassis has applied it (ovn-northd reports " +
        "`NB_Global.hv_cfg` caught up with the `nb_cfg` bumped in the same transaction), like " +
        "`ovn-nbctl --wait=hv`. Then a `pulumi up` that returns means the flows are installed and " +
        "traffic can flow. Default false.",
    },
    waitTimeoutSeconds: {
      schema: nbBase.waitTimeoutSeconds,
      type: "number",
      doc: "How long `waitForChassis` waits before failing, in seconds (1..3600). Default 60.",
    },
    adopt: adoptArg,
  },
  sdkBase: {
    name: "NorthboundArgs",
    from: "./common",
    doc: "Arguments every OVN northbound resource of the logical network takes.",
  },
  client: (i) => nbClient(i as { nb: Connection }),
  readClient: (i) => getReader((i as { nb: Connection }).nb, NB_DB),
  commit: (c, ops, i) => commitNb(c, ops, i as WaitSettings),
  where: (i) => describeNb(i.nb as Connection | undefined),
};
