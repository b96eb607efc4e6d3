/**
 * ovn.LogicalSwitchPort: a Logical_Switch_Port row referenced from its switch's `ports`
 * (`ovn-nbctl lsp-add SWITCH PORT [PARENT TAG] -- lsp-set-addresses … -- lsp-set-type …`).
 *
 * Port names are unique in the schema (an index). The row is not a root row: delete removes the
 * reference from the switch and the server drops the row. Outputs what ovn-northd writes back:
 * `dynamicAddresses` (create waits a bounded time for it when the port asks for a dynamic address
 * on a switch with address management) and `up` (true once a chassis has bound the port).
 */
import { z } from "zod";
import {
  insert,
  mutate,
  select,
  wait,
  eq,
  namedUuid,
  type OvsdbClient,
  type Operation,
  type Row,
} from "../../ovsdb";
import { insertedUuid } from "../../engine/rows";
import { ResourceError, type InputProblem } from "../../errors";
import { wire, type ResourceKind, type ReadResult, type Instance } from "../../framework";
import { Address6 } from "ip-address";
import {
  claimExisting,
  holdsRow,
  parentOf,
  isIpv4,
  isIpv6,
  refuseSuperseded,
  selectOne,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import {
  DYNAMIC_ADDRESS_TIMEOUT_MS,
  NB_DB,
  canonical,
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
  type StringMap,
} from "./common";
import { ovnName } from "./validation";
import { lspAddress, portSecurityEntry, setOf } from "../values";

/** Logical_Switch_Port types of OVN 23.03 (ovn-nb(5)); "" is a VIF. */
export const LSP_TYPES = [
  "",
  "router",
  "localnet",
  "localport",
  "l2gateway",
  "vtep",
  "external",
  "virtual",
  "remote",
] as const;

const tagRequest = z
  .number({ error: "tagRequest must be an integer VLAN id 0..4095" })
  .int("tagRequest: accepted an integer VLAN id 0..4095 (0 lets ovn-northd choose)")
  .min(0, "tagRequest: accepted 0..4095 (0 lets ovn-northd choose)")
  .max(4095, "tagRequest: accepted 0..4095 (0 lets ovn-northd choose)");

export const lspInputs = z.object({
  ...nbBase,
  switch: ovnName("switch"),
  name: ovnName("name"),
  addresses: setOf(
    lspAddress("addresses"),
    'addresses: accepted a list like ["50:54:00:00:00:01 192.168.0.2"] or ["dynamic"]',
  ).optional(),
  portSecurity: setOf(
    portSecurityEntry("portSecurity"),
    'portSecurity: accepted a list like ["50:54:00:00:00:01 192.168.0.2"]',
  ).optional(),
  type: z
    .enum(LSP_TYPES, {
      error: (iss) =>
        `unknown port type ${JSON.stringify(iss.input)}; accepted: "" (a VM or container interface), ${LSP_TYPES.slice(
          1,
        )
          .map((t) => `"${t}"`)
          .join(", ")}`,
    })
    .optional(),
  options: stringMap.optional(),
  parentName: ovnName("parentName").optional(),
  tagRequest: tagRequest.optional(),
  enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
  externalIds: stringMap.optional(),
});
export type LspInputs = z.infer<typeof lspInputs> & Instance;
export type LspState = LspInputs & LspOutputs;

/** What ovn-northd and the chassis report about the port. */
export type LspOutputs = {
  uuid: string;
  /** `dynamic_addresses`: "MAC [IPv4] [IPv6]" assigned by ovn-northd, or null. */
  dynamicAddresses: string | null;
  dynamicMac: string | null;
  dynamicIpv4: string | null;
  dynamicIpv6: string | null;
  /** True once a chassis has bound the port (null: never reported). */
  up: boolean | null;
  /** `tag`: the VLAN tag ovn-northd assigned (for a container port with parentName), or null. */
  tag: number | null;
};

export function validateLsp(i: LspInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  const addrs = i.addresses ?? [];
  if (addrs.filter((a) => a.trim().split(/\s+/).includes("dynamic")).length > 1) {
    problems.push({ property: "addresses", reason: 'only one entry may contain "dynamic"' });
  }
  if (addrs.some((a) => a.trim() === "router") && i.type !== "router") {
    problems.push({ property: "addresses", reason: '"router" is accepted only with type "router"' });
  }
  if (i.type === "router" && !i.options?.["router-port"]) {
    problems.push({
      property: "options.router-port",
      reason: 'a port of type "router" needs options["router-port"]: the logical router port it connects to',
    });
  }
  if (i.type === "localnet" && !i.options?.network_name) {
    problems.push({
      property: "options.network_name",
      reason:
        'a port of type "localnet" needs options.network_name (a name of the chassis\' ovn-bridge-mappings)',
    });
  }
  if (i.tagRequest !== undefined && i.parentName === undefined) {
    problems.push({
      property: "tagRequest",
      reason: "tagRequest applies to a container port: set parentName (the VM's port) too",
    });
  }
  if (i.parentName !== undefined && i.parentName === i.name) {
    problems.push({ property: "parentName", reason: "a port cannot be its own parent" });
  }
  return problems;
}

/** Columns set as a whole, from the inputs. Pure. */
export function lspColumns(i: LspInputs): Row {
  return {
    type: i.type ?? "",
    addresses: i.addresses ?? [],
    port_security: i.portSecurity ?? [],
    parent_name: i.parentName ?? null,
    tag_request: i.parentName !== undefined ? (i.tagRequest ?? 0) : null,
    enabled: i.enabled ?? null,
  };
}

/**
 * The guarded insert of a port on switch `switchUuid` (its name still `i.switch`, the port name
 * still free). `uuidName` names the new row in the transaction. Pure.
 */
export function planLspCreate(switchUuid: string, i: LspInputs, uuidName = "lsp"): Operation[] {
  return [
    guardPresent("Logical_Switch", switchUuid, "name", i.switch),
    guardAbsent("Logical_Switch_Port", "name", i.name),
    insert(
      "Logical_Switch_Port",
      {
        name: i.name,
        ...lspColumns(i),
        options: i.options ?? {},
        external_ids: ownedIds(i.externalIds, i),
      },
      { uuidName },
    ),
    mutate("Logical_Switch", [eq("_uuid", switchUuid)], [["ports", "insert", [namedUuid(uuidName)]]]),
  ];
}

/** Operations bringing a live port row to the inputs (`prev`: previous inputs). Pure. */
export function planLspUpdate(live: Row, prev: LspInputs | undefined, i: LspInputs): Operation[] {
  return planRowUpdate("Logical_Switch_Port", live._uuid as string, live, {
    columns: lspColumns(i),
    maps: {
      options: { previous: prev?.options, desired: i.options },
      external_ids: { previous: prev?.externalIds, desired: i.externalIds },
    },
    owner: i.owner,
    instance: i.instance,
  });
}

/**
 * Moving a port between switches: remove the reference from its current parents and add it to
 * the target, in one transaction (the row survives: it is referenced again at commit). Pure.
 */
export function planMove(uuid: string, from: Row[], to: Row, toName: string): Operation[] {
  if (from.some((p) => p._uuid === to._uuid)) return [];
  return [
    guardPresent("Logical_Switch", to._uuid as string, "name", toName),
    ...from.map((p) =>
      mutate("Logical_Switch", [eq("_uuid", p._uuid as string)], [["ports", "delete", [uuid]]]),
    ),
    mutate("Logical_Switch", [eq("_uuid", to._uuid as string)], [["ports", "insert", [uuid]]]),
  ];
}

/** Whether the addresses ask ovn-northd for an address. */
export function wantsDynamic(addresses: string[] | undefined): boolean {
  return (addresses ?? []).some((a) => a.trim().split(/\s+/).includes("dynamic"));
}

/** Whether a switch's other_config enables address management (ovn-northd assigns nothing otherwise). */
export function hasIpam(otherConfig: StringMap | undefined): boolean {
  const o = otherConfig ?? {};
  return Boolean(o.subnet || o.ipv6_prefix || o.mac_only === "true");
}

/** `"0a:00:00:00:00:01 192.168.0.3 fd00::1"` split into its parts. Pure. */
export function parseDynamicAddresses(
  s: string | null | undefined,
): Pick<LspOutputs, "dynamicAddresses" | "dynamicMac" | "dynamicIpv4" | "dynamicIpv6"> {
  const words = (s ?? "").trim().split(/\s+/).filter(Boolean);
  return {
    dynamicAddresses: s ? s : null,
    dynamicMac: words[0] ?? null,
    dynamicIpv4: words.slice(1).find(isIpv4) ?? null,
    dynamicIpv6: words.slice(1).find(isIpv6) ?? null,
  };
}

/** The IP addresses named in address entries (static ones, or requested with "dynamic IP"). Pure. */
export function ipsOf(entries: readonly string[] | undefined): string[] {
  const ips: string[] = [];
  for (const entry of entries ?? []) {
    for (const w of entry.trim().split(/\s+/)) {
      if (isIpv4(w)) ips.push(w);
      else if (isIpv6(w)) ips.push(new Address6(w).correctForm());
    }
  }
  return ips;
}

export interface AddressConflict {
  ip: string;
  /** The other port holding the address. */
  port: string;
  /** Whether ovn-northd assigned it (`dynamic_addresses`) or the port names it statically. */
  assigned: boolean;
}

/**
 * The addresses of port `name` that another port of the same switch already has: statically, or
 * assigned by ovn-northd (which assigns an address only while no port names it, so a static
 * address created after a dynamic port may already be taken). Pure.
 */
export function addressConflicts(
  name: string,
  addresses: readonly string[] | undefined,
  others: readonly Row[],
): AddressConflict[] {
  const wanted = new Set(ipsOf(addresses));
  if (wanted.size === 0) return [];
  const found: AddressConflict[] = [];
  for (const o of others) {
    if (o.name === name) continue;
    for (const ip of ipsOf(o.addresses as string[] | undefined)) {
      if (wanted.has(ip)) found.push({ ip, port: o.name as string, assigned: false });
    }
    const dyn = o.dynamic_addresses as string | null | undefined;
    for (const ip of ipsOf(dyn ? [dyn] : [])) {
      if (wanted.has(ip)) found.push({ ip, port: o.name as string, assigned: true });
    }
  }
  return found;
}

/** Refuse a port whose addresses another port on switch `sw` already has (before anything is written). */
async function refuseTakenAddresses(c: OvsdbClient, sw: Row, i: LspInputs): Promise<void> {
  if (ipsOf(i.addresses).length === 0) return;
  // Only this switch's ports, read in one transaction (a select each: OVSDB has no "in").
  const ports = sw.ports as string[];
  const results = ports.length
    ? await c.transact(
        NB_DB,
        ports.map((u) =>
          select("Logical_Switch_Port", [eq("_uuid", u)], ["name", "addresses", "dynamic_addresses"]),
        ),
      )
    : [];
  const rows = results.flatMap((r) => (r.rows ?? []) as Row[]);
  const conflicts = addressConflicts(i.name, i.addresses, rows);
  if (conflicts.length === 0) return;
  const list = conflicts
    .map((x) => `${x.ip} (${x.assigned ? "assigned by ovn-northd to" : "static on"} port ${x.port})`)
    .join(", ");
  const hint = conflicts.some((x) => x.assigned)
    ? "; list static addresses in the switch's excludeIps, or create static ports before dynamic ones (dependsOn)"
    : "";
  throw new ResourceError(
    "ADDRESS_IN_USE",
    `logical switch port ${i.name}: addresses already in use on switch ${i.switch}: ${list}${hint}`,
  );
}

/** Wait (server side, bounded) until ovn-northd has filled `dynamic_addresses`. */
async function awaitDynamic(c: OvsdbClient, uuid: string): Promise<void> {
  try {
    await c.transact(NB_DB, [
      wait("Logical_Switch_Port", [eq("_uuid", uuid)], ["dynamic_addresses"], [{ dynamic_addresses: null }], {
        until: "!=",
        timeout: DYNAMIC_ADDRESS_TIMEOUT_MS,
      }),
    ]);
  } catch {
    // ovn-northd is not running or could not assign (subnet full): report what is there
  }
}

export async function lspOutputs(c: OvsdbClient, uuid: string): Promise<LspOutputs> {
  const row = await selectOne(c, NB_DB, "Logical_Switch_Port", "_uuid", uuid, [
    "dynamic_addresses",
    "up",
    "tag",
  ]);
  return {
    uuid,
    ...parseDynamicAddresses(row?.dynamic_addresses as string | null),
    up: (row?.up as boolean | null | undefined) ?? null,
    tag: (row?.tag as number | null | undefined) ?? null,
  };
}

async function finish(c: OvsdbClient, uuid: string, sw: Row, i: LspInputs): Promise<LspOutputs> {
  if (wantsDynamic(i.addresses) && hasIpam(sw.other_config as StringMap)) await awaitDynamic(c, uuid);
  return lspOutputs(c, uuid);
}

async function applyUpdate(
  c: OvsdbClient,
  uuid: string,
  prev: LspInputs | undefined,
  i: LspInputs,
): Promise<Row> {
  const live = await selectOne(c, NB_DB, "Logical_Switch_Port", "_uuid", uuid);
  if (!live) {
    throw new ResourceError(
      "PARENT_MISSING",
      `logical switch port ${i.name} (${uuid}) no longer exists; refresh the stack`,
    );
  }
  refuseSuperseded(`logical switch port ${i.name}`, live.external_ids as StringMap, prev);
  const sw = await requireParent(c, "Logical_Switch", i.switch, ["name", "ports", "other_config"]);
  const parents = await parentsOf(c, "Logical_Switch", "ports", uuid);
  const moving = !parents.some((p) => p._uuid === sw._uuid);
  if (moving || canonical(live.addresses) !== canonical(i.addresses ?? []))
    await refuseTakenAddresses(c, sw, i);
  const ops = [...planLspUpdate(live, prev, i), ...planMove(uuid, parents, sw, i.switch)];
  await commitNb(c, ops, i);
  return sw;
}

async function create(i: LspInputs): Promise<{ id: string; outs: LspState }> {
  const c = await nbClient(i);
  const { uuid, sw } = await withGuards(`logical switch port ${i.name}`, async () => {
    const sw = await requireParent(c, "Logical_Switch", i.switch, ["name", "ports", "other_config"]);
    const existing = await selectOne(c, NB_DB, "Logical_Switch_Port", "name", i.name);
    if (existing) {
      claimExisting({
        what: `logical switch port ${i.name}`,
        row: existing,
        owner: i.owner,
        adopt: i.adopt ?? false,
      });
      const id = existing._uuid as string;
      if (!(sw.ports as string[]).includes(id)) {
        const on = (await parentsOf(c, "Logical_Switch", "ports", id)).map((p) => p.name).join(", ");
        throw new ResourceError(
          "NAME_TAKEN",
          `logical switch port ${i.name} exists on ${on ? `switch ${on}` : "no switch"}, not on ${i.switch}; ` +
            `port names are unique across all switches: choose another name`,
        );
      }
      await applyUpdate(c, id, undefined, i);
      return { uuid: id, sw };
    }
    await refuseTakenAddresses(c, sw, i);
    const ops = planLspCreate(sw._uuid as string, i);
    return { uuid: insertedUuid(ops, await commitNb(c, ops, i), "lsp"), sw };
  });
  return { id: uuid, outs: { ...i, ...(await finish(c, uuid, sw, i)) } };
}

/** tag_request as the program would say it: 0 (let ovn-northd choose) is what an unset tagRequest means. */
function readTag(request: number | null, program: number | undefined): number | undefined {
  if (request === null) return undefined;
  return request === 0 && program === undefined ? undefined : request;
}

async function read(id: string, s: LspState): Promise<ReadResult<LspState> | undefined> {
  const c = await nbClient(s);
  const live = await selectOne(c, NB_DB, "Logical_Switch_Port", "_uuid", id);
  if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
  const sw = parentOf(await parentsOf(c, "Logical_Switch", "ports", id), s.switch);
  if (sw === undefined) return undefined; // its switch is gone: so is the port
  const inputs = wire({
    nb: s.nb,
    switch: sw,
    name: live.name as string,
    addresses: inProgramOrder(live.addresses as string[], s.addresses),
    portSecurity: inProgramOrder(live.port_security as string[], s.portSecurity),
    type: ((live.type as string) || (s.type === "" ? "" : undefined)) as LspInputs["type"],
    options: managedKeys(live.options, s.options),
    parentName: (live.parent_name as string | null) ?? undefined,
    tagRequest: readTag(live.tag_request as number | null, s.tagRequest),
    enabled: (live.enabled as boolean | null) ?? undefined,
    externalIds: managedKeys(live.external_ids, s.externalIds),
    waitForChassis: s.waitForChassis,
    waitTimeoutSeconds: s.waitTimeoutSeconds,
    adopt: s.adopt,
    owner: s.owner,
  }) as LspInputs;
  const outs: LspState = {
    ...inputs,
    uuid: id,
    ...parseDynamicAddresses(live.dynamic_addresses as string | null),
    up: (live.up as boolean | null) ?? null,
    tag: (live.tag as number | null) ?? null,
  };
  return { id, outs, inputs };
}

async function updateLsp(id: string, olds: LspState, news: LspInputs): Promise<LspState> {
  const c = await nbClient(news);
  const sw = await withGuards(`logical switch port ${news.name}`, () => applyUpdate(c, id, olds, news));
  return { ...news, ...(await finish(c, id, sw, news)) };
}

async function deleteLsp(id: string, s: LspState): Promise<void> {
  const c = await nbClient(s);
  await withGuards(`logical switch port ${s.name}`, async () => {
    const live = await selectOne(c, NB_DB, "Logical_Switch_Port", "_uuid", id, ["name", "external_ids"]);
    if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's: leave it
    const parents = await parentsOf(c, "Logical_Switch", "ports", id);
    // Removing the reference deletes the row: Logical_Switch_Port is not a root table.
    await commitNb(
      c,
      [
        guardPresent("Logical_Switch_Port", id, "external_ids", live.external_ids),
        ...parents.map((p) =>
          mutate("Logical_Switch", [eq("_uuid", p._uuid as string)], [["ports", "delete", [id]]]),
        ),
      ],
      s,
    );
  });
}

export const lspKind: ResourceKind<LspInputs, LspState> = {
  label: "ovn.LogicalSwitchPort",
  schema: lspInputs as unknown as z.ZodType<LspInputs>,
  inputKeys: [
    "nb",
    "switch",
    "name",
    "addresses",
    "portSecurity",
    "type",
    "options",
    "parentName",
    "tagRequest",
    "enabled",
    "externalIds",
  ],
  replaceOn: ["nb", "name"],
  renamed: [
    { from: "tag", to: "tagRequest", column: "Logical_Switch_Port.tag_request" },
    { from: "assignedTag", to: "tag", column: "Logical_Switch_Port.tag", output: true },
  ],
  validate: validateLsp,
  create,
  read,
  update: updateLsp,
  delete: deleteLsp,
  where: (i) => describeNb(i.nb as LspInputs["nb"]),
};
