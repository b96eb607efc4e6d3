/**
 * ovn.LogicalRouterPort: a Logical_Router_Port row referenced from its router's `ports`
 * (`ovn-nbctl lrp-add ROUTER PORT MAC NETWORK… [peer=PEER]`), with its gateway chassis
 * (`lrp-set-gateway-chassis`).
 *
 * With `switch`, the same transaction also joins the router port to that logical switch: it
 * creates the switch-side port of type "router" with `options:router-port` and addresses
 * "router" (what `lsp-add`, `lsp-set-type`, `lsp-set-addresses` and `lsp-set-options` do by
 * hand), owned by this resource.
 *
 * Router ports, their gateway chassis and the switch-side port are not root rows: delete removes
 * the references and the server drops the rows.
 */
import { z } from "zod";
import {
  insert,
  mutate,
  update,
  eq,
  namedUuid,
  type OvsdbClient,
  type Operation,
  type Mutation,
  type Row,
} from "../../ovsdb";
import { ResourceError, type InputProblem } from "../../errors";
import { wire, type ResourceKind, type ReadResult, type Instance } from "../../framework";
import {
  claimExisting,
  parentOf,
  holdsRow,
  refuseSuperseded,
  selectOne,
  stringMap,
  supersededRow,
  withGuards,
  type Holder,
} from "../common";
import {
  NB_DB,
  commitNb,
  describeNb,
  guardAbsent,
  guardPresent,
  inProgramOrder,
  managedKeys,
  nbBase,
  nbClient,
  ownedIds,
  parentsOf,
  planRowUpdate,
  requireParent,
  selectByUuids,
  type StringMap,
} from "./common";
import { planLspCreate, planLspUpdate, planMove, type LspInputs } from "./logical-switch-port";
import { ovnName } from "./validation";
import { asSet, interfaceCidr, lspAddress, mac, setOf } from "../values";

const priority = z
  .number({ error: "priority must be an integer 0..32767" })
  .int("priority: accepted an integer 0..32767 (highest wins)")
  .min(0, "priority: accepted 0..32767 (highest wins)")
  .max(32767, "priority: accepted 0..32767 (highest wins)");

const gatewayChassisEntry = z.union(
  [ovnName("gatewayChassis"), z.object({ chassis: ovnName("chassis"), priority })],
  {
    error: 'gatewayChassis entries: accepted a chassis name (system-id) or { chassis: "gw1", priority: 20 }',
  },
);

export interface GatewayChassis {
  chassis: string;
  priority: number;
}

export const lrpInputs = z.object({
  ...nbBase,
  router: ovnName("router"),
  name: ovnName("name"),
  mac: mac("mac"),
  networks: z
    .array(interfaceCidr("networks"), {
      error: 'networks: accepted a list of addresses with prefix length, e.g. ["192.168.0.1/24"]',
    })
    .min(1, 'networks: at least one address with prefix length, e.g. ["192.168.0.1/24"]')
    .transform(asSet),
  peer: ovnName("peer").optional(),
  gatewayChassis: z
    .array(gatewayChassisEntry, {
      error:
        "gatewayChassis: accepted a list of chassis names in priority order, or { chassis, priority } objects",
    })
    .optional()
    .transform((list) => (list ? asSet(normalizeGatewayChassis(list)) : undefined)),
  enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
  options: stringMap.optional(),
  externalIds: stringMap.optional(),
  switch: ovnName("switch").optional(),
  switchPortName: ovnName("switchPortName").optional(),
  switchPortAddresses: setOf(
    lspAddress("switchPortAddresses"),
    'switchPortAddresses: accepted a list like ["router"] or ["00:00:00:00:ff:01 192.168.0.1"]',
  ).optional(),
});
export type LrpInputs = z.infer<typeof lrpInputs> & Instance;
export type LrpState = LrpInputs & { uuid: string; switchPortUuid: string | null };

/**
 * Chassis names become `{ chassis, priority }`: listed names get descending priorities (the first
 * is preferred), objects keep theirs. Pure.
 */
export function normalizeGatewayChassis(list: (string | GatewayChassis)[]): GatewayChassis[] {
  return list.map((e, n) => (typeof e === "string" ? { chassis: e, priority: list.length - n } : e));
}

