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
import { mutate, eq, type OvsdbClient, type Operation } from "../../ovsdb";
import type { InputProblem } from "../../errors";
import type { Instance, Props } from "../../framework";
import { claimExisting, parentOf, holdsRow, selectOne, stringMap, type Holder } from "../common";
import { MANAGED_KEYS_DOC, mapArg, type TableSpec } from "../../engine/spec";
import { managedKeys } from "../../engine/rows";
import { tableKind } from "../../engine/table";
import { NB_DB, inProgramOrder, northbound, parentsOf, requireParent, type StringMap } from "./common";
import { routerArg } from "./nat";
import { planLspCreate, planLspUpdate, planMove, type LspInputs } from "./logical-switch-port";
import { ovnName } from "./validation";
import { asSet, interfaceCidr, lspAddress, mac, setOf } from "../values";
import { chassisFields, chassisList, priority, type ChassisPriority } from "./chassis-priorities";

export { priority };

/** How a gateway chassis entry reads: `{ chassis, priority }`. */
export type GatewayChassis = ChassisPriority;

export type LrpInputs = Props &
  Instance & {
    owner: string;
    adopt?: boolean;
    router: string;
    name: string;
    switch?: string;
    switchPortName?: string;
    switchPortAddresses?: string[];
    switchPortOptions?: StringMap;
    gatewayChassis?: GatewayChassis[];
    haChassisGroup?: string;
  };
/** The arguments of the switch-side port, which need `switch`. */
const SWITCH_ONLY = ["switchPortName", "switchPortAddresses", "switchPortOptions"] as const;

