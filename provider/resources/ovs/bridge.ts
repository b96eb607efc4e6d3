/**
 * ovs.Bridge: a row of the Bridge table (with its internal port and interface of the same name),
 * in a host's Open_vSwitch database. `ovs-vsctl add-br` as code.
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
import { changedColumns, insertedUuid } from "../../engine/rows";
import { getClient } from "../../pool";
import { OPENFLOW_VERSIONS } from "../../openflow/target";
import { ResourceError } from "../../errors";
import type { ResourceKind, ReadResult, Instance } from "../../framework";
import {
  adoptOrInsert,
  connectionSchema,
  describeConnection,
  deviceName,
  holdsRow,
  managedView,
  markerChanges,
  ownedIds,
  mapMutations,
  ownerOf,
  ownerSchema,
  planMap,
  refuseSuperseded,
  selectOne,
  selectRows,
  stackOf,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import { setOf, target } from "../values";

export const VSWITCH_DB = "Open_vSwitch";

const PROTOCOLS = OPENFLOW_VERSIONS;

export const bridgeInputs = z.object({
  host: connectionSchema,
  name: deviceName("name"),
  datapathType: z
    .enum(["system", "netdev"], { error: 'datapathType: accepted "system" (kernel) or "netdev" (userspace)' })
    .optional(),
  failMode: z
    .enum(["standalone", "secure"], {
      error:
        'failMode: accepted "standalone" (acts as a learning switch) or "secure" (no NORMAL flow; only flows you add)',
    })
    .optional(),
  protocols: setOf(
    z.enum(PROTOCOLS, { error: `protocols: accepted ${PROTOCOLS.join(", ")}` }),
    `protocols: accepted a list of ${PROTOCOLS.join(", ")}`,
  ).optional(),
  controllers: setOf(
    target("controllers", { passive: true, portOptional: true }),
    'controllers: accepted a list of targets like ["tcp:127.0.0.1:6653"]',
  ).optional(),
  stpEnable: z.boolean().optional(),
  externalIds: stringMap.optional(),
  otherConfig: stringMap.optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
});
export type BridgeInputs = z.infer<typeof bridgeInputs> & Instance;
export type BridgeState = BridgeInputs & { uuid: string };

/** The Bridge columns this resource sets, from the inputs. */
function scalarColumns(i: BridgeInputs): Row {
  return {
    datapath_type: i.datapathType ?? "",
    fail_mode: i.failMode ?? null,
    protocols: i.protocols ?? [],
    stp_enable: i.stpEnable ?? false,
  };
}

async function client(i: { host: BridgeInputs["host"] }): Promise<OvsdbClient> {
  return getClient(i.host, VSWITCH_DB);
}

/** The uuid of the Open_vSwitch table's single row. */
export async function rootUuid(c: OvsdbClient): Promise<string> {
  const rows = await selectRows(c, VSWITCH_DB, "Open_vSwitch", [], ["_uuid"]);
  if (rows.length !== 1) {
    throw new ResourceError(
      "PARENT_MISSING",
      "the Open_vSwitch table has no row; initialise the database first (ovs-vsctl init)",
    );
  }
  return rows[0]._uuid as string;
}

async function create(i: BridgeInputs): Promise<{ id: string; outs: BridgeState }> {
  const c = await client(i);
  const uuid = await withGuards(`bridge ${i.name}`, async () =>
    adoptOrInsert({
      what: `bridge ${i.name}`,
      existing: await selectOne(c, VSWITCH_DB, "Bridge", "name", i.name),
      owner: i.owner,
      adopt: i.adopt,
      update: (u) => applyUpdate(c, u, undefined, i),
      insert: () => insertBridge(c, i),
    }),
  );
  return { id: uuid, outs: { ...i, uuid } };
}

