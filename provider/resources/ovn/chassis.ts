/**
 * ovn.ChassisConfig: the OVN settings of one hypervisor, kept as keys of its Open_vSwitch row's
 * external_ids (`ovs-vsctl set open . external-ids:ovn-remote=… ovn-encap-type=… ovn-encap-ip=…`).
 *
 * The root row is shared with every other tool, so this resource owns only the keys it sets:
 * create and update mutate those keys, delete removes them, and every other key (written by
 * ovn-controller, ovs-vswitchd, an installer) survives. A marker key records which stack resource
 * manages the host's OVN settings; keys that someone else already set are taken over only with
 * `adopt: true`.
 */
import { z } from "zod";
import { mutate, wait, eq, type OvsdbClient, type Operation, type Row } from "../../ovsdb";
import { getClient } from "../../pool";
import { ResourceError, type InputProblem } from "../../errors";
import type { ResourceKind, ReadResult, Instance } from "../../framework";
import {
  connectionSchema,
  describeConnection,
  deviceName,
  holdsRow,
  mapMutations,
  ownedIds,
  ownerSchema,
  planMap,
  refuseSuperseded,
  supersededRow,
  type MarkerKeys,
  selectRows,
  stringMap,
  withGuards,
} from "../common";
import { VSWITCH_DB } from "../ovs/bridge";
import { ENCAP_TYPES, encapTypes, formatBridgeMappings, parseBridgeMappings } from "./validation";
import { asSet, identifier, ip, remoteList } from "../values";
import type { StringMap } from "./common";

/** external_ids key of the Open_vSwitch row naming the resource that manages the OVN keys. */
export const CHASSIS_OWNER_KEY = "pulumi-ovs-chassis-owner";
/** external_ids key of the Open_vSwitch row holding the token of the resource instance (see holdsRow). */
export const CHASSIS_INSTANCE_KEY = "pulumi-ovs-chassis-instance";
/** The marker pair of the chassis keys (the root row's own, apart from the rows' owner marker). */
export const CHASSIS_MARKER: MarkerKeys = { owner: CHASSIS_OWNER_KEY, instance: CHASSIS_INSTANCE_KEY };

/** The external_ids key each named argument sets. */
export const CHASSIS_KEYS = {
  systemId: "system-id",
  ovnRemote: "ovn-remote",
  encapType: "ovn-encap-type",
  encapIp: "ovn-encap-ip",
  bridgeMappings: "ovn-bridge-mappings",
  bridgeDatapathType: "ovn-bridge-datapath-type",
} as const;

const physnet = z
  .string()
  .min(1, "physical network name must not be empty")
  .refine((s) => !/[\s,:]/.test(s), {
    message: 'physical network names must not contain ",", ":" or spaces',
  });

const mappingsObject = z.record(physnet, deviceName("bridge of a bridge mapping"));

export const chassisInputs = z.object({
  host: connectionSchema,
  systemId: identifier("systemId", { forbid: "," }).optional(),
  ovnRemote: remoteList(
    "ovnRemote",
    "the southbound database as tcp:IP:6642, ssl:IP:6642 or unix:PATH (comma-separated for a cluster)",
  ).optional(),
  encapType: z
    .union([z.string(), z.array(z.string())], {
      error:
        'encapType: accepted a type or a list of types: "geneve", "vxlan", "stt" (e.g. ["geneve", "vxlan"])',
    })
    .superRefine((v, ctx) => {
      const types = encapTypes(v);
      if (types.length === 0)
        ctx.addIssue({ code: "custom", message: "encapType must name at least one type" });
      for (const t of types) {
        if (!(ENCAP_TYPES as readonly string[]).includes(t)) {
          ctx.addIssue({
            code: "custom",
            message: `encapType: unknown encapsulation ${JSON.stringify(t)}; accepted: ${ENCAP_TYPES.join(", ")}`,
          });
        }
      }
    })
    .transform((v) => asSet(encapTypes(v)).join(","))
    .optional(),
  encapIp: ip("encapIp").optional(),
  bridgeMappings: z
    .union([mappingsObject, z.string()], {
      error: 'bridgeMappings: accepted { physnet1: "br-eth0" } or "physnet1:br-eth0,physnet2:br-eth1"',
    })
    .superRefine((v, ctx) => {
      if (typeof v !== "string") return;
      for (const item of v.split(",")) {
        const [net, br, extra] = item.split(":").map((x) => x.trim());
        if (extra !== undefined || !net || !br || !physnet.safeParse(net).success) {
          ctx.addIssue({
            code: "custom",
            message: `bridgeMappings: ${JSON.stringify(item)} is not PHYSNET:BRIDGE; accepted e.g. "physnet1:br-eth0,physnet2:br-eth1"`,
          });
        }
      }
    })
    .transform((v) => (typeof v === "string" ? parseBridgeMappings(v) : v))
    .pipe(mappingsObject)
    .optional(),
  bridgeDatapathType: z
    .enum(["system", "netdev"], {
      error: 'bridgeDatapathType: accepted "system" (kernel) or "netdev" (userspace) for br-int',
    })
    .optional(),
  externalIds: stringMap.optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
});
export type ChassisInputs = z.infer<typeof chassisInputs> & Instance;
export type ChassisState = ChassisInputs & { uuid: string };