function validate(i: LrpInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  if (!i.switch && (i.switchPortName !== undefined || i.switchPortAddresses !== undefined)) {
    problems.push({
      property: i.switchPortName !== undefined ? "switchPortName" : "switchPortAddresses",
      reason: "applies only when joining a switch: set switch too",
    });
  }
  const seen = new Set<string>();
  for (const g of i.gatewayChassis ?? []) {
    if (seen.has(g.chassis)) {
      problems.push({ property: "gatewayChassis", reason: `chassis ${g.chassis} is listed twice` });
    }
    seen.add(g.chassis);
  }
  if (i.peer !== undefined && i.switch !== undefined) {
    problems.push({
      property: "peer",
      reason: "peer joins two routers directly; switch joins a switch: set one of them",
    });
  }
  return problems;
}

/** Name of the switch-side port created by `switch`: `switchPortName`, or `NAME-attachment`. */
export function attachmentName(i: Pick<LrpInputs, "name" | "switchPortName">): string {
  return i.switchPortName ?? `${i.name}-attachment`;
}

/** The switch-side port as logical switch port inputs. Pure. */
export function attachmentInputs(i: LrpInputs): LspInputs {
  return {
    nb: i.nb,
    switch: i.switch as string,
    name: attachmentName(i),
    type: "router",
    addresses: i.switchPortAddresses ?? ["router"],
    options: { "router-port": i.name },
    owner: i.owner,
    instance: i.instance,
  };
}

function lrpColumns(i: LrpInputs): Row {
  return { mac: i.mac.toLowerCase(), networks: i.networks, peer: i.peer ?? null, enabled: i.enabled ?? null };
}

function gatewayRow(i: LrpInputs, g: GatewayChassis): Row {
  return {
    name: `${i.name}-${g.chassis}`,
    chassis_name: g.chassis,
    priority: g.priority,
    external_ids: ownedIds(undefined, i),
  };
}

/** The guarded inserts of a router port with its gateway chassis. Pure. */
export function planLrpCreate(routerUuid: string, i: LrpInputs): Operation[] {
  const gws = i.gatewayChassis ?? [];
  const ops: Operation[] = [
    guardPresent("Logical_Router", routerUuid, "name", i.router),
    guardAbsent("Logical_Router_Port", "name", i.name),
    ...gws.map((g, n) => insert("Gateway_Chassis", gatewayRow(i, g), { uuidName: `gc${n}` })),
    insert(
      "Logical_Router_Port",
      {
        name: i.name,
        ...lrpColumns(i),
        gateway_chassis: gws.map((_, n) => namedUuid(`gc${n}`)),
        options: i.options ?? {},
        external_ids: ownedIds(i.externalIds, i),
      },
      { uuidName: "lrp" },
    ),
    mutate("Logical_Router", [eq("_uuid", routerUuid)], [["ports", "insert", [namedUuid("lrp")]]]),
  ];
  return ops;
}

/**
 * Gateway chassis changes: rows no longer wanted are dropped from the port, new ones inserted,
 * changed priorities updated. `live` are the port's current Gateway_Chassis rows. Pure.
 */
export function planGatewayChassis(lrpUuid: string, live: Row[], i: LrpInputs): Operation[] {
  const want = new Map((i.gatewayChassis ?? []).map((g) => [g.chassis, g]));
  const have = new Map(live.map((r) => [r.chassis_name as string, r]));
  const ops: Operation[] = [];
  const drop = live.filter((r) => !want.has(r.chassis_name as string)).map((r) => r._uuid as string);
  const add = [...want.values()].filter((g) => !have.has(g.chassis));
  for (const [chassis, g] of want) {
    const r = have.get(chassis);
    if (r && r.priority !== g.priority) {
      ops.push(update("Gateway_Chassis", [eq("_uuid", r._uuid as string)], { priority: g.priority }));
    }
  }
  add.forEach((g, n) => ops.push(insert("Gateway_Chassis", gatewayRow(i, g), { uuidName: `gcn${n}` })));
  const mutations: Mutation[] = [];
  if (drop.length) mutations.push(["gateway_chassis", "delete", drop]);
  if (add.length) mutations.push(["gateway_chassis", "insert", add.map((_, n) => namedUuid(`gcn${n}`))]);
  if (mutations.length) {
    ops.push(mutate("Logical_Router_Port", [eq("_uuid", lrpUuid)], mutations));
  }
  return ops;
}

/** Removing the switch-side port `name`, when the router port's instance `h` holds it. */
async function removeAttachment(c: OvsdbClient, name: string, h: Holder): Promise<Operation[]> {
  const lsp = await selectOne(c, NB_DB, "Logical_Switch_Port", "name", name, ["external_ids"]);
  if (!lsp || !holdsRow(lsp.external_ids as StringMap, h)) return [];
  const parents = await parentsOf(c, "Logical_Switch", "ports", lsp._uuid as string);
  return parents.map((p) =>
    mutate("Logical_Switch", [eq("_uuid", p._uuid as string)], [["ports", "delete", [lsp._uuid as string]]]),
  );
}