/** One transaction: the bridge, its internal port and interface, its controllers, the root's reference. */
async function insertBridge(c: OvsdbClient, i: BridgeInputs): Promise<string> {
  const root = await rootUuid(c);
  const ops: Operation[] = [
    // No other writer took the name since we looked.
    wait("Bridge", [eq("name", i.name)], ["name"], [], { until: "==", timeout: 0 }),
    insert("Interface", { name: i.name, type: "internal" }, { uuidName: "iface" }),
    insert("Port", { name: i.name, interfaces: [namedUuid("iface")] }, { uuidName: "port" }),
    ...(i.controllers ?? []).map((target, n) => insert("Controller", { target }, { uuidName: `ctl${n}` })),
    insert(
      "Bridge",
      {
        name: i.name,
        ports: [namedUuid("port")],
        controller: (i.controllers ?? []).map((_, n) => namedUuid(`ctl${n}`)),
        ...scalarColumns(i),
        external_ids: ownedIds(i.externalIds, i),
        other_config: i.otherConfig ?? {},
      },
      { uuidName: "br" },
    ),
    mutate("Open_vSwitch", [eq("_uuid", root)], [["bridges", "insert", [namedUuid("br")]]]),
  ];
  const results = await c.transact(VSWITCH_DB, ops);
  return insertedUuid(ops, results, "br");
}

/** Bring an existing bridge row to the inputs; `prev` is the previous inputs (for removed map keys). */
async function applyUpdate(
  c: OvsdbClient,
  uuid: string,
  prev: BridgeInputs | undefined,
  i: BridgeInputs,
): Promise<void> {
  const live = await selectOne(c, VSWITCH_DB, "Bridge", "_uuid", uuid);
  if (!live)
    throw new ResourceError(
      "PARENT_MISSING",
      `bridge ${i.name} (${uuid}) no longer exists; refresh the stack`,
    );
  refuseSuperseded(`bridge ${i.name}`, live.external_ids as Record<string, string>, prev);
  const changed = changedColumns(live, scalarColumns(i));

  const ids = planMap(live.external_ids as Record<string, string>, prev?.externalIds, i.externalIds);
  Object.assign(ids.set, markerChanges(live.external_ids as Record<string, string>, i));
  const other = planMap(live.other_config as Record<string, string>, prev?.otherConfig, i.otherConfig);

  // Controllers: rows of this bridge compared by target.
  const ops: Operation[] = [];
  const liveCtl = await controllerTargets(c, live.controller as string[]);
  const wantCtl = new Set(i.controllers ?? []);
  const drop = [...liveCtl].filter(([t]) => !wantCtl.has(t)).map(([, u]) => u);
  const add = [...wantCtl].filter((t) => !liveCtl.has(t));
  add.forEach((target, n) => ops.push(insert("Controller", { target }, { uuidName: `ctl${n}` })));

  const mutations = [...mapMutations("external_ids", ids), ...mapMutations("other_config", other)];
  if (drop.length) mutations.push(["controller", "delete", drop]);
  if (add.length) mutations.push(["controller", "insert", add.map((_, n) => namedUuid(`ctl${n}`))]);
  if (Object.keys(changed).length === 0 && mutations.length === 0) return;

  // Guard: the columns we change still hold what we read.
  const guarded = Object.keys(changed).concat("controller");
  ops.unshift(
    wait("Bridge", [eq("_uuid", uuid)], guarded, [Object.fromEntries(guarded.map((k) => [k, live[k]]))], {
      until: "==",
      timeout: 0,
    }),
  );
  if (Object.keys(changed).length) ops.push(update("Bridge", [eq("_uuid", uuid)], changed));
  if (mutations.length) ops.push(mutate("Bridge", [eq("_uuid", uuid)], mutations));
  await c.transact(VSWITCH_DB, ops);
}

async function controllerTargets(c: OvsdbClient, uuids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const u of uuids ?? []) {
    const row = await selectOne(c, VSWITCH_DB, "Controller", "_uuid", u, ["target"]);
    if (row) out.set(row.target as string, u);
  }
  return out;
}