function validate(p: Props): InputProblem[] {
  const i = p as LrpInputs;
  const problems: InputProblem[] = [];
  const switchOnly = SWITCH_ONLY.find((k) => i[k] !== undefined);
  if (!i.switch && switchOnly) {
    problems.push({ property: switchOnly, reason: "applies only when joining a switch: set switch too" });
  }
  if (i.switchPortOptions?.["router-port"] !== undefined) {
    problems.push({
      property: 'switchPortOptions["router-port"]',
      reason: "is set by this resource (the router port's name): leave it out",
    });
  }
  if (i.gatewayChassis !== undefined && i.haChassisGroup !== undefined) {
    problems.push({
      property: "haChassisGroup",
      reason:
        "a gateway port takes its chassis from gatewayChassis or from an HA chassis group (OVN uses one " +
        "or the other): set one of them",
    });
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
    nb: i.nb as LspInputs["nb"],
    switch: i.switch as string,
    name: attachmentName(i),
    type: "router",
    addresses: i.switchPortAddresses ?? ["router"],
    options: { ...i.switchPortOptions, "router-port": i.name },
    owner: i.owner,
    instance: i.instance,
  };
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

/**
 * The switch-side port as refresh sees it: `switch` (unset when the port is gone, e.g. with a switch
 * deleted by hand: the next up joins the router port again), its addresses, and its uuid.
 */
async function readAttachment(c: OvsdbClient, s: LrpInputs): Promise<{ inputs: Props; outputs: Props }> {
  const none = {
    inputs: { switch: undefined, switchPortAddresses: undefined, switchPortOptions: undefined },
    outputs: { switchPortUuid: null },
  };
  if (!s.switch) return none;
  const att = await selectOne(c, NB_DB, "Logical_Switch_Port", "name", attachmentName(s));
  if (!att || att.type !== "router" || (att.options as StringMap)["router-port"] !== s.name) return none;
  const parents = await parentsOf(c, "Logical_Switch", "ports", att._uuid as string);
  const addrs = inProgramOrder(att.addresses as string[], s.switchPortAddresses ?? ["router"]);
  return {
    inputs: {
      switch: parentOf(parents, s.switch),
      switchPortAddresses:
        s.switchPortAddresses === undefined && addrs?.join() === "router" ? undefined : addrs,
      switchPortOptions: managedKeys(att.options, s.switchPortOptions),
    },
    outputs: { switchPortUuid: att._uuid as string },
  };
}

export const lrpSpec: TableSpec = {
  type: "ovn:LogicalRouterPort",
  doc:
    "A logical router port: `ovn-nbctl lrp-add ROUTER NAME MAC NETWORK…`, optionally joined to a logical " +
    "switch in the same step (`switch`), with its gateway chassis (`lrp-set-gateway-chassis`).",
  db: northbound,
  table: "Logical_Router_Port",
  noun: "logical router port",
  nameArg: "name",
  parent: {
    arg: "router",
    table: "Logical_Router",
    column: "ports",
    noun: "logical router",
    sdk: "ovn.LogicalRouter",
  },
  attempts: 20, // ports created in parallel on one router all guard its `ports` column
  args: {
    router: routerArg,
    name: {
      schema: ovnName("name"),
      type: "string",
      doc: "Port name (`Logical_Router_Port.name`), unique across all routers.",
      storage: { column: "name" },
      replace: true,
    },
    mac: {
      schema: mac("mac"),
      type: "string",
      doc: "The port's MAC address (`Logical_Router_Port.mac`), e.g. `00:00:00:00:ff:01`; written in lower case.",
      storage: { column: "mac" },
    },
    networks: {
      schema: z
        .array(interfaceCidr("networks"), {
          error: 'networks: accepted a list of addresses with prefix length, e.g. ["192.168.0.1/24"]',
        })
        .min(1, 'networks: at least one address with prefix length, e.g. ["192.168.0.1/24"]')
        .transform(asSet),
      type: "string[]",
      doc:
        "The port's addresses with prefix length (`Logical_Router_Port.networks`; at least one), e.g. " +
        '`["192.168.0.1/24"]`. A set; IPv6 written compressed, lower case.',
      storage: { column: "networks" },
    },
    peer: {
      schema: ovnName("peer").optional(),
      type: "string",
      doc: "For a router-to-router link: the other router's port name (`Logical_Router_Port.peer`). Not with `switch`.",
      storage: { column: "peer" },
    },
    gatewayChassis: {
      schema: chassisList("gatewayChassis").optional(),
      type: "(string | GatewayChassisArgs)[]",
      outputType: "GatewayChassisArgs[]",
      doc:
        "Gateway chassis of a distributed gateway port (`lrp-set-gateway-chassis`; Gateway_Chassis rows " +
        "named `PORT-CHASSIS`): chassis names in priority order (first preferred), or `{ chassis, priority }` " +
        "objects. Compared as a set of `{ chassis, priority }`.",
      storage: {
        column: "gateway_chassis",
        rows: {
          table: "Gateway_Chassis",
          key: "chassis",
          marked: true,
          fixed: (i, m) => ({ name: `${String(i.name)}-${String(m.chassis)}` }),
          args: chassisFields("Gateway_Chassis"),
        },
      },
    },
    haChassisGroup: {
      schema: ovnName("haChassisGroup").optional(),
      type: "string",
      doc:
        "The HA chassis group hosting this distributed gateway port (`Logical_Router_Port.ha_chassis_group`), " +
        "by name, e.g. `group.name` of an `ovn.HaChassisGroup`: its highest-priority live chassis claims " +
        "the port. Instead of `gatewayChassis` (OVN uses one or the other). The group must exist when " +
        "the port is written (PARENT_MISSING otherwise); its name output orders the creation.",
      storage: { column: "ha_chassis_group" },
      ref: { table: "HA_Chassis_Group", noun: "HA chassis group", sdk: "ovn.HaChassisGroup" },
    },
    enabled: {
      schema: z.boolean({ error: "enabled must be true or false" }).optional(),
      type: "boolean",
      doc: "Administrative state (`Logical_Router_Port.enabled`). Default: enabled.",
      storage: { column: "enabled" },
    },
    options: mapArg("options"),
    externalIds: mapArg("external_ids"),
    switch: {
      schema: ovnName("switch").optional(),
      type: "string",
      doc:
        "Join this router port to a logical switch (e.g. `sw0.name`): the switch-side port of type `router` " +
        "with `options:router-port` is created (and removed) with this resource, in the same transaction: " +
        "what `ovn-nbctl lsp-add` / `lsp-set-type` / `lsp-set-addresses` / `lsp-set-options` do by hand, in " +
        "one argument.",
    },
    switchPortName: {
      schema: ovnName("switchPortName").optional(),
      type: "string",
      doc: "Name of the switch-side port. Default `NAME-attachment` (e.g. `lrp0-attachment`).",
    },
    switchPortOptions: {
      schema: stringMap.optional(),
      type: "Record<string, string>",
      doc:
        "More `options` of the switch-side port (with `switch`), merged with the `router-port` key this " +
        'resource sets (refused here), e.g. `{ "nat-addresses": "router" }` on the external switch of a ' +
        "gateway port, so the chassis that takes the gateway over announces the NAT addresses (gratuitous " +
        `ARP) after a failover. ${MANAGED_KEYS_DOC}`,
    },
    switchPortAddresses: {
      schema: setOf(
        lspAddress("switchPortAddresses"),
        'switchPortAddresses: accepted a list like ["router"] or ["00:00:00:00:ff:01 192.168.0.1"]',
      ).optional(),
      type: "string[]",
      doc:
        'Addresses of the switch-side port. Default `["router"]` (this router port\'s MAC and networks); or ' +
        "the router port's MAC alone, e.g. `[\"00:00:00:00:ff:01\"]`. A set, canonical like a switch port's " +
        "`addresses`.",
    },
  },
  outputs: {
    switchPortUuid: {
      doc: "The switch-side port's uuid when `switch` is set, otherwise null.",
      type: "string | null",
      from: () => null,
    },
  },
  validate,
  hooks: {
    alsoWrite: ({ c, i, prev }) => planAttachment(c, prev as LrpInputs | undefined, i as LrpInputs),
    alsoDelete: async (c, s) => {
      const i = s as LrpInputs;
      return i.switch ? removeAttachment(c, attachmentName(i), i) : [];
    },
    readAlso: (c, s) => readAttachment(c, s as LrpInputs),
  },
};

export const lrpKind = tableKind(lrpSpec);