/** Operations that make the switch-side port match the inputs (create, update, move). */
async function planAttachment(
  c: OvsdbClient,
  prev: LrpInputs | undefined,
  i: LrpInputs,
): Promise<Operation[]> {
  const ops: Operation[] = [];
  const prevName = prev?.switch ? attachmentName(prev) : undefined;
  if (!i.switch) {
    return prevName ? removeAttachment(c, prevName, prev ?? i) : [];
  }
  const want = attachmentInputs(i);
  if (prevName && prevName !== want.name) ops.push(...(await removeAttachment(c, prevName, prev ?? i)));
  const sw = await requireParent(c, "Logical_Switch", i.switch, ["name", "ports"]);
  const live = await selectOne(c, NB_DB, "Logical_Switch_Port", "name", want.name);
  if (!live) return [...ops, ...planLspCreate(sw._uuid as string, want, "att")];
  claimExisting({
    what: `logical switch port ${want.name}`,
    row: live,
    owner: i.owner,
    adopt: i.adopt ?? false,
  });
  const parents = await parentsOf(c, "Logical_Switch", "ports", live._uuid as string);
  const prevAtt = prev?.switch ? attachmentInputs(prev) : undefined;
  ops.push(...planLspUpdate(live, prevAtt, want), ...planMove(live._uuid as string, parents, sw, i.switch));
  return ops;
}

async function attachmentUuid(c: OvsdbClient, i: LrpInputs): Promise<string | null> {
  if (!i.switch) return null;
  const row = await selectOne(c, NB_DB, "Logical_Switch_Port", "name", attachmentName(i), ["name"]);
  return (row?._uuid as string | undefined) ?? null;
}

async function applyUpdate(
  c: OvsdbClient,
  uuid: string,
  prev: LrpInputs | undefined,
  i: LrpInputs,
): Promise<void> {
  const live = await selectOne(c, NB_DB, "Logical_Router_Port", "_uuid", uuid);
  if (!live) {
    throw new ResourceError(
      "PARENT_MISSING",
      `logical router port ${i.name} (${uuid}) no longer exists; refresh the stack`,
    );
  }
  refuseSuperseded(`logical router port ${i.name}`, live.external_ids as StringMap, prev);
  const gws = await selectByUuids(c, "Gateway_Chassis", live.gateway_chassis as string[], [
    "chassis_name",
    "priority",
  ]);
  const ops = [
    ...planRowUpdate("Logical_Router_Port", uuid, live, {
      columns: lrpColumns(i),
      maps: {
        options: { previous: prev?.options, desired: i.options },
        external_ids: { previous: prev?.externalIds, desired: i.externalIds },
      },
      owner: i.owner,
      instance: i.instance,
    }),
    ...planGatewayChassis(uuid, gws, i),
    ...(await planAttachment(c, prev, i)),
  ];
  await commitNb(c, ops, i);
}

async function create(i: LrpInputs): Promise<{ id: string; outs: LrpState }> {
  const c = await nbClient(i);
  const uuid = await withGuards(`logical router port ${i.name}`, async () => {
    const router = await requireParent(c, "Logical_Router", i.router, ["name", "ports"]);
    const existing = await selectOne(c, NB_DB, "Logical_Router_Port", "name", i.name);
    if (existing) {
      claimExisting({
        what: `logical router port ${i.name}`,
        row: existing,
        owner: i.owner,
        adopt: i.adopt ?? false,
      });
      const id = existing._uuid as string;
      if (!(router.ports as string[]).includes(id)) {
        throw new ResourceError(
          "NAME_TAKEN",
          `logical router port ${i.name} exists on another router than ${i.router}; router port names are unique: choose another name`,
        );
      }
      await applyUpdate(c, id, undefined, i);
      return id;
    }
    // The switch-side port is created (or, rarely, claimed and updated) in the same transaction.
    const ops = [...planLrpCreate(router._uuid as string, i), ...(await planAttachment(c, undefined, i))];
    const results = await commitNb(c, ops, i);
    return results![ops.findIndex((o) => o.op === "insert" && o.table === "Logical_Router_Port")]
      .uuid as string;
  });
  return { id: uuid, outs: { ...i, uuid, switchPortUuid: await attachmentUuid(c, i) } };
}

