/**
 * ovn.NorthboundConnection / ovn.SouthboundConnection: one listening (or connecting) target of the
 * OVN databases, a Connection row referenced from NB_Global.connections / SB_Global.connections
 * (`ovn-nbctl set-connection ptcp:6641:0.0.0.0 -- set connection . inactivity_probe=60000`, without
 * removing the other connections). ovsdb-server applies them when started with
 * `--remote=db:OVN_Northbound,NB_Global,connections` (as ovn-ctl does).
 *
 * Connection rows are not root rows: delete removes the reference and the server drops the row.
 */
import { z } from "zod";
import { insert, mutate, wait, eq, namedUuid, type OvsdbClient, type Operation, type Row } from "../../ovsdb";
import { insertedUuid } from "../../engine/rows";
import { getClient } from "../../pool";
import { ResourceError } from "../../errors";
import { wire, type ResourceKind, type ReadResult, type Instance } from "../../framework";
import {
  claimExisting,
  connectionSchema,
  holdsRow,
  ownerSchema,
  refuseSuperseded,
  selectOne,
  selectRows,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import { identifier, target } from "../values";
import {
  NB_DB,
  SB_DB,
  describeNb,
  describeSb,
  managedKeys,
  ownedIds,
  planRowUpdate,
  type StringMap,
} from "./common";

const common = {
  target: target("target", { passive: true }),
  inactivityProbe: z
    .number({ error: "inactivityProbe must be a number of milliseconds" })
    .int("inactivityProbe: whole milliseconds")
    .min(0, "inactivityProbe: milliseconds, 0 disables the probe (e.g. 60000)")
    .optional(),
  maxBackoff: z
    .number({ error: "maxBackoff must be a number of milliseconds" })
    .int("maxBackoff: whole milliseconds")
    .min(1000, "maxBackoff: milliseconds, at least 1000")
    .optional(),
  otherConfig: stringMap.optional(),
  externalIds: stringMap.optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
};

export const nbConnectionInputs = z.object({ nb: connectionSchema, ...common });
export const sbConnectionInputs = z.object({
  sb: connectionSchema,
  ...common,
  readOnly: z.boolean({ error: "readOnly must be true or false" }).optional(),
  role: identifier("role", { emptyIsUnset: true }).optional(),
});

export type NbConnectionInputs = z.infer<typeof nbConnectionInputs> & Instance;
export type SbConnectionInputs = z.infer<typeof sbConnectionInputs> & Instance;
type AnyInputs = NbConnectionInputs | SbConnectionInputs;
export type ConnectionState<I> = I & {
  uuid: string;
  isConnected: boolean | null;
  status: StringMap;
  [key: string]: unknown;
};

interface Flavour {
  label: string;
  db: string;
  global: "NB_Global" | "SB_Global";
  connKey: "nb" | "sb";
  describe: (c: { remote: string } | undefined) => string;
}

const NB: Flavour = {
  label: "ovn.NorthboundConnection",
  db: NB_DB,
  global: "NB_Global",
  connKey: "nb",
  describe: describeNb,
};
const SB: Flavour = {
  label: "ovn.SouthboundConnection",
  db: SB_DB,
  global: "SB_Global",
  connKey: "sb",
  describe: describeSb,
};

/** Connection columns set as a whole, from the inputs. Pure. */
export function connectionColumns(i: AnyInputs, southbound: boolean): Row {
  const row: Row = {
    inactivity_probe: i.inactivityProbe ?? null,
    max_backoff: i.maxBackoff ?? null,
  };
  if (southbound) {
    const s = i as SbConnectionInputs;
    row.read_only = s.readOnly ?? false;
    row.role = s.role ?? "";
  }
  return row;
}

/**
 * The insert of a new Connection and its reference from the global row. When the database has no
 * global row yet (no ovn-northd ran), one is inserted, guarded by a wait that the table is still
 * empty. Pure.
 */
export function planConnectionCreate(
  f: { global: string },
  globalUuid: string | undefined,
  i: AnyInputs,
  southbound: boolean,
): Operation[] {
  const ops: Operation[] = [
    wait("Connection", [eq("target", i.target)], ["target"], [], { until: "==", timeout: 0 }),
    insert(
      "Connection",
      {
        target: i.target,
        ...connectionColumns(i, southbound),
        other_config: i.otherConfig ?? {},
        external_ids: ownedIds(i.externalIds, i),
      },
      { uuidName: "conn" },
    ),
  ];
  if (globalUuid) {
    ops.push(mutate(f.global, [eq("_uuid", globalUuid)], [["connections", "insert", [namedUuid("conn")]]]));
  } else {
    ops.push(
      wait(f.global, [], [], [], { until: "==", timeout: 0 }),
      insert(f.global, { connections: [namedUuid("conn")] }),
    );
  }
  return ops;
}

function makeKind<I extends AnyInputs>(
  f: Flavour,
  schema: z.ZodType<I>,
): ResourceKind<I, ConnectionState<I>> {
  const southbound = f.connKey === "sb";
  const conn = (i: I) => (i as unknown as Record<string, { remote: string }>)[f.connKey];
  const client = (i: I): Promise<OvsdbClient> => getClient(conn(i), f.db);

  async function globalRow(c: OvsdbClient): Promise<Row | undefined> {
    const rows = await selectRows(c, f.db, f.global, [], ["connections"]);
    return rows[0];
  }

  async function applyUpdate(c: OvsdbClient, uuid: string, prev: I | undefined, i: I): Promise<void> {
    const live = await selectOne(c, f.db, "Connection", "_uuid", uuid);
    if (!live) {
      throw new ResourceError("PARENT_MISSING", `connection ${i.target} no longer exists; refresh the stack`);
    }
    refuseSuperseded(`connection ${i.target}`, live.external_ids as StringMap, prev);
    const ops = planRowUpdate("Connection", uuid, live, {
      columns: connectionColumns(i, southbound),
      maps: {
        other_config: { previous: prev?.otherConfig, desired: i.otherConfig },
        external_ids: { previous: prev?.externalIds, desired: i.externalIds },
      },
      owner: i.owner,
      instance: i.instance,
    });
    // A connection the global row does not reference (adopted from a half-done setup) is attached.
    const g = await globalRow(c);
    if (g && !(g.connections as string[]).includes(uuid)) {
      ops.push(mutate(f.global, [eq("_uuid", g._uuid as string)], [["connections", "insert", [uuid]]]));
    }
    if (ops.length) await c.transact(f.db, ops);
  }

  async function status(
    c: OvsdbClient,
    uuid: string,
  ): Promise<{ isConnected: boolean | null; status: StringMap }> {
    const row = await selectOne(c, f.db, "Connection", "_uuid", uuid, ["is_connected", "status"]);
    return {
      isConnected: (row?.is_connected as boolean | undefined) ?? null,
      status: (row?.status as StringMap) ?? {},
    };
  }

  return {
    label: f.label,
    schema,
    inputKeys: [f.connKey, "target", "inactivityProbe", "maxBackoff", "otherConfig", "externalIds"].concat(
      southbound ? ["readOnly", "role"] : [],
    ),
    replaceOn: [f.connKey, "target"],
    async create(i) {
      const c = await client(i);
      const uuid = await withGuards(`connection ${i.target}`, async () => {
        const existing = await selectOne(c, f.db, "Connection", "target", i.target);
        if (existing) {
          claimExisting({
            what: `connection ${i.target}`,
            row: existing,
            owner: i.owner,
            adopt: i.adopt ?? false,
          });
          await applyUpdate(c, existing._uuid as string, undefined, i);
          return existing._uuid as string;
        }
        const g = await globalRow(c);
        const ops = planConnectionCreate(f, g?._uuid as string | undefined, i, southbound);
        return insertedUuid(ops, await c.transact(f.db, ops), "conn");
      });
      return { id: uuid, outs: { ...i, uuid, ...(await status(c, uuid)) } as ConnectionState<I> };
    },
    async read(id, s): Promise<ReadResult<ConnectionState<I>> | undefined> {
      const c = await client(s);
      const live = await selectOne(c, f.db, "Connection", "_uuid", id);
      if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
      const g = await globalRow(c);
      if (g && !(g.connections as string[]).includes(id)) return undefined;
      const inputs = wire({
        [f.connKey]: conn(s),
        target: live.target as string,
        inactivityProbe: (live.inactivity_probe as number | null) ?? undefined,
        maxBackoff: (live.max_backoff as number | null) ?? undefined,
        otherConfig: managedKeys(live.other_config, s.otherConfig),
        externalIds: managedKeys(live.external_ids, s.externalIds),
        ...(southbound
          ? {
              readOnly:
                live.read_only === true
                  ? true
                  : (s as SbConnectionInputs).readOnly === false
                    ? false
                    : undefined,
              role: (live.role as string) || undefined,
            }
          : {}),
        adopt: s.adopt,
        owner: s.owner,
      }) as unknown as I;
      return {
        id,
        outs: {
          ...inputs,
          uuid: id,
          isConnected: (live.is_connected as boolean | undefined) ?? null,
          status: (live.status as StringMap) ?? {},
        } as ConnectionState<I>,
        inputs,
      };
    },
    async update(id, olds, news) {
      const c = await client(news);
      await withGuards(`connection ${news.target}`, () => applyUpdate(c, id, olds, news));
      return { ...news, uuid: id, ...(await status(c, id)) } as ConnectionState<I>;
    },
    async delete(id, s) {
      const c = await client(s);
      await withGuards(`connection ${s.target}`, async () => {
        const live = await selectOne(c, f.db, "Connection", "_uuid", id, ["external_ids"]);
        if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's: leave it
        const g = await globalRow(c);
        if (!g) return;
        // Removing the reference deletes the row: Connection is not a root table.
        await c.transact(f.db, [
          wait("Connection", [eq("_uuid", id)], ["external_ids"], [{ external_ids: live.external_ids }], {
            until: "==",
            timeout: 0,
          }),
          mutate(f.global, [eq("_uuid", g._uuid as string)], [["connections", "delete", [id]]]),
        ]);
      });
    },
    where: (i) => f.describe((i as Record<string, { remote: string } | undefined>)[f.connKey]),
  };
}

export const nbConnectionKind = makeKind<NbConnectionInputs>(
  NB,
  nbConnectionInputs as unknown as z.ZodType<NbConnectionInputs>,
);
export const sbConnectionKind = makeKind<SbConnectionInputs>(
  SB,
  sbConnectionInputs as unknown as z.ZodType<SbConnectionInputs>,
);
