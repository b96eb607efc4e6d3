/**
 * ovn.LogicalSwitchPort: a Logical_Switch_Port row referenced from its switch's `ports`
 * (`ovn-nbctl lsp-add SWITCH PORT [PARENT TAG] -- lsp-set-addresses … -- lsp-set-type …`).
 * Declared only: the lifecycle comes from `provider/engine`.
 *
 * Port names are unique in the schema (an index). The row is not a root row: delete removes the
 * reference from the switch and the server drops the row; a new `switch` moves the port. Before a
 * write, MACs and IPs another port of the switch holds are refused (ADDRESS_IN_USE). Outputs what
 * ovn-northd writes back: `dynamicAddresses` (a write waits a bounded time for it when the port asks
 * for a dynamic address on a switch with address management), `up` and `tag`.
 */
import { collectionKind, collectionOwnerOf, collectionSpec } from "../../engine/collection";
import { z } from "zod";
import { Address6 } from "ip-address";
import { eq, wait, type Operation, type Row, type Value } from "../../ovsdb";
import { ResourceError, type InputProblem } from "../../errors";
import type { Instance, Props } from "../../framework";
import type { Connection } from "../../pool";
import { mapArg, type ArgSpec, type OutputSpec, type TableSpec, type WriteContext } from "../../engine/spec";
import { planCreate, planMove as planChildMove, planUpdate, tableKind } from "../../engine/table";
import { selectRowsByUuid } from "../../engine/rows";
import { isIpv4, isIpv6, ownerOf } from "../common";
import { DYNAMIC_ADDRESS_TIMEOUT_MS, NB_DB, canonical, northbound, type StringMap } from "./common";
import { family, ovnName } from "./validation";
import { intIn, isMac, lspAddress, portSecurityEntry, setOf } from "../values";

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

/** The inputs of a port (as check gives them). */
export type LspInputs = Props &
  Instance & {
    nb: Connection;
    switch: string;
    name: string;
    addresses?: string[];
    owner: string;
    adopt?: boolean;
  };