async function read(id: string, s: LrpState): Promise<ReadResult<LrpState> | undefined> {
  const c = await nbClient(s);
  const live = await selectOne(c, NB_DB, "Logical_Router_Port", "_uuid", id);
  if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
  const router = parentOf(await parentsOf(c, "Logical_Router", "ports", id), s.router);
  if (router === undefined) return undefined; // its router is gone: so is the port
  const gws = await selectByUuids(c, "Gateway_Chassis", live.gateway_chassis as string[], [
    "chassis_name",
    "priority",
  ]);
  const gatewayChassis = gws
    .map((g) => ({ chassis: g.chassis_name as string, priority: g.priority as number }))
    .sort((a, b) => b.priority - a.priority || (a.chassis < b.chassis ? -1 : 1));
  const sameGws =
    s.gatewayChassis &&
    s.gatewayChassis.length === gatewayChassis.length &&
    s.gatewayChassis.every((g) =>
      gatewayChassis.some((x) => x.chassis === g.chassis && x.priority === g.priority),
    );

  let sw: string | undefined;
  let switchPortAddresses: string[] | undefined;
  let switchPortUuid: string | null = null;
  // A switch deleted by hand takes the switch-side port with it: `switch` then reads as unset, and
  // the next up (after the switch is created again) joins the router port to it again.
  if (s.switch) {
    const att = await selectOne(c, NB_DB, "Logical_Switch_Port", "name", attachmentName(s));
    if (att && att.type === "router" && (att.options as Record<string, string>)["router-port"] === s.name) {
      const parents = await parentsOf(c, "Logical_Switch", "ports", att._uuid as string);
      sw = parentOf(parents, s.switch);
      switchPortUuid = att._uuid as string;
      const addrs = inProgramOrder(att.addresses as string[], s.switchPortAddresses ?? ["router"]);
      switchPortAddresses =
        s.switchPortAddresses === undefined && addrs?.join() === "router" ? undefined : addrs;
    }
  }
  const inputs = wire({
    nb: s.nb,
    router,
    name: live.name as string,
    mac: s.mac.toLowerCase() === live.mac ? s.mac : (live.mac as string),
    networks: inProgramOrder(live.networks as string[], s.networks) ?? [],
    peer: (live.peer as string | null) ?? undefined,
    gatewayChassis: gatewayChassis.length ? (sameGws ? s.gatewayChassis : gatewayChassis) : undefined,
    enabled: (live.enabled as boolean | null) ?? undefined,
    options: managedKeys(live.options, s.options),
    externalIds: managedKeys(live.external_ids, s.externalIds),
    switch: sw,
    switchPortName: s.switchPortName,
    switchPortAddresses,
    waitForChassis: s.waitForChassis,
    waitTimeoutSeconds: s.waitTimeoutSeconds,
    adopt: s.adopt,
    owner: s.owner,
  }) as LrpInputs;
  return { id, outs: { ...inputs, uuid: id, switchPortUuid }, inputs };
}

async function updateLrp(id: string, olds: LrpState, news: LrpInputs): Promise<LrpState> {
  const c = await nbClient(news);
  await withGuards(`logical router port ${news.name}`, () => applyUpdate(c, id, olds, news));
  return { ...news, uuid: id, switchPortUuid: await attachmentUuid(c, news) };
}

async function deleteLrp(id: string, s: LrpState): Promise<void> {
  const c = await nbClient(s);
  await withGuards(`logical router port ${s.name}`, async () => {
    const live = await selectOne(c, NB_DB, "Logical_Router_Port", "_uuid", id, ["name", "external_ids"]);
    const ops: Operation[] = [];
    if (live && holdsRow(live.external_ids as StringMap, s)) {
      const routers = await parentsOf(c, "Logical_Router", "ports", id);
      ops.push(
        guardPresent("Logical_Router_Port", id, "external_ids", live.external_ids),
        ...routers.map((r) =>
          mutate("Logical_Router", [eq("_uuid", r._uuid as string)], [["ports", "delete", [id]]]),
        ),
      );
    }
    if (s.switch) ops.push(...(await removeAttachment(c, attachmentName(s), s)));
    if (ops.length) await commitNb(c, ops, s);
  });
}

export const lrpKind: ResourceKind<LrpInputs, LrpState> = {
  label: "ovn.LogicalRouterPort",
  schema: lrpInputs as unknown as z.ZodType<LrpInputs>,
  inputKeys: [
    "nb",
    "router",
    "name",
    "mac",
    "networks",
    "peer",
    "gatewayChassis",
    "enabled",
    "options",
    "externalIds",
    "switch",
    "switchPortName",
    "switchPortAddresses",
  ],
  replaceOn: ["nb", "router", "name"],
  validate,
  create,
  read,
  update: updateLrp,
  delete: deleteLrp,
  where: (i) => describeNb(i.nb as LrpInputs["nb"]),
};
