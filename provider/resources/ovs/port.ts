/**
 * ovs.Port: a Port row with its single Interface row, attached to a bridge. `ovs-vsctl add-port
 * BR NAME tag=… -- set interface NAME type=… options:…` as code.
 */
import { z } from "zod";
import {
  insert,
  mutate,
  update,
  wait,
  eq,
  includes,
  namedUuid,
  select,
  type Condition,
  type OvsdbClient,
  type Operation,
  type OperationResult,
  type Row,
} from "../../ovsdb";
import { changedColumns, insertedUuid } from "../../engine/rows";
import { getClient } from "../../pool";
import { ResourceError, type InputProblem } from "../../errors";
import { wire, type ResourceKind, type ReadResult, type Instance } from "../../framework";
import {
  claimExisting,
  connectionSchema,
  describeConnection,
  deviceName,
  holdsRow,
  ipAddress,
  managedView,
  markerChanges,
  ownedIds,
  mapMutations,
  ownerSchema,
  parentOf,
  planMap,
  refuseSuperseded,
  selectOne,
  selectRows,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import { mac, setOf } from "../values";
import { VSWITCH_DB } from "./bridge";

/** Tunnel interface types: they need `options.remote_ip`. */
const TUNNEL_TYPE_LIST = [
  "geneve",
  "gre",
  "vxlan",
  "lisp",
  "stt",
  "bareudp",
  "gtpu",
  "srv6",
  "erspan",
  "ip6erspan",
  "ip6gre",
] as const;
const TUNNEL_TYPES = new Set<string>(TUNNEL_TYPE_LIST);

/** Interface types OVS 3.1 knows (vswitch.xml). */
export const INTERFACE_TYPES = [
  "system",
  "internal",
  "tap",
  ...TUNNEL_TYPE_LIST,
  "patch",
  "dpdk",
  "dpdkvhostuser",
  "dpdkvhostuserclient",
  "afxdp",
  "afxdp-nonpmd",
] as const;

const vlan = z
  .number({ error: "expected an integer VLAN id 0..4095" })
  .int("expected an integer VLAN id 0..4095")
  .min(0, "VLAN id out of range; accepted: 0..4095")
  .max(4095, "VLAN id out of range; accepted: 0..4095");

export const interfaceInputs = z.object({
  type: z
    .enum(INTERFACE_TYPES, {
      error: (iss) =>
        `unknown interface type ${JSON.stringify(iss.input)}; accepted: ${INTERFACE_TYPES.join(", ")} (or "" for system)`,
    })
    .optional(),
  options: stringMap.optional(),
  externalIds: stringMap.optional(),
  otherConfig: stringMap.optional(),
  mtuRequest: z
    .number()
    .int()
    .min(68, "mtuRequest: accepted 68..65535")
    .max(65535, "mtuRequest: accepted 68..65535")
    .optional(),
  ofportRequest: z
    .number()
    .int()
    .min(1, "ofportRequest: accepted 1..65279")
    .max(65279, "ofportRequest: accepted 1..65279")
    .optional(),
  mac: mac("interface.mac").optional(),
});

export const portInputs = z.object({
  host: connectionSchema,
  bridge: deviceName("bridge"),
  name: deviceName("name"),
  tag: vlan.optional(),
  trunks: setOf(vlan, "trunks: accepted a list of VLAN ids 0..4095").optional(),
  vlanMode: z
    .enum(["trunk", "access", "native-tagged", "native-untagged", "dot1q-tunnel"], {
      error: 'vlanMode: accepted "trunk", "access", "native-tagged", "native-untagged", "dot1q-tunnel"',
    })
    .optional(),
  interface: interfaceInputs.optional(),
  externalIds: stringMap.optional(),
  otherConfig: stringMap.optional(),
  adopt: z.boolean().optional(),
  owner: ownerSchema,
});
export type PortInputs = z.infer<typeof portInputs> & Instance;
export type PortState = PortInputs & {
  uuid: string;
  interfaceUuid: string;
  ofport: number | null;
  interfaceError: string | null;
};

function validate(i: PortInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  const type = i.interface?.type ?? "";
  const opts = i.interface?.options ?? {};
  if (TUNNEL_TYPES.has(type)) {
    if (!opts.remote_ip) {
      problems.push({
        property: "interface.options.remote_ip",
        reason: `a ${type} interface needs options.remote_ip (an IP address or "flow")`,
      });
    } else if (opts.remote_ip !== "flow" && !ipAddress.safeParse(opts.remote_ip).success) {
      problems.push({
        property: "interface.options.remote_ip",
        reason: `${JSON.stringify(opts.remote_ip)} is not an IP address; accepted: IPv4, IPv6 or "flow"`,
      });
    }
    if (opts.local_ip && opts.local_ip !== "flow" && !ipAddress.safeParse(opts.local_ip).success) {
      problems.push({
        property: "interface.options.local_ip",
        reason: `${JSON.stringify(opts.local_ip)} is not an IP address`,
      });
    }
  }
  if (type === "patch" && !opts.peer) {
    problems.push({
      property: "interface.options.peer",
      reason: "a patch interface needs options.peer (the other patch port's name)",
    });
  }
  if (i.bridge === i.name) {
    problems.push({
      property: "name",
      reason: `the port named like its bridge (${i.name}) is the bridge's own internal port`,
    });
  }
  return problems;
}

function portColumns(i: PortInputs): Row {
  return { tag: i.tag ?? null, trunks: i.trunks ?? [], vlan_mode: i.vlanMode ?? null };
}

function interfaceColumns(i: PortInputs): Row {
  return {
    type: i.interface?.type ?? "",
    mtu_request: i.interface?.mtuRequest ?? null,
    ofport_request: i.interface?.ofportRequest ?? null,
    mac: i.interface?.mac ?? null,
  };
}

async function client(i: { host: PortInputs["host"] }): Promise<OvsdbClient> {
  return getClient(i.host, VSWITCH_DB);
}

/** How long create and update wait (server side) for ovs-vswitchd to give the interface an ofport. */
const OFPORT_WAIT_MS = 5000;

/**
 * One transaction that waits (server side, bounded) until ovs-vswitchd has given the interface
 * (`where`: by uuid, or by name when it is being written) an ofport, then reads it with its
 * error. Sent right behind the transaction that writes the interface, without waiting for that
 * reply (requests on one connection are served in order), the write and the read of the ofport
 * cost one round trip together.
 */
async function readOfport(
  c: OvsdbClient,
  where: Condition[],
): Promise<{ ofport: number | null; error: string | null }> {
  const read = select("Interface", where, ["ofport", "error"]);
  const waitAssigned = wait("Interface", where, ["ofport"], [{ ofport: null }], {
    until: "!=",
    timeout: OFPORT_WAIT_MS,
  });
  const row = await c
    .transact(VSWITCH_DB, [waitAssigned, read], { timeoutMs: OFPORT_WAIT_MS + 10_000 })
    .then((r) => r[1].rows?.[0])
    // no ovs-vswitchd attached, or it did not get to it in time: report what is there
    .catch(async () => (await c.transact(VSWITCH_DB, [read]))[0].rows?.[0]);
  return { ofport: (row?.ofport as number | null) ?? null, error: (row?.error as string | null) ?? null };
}

/**
 * Commit `ops` and read the interface's ofport, pipelined: one round trip for both. The ofport
 * read is dropped when the write fails.
 */
async function commitAndReadOfport(
  c: OvsdbClient,
  ops: Operation[],
  name: string,
): Promise<{ results: OperationResult[]; ofport: number | null; error: string | null }> {
  const write = c.transact(VSWITCH_DB, ops);
  const ofport = readOfport(c, [eq("name", name)]);
  ofport.catch(() => undefined); // awaited below only when the write succeeded
  const results = await write;
  return { results, ...(await ofport) };
}

async function create(i: PortInputs): Promise<{ id: string; outs: PortState }> {
  const c = await client(i);
  return withGuards(`port ${i.name}`, async () => {
    // One read for the bridge and a port of that name (round trip 1).
    const [b, p] = await c.transact(VSWITCH_DB, [
      select("Bridge", [eq("name", i.bridge)], ["_uuid", "name", "ports"]),
      select("Port", [eq("name", i.name)]),
    ]);
    const bridge = b.rows?.[0];
    if (!bridge) {
      throw new ResourceError(
        "PARENT_MISSING",
        `bridge ${i.bridge} does not exist on ${describeConnection(i.host)}; create it first (ovs.Bridge)`,
      );
    }
    const existing = p.rows?.[0];
    if (existing) {
      claimExisting({ what: `port ${i.name}`, row: existing, owner: i.owner, adopt: i.adopt ?? false });
      if (!(bridge.ports as string[]).includes(existing._uuid as string)) {
        throw new ResourceError(
          "NAME_TAKEN",
          `port ${i.name} exists on another bridge than ${i.bridge}; it cannot be adopted here`,
        );
      }
      const uuid = existing._uuid as string;
      const ifaceUuid = (existing.interfaces as string[])[0];
      await applyUpdate(c, uuid, undefined, i);
      const { ofport, error } = await readOfport(c, [eq("_uuid", ifaceUuid)]);
      return { id: uuid, outs: { ...i, uuid, interfaceUuid: ifaceUuid, ofport, interfaceError: error } };
    }
    const ops: Operation[] = [
      wait("Bridge", [eq("_uuid", bridge._uuid as string)], ["name"], [{ name: i.bridge }], {
        until: "==",
        timeout: 0,
      }),
      wait("Port", [eq("name", i.name)], ["name"], [], { until: "==", timeout: 0 }),
      wait("Interface", [eq("name", i.name)], ["name"], [], { until: "==", timeout: 0 }),
      insert(
        "Interface",
        {
          name: i.name,
          ...interfaceColumns(i),
          options: i.interface?.options ?? {},
          external_ids: i.interface?.externalIds ?? {},
          other_config: i.interface?.otherConfig ?? {},
        },
        { uuidName: "iface" },
      ),
      insert(
        "Port",
        {
          name: i.name,
          interfaces: [namedUuid("iface")],
          ...portColumns(i),
          external_ids: ownedIds(i.externalIds, i),
          other_config: i.otherConfig ?? {},
        },
        { uuidName: "port" },
      ),
      mutate("Bridge", [eq("_uuid", bridge._uuid as string)], [["ports", "insert", [namedUuid("port")]]]),
    ];
    // The write and the ofport read, pipelined (round trip 2).
    const { results, ofport, error } = await commitAndReadOfport(c, ops, i.name);
    const ifaceUuid = insertedUuid(ops, results, "iface");
    const uuid = insertedUuid(ops, results, "port");
    return { id: uuid, outs: { ...i, uuid, interfaceUuid: ifaceUuid, ofport, interfaceError: error } };
  });
}

async function applyUpdate(
  c: OvsdbClient,
  uuid: string,
  prev: PortInputs | undefined,
  i: PortInputs,
): Promise<void> {
  const port = await selectOne(c, VSWITCH_DB, "Port", "_uuid", uuid);
  if (!port)
    throw new ResourceError("PARENT_MISSING", `port ${i.name} (${uuid}) no longer exists; refresh the stack`);
  refuseSuperseded(`port ${i.name}`, port.external_ids as Record<string, string>, prev);
  const ifaceUuid = (port.interfaces as string[])[0];
  const iface = await selectOne(c, VSWITCH_DB, "Interface", "_uuid", ifaceUuid);
  if (!iface) throw new ResourceError("PARENT_MISSING", `interface of port ${i.name} no longer exists`);

  const portChanged = changedColumns(port, portColumns(i));
  const ifaceChanged = changedColumns(iface, interfaceColumns(i));
  const portIds = planMap(port.external_ids as Record<string, string>, prev?.externalIds, i.externalIds);
  Object.assign(portIds.set, markerChanges(port.external_ids as Record<string, string>, i));
  const portMut = [
    ...mapMutations("external_ids", portIds),
    ...mapMutations(
      "other_config",
      planMap(port.other_config as Record<string, string>, prev?.otherConfig, i.otherConfig),
    ),
  ];
  const ifaceMut = [
    ...mapMutations(
      "options",
      planMap(iface.options as Record<string, string>, prev?.interface?.options, i.interface?.options),
    ),
    ...mapMutations(
      "external_ids",
      planMap(
        iface.external_ids as Record<string, string>,
        prev?.interface?.externalIds,
        i.interface?.externalIds,
      ),
    ),
    ...mapMutations(
      "other_config",
      planMap(
        iface.other_config as Record<string, string>,
        prev?.interface?.otherConfig,
        i.interface?.otherConfig,
      ),
    ),
  ];
  const ops: Operation[] = [];
  const guard = (table: string, id: string, row: Row, cols: string[]) => {
    if (cols.length) {
      ops.push(
        wait(table, [eq("_uuid", id)], cols, [Object.fromEntries(cols.map((k) => [k, row[k]]))], {
          until: "==",
          timeout: 0,
        }),
      );
    }
  };
  guard("Port", uuid, port, Object.keys(portChanged));
  guard("Interface", ifaceUuid, iface, Object.keys(ifaceChanged));
  if (Object.keys(portChanged).length) ops.push(update("Port", [eq("_uuid", uuid)], portChanged));
  if (portMut.length) ops.push(mutate("Port", [eq("_uuid", uuid)], portMut));
  if (Object.keys(ifaceChanged).length) ops.push(update("Interface", [eq("_uuid", ifaceUuid)], ifaceChanged));
  if (ifaceMut.length) ops.push(mutate("Interface", [eq("_uuid", ifaceUuid)], ifaceMut));
  if (ops.some((o) => o.op !== "wait")) await c.transact(VSWITCH_DB, ops);
}

async function read(id: string, s: PortState): Promise<ReadResult<PortState> | undefined> {
  const c = await client(s);
  const port = await selectOne(c, VSWITCH_DB, "Port", "_uuid", id);
  if (!port || supersededRow(port.external_ids as Record<string, string>, s)) return undefined;
  const bridges = await selectRows(c, VSWITCH_DB, "Bridge", [includes("ports", [id])], ["name"]);
  const bridge = parentOf(bridges, s.bridge);
  if (bridge === undefined) return undefined; // its bridge is gone: so is the port
  const ifaceUuid = (port.interfaces as string[])[0];
  const iface = ifaceUuid ? await selectOne(c, VSWITCH_DB, "Interface", "_uuid", ifaceUuid) : undefined;
  const si = s.interface;
  const liveIface: PortInputs["interface"] = iface
    ? {
        type: ((iface.type as string) || undefined) as (typeof INTERFACE_TYPES)[number] | undefined,
        options: si?.options ? managedView(iface.options as Record<string, string>, si.options) : undefined,
        externalIds: si?.externalIds
          ? managedView(iface.external_ids as Record<string, string>, si.externalIds)
          : undefined,
        otherConfig: si?.otherConfig
          ? managedView(iface.other_config as Record<string, string>, si.otherConfig)
          : undefined,
        mtuRequest: (iface.mtu_request as number | null) ?? undefined,
        ofportRequest: (iface.ofport_request as number | null) ?? undefined,
        mac: (iface.mac as string | null) ?? undefined,
      }
    : undefined;
  const inputs: PortInputs = {
    host: s.host,
    bridge,
    name: port.name as string,
    tag: (port.tag as number | null) ?? undefined,
    trunks: (port.trunks as number[]).length
      ? [...(port.trunks as number[])].sort((a, b) => a - b)
      : undefined,
    vlanMode: ((port.vlan_mode as string | null) ?? undefined) as PortInputs["vlanMode"],
    interface: stripUndefined(liveIface),
    externalIds: s.externalIds
      ? managedView(port.external_ids as Record<string, string>, s.externalIds)
      : undefined,
    otherConfig: s.otherConfig
      ? managedView(port.other_config as Record<string, string>, s.otherConfig)
      : undefined,
    adopt: s.adopt,
    owner: s.owner,
  };
  const clean = stripUndefined(inputs) as PortInputs;
  return {
    id,
    outs: {
      ...clean,
      uuid: id,
      interfaceUuid: ifaceUuid,
      ofport: (iface?.ofport as number | null) ?? null,
      interfaceError: (iface?.error as string | null) ?? null,
    },
    inputs: clean,
  };
}

/** A copy without undefined members; undefined when nothing is left. */
function stripUndefined<T extends object | undefined>(o: T): T {
  const out = o && wire(o);
  return (out && Object.keys(out).length ? out : undefined) as T;
}

async function updatePort(id: string, olds: PortState, news: PortInputs): Promise<PortState> {
  const c = await client(news);
  await withGuards(`port ${news.name}`, () => applyUpdate(c, id, olds, news));
  const { ofport, error } = await readOfport(c, [eq("_uuid", olds.interfaceUuid)]);
  return { ...news, uuid: id, interfaceUuid: olds.interfaceUuid, ofport, interfaceError: error };
}

async function deletePort(id: string, s: PortState): Promise<void> {
  const c = await client(s);
  await withGuards(`port ${s.name}`, async () => {
    const port = await selectOne(c, VSWITCH_DB, "Port", "_uuid", id, ["name", "external_ids"]);
    // Gone, not ours, or a newer instance of this resource holds it (a replacement): leave it.
    if (!port || !holdsRow(port.external_ids as Record<string, string>, s)) return;
    const bridges = await selectRows(c, VSWITCH_DB, "Bridge", [includes("ports", [id])], ["name"]);
    // Removing the reference deletes the Port (and its Interface) rows: they are not root rows.
    await c.transact(VSWITCH_DB, [
      wait("Port", [eq("_uuid", id)], ["external_ids"], [{ external_ids: port.external_ids }], {
        until: "==",
        timeout: 0,
      }),
      ...bridges.map((b) => mutate("Bridge", [eq("_uuid", b._uuid as string)], [["ports", "delete", [id]]])),
    ]);
  });
}

export const portKind: ResourceKind<PortInputs, PortState> = {
  label: "ovs.Port",
  schema: portInputs as unknown as z.ZodType<PortInputs>,
  inputKeys: [
    "host",
    "bridge",
    "name",
    "tag",
    "trunks",
    "vlanMode",
    "interface",
    "externalIds",
    "otherConfig",
  ],
  replaceOn: ["host", "bridge", "name"],
  renamed: [{ from: "interface.macRequest", to: "interface.mac", column: "Interface.mac" }],
  validate,
  create,
  read,
  update: updatePort,
  delete: deletePort,
  where: (i) => describeConnection(i.host as PortInputs["host"]),
};
