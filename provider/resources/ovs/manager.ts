/**
 * ovs.Manager: one OVSDB manager target of a host (a Manager row referenced from
 * Open_vSwitch.manager_options), e.g. `ptcp:6640` to open the database to remote access
 * (`ovs-vsctl set-manager ptcp:6640`, without touching other managers).
 */
import { z } from "zod";
import {
  insert,
  mutate,
  update,
  wait,
  eq,
  namedUuid,
  type OvsdbClient,
  type Operation,
  type Row,
} from "../../ovsdb";
import { insertedUuid } from "../../engine/rows";
import { getClient } from "../../pool";
import { ResourceError } from "../../errors";
import type { ResourceKind, ReadResult, Instance } from "../../framework";
import {
  adoptOrInsert,
  connectionSchema,
  describeConnection,
  holdsRow,
  managedView,
  markerChanges,
  ownedIds,
  mapMutations,
  ownerSchema,
  planMap,
  refuseSuperseded,
  selectOne,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import { target } from "../values";
import { VSWITCH_DB, rootUuid } from "./bridge";

export const managerInputs = z.object({
  host: connectionSchema,
  target: target("target", { passive: true }),
  inactivityProbe: z.number().int().min(0, "inactivityProbe: milliseconds, 0 disables").optional(),
  maxBackoff: z.number().int().min(1000, "maxBackoff: milliseconds, at least 1000").optional(),
  connectionMode: z
    .enum(["in-band", "out-of-band"], { error: 'connectionMode: accepted "in-band" or "out-of-band"' })
    .optional(),
  externalIds: stringMap.optional(),
  otherConfig: stringMap.optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
});
export type ManagerInputs = z.infer<typeof managerInputs> & Instance;
export type ManagerState = ManagerInputs & { uuid: string };

function columns(i: ManagerInputs): Row {
  return {
    inactivity_probe: i.inactivityProbe ?? null,
    max_backoff: i.maxBackoff ?? null,
    connection_mode: i.connectionMode ?? null,
  };
}

async function client(i: { host: ManagerInputs["host"] }): Promise<OvsdbClient> {
  return getClient(i.host, VSWITCH_DB);
}

async function create(i: ManagerInputs): Promise<{ id: string; outs: ManagerState }> {
  const c = await client(i);
  const uuid = await withGuards(`manager ${i.target}`, async () =>
    adoptOrInsert({
      what: `manager ${i.target}`,
      existing: await selectOne(c, VSWITCH_DB, "Manager", "target", i.target),
      owner: i.owner,
      adopt: i.adopt,
      update: (u) => applyUpdate(c, u, undefined, i),
      insert: () => insertManager(c, i),
    }),
  );
  return { id: uuid, outs: { ...i, uuid } };
}

/** One transaction: the Manager row and the root row's reference to it. */
async function insertManager(c: OvsdbClient, i: ManagerInputs): Promise<string> {
  const r = await rootUuid(c);
  const ops: Operation[] = [
    wait("Manager", [eq("target", i.target)], ["target"], [], { until: "==", timeout: 0 }),
    insert(
      "Manager",
      {
        target: i.target,
        ...columns(i),
        external_ids: ownedIds(i.externalIds, i),
        other_config: i.otherConfig ?? {},
      },
      { uuidName: "m" },
    ),
    mutate("Open_vSwitch", [eq("_uuid", r)], [["manager_options", "insert", [namedUuid("m")]]]),
  ];
  const results = await c.transact(VSWITCH_DB, ops);
  return insertedUuid(ops, results, "m");
}

async function applyUpdate(
  c: OvsdbClient,
  uuid: string,
  prev: ManagerInputs | undefined,
  i: ManagerInputs,
): Promise<void> {
  const live = await selectOne(c, VSWITCH_DB, "Manager", "_uuid", uuid);
  if (!live)
    throw new ResourceError("PARENT_MISSING", `manager ${i.target} no longer exists; refresh the stack`);
  refuseSuperseded(`manager ${i.target}`, live.external_ids as Record<string, string>, prev);
  const want = columns(i);
  const changed: Row = {};
  for (const [k, v] of Object.entries(want)) if ((live[k] ?? null) !== v) changed[k] = v;
  const ids = planMap(live.external_ids as Record<string, string>, prev?.externalIds, i.externalIds);
  Object.assign(ids.set, markerChanges(live.external_ids as Record<string, string>, i));
  const muts = [
    ...mapMutations("external_ids", ids),
    ...mapMutations(
      "other_config",
      planMap(live.other_config as Record<string, string>, prev?.otherConfig, i.otherConfig),
    ),
  ];
  const ops: Operation[] = [];
  const cols = Object.keys(changed);
  if (cols.length) {
    ops.push(
      wait("Manager", [eq("_uuid", uuid)], cols, [Object.fromEntries(cols.map((k) => [k, live[k]]))], {
        until: "==",
        timeout: 0,
      }),
    );
    ops.push(update("Manager", [eq("_uuid", uuid)], changed));
  }
  if (muts.length) ops.push(mutate("Manager", [eq("_uuid", uuid)], muts));
  // A manager the root row does not reference (adopted from a half-done setup) is attached.
  const r = await rootUuid(c);
  const rootRow = await selectOne(c, VSWITCH_DB, "Open_vSwitch", "_uuid", r, ["manager_options"]);
  if (!(rootRow?.manager_options as string[]).includes(uuid)) {
    ops.push(mutate("Open_vSwitch", [eq("_uuid", r)], [["manager_options", "insert", [uuid]]]));
  }
  if (ops.length) await c.transact(VSWITCH_DB, ops);
}

async function read(id: string, s: ManagerState): Promise<ReadResult<ManagerState> | undefined> {
  const c = await client(s);
  const live = await selectOne(c, VSWITCH_DB, "Manager", "_uuid", id);
  if (!live || supersededRow(live.external_ids as Record<string, string>, s)) return undefined;
  const inputs: ManagerInputs = {
    host: s.host,
    target: live.target as string,
    owner: s.owner,
  };
  if (live.inactivity_probe !== null) inputs.inactivityProbe = live.inactivity_probe as number;
  if (live.max_backoff !== null) inputs.maxBackoff = live.max_backoff as number;
  if (live.connection_mode !== null)
    inputs.connectionMode = live.connection_mode as ManagerInputs["connectionMode"];
  if (s.externalIds)
    inputs.externalIds = managedView(live.external_ids as Record<string, string>, s.externalIds);
  if (s.otherConfig)
    inputs.otherConfig = managedView(live.other_config as Record<string, string>, s.otherConfig);
  if (s.adopt !== undefined) inputs.adopt = s.adopt;
  return { id, outs: { ...inputs, uuid: id }, inputs };
}

async function updateManager(id: string, olds: ManagerState, news: ManagerInputs): Promise<ManagerState> {
  const c = await client(news);
  await withGuards(`manager ${news.target}`, () => applyUpdate(c, id, olds, news));
  return { ...news, uuid: id };
}

async function deleteManager(id: string, s: ManagerState): Promise<void> {
  const c = await client(s);
  const live = await selectOne(c, VSWITCH_DB, "Manager", "_uuid", id, ["external_ids"]);
  if (!live || !holdsRow(live.external_ids as Record<string, string>, s)) return; // gone, or not this instance's
  const r = await rootUuid(c);
  await c.transact(VSWITCH_DB, [
    mutate("Open_vSwitch", [eq("_uuid", r)], [["manager_options", "delete", [id]]]),
  ]);
}

export const managerKind: ResourceKind<ManagerInputs, ManagerState> = {
  label: "ovs.Manager",
  schema: managerInputs as unknown as z.ZodType<ManagerInputs>,
  inputKeys: [
    "host",
    "target",
    "inactivityProbe",
    "maxBackoff",
    "connectionMode",
    "externalIds",
    "otherConfig",
  ],
  replaceOn: ["host", "target"],
  create,
  read,
  update: updateManager,
  delete: deleteManager,
  where: (i) => describeConnection(i.host as ManagerInputs["host"]),
};