function validate(i: ChassisInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  const named = new Map<string, string>(Object.entries(CHASSIS_KEYS).map(([arg, key]) => [key, arg]));
  for (const key of Object.keys(i.externalIds ?? {})) {
    const arg = named.get(key);
    if (arg && i[arg as keyof ChassisInputs] !== undefined) {
      problems.push({
        property: `externalIds.${key}`,
        reason: `${key} is also set by the ${arg} argument; set it in one place`,
      });
    }
    if (key === CHASSIS_OWNER_KEY || key === CHASSIS_INSTANCE_KEY) {
      problems.push({ property: `externalIds.${key}`, reason: `${key} is reserved for pulumi-ovs` });
    }
  }
  return problems;
}

/** The external_ids keys the inputs set (without the owner marker). Pure. */
export function chassisKeys(i: Partial<ChassisInputs> | undefined): StringMap {
  if (!i) return {};
  const out: StringMap = { ...(i.externalIds ?? {}) };
  if (i.systemId !== undefined) out[CHASSIS_KEYS.systemId] = i.systemId;
  if (i.ovnRemote !== undefined) out[CHASSIS_KEYS.ovnRemote] = i.ovnRemote;
  if (i.encapType !== undefined) out[CHASSIS_KEYS.encapType] = i.encapType;
  if (i.encapIp !== undefined) out[CHASSIS_KEYS.encapIp] = i.encapIp;
  if (i.bridgeMappings !== undefined)
    out[CHASSIS_KEYS.bridgeMappings] = formatBridgeMappings(i.bridgeMappings);
  if (i.bridgeDatapathType !== undefined) out[CHASSIS_KEYS.bridgeDatapathType] = i.bridgeDatapathType;
  return out;
}

/**
 * What create must do about keys already present on the host: nothing (none present, or already
 * ours), or an error naming them (another resource's, or foreign without `adopt`). Pure.
 */
export function checkChassisClaim(live: StringMap, i: ChassisInputs): void {
  const marker = live[CHASSIS_OWNER_KEY];
  if (marker === i.owner) return;
  if (marker !== undefined) {
    throw new ResourceError(
      "OWNED_ELSEWHERE",
      `the OVN settings of this host are managed by "${marker}"; remove that resource first`,
    );
  }
  const present = Object.keys(chassisKeys(i)).filter((k) => k in live);
  if (present.length && !i.adopt) {
    const list = present.map((k) => `${k}=${live[k]}`).join(", ");
    throw new ResourceError(
      "NAME_TAKEN",
      `the host's Open_vSwitch external_ids already hold ${list}, not set by this stack; set "adopt: true" ` +
        `to manage these keys (destroying the stack then removes them), or leave them out`,
    );
  }
}

/**
 * Operations bringing the host's external_ids from `live` to the inputs: a guard that the map is
 * unchanged since it was read, and one mutate of the managed keys (plus the marker). `previous`
 * are the keys set before (removed when no longer wanted). Empty when nothing changes. Pure.
 */
export function planChassis(
  rootUuid: string,
  live: StringMap,
  previous: StringMap | undefined,
  i: ChassisInputs,
): Operation[] {
  const desired = ownedIds(chassisKeys(i), i, CHASSIS_MARKER);
  const mutations = mapMutations("external_ids", planMap(live, previous, desired));
  if (mutations.length === 0) return [];
  return [
    wait("Open_vSwitch", [eq("_uuid", rootUuid)], ["external_ids"], [{ external_ids: live }], {
      until: "==",
      timeout: 0,
    }),
    mutate("Open_vSwitch", [eq("_uuid", rootUuid)], mutations),
  ];
}

async function client(i: { host: ChassisInputs["host"] }): Promise<OvsdbClient> {
  return getClient(i.host, VSWITCH_DB);
}

