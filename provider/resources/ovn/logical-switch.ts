/**
 * ovn.LogicalSwitch: a Logical_Switch row of the northbound database (`ovn-nbctl ls-add`), with
 * IP address management in other_config (`subnet`, `exclude_ips`, `ipv6_prefix`, `mac_only`).
 *
 * Logical_Switch.name is not unique in the OVN schema. Creation is guarded: the insert runs in one
 * transaction with a `wait` that no row holds the name, so two stacks (or a stack and ovn-nbctl)
 * racing for one name cannot both succeed.
 */
import { z } from "zod";
import { del, insert, eq, type OvsdbClient, type Operation, type Row } from "../../ovsdb";
import { ResourceError, type InputProblem } from "../../errors";
import type { ResourceKind, ReadResult, Instance } from "../../framework";
import {
  adoptOrInsert,
  holdsRow,
  refuseSuperseded,
  selectOne,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import {
  NB_DB,
  commitNb,
  compact,
  describeNb,
  findByName,
  foreignRows,
  guardAbsent,
  guardPresent,
  managedKeys,
  nbBase,
  nbClient,
  ownedIds,
  planRowUpdate,
  selectByUuids,
  type StringMap,
} from "./common";
import { excludeIpProblem, ovnName } from "./validation";
import { excludeEntry, ipv4Network, ipv6Prefix, setOf } from "../values";

/** other_config keys set by dedicated arguments. */
export const IPAM_KEYS = {
  subnet: "subnet",
  excludeIps: "exclude_ips",
  ipv6Prefix: "ipv6_prefix",
  macOnly: "mac_only",
} as const;

export const switchInputs = z.object({
  ...nbBase,
  name: ovnName("name"),
  subnet: ipv4Network("subnet").optional(),
  excludeIps: setOf(
    excludeEntry("excludeIps"),
    'excludeIps: accepted a list of IPv4 addresses or ranges, e.g. ["192.168.0.2", "192.168.0.10..192.168.0.20"]',
  ).optional(),
  ipv6Prefix: ipv6Prefix("ipv6Prefix").optional(),
  macOnly: z.boolean({ error: "macOnly must be true or false" }).optional(),
  otherConfig: stringMap.optional(),
  externalIds: stringMap.optional(),
});
export type SwitchInputs = z.infer<typeof switchInputs> & Instance;
export type SwitchState = SwitchInputs & { uuid: string };

function validate(i: SwitchInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  (i.excludeIps ?? []).forEach((e, n) => {
    const p = excludeIpProblem(e, i.subnet);
    if (p) problems.push({ property: `excludeIps.${n}`, reason: p });
  });
  if (i.excludeIps?.length && !i.subnet) {
    problems.push({
      property: "excludeIps",
      reason: "excludeIps only applies with subnet (IPv4 address management); set subnet too",
    });
  }
  for (const [arg, key] of Object.entries(IPAM_KEYS)) {
    if (i[arg as keyof SwitchInputs] !== undefined && i.otherConfig && key in i.otherConfig) {
      problems.push({
        property: `otherConfig.${key}`,
        reason: `${key} is also set by the ${arg} argument; set it in one place`,
      });
    }
  }
  return problems;
}

/** The other_config keys the inputs set (IPAM arguments merged into otherConfig). Pure. */
export function switchOtherConfig(i: Partial<SwitchInputs> | undefined): StringMap | undefined {
  if (!i) return undefined;
  const out: StringMap = { ...(i.otherConfig ?? {}) };
  if (i.subnet !== undefined) out.subnet = i.subnet;
  if (i.excludeIps?.length) out.exclude_ips = i.excludeIps.join(" ");
  if (i.ipv6Prefix !== undefined) out.ipv6_prefix = i.ipv6Prefix;
  if (i.macOnly !== undefined) out.mac_only = String(i.macOnly);
  return Object.keys(out).length ? out : undefined;
}

/** The guarded insert of a new switch. Pure. */
export function planSwitchCreate(i: SwitchInputs): Operation[] {
  return [
    // Names are not unique in the schema: no other row may have taken it since we looked.
    guardAbsent("Logical_Switch", "name", i.name),
    insert(
      "Logical_Switch",
      {
        name: i.name,
        other_config: switchOtherConfig(i) ?? {},
        external_ids: ownedIds(i.externalIds, i),
      },
      { uuidName: "ls" },
    ),
  ];
}

/** Operations bringing a live switch row to the inputs (`prev`: the previous inputs). Pure. */
export function planSwitchUpdate(live: Row, prev: SwitchInputs | undefined, i: SwitchInputs): Operation[] {
  const uuid = live._uuid as string;
  const ops = planRowUpdate("Logical_Switch", uuid, live, {
    columns: { name: i.name },
    maps: {
      other_config: { previous: switchOtherConfig(prev), desired: switchOtherConfig(i) },
      external_ids: { previous: prev?.externalIds, desired: i.externalIds },
    },
    owner: i.owner,
    instance: i.instance,
  });
  // A rename must not collide either.
  if (live.name !== i.name) ops.unshift(guardAbsent("Logical_Switch", "name", i.name));
  return ops;
}

async function applyUpdate(c: OvsdbClient, uuid: string, prev: SwitchInputs | undefined, i: SwitchInputs) {
  const live = await selectOne(c, NB_DB, "Logical_Switch", "_uuid", uuid);
  if (!live) {
    throw new ResourceError(
      "PARENT_MISSING",
      `logical switch ${i.name} (${uuid}) no longer exists; refresh the stack`,
    );
  }
  refuseSuperseded(`logical switch ${i.name}`, live.external_ids as StringMap, prev);
  await commitNb(c, planSwitchUpdate(live, prev, i), i);
}

async function create(i: SwitchInputs): Promise<{ id: string; outs: SwitchState }> {
  const c = await nbClient(i);
  const uuid = await withGuards(`logical switch ${i.name}`, async () => {
    return adoptOrInsert({
      what: `logical switch ${i.name}`,
      existing: await findByName(c, "Logical_Switch", i.name),
      owner: i.owner,
      adopt: i.adopt,
      update: (uuid) => applyUpdate(c, uuid, undefined, i),
      insert: async () => (await commitNb(c, planSwitchCreate(i), i))![1].uuid as string,
    });
  });
  return { id: uuid, outs: { ...i, uuid } };
}

async function read(id: string, s: SwitchState): Promise<ReadResult<SwitchState> | undefined> {
  const c = await nbClient(s);
  const live = await selectOne(c, NB_DB, "Logical_Switch", "_uuid", id);
  if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
  const other = live.other_config as StringMap;
  const managedOther = { ...(s.otherConfig ?? {}) };
  const inputs = compact({
    nb: s.nb,
    name: live.name as string,
    subnet: other.subnet,
    excludeIps: other.exclude_ips ? other.exclude_ips.split(/\s+/).filter(Boolean) : undefined,
    ipv6Prefix: other.ipv6_prefix,
    macOnly: other.mac_only === undefined ? undefined : other.mac_only === "true",
    otherConfig: s.otherConfig ? managedKeys(other, managedOther) : undefined,
    externalIds: managedKeys(live.external_ids, s.externalIds),
    waitForChassis: s.waitForChassis,
    waitTimeoutSeconds: s.waitTimeoutSeconds,
    adopt: s.adopt,
    owner: s.owner,
  }) as SwitchInputs;
  return { id, outs: { ...inputs, uuid: id }, inputs };
}

async function updateSwitch(id: string, olds: SwitchState, news: SwitchInputs): Promise<SwitchState> {
  const c = await nbClient(news);
  await withGuards(`logical switch ${news.name}`, () => applyUpdate(c, id, olds, news));
  return { ...news, uuid: id };
}

async function deleteSwitch(id: string, s: SwitchState): Promise<void> {
  const c = await nbClient(s);
  await withGuards(`logical switch ${s.name}`, async () => {
    const live = await selectOne(c, NB_DB, "Logical_Switch", "_uuid", id, ["name", "ports", "external_ids"]);
    if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's: leave it
    const ports = await selectByUuids(c, "Logical_Switch_Port", live.ports as string[], [
      "name",
      "external_ids",
    ]);
    const foreign = foreignRows(ports, s.owner).map((p) => p.name as string);
    if (foreign.length) {
      throw new ResourceError(
        "FOREIGN_CHILDREN",
        `logical switch ${s.name} still holds ports this stack does not manage: ${foreign.sort().join(", ")}; ` +
          `remove them (or adopt them) before deleting the switch`,
      );
    }
    await commitNb(
      c,
      [guardPresent("Logical_Switch", id, "ports", live.ports), del("Logical_Switch", [eq("_uuid", id)])],
      s,
    );
  });
}

export const switchKind: ResourceKind<SwitchInputs, SwitchState> = {
  label: "ovn.LogicalSwitch",
  schema: switchInputs as unknown as z.ZodType<SwitchInputs>,
  inputKeys: ["nb", "name", "subnet", "excludeIps", "ipv6Prefix", "macOnly", "otherConfig", "externalIds"],
  replaceOn: ["nb"],
  validate,
  create,
  read,
  update: updateSwitch,
  delete: deleteSwitch,
  where: (i) => describeNb(i.nb as SwitchInputs["nb"]),
};