export function validateLsp(i: Props): InputProblem[] {
  const problems: InputProblem[] = [];
  const addrs = (i.addresses as string[] | undefined) ?? [];
  const options = i.options as StringMap | undefined;
  if (addrs.filter((a) => a.trim().split(/\s+/).includes("dynamic")).length > 1) {
    problems.push({ property: "addresses", reason: 'only one entry may contain "dynamic"' });
  }
  if (addrs.some((a) => a.trim() === "router") && i.type !== "router") {
    problems.push({ property: "addresses", reason: '"router" is accepted only with type "router"' });
  }
  if (i.type === "router" && !options?.["router-port"]) {
    problems.push({
      property: "options.router-port",
      reason: 'a port of type "router" needs options["router-port"]: the logical router port it connects to',
    });
  }
  if (i.type === "localnet" && !options?.network_name) {
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

/** Whether the addresses ask ovn-northd for an address. */
export function wantsDynamic(addresses: string[] | undefined): boolean {
  return (addresses ?? []).some((a) => a.trim().split(/\s+/).includes("dynamic"));
}

/** Whether a switch's other_config enables address management (ovn-northd assigns nothing otherwise). */
export function hasIpam(otherConfig: StringMap | undefined): boolean {
  const o = otherConfig ?? {};
  return Boolean(o.subnet || o.ipv6_prefix || o.mac_only === "true");
}

/** The parts of `dynamic_addresses`. */
export interface DynamicAddresses {
  dynamicAddresses: string | null;
  dynamicMac: string | null;
  dynamicIpv4: string | null;
  dynamicIpv6: string | null;
}

/** `"0a:00:00:00:00:01 192.168.0.3 fd00::1"` split into its parts. Pure. */
export function parseDynamicAddresses(s: string | null | undefined): DynamicAddresses {
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

/**
 * The MAC and IP addresses named in address entries, MACs in lower case: an entry's leading MAC
 * (static, or requested with "MAC dynamic") and its IPs. Pure.
 */
export function addressesOf(entries: readonly string[] | undefined): string[] {
  const macs = (entries ?? []).map((e) => e.trim().split(/\s+/)[0]).filter(isMac);
  return [...macs.map((m) => m.toLowerCase()), ...ipsOf(entries)];
}

export interface AddressConflict {
  /** The MAC or IP address both ports have. */
  address: string;
  /** The other port holding the address. */
  port: string;
  /** Whether ovn-northd assigned it (`dynamic_addresses`) or the port names it statically. */
  assigned: boolean;
}

/**
 * The addresses (MACs and IPs) of port `name` that another port of the same switch already has:
 * statically, or assigned by ovn-northd (which assigns an address only while no port names it, so
 * a static address created after a dynamic port may already be taken). Pure.
 */
export function addressConflicts(
  name: string,
  addresses: readonly string[] | undefined,
  others: readonly Row[],
): AddressConflict[] {
  const wanted = new Set(addressesOf(addresses));
  if (wanted.size === 0) return [];
  const found: AddressConflict[] = [];
  for (const o of others) {
    if (o.name === name) continue;
    const listed = new Set(addressesOf(o.addresses as string[] | undefined));
    for (const address of listed) {
      if (wanted.has(address)) found.push({ address, port: o.name as string, assigned: false });
    }
    // ovn-northd copies a listed MAC ("MAC dynamic") into dynamic_addresses: that one is static.
    const dyn = o.dynamic_addresses as string | null | undefined;
    for (const address of addressesOf(dyn ? [dyn] : [])) {
      if (wanted.has(address) && !listed.has(address))
        found.push({ address, port: o.name as string, assigned: true });
    }
  }
  return found;
}

/**
 * Refuse a port whose addresses another port of the switch it is written to already has, before
 * anything is written; an update that neither moves the port nor changes its addresses is let
 * through. The other members of the port's own collection are left out: the collection's check
 * compares its members with each other (`sharedAddresses`), and its update writes them together,
 * so two members may swap addresses, or a renamed member keep its own, in one update.
 */
async function refuseTakenAddresses({ c, i, parent, live }: WriteContext): Promise<void> {
  const addresses = i.addresses as string[] | undefined;
  const ports = parent!.ports as string[];
  const moving = live !== undefined && !ports.includes(live._uuid as string);
  if (live && !moving && canonical(live.addresses) === canonical(addresses ?? [])) return;
  if (addressesOf(addresses).length === 0) return;
  const rows = await selectRowsByUuid(c, NB_DB, "Logical_Switch_Port", ports, [
    "name",
    "addresses",
    "dynamic_addresses",
    "external_ids",
  ]);
  const collection = collectionOwnerOf(i.owner as string);
  const others =
    collection === undefined
      ? rows
      : rows.filter((r) => {
          const o = ownerOf(r);
          return o === undefined || collectionOwnerOf(o) !== collection;
        });
  // An address the port already holds on this switch is its own, whoever took it up later.
  const own = new Set(live && !moving ? addressesOf(live.addresses as string[] | undefined) : []);
  const conflicts = addressConflicts(i.name as string, addresses, others).filter((x) => !own.has(x.address));
  if (conflicts.length === 0) return;
  const list = conflicts
    .map((x) => `${x.address} (${x.assigned ? "assigned by ovn-northd to" : "static on"} port ${x.port})`)
    .join(", ");
  const assigned = conflicts.filter((x) => x.assigned);
  const hint = assigned.some((x) => !isMac(x.address))
    ? "; list static addresses in the switch's excludeIps, or create static ports before dynamic ones (dependsOn)"
    : assigned.length
      ? "; create static ports before dynamic ones (dependsOn), or choose another MAC"
      : "";
  throw new ResourceError(
    "ADDRESS_IN_USE",
    `logical switch port ${String(i.name)}: addresses already in use on switch ${String(i.switch)}: ${list}${hint}`,
  );
}

/** Wait (server side, bounded) until ovn-northd has filled `dynamic_addresses`, when it will. */
async function awaitDynamic({ c, i, parent, uuid }: WriteContext & { uuid: string }): Promise<void> {
  if (!wantsDynamic(i.addresses as string[] | undefined)) return;
  if (!hasIpam(parent?.other_config as StringMap | undefined)) return;
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

/** The uuid of a DHCP_Options row (`ovn.DhcpOptions`' output `uuid`) a port's DHCPv`v` uses. */
function dhcpArg(v: 4 | 6): ArgSpec {
  const error = `dhcpv${v}Options: accepted the uuid of a DHCP_Options row (an ovn.DhcpOptions' uuid output)`;
  return {
    schema: z
      .string({ error })
      .regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, error)
      .transform((s) => s.toLowerCase())
      .optional(),
    type: "string",
    doc:
      `The DHCPv${v} answers OVN's native DHCP gives this port (\`Logical_Switch_Port.dhcpv${v}_options\`): the ` +
      `uuid of a DHCP_Options row with an IPv${v} cidr, e.g. \`opts.uuid\` of an \`ovn.DhcpOptions\`. OVN ` +
      `answers only when the port's address (in \`addresses\`) lies in that cidr. The row must exist when the ` +
      "port is written (the column holds a weak reference, which the database drops silently otherwise).",
    storage: { column: `dhcpv${v}_options` },
  };
}

/**
 * Refuse DHCP options that name no DHCP_Options row, or one of the other IP version, before
 * anything is written (the weak reference would be dropped without an error).
 */
async function requireDhcpOptions({ c, i }: WriteContext): Promise<void> {
  for (const v of [4, 6] as const) {
    const uuid = i[`dhcpv${v}Options`] as string | undefined;
    if (uuid === undefined) continue;
    const [row] = await selectRowsByUuid(c, NB_DB, "DHCP_Options", [uuid], ["cidr"]);
    if (!row) {
      throw new ResourceError(
        "PARENT_MISSING",
        `dhcpv${v}Options: no DHCP_Options row has uuid ${uuid}; create it first (ovn.DhcpOptions) and pass ` +
          "its uuid output so Pulumi orders the creation",
      );
    }
    if (family(row.cidr as string) !== v) {
      throw new ResourceError(
        "INVALID_INPUT",
        `dhcpv${v}Options: DHCP_Options ${uuid} serves ${String(row.cidr)}, not an IPv${v} network`,
      );
    }
  }
}

/** tag_request as the program would say it: 0 (let ovn-northd choose) is what an unset tagRequest means. */
function readTag(request: Value, program: unknown): number | undefined {
  if (typeof request !== "number") return undefined;
  return request === 0 && program === undefined ? undefined : request;
}

const runtime = "Runtime status, read at create, update and refresh: only as fresh as the last of them.";
/** An output taken from `dynamic_addresses`: the whole value or one of its parts. */
const dynamic = (key: keyof DynamicAddresses, doc: string): OutputSpec => ({
  type: "string | null",
  doc,
  from: (row) => parseDynamicAddresses(row.dynamic_addresses as string | null)[key],
});
const dynamicPart = (key: keyof DynamicAddresses, part: string) =>
  dynamic(key, `The ${part} of \`dynamicAddresses\` (as fresh as \`dynamicAddresses\`).`);

export const lspSpec: TableSpec = {
  type: "ovn:LogicalSwitchPort",
  doc: "A logical switch port: `ovn-nbctl lsp-add SWITCH NAME -- lsp-set-addresses NAME …`.",
  db: northbound,
  table: "Logical_Switch_Port",
  noun: "logical switch port",
  nameArg: "name",
  parent: {
    arg: "switch",
    table: "Logical_Switch",
    column: "ports",
    noun: "logical switch",
    sdk: "ovn.LogicalSwitch",
    movable: true,
  },
  args: {
    switch: {
      schema: ovnName("switch"),
      type: "string",
      doc:
        "Name of the logical switch (e.g. `sw0.name`) whose `ports` reference the port. Changing it moves " +
        "the port in place.",
    },
    name: {
      schema: ovnName("name"),
      type: "string",
      doc:
        "Port name (`Logical_Switch_Port.name`), unique across all switches. A container binds to it " +
        "through its OVS interface's `external_ids:iface-id`.",
      storage: { column: "name" },
      replace: true,
    },
    addresses: {
      schema: setOf(
        lspAddress("addresses"),
        'addresses: accepted a list like ["50:54:00:00:00:01 192.168.0.2"] or ["dynamic"]',
      ).optional(),
      type: "string[]",
      doc:
        '`Logical_Switch_Port.addresses`, each one of: `"MAC IP…"` (static, e.g. ' +
        '`"50:54:00:00:00:01 192.168.0.2"`), `"dynamic"` (ovn-northd assigns MAC and IP from the switch\'s ' +
        '`subnet`), `"MAC dynamic"`, `"dynamic IP"`, `"router"` (type router only) or `"unknown"`. A set: ' +
        "order and repeats do not matter. Written in canonical form: words separated by one space, MACs in " +
        'lower case, IPv6 compressed in lower case (`"0A:00:00:00:00:01  FD00::0001 "` is ' +
        '`"0a:00:00:00:00:01 fd00::1"`). Static MACs and IPs another port of the switch holds are ' +
        "refused (ADDRESS_IN_USE), checked when the addresses or the switch change (an address the port " +
        "already had there is its own); the members of one " +
        "`ovn.LogicalSwitchPorts` are compared with each other instead, so they may swap addresses in one update.",
      storage: { column: "addresses" },
    },
    portSecurity: {
      schema: setOf(
        portSecurityEntry("portSecurity"),
        'portSecurity: accepted a list like ["50:54:00:00:00:01 192.168.0.2"]',
      ).optional(),
      type: "string[]",
      doc:
        "`Logical_Switch_Port.port_security`: the MAC (and IPs or CIDRs) the port may send from, e.g. " +
        '`["50:54:00:00:00:01 192.168.0.2"]`. A set, canonical like `addresses`.',
      storage: { column: "port_security" },
    },
    type: {
      schema: z
        .enum(LSP_TYPES, {
          error: (iss) =>
            `unknown port type ${JSON.stringify(iss.input)}; accepted: "" (a VM or container interface), ` +
            LSP_TYPES.slice(1)
              .map((t) => `"${t}"`)
              .join(", "),
        })
        .optional(),
      type: "string",
      doc:
        'Port type (`Logical_Switch_Port.type`): `""` (a VM or container interface, default), `router` ' +
        '(needs `options["router-port"]`), `localnet` (needs `options.network_name`), `localport`, ' +
        "`l2gateway`, `vtep`, `external`, `virtual`, `remote`.",
      storage: { column: "type" },
      empty: "",
      implied: "",
    },
    options: mapArg("options", '`{ "router-port": "lrp0" }`'),
    parentName: {
      schema: ovnName("parentName").optional(),
      type: "string",
      doc:
        "For a container inside a VM: the VM's logical port (`Logical_Switch_Port.parent_name`, the `PARENT` " +
        "of `lsp-add SWITCH PORT PARENT TAG`).",
      storage: { column: "parent_name" },
      empty: null,
    },
    tagRequest: {
      schema: intIn("tagRequest", 0, 4095, " (a VLAN id; 0 lets ovn-northd choose)").optional(),
      type: "number",
      doc:
        "The VLAN tag a container port asks for (`Logical_Switch_Port.tag_request`, the `TAG` of `lsp-add " +
        "SWITCH PORT PARENT TAG`), 1..4095; 0 or unset lets ovn-northd choose. Needs `parentName`. The tag " +
        "in use is the output `tag`.",
      storage: { column: "tag_request" },
      // Written only for a container port: 0 (ovn-northd chooses) when it gives none.
      write: (i) => (i.parentName !== undefined ? ((i.tagRequest as number | undefined) ?? 0) : null),
      read: readTag,
    },
    enabled: {
      schema: z.boolean({ error: "enabled must be true or false" }).optional(),
      type: "boolean",
      doc:
        "Administrative state (`Logical_Switch_Port.enabled`); false drops the port's traffic. Default: " +
        "enabled.",
      storage: { column: "enabled" },
      empty: null,
    },
    dhcpv4Options: dhcpArg(4),
    dhcpv6Options: dhcpArg(6),
    externalIds: mapArg("external_ids"),
  },
  outputs: {
    dynamicAddresses: dynamic(
      "dynamicAddresses",
      'What ovn-northd assigned for a `"dynamic"` address (`Logical_Switch_Port.dynamic_addresses`), ' +
        `e.g. \`"0a:00:00:00:00:01 192.168.0.3"\` (create waits up to ${DYNAMIC_ADDRESS_TIMEOUT_MS / 1000} s ` +
        `for it); null when nothing was assigned.\n${runtime}`,
    ),
    dynamicMac: dynamicPart("dynamicMac", "MAC part"),
    dynamicIpv4: dynamicPart("dynamicIpv4", "IPv4 part"),
    dynamicIpv6: dynamicPart("dynamicIpv6", "IPv6 part"),
    up: {
      type: "boolean | null",
      doc:
        `True once a chassis has bound the port (\`Logical_Switch_Port.up\`).\n${runtime}\n` +
        "A port created in this `pulumi up` usually shows false: a chassis binds it only once the interface " +
        "that names it (`iface-id`) exists, after the create; `pulumi refresh` reads it again.",
      from: (row) => (row.up as boolean | null | undefined) ?? null,
    },
    tag: {
      type: "number | null",
      doc:
        "The VLAN tag of a container port (`Logical_Switch_Port.tag`): `tagRequest` if given, otherwise the " +
        `one ovn-northd chose; null for a port without \`parentName\`.\n${runtime}`,
      from: (row) => (row.tag as number | null | undefined) ?? null,
    },
  },
  validate: validateLsp,
  hooks: {
    beforeWrite: async (x) => {
      await refuseTakenAddresses(x);
      await requireDhcpOptions(x);
    },
    afterWrite: awaitDynamic,
  },
  renamed: [
    { from: "tag", to: "tagRequest", column: "Logical_Switch_Port.tag_request" },
    { from: "assignedTag", to: "tag", column: "Logical_Switch_Port.tag", output: true },
  ],
};

export const lspKind = tableKind(lspSpec);

/**
 * The guarded insert of a port on switch `switchUuid` (its name still `i.switch`, the port name
 * still free). `uuidName` names the new row in the transaction. Pure.
 */
export const planLspCreate = (switchUuid: string, i: LspInputs, uuidName = "lsp"): Operation[] =>
  planCreate(lspSpec, i, { _uuid: switchUuid }, {}, uuidName);

/** Operations bringing a live port row to the inputs (`prev`: previous inputs). Pure. */
export const planLspUpdate = (live: Row, prev: LspInputs | undefined, i: LspInputs): Operation[] =>
  planUpdate(lspSpec, live, prev, i);

/** Moving port `uuid` from the switches `from` to `to` (named `toName`), in one transaction. Pure. */
export const planMove = (uuid: string, from: Row[], to: Row, toName: string): Operation[] =>
  planChildMove(lspSpec, uuid, from, to, toName);

/**
 * Static MACs and IPs that two members of one collection both list (each member's check looks only
 * at the ports already in the database): the later member, by key order, is refused. Pure.
 */
function sharedAddresses(members: Record<string, Props>): { key: string; problem: InputProblem }[] {
  const holder = new Map<string, string>();
  const out: { key: string; problem: InputProblem }[] = [];
  for (const key of Object.keys(members).sort()) {
    for (const address of new Set(addressesOf(members[key].addresses as string[] | undefined))) {
      const first = holder.get(address);
      if (first === undefined) holder.set(address, key);
      else
        out.push({
          key,
          problem: {
            property: "addresses",
            reason: `${address} is also an address of port ${first} of this collection`,
          },
        });
    }
  }
  return out;
}

/** A switch's ports as one resource (see provider/engine/collection.ts). */
export const lspCollectionSpec = collectionSpec({
  type: "ovn:LogicalSwitchPorts",
  doc:
    "Many ports of one logical switch as one resource: `ovn-nbctl lsp-add SWITCH NAME -- lsp-set-addresses " +
    "NAME …` for each member, written in one transaction. Each member is a `Logical_Switch_Port` row with its " +
    "own owner marker and the guarantees of an `ovn.LogicalSwitchPort` (adopt per member, foreign ports left " +
    "alone, drift per member); use it for the tens or hundreds of ports of a switch, where one resource per " +
    "port would make Pulumi's state, rewritten after every resource step, large and slow.",
  of: lspSpec,
  arg: "ports",
  member: "LogicalSwitchPortMember",
  key: "port name",
  validateMembers: sharedAddresses,
  argDoc:
    "The ports, by port name (`Logical_Switch_Port.name`, unique across all switches): each takes the " +
    "arguments of `ovn.LogicalSwitchPort` but `nb`, `switch` and `name`, and `adopt`. A port added to the map " +
    "is created, one removed is deleted, one changed is updated in place; ports of the switch that are not in " +
    "the map are left alone.",
});
export const lspCollectionKind = collectionKind(lspCollectionSpec);