async function rootRow(c: OvsdbClient): Promise<Row> {
  const rows = await selectRows(c, VSWITCH_DB, "Open_vSwitch", [], ["external_ids"]);
  if (rows.length !== 1) {
    throw new ResourceError(
      "PARENT_MISSING",
      "the Open_vSwitch table has no row; initialise the database first (ovs-vsctl init)",
    );
  }
  return rows[0];
}

/** Bring the keys to `i`; `prev` is the state being updated (undefined on create). */
async function apply(c: OvsdbClient, prev: ChassisInputs | undefined, i: ChassisInputs) {
  const previous = prev ? chassisKeys(prev) : undefined;
  return withGuards("the host's OVN settings", async () => {
    const root = await rootRow(c);
    const live = root.external_ids as StringMap;
    if (!prev) checkChassisClaim(live, i);
    refuseSuperseded("the host's OVN settings", live, prev, CHASSIS_MARKER);
    const ops = planChassis(root._uuid as string, live, previous, i);
    if (ops.length) await c.transact(VSWITCH_DB, ops);
    return root._uuid as string;
  });
}

async function create(i: ChassisInputs): Promise<{ id: string; outs: ChassisState }> {
  const c = await client(i);
  const uuid = await apply(c, undefined, i);
  return { id: uuid, outs: { ...i, uuid } };
}

async function read(id: string, s: ChassisState): Promise<ReadResult<ChassisState> | undefined> {
  const c = await client(s);
  const rows = await selectRows(c, VSWITCH_DB, "Open_vSwitch", [eq("_uuid", id)], ["external_ids"]);
  if (rows.length === 0) return undefined;
  const live = rows[0].external_ids as StringMap;
  if (supersededRow(live, s, CHASSIS_MARKER)) return undefined; // a newer instance holds the keys
  // Only keys this resource manages are reported, so refresh shows drift in those and never
  // claims keys other tools wrote.
  const get = (arg: keyof typeof CHASSIS_KEYS) =>
    s[arg] !== undefined ? live[CHASSIS_KEYS[arg]] : undefined;
  const mappings = get("bridgeMappings");
  const inputs: ChassisInputs = {
    host: s.host,
    systemId: get("systemId"),
    ovnRemote: get("ovnRemote"),
    encapType: get("encapType"),
    encapIp: get("encapIp"),
    bridgeMappings: mappings === undefined ? undefined : parseBridgeMappings(mappings),
    bridgeDatapathType: get("bridgeDatapathType") as ChassisInputs["bridgeDatapathType"],
    externalIds: s.externalIds
      ? Object.fromEntries(Object.keys(s.externalIds).flatMap((k) => (k in live ? [[k, live[k]]] : [])))
      : undefined,
    adopt: s.adopt,
    owner: s.owner,
  };
  const clean = Object.fromEntries(
    Object.entries(inputs).filter(([, v]) => v !== undefined),
  ) as ChassisInputs;
  return { id, outs: { ...clean, uuid: id }, inputs: clean };
}

async function updateChassis(id: string, olds: ChassisState, news: ChassisInputs): Promise<ChassisState> {
  const c = await client(news);
  await apply(c, olds, news);
  return { ...news, uuid: id };
}

async function deleteChassis(id: string, s: ChassisState): Promise<void> {
  const c = await client(s);
  const rows = await selectRows(c, VSWITCH_DB, "Open_vSwitch", [eq("_uuid", id)], ["external_ids"]);
  const live = rows[0]?.external_ids as StringMap | undefined;
  if (!live || !holdsRow(live, s, CHASSIS_MARKER)) return; // gone, or not this instance's: leave it
  const keys = [...Object.keys(chassisKeys(s)), CHASSIS_OWNER_KEY, CHASSIS_INSTANCE_KEY].filter(
    (k) => k in live,
  );
  // Deleting by key needs no guard: keys other tools set are never touched.
  await c.transact(VSWITCH_DB, [
    mutate("Open_vSwitch", [eq("_uuid", id)], [["external_ids", "delete", keys]]),
  ]);
}

export const chassisKind: ResourceKind<ChassisInputs, ChassisState> = {
  label: "ovn.ChassisConfig",
  schema: chassisInputs as unknown as z.ZodType<ChassisInputs>,
  inputKeys: [
    "host",
    "systemId",
    "ovnRemote",
    "encapType",
    "encapIp",
    "bridgeMappings",
    "bridgeDatapathType",
    "externalIds",
  ],
  replaceOn: ["host"],
  validate,
  create,
  read,
  update: updateChassis,
  delete: deleteChassis,
  where: (i) => describeConnection(i.host as ChassisInputs["host"]),
};
