/**
 * The mechanics shared by rows that hang off a logical router without a name of their own:
 * static routes (Logical_Router_Static_Route via `static_routes`) and NAT rules (NAT via `nat`).
 * Such a row is identified by its key columns on its router (e.g. prefix and next hop); creation
 * is guarded by a wait that the router's list is unchanged since it was searched for a duplicate,
 * and delete removes the reference (the rows are not root rows).
 */
import type { z } from "zod";
import { insert, mutate, eq, namedUuid, type OvsdbClient, type Operation, type Row } from "../../ovsdb";
import { ResourceError, type InputProblem } from "../../errors";
import type { Instance, Props, ResourceKind, ReadResult } from "../../framework";
import {
  claimExisting,
  parentOf,
  holdsRow,
  refuseSuperseded,
  selectOne,
  supersededRow,
  withGuards,
} from "../common";
import {
  NB_DB,
  commitNb,
  describeNb,
  guardPresent,
  nbClient,
  ownedIds,
  parentsOf,
  planRowUpdate,
  requireParent,
  selectByUuids,
  type StringMap,
  type WaitSettings,
} from "./common";
import type { Connection } from "../../pool";

/** Inputs every router child has. */
export interface ChildInputs extends WaitSettings, Instance, Props {
  nb: Connection;
  router: string;
  options?: StringMap;
  externalIds?: StringMap;
  adopt?: boolean;
  owner: string;
}

export interface ChildSpec<I extends ChildInputs> {
  label: string;
  table: "Logical_Router_Static_Route" | "NAT";
  /** The router column that references the rows. */
  column: "static_routes" | "nat";
  schema: z.ZodType<I>;
  inputKeys: string[];
  replaceOn: string[];
  validate?: (i: I) => InputProblem[];
  /** For messages: e.g. `static route 10.0.0.0/8 via 192.168.0.254`. */
  describe(i: I): string;
  /** Whether a live row is the one the inputs identify (its key columns). */
  matches(row: Row, i: I): boolean;
  /** Columns set as a whole, from the inputs (with names resolved to UUIDs by `resolve`). */
  columns(i: I, resolved: Record<string, string | null>): Row;
  /** Look-ups needed by `columns` (e.g. a gateway port name → uuid). */
  resolve?(c: OvsdbClient, i: I): Promise<Record<string, string | null>>;
  /** The inputs as the live row says (for refresh); `router` is filled in by the caller. */
  readInputs(c: OvsdbClient, row: Row, s: I): Promise<Partial<I>>;
}

/** Attempts for routes and NAT rules: parallel creations on one router guard the same column. */
const ATTEMPTS = 20;

/** The guarded insert of a router child (router unchanged since searched, then insert + reference). Pure. */
export function planChildCreate(
  table: string,
  column: string,
  router: Row,
  routerName: string,
  row: Row,
): Operation[] {
  return [
    guardPresent("Logical_Router", router._uuid as string, "name", routerName),
    // No duplicate was added since the router's list was searched.
    guardPresent("Logical_Router", router._uuid as string, column, router[column]),
    insert(table, row, { uuidName: "child" }),
    mutate(
      "Logical_Router",
      [eq("_uuid", router._uuid as string)],
      [[column, "insert", [namedUuid("child")]]],
    ),
  ];
}

export function makeChildKind<I extends ChildInputs, O extends I & { uuid: string }>(
  spec: ChildSpec<I>,
): ResourceKind<I, O> {
  const rowFor = async (c: OvsdbClient, i: I): Promise<Row> =>
    spec.columns(i, (await spec.resolve?.(c, i)) ?? {});

  async function findExisting(c: OvsdbClient, router: Row, i: I): Promise<Row | undefined> {
    const rows = await selectByUuids(c, spec.table, router[spec.column] as string[]);
    return rows.find((r) => spec.matches(r, i));
  }

  async function applyUpdate(c: OvsdbClient, uuid: string, prev: I | undefined, i: I): Promise<void> {
    const live = await selectOne(c, NB_DB, spec.table, "_uuid", uuid);
    if (!live) {
      throw new ResourceError("PARENT_MISSING", `${spec.describe(i)} no longer exists; refresh the stack`);
    }
    refuseSuperseded(spec.describe(i), live.external_ids as StringMap, prev);
    const ops = planRowUpdate(spec.table, uuid, live, {
      columns: await rowFor(c, i),
      maps: {
        options: { previous: prev?.options, desired: i.options },
        external_ids: { previous: prev?.externalIds, desired: i.externalIds },
      },
      owner: i.owner,
      instance: i.instance,
    });
    await commitNb(c, ops, i);
  }

  return {
    label: spec.label,
    schema: spec.schema,
    inputKeys: spec.inputKeys,
    replaceOn: spec.replaceOn,
    validate: spec.validate,
    async create(i) {
      const c = await nbClient(i);
      const uuid = await withGuards(
        spec.describe(i),
        async () => {
          const router = await requireParent(c, "Logical_Router", i.router, ["name", spec.column]);
          const existing = await findExisting(c, router, i);
          if (existing) {
            const what = `${spec.describe(i)} on router ${i.router}`;
            claimExisting({ what, row: existing, owner: i.owner, adopt: i.adopt ?? false });
            await applyUpdate(c, existing._uuid as string, undefined, i);
            return existing._uuid as string;
          }
          const row = {
            ...(await rowFor(c, i)),
            options: i.options ?? {},
            external_ids: ownedIds(i.externalIds, i),
          };
          const results = await commitNb(
            c,
            planChildCreate(spec.table, spec.column, router, i.router, row),
            i,
          );
          return results![2].uuid as string;
        },
        ATTEMPTS,
      );
      return { id: uuid, outs: { ...i, uuid } as O };
    },
    async read(id, s): Promise<ReadResult<O> | undefined> {
      const c = await nbClient(s);
      const live = await selectOne(c, NB_DB, spec.table, "_uuid", id);
      if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
      const router = parentOf(await parentsOf(c, "Logical_Router", spec.column, id), s.router);
      if (router === undefined) return undefined; // its router is gone: so is the row
      const partial = await spec.readInputs(c, live, s);
      const inputs = Object.fromEntries(
        Object.entries({
          nb: s.nb,
          router,
          ...partial,
          waitForChassis: s.waitForChassis,
          waitTimeoutSeconds: s.waitTimeoutSeconds,
          adopt: s.adopt,
          owner: s.owner,
        }).filter(([, v]) => v !== undefined),
      ) as I;
      return { id, outs: { ...inputs, uuid: id } as O, inputs };
    },
    async update(id, olds, news) {
      const c = await nbClient(news);
      await withGuards(spec.describe(news), () => applyUpdate(c, id, olds, news), ATTEMPTS);
      return { ...news, uuid: id } as O;
    },
    async delete(id, s) {
      const c = await nbClient(s);
      await withGuards(spec.describe(s), async () => {
        const live = await selectOne(c, NB_DB, spec.table, "_uuid", id, ["external_ids"]);
        if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's: leave it
        const routers = await parentsOf(c, "Logical_Router", spec.column, id);
        await commitNb(
          c,
          [
            guardPresent(spec.table, id, "external_ids", live.external_ids),
            ...routers.map((r) =>
              mutate("Logical_Router", [eq("_uuid", r._uuid as string)], [[spec.column, "delete", [id]]]),
            ),
          ],
          s,
        );
      });
    },
    where: (i) => describeNb(i.nb as Connection),
  };
}