async function read(id: string, s: BridgeState): Promise<ReadResult<BridgeState> | undefined> {
  const c = await client(s);
  const live = await selectOne(c, VSWITCH_DB, "Bridge", "_uuid", id);
  if (!live || supersededRow(live.external_ids as Record<string, string>, s)) return undefined;
  const ctl = await controllerTargets(c, live.controller as string[]);
  const inputs: BridgeInputs = {
    host: s.host,
    name: live.name as string,
    datapathType: (live.datapath_type as string) ? (live.datapath_type as "system" | "netdev") : undefined,
    failMode: (live.fail_mode as "standalone" | "secure" | null) ?? undefined,
    protocols: (live.protocols as string[]).length
      ? ([...(live.protocols as string[])].sort() as BridgeInputs["protocols"])
      : undefined,
    controllers: ctl.size ? [...ctl.keys()].sort() : undefined,
    stpEnable: live.stp_enable === true ? true : s.stpEnable === false ? false : undefined,
    externalIds: s.externalIds
      ? managedView(live.external_ids as Record<string, string>, s.externalIds)
      : undefined,
    otherConfig: s.otherConfig
      ? managedView(live.other_config as Record<string, string>, s.otherConfig)
      : undefined,
    adopt: s.adopt,
    owner: s.owner,
  };
  // Values the user never set stay unset, unless the database now holds something else.
  if (s.datapathType === undefined && inputs.datapathType === undefined) delete inputs.datapathType;
  return { id, outs: { ...inputs, uuid: id }, inputs };
}

async function updateBridge(id: string, olds: BridgeState, news: BridgeInputs): Promise<BridgeState> {
  const c = await client(news);
  await withGuards(`bridge ${news.name}`, () => applyUpdate(c, id, olds, news));
  return { ...news, uuid: id };
}

async function deleteBridge(id: string, s: BridgeState): Promise<void> {
  const c = await client(s);
  await withGuards(`bridge ${s.name}`, async () => {
    const live = await selectOne(c, VSWITCH_DB, "Bridge", "_uuid", id);
    if (!live) return; // already gone
    // Not ours, or a newer instance of this resource holds it (a replacement): leave it, forget it.
    if (!holdsRow(live.external_ids as Record<string, string>, s)) return;
    const ports = await selectRows(c, VSWITCH_DB, "Port", [], ["name", "external_ids"]);
    const onBridge = new Set(live.ports as string[]);
    const foreign = ports
      .filter((p) => onBridge.has(p._uuid as string) && p.name !== live.name)
      .filter((p) => {
        const o = ownerOf(p);
        return o === undefined || stackOf(o) !== stackOf(s.owner);
      })
      .map((p) => p.name as string);
    if (foreign.length) {
      throw new ResourceError(
        "FOREIGN_CHILDREN",
        `bridge ${s.name} still holds ports this stack does not manage: ${foreign.sort().join(", ")}; ` +
          `remove them (or adopt them) before deleting the bridge`,
      );
    }
    const root = await rootUuid(c);
    await c.transact(VSWITCH_DB, [
      wait("Bridge", [eq("_uuid", id)], ["ports"], [{ ports: live.ports }], { until: "==", timeout: 0 }),
      mutate("Open_vSwitch", [eq("_uuid", root)], [["bridges", "delete", [id]]]),
    ]);
  });
}

export const bridgeKind: ResourceKind<BridgeInputs, BridgeState> = {
  label: "ovs.Bridge",
  schema: bridgeInputs as unknown as z.ZodType<BridgeInputs>,
  inputKeys: [
    "host",
    "name",
    "datapathType",
    "failMode",
    "protocols",
    "controllers",
    "stpEnable",
    "externalIds",
    "otherConfig",
  ],
  replaceOn: ["host", "name"],
  create,
  read,
  update: updateBridge,
  delete: deleteBridge,
  where: (i) => describeConnection(i.host as BridgeInputs["host"]),
};
