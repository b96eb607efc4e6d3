/**
 * ovn.DhcpOptions: a DHCP_Options row of the northbound database (`ovn-nbctl dhcp-options-create
 * CIDR -- dhcp-options-set-options UUID KEY=VALUE…`), the answers of OVN's native DHCPv4 or DHCPv6
 * server for the logical switch ports that reference it (`ovn.LogicalSwitchPort` `dhcpv4Options` /
 * `dhcpv6Options`, with the output `uuid`). The row has no name: it is found by its owner marker.
 *
 * ovn-northd pastes the options into a logical flow action; ovn-controller drops a flow it cannot
 * parse, and with it the port's DHCP, without a word. So the option names and values are checked:
 * at preview against the options of OVN 23.03 (`BUILTIN`), or, with `sb`, before the write against
 * the options ovn-northd publishes in the southbound `DHCP_Options` / `DHCPv6_Options` tables.
 * Declared only: the lifecycle comes from `provider/engine`.
 */
import { eq, select, OvsdbError, type OvsdbClient, type Row } from "../../ovsdb";
import { getClient, type Connection } from "../../pool";
import { ResourceError, type InputProblem } from "../../errors";
import { codeOf, type Props } from "../../framework";
import {
  MANAGED_KEYS_DOC,
  connectionArg,
  mapArg,
  type TableSpec,
  type WriteContext,
} from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { managedBy, refuseWhileUsed, type RowUser } from "../../engine/users";
import { isIpv4, isIpv6, ownerOf } from "../common";
import { NB_DB, SB_DB, describeSb, northbound, type StringMap } from "./common";
import { canonMac, canonPrefix, familyOf, valueKind, type Canonical } from "../values";

/** Option name → value type (the southbound tables' `type`), by DHCP version. */
export type OptionTypes = Record<string, string>;

/**
 * The options ovn-northd 23.03 publishes (southbound `DHCP_Options` / `DHCPv6_Options`, name →
 * type), as read from a running northd, but `offerip` / `ia_addr`, which northd fills in itself.
 */
export const BUILTIN: { 4: OptionTypes; 6: OptionTypes } = {
  4: {
    T1: "uint32",
    T2: "uint32",
    arp_cache_timeout: "uint32",
    bootfile_name: "str",
    bootfile_name_alt: "str",
    broadcast_address: "ipv4",
    classless_static_route: "static_routes",
    default_ttl: "uint8",
    dns_server: "ipv4",
    domain_name: "str",
    domain_search_list: "domains",
    ethernet_encap: "bool",
    hostname: "str",
    ip_forward_enable: "bool",
    lease_time: "uint32",
    log_server: "ipv4",
    lpr_server: "ipv4",
    ms_classless_static_route: "static_routes",
    mtu: "uint16",
    netbios_name_server: "ipv4",
    netbios_node_type: "uint8",
    netmask: "ipv4",
    next_server: "ipv4",
    nis_server: "ipv4",
    ntp_server: "ipv4",
    path_prefix: "str",
    policy_filter: "ipv4",
    router: "ipv4",
    router_discovery: "bool",
    router_solicitation: "ipv4",
    server_id: "ipv4",
    swap_server: "ipv4",
    tcp_keepalive_interval: "uint32",
    tcp_ttl: "uint8",
    tftp_server: "host_id",
    tftp_server_address: "ipv4",
    wpad: "str",
  },
  6: { dns_server: "ipv6", domain_search: "str", server_id: "mac" },
};

/** Keys ovn-northd reads itself and does not publish (ovn-nb(5)), by DHCP version. */
const OWN_KEYS: { 4: OptionTypes; 6: OptionTypes } = {
  4: { server_mac: "mac" },
  6: { dhcpv6_stateless: "flag" },
};

/** Keys ovn-northd fills in from the port's address, by DHCP version. */
const FILLED = { 4: "offerip", 6: "ia_addr" } as const;

/** Keys ovn-northd needs before it answers (ovn-nb(5) "Mandatory options"), by DHCP version. */
export const REQUIRED = { 4: ["server_id", "server_mac", "lease_time"], 6: ["server_id"] } as const;

const QUOTED = /^"(?:[^"\\]|\\.)*"$/;
/** One value or `{v1, v2}` whose elements all pass `one`. */
const listOf = (one: (v: string) => boolean) => (v: string) => {
  const m = /^\{(.*)\}$/.exec(v.trim());
  const items = m ? m[1].split(",").map((x) => x.trim()) : [v];
  return items.length > 0 && items.every(one);
};
const uint = (max: number) => (v: string) => /^\d+$/.test(v) && Number(v) <= max;

/** What a value of each southbound option type looks like (ovn-nb(5)); unknown types are not checked. */
const TYPES: Record<string, { ok: (v: string) => boolean; form: string }> = {
  ipv4: { ok: listOf(isIpv4), form: "an IPv4 address or a list {A, B}, e.g. 10.0.0.1" },
  ipv6: { ok: listOf(isIpv6), form: "an IPv6 address or a list {A, B}, e.g. fd00::1" },
  mac: { ok: (v) => "value" in canonMac(v), form: "a MAC address, e.g. 0a:00:00:00:00:01" },
  bool: { ok: (v) => v === "0" || v === "1", form: '"0" or "1"' },
  flag: { ok: (v) => v === "true" || v === "false", form: '"true" or "false"' },
  uint8: { ok: uint(255), form: "an integer 0..255" },
  uint16: { ok: uint(65535), form: "an integer 0..65535" },
  uint32: { ok: uint(4294967295), form: "an integer 0..4294967295" },
  str: { ok: (v) => QUOTED.test(v), form: 'a string in double quotes, e.g. "\\"example.org\\""' },
  domains: {
    ok: (v) => QUOTED.test(v),
    form: 'comma-separated domains in double quotes, e.g. "\\"a.org,b.org\\""',
  },
  host_id: {
    ok: (v) => isIpv4(v) || QUOTED.test(v),
    form: 'an IPv4 address or a name in double quotes, e.g. "\\"tftp.example.org\\""',
  },
  static_routes: {
    ok: (v) => /^\{.*\}$/.test(v.trim()),
    form: "a list {CIDR,ROUTER, …}, e.g. {30.0.0.0/24,10.0.0.10, 0.0.0.0/0,10.0.0.1}",
  },
};

/** The DHCP version a cidr serves: 4 or 6 (undefined for a malformed one). */
const versionOf = (cidr: unknown): 4 | 6 | undefined =>
  typeof cidr === "string" ? familyOf(cidr) : undefined;

/** The problem of mandatory DHCPv`version` keys left out of `options`, if any. Pure. */
export function missingRequired(version: 4 | 6, options: StringMap): InputProblem[] {
  const missing = REQUIRED[version].filter((k) => options[k] === undefined);
  if (!missing.length) return [];
  const all = REQUIRED[version].join(", ");
  return [
    {
      property: "options",
      reason: `DHCPv${version} needs ${missing.join(", ")} (ovn-northd answers no DHCP without ${all})`,
    },
  ];
}

/**
 * Problems of `options` for DHCPv`version` given the options ovn-northd supports (`published`:
 * name → type): unsupported keys (listing the accepted ones) and values of the wrong form. Pure.
 */
export function optionProblems(version: 4 | 6, options: StringMap, published: OptionTypes): InputProblem[] {
  const supported: OptionTypes = { ...published, ...OWN_KEYS[version] };
  delete supported[FILLED[version]];
  const problems: InputProblem[] = [];
  for (const [k, v] of Object.entries(options)) {
    const type = supported[k];
    if (type === undefined) {
      const why =
        k === FILLED[version] ? "ovn-northd sets it from the port's address" : "OVN does not support it";
      problems.push({
        property: `options.${k}`,
        reason:
          `${JSON.stringify(k)} is not a DHCPv${version} option (${why}); accepted: ` +
          Object.keys(supported).sort().join(", "),
      });
    } else if (TYPES[type] && !TYPES[type].ok(v)) {
      problems.push({
        property: `options.${k}`,
        reason: `accepted ${TYPES[type].form}, not ${JSON.stringify(v)}`,
      });
    }
  }
  return problems;
}

/** At preview: the mandatory keys, and without `sb` the names and values against OVN 23.03's options. */
function validate(i: Props): InputProblem[] {
  const version = versionOf(i.cidr);
  if (!version) return [];
  const options = (i.options as StringMap | undefined) ?? {};
  const named = i.sb === undefined ? optionProblems(version, options, BUILTIN[version]) : [];
  return [...named, ...missingRequired(version, options)];
}

/**
 * With `sb`, before anything is written: the option names and values against what ovn-northd
 * publishes in the southbound database.
 */
async function checkPublished({ i }: WriteContext): Promise<void> {
  if (i.sb === undefined) return;
  const version = versionOf(i.cidr)!;
  const table = version === 4 ? "DHCP_Options" : "DHCPv6_Options";
  let r;
  try {
    const sb = await getClient(i.sb as Connection, SB_DB);
    [r] = await sb.transact(SB_DB, [select(table, [], ["name", "type"])]);
  } catch (e) {
    // Blamed on `sb`, not on the northbound database the resource lives in.
    if (!(e instanceof OvsdbError) || codeOf(e) !== "UNREACHABLE") throw e;
    throw new ResourceError(
      "UNREACHABLE",
      `sb: the ${describeSb(i.sb as Connection)} cannot be reached (${e.message}); nothing was written`,
      { cause: e },
    );
  }
  const rows = r.rows ?? [];
  if (rows.length === 0) {
    throw new ResourceError(
      "PARENT_MISSING",
      `sb: the southbound ${table} table is empty: ovn-northd has not run against this southbound database`,
    );
  }
  const published = Object.fromEntries(rows.map((row) => [row.name as string, row.type as string]));
  const problems = optionProblems(version, (i.options as StringMap | undefined) ?? {}, published);
  if (problems.length) {
    throw new ResourceError(
      "INVALID_INPUT",
      problems.map((p) => `${p.property}: ${p.reason}`).join("; ") + ` (as ovn-northd publishes in ${table})`,
    );
  }
}

/** The columns through which a logical switch port references DHCP options (weak references). */
const PORT_COLUMNS = ["dhcpv4_options", "dhcpv6_options"] as const;

/** The logical switch ports that reference the DHCP_Options row `self`, and through which column. */
async function portUsers(c: OvsdbClient, self: string): Promise<(RowUser & { column: string })[]> {
  const results = await c.transact(
    NB_DB,
    PORT_COLUMNS.map((col) =>
      select("Logical_Switch_Port", [eq(col, self)], ["_uuid", "name", "external_ids"]),
    ),
  );
  return PORT_COLUMNS.flatMap((column, k) =>
    ((results[k].rows ?? []) as Row[]).map((row) => ({
      table: "Logical_Switch_Port",
      where: [eq("_uuid", row._uuid as string), eq(column, self)],
      owner: ownerOf(row),
      text: `${String(row.name)} (${column}, ${managedBy(row)})`,
      column,
    })),
  ).sort((a, b) => a.text.localeCompare(b.text));
}

/** The ports of `portUsers`, for messages: name (column, owner). */
const usersText = (users: RowUser[]): string => users.map((u) => u.text).join(", ");

/**
 * The delete of DHCP options that a port still references would silently empty that port's
 * `dhcpv4_options` / `dhcpv6_options` (a weak reference) and with it the port's DHCP: refused
 * (STILL_REFERENCED) naming the ports. Ports of the same stack are first waited for a few seconds
 * (deleted or changed in the same run, when their reference is not the `uuid` output).
 */
const refuseWhileReferenced = refuseWhileUsed(
  NB_DB,
  (c, live) => portUsers(c, live._uuid as string),
  (live, users) =>
    new ResourceError(
      "STILL_REFERENCED",
      `DHCP options ${String(live.cidr)} (${String(live._uuid)}) are still referenced by logical switch ` +
        `${users.length === 1 ? "port" : "ports"} ${usersText(users)}. Deleting them would silently empty that reference ` +
        "and stop OVN's DHCP answers to those ports: change or delete the ports first. A port's " +
        "dhcpv4Options / dhcpv6Options given as the uuid output lets Pulumi change or delete the port first",
    ),
);

/**
 * A cidr of the other IP family, while ports reference the row through the column of the old
 * family: those ports would hold DHCPv6 options in `dhcpv4_options` (or the reverse) and get no
 * DHCP, without an error. Refused (STILL_REFERENCED) naming the ports; a replacement instead would
 * have to delete the row the ports still use. Without such ports the row changes in place.
 */
async function refuseFamilyChange({ c, i, live }: WriteContext): Promise<void> {
  const was = versionOf(live?.cidr);
  const now = versionOf(i.cidr);
  if (!live || was === undefined || was === now) return;
  const users = (await portUsers(c, live._uuid as string)).filter((u) => u.column === `dhcpv${was}_options`);
  if (!users.length) return;
  throw new ResourceError(
    "STILL_REFERENCED",
    `cidr: ${String(i.cidr)} is an IPv${now} network, but logical switch ${users.length === 1 ? "port" : "ports"} ` +
      `${usersText(users)} use these options for DHCPv${was}. Changing the family would leave ` +
      `DHCPv${now} options in their dhcpv${was}_options and stop their DHCP: remove the ports' ` +
      `dhcpv${was}Options first (or give the new network its own ovn.DhcpOptions)`,
  );
}

async function beforeWrite(x: WriteContext): Promise<void> {
  await refuseFamilyChange(x);
  await checkPublished(x);
}

/** A DHCP cidr: an IPv4 or IPv6 network with host bits zero, with its prefix length. */
function canonCidr(s: string): Canonical {
  const form = "a network with its prefix length, e.g. 192.168.0.0/24 or fd00::/64";
  if (!s.includes("/")) return { problem: `${JSON.stringify(s)} has no prefix length; accepted: ${form}` };
  const c = canonPrefix(s);
  if ("problem" in c) return c;
  return { value: c.value.includes("/") ? c.value : `${c.value}/${s.split("/")[1].trim()}` };
}

export const dhcpOptionsSpec: TableSpec = {
  type: "ovn:DhcpOptions",
  doc:
    "Answers of OVN's native DHCP server (DHCPv4, or DHCPv6 for an IPv6 `cidr`) for the logical switch " +
    "ports that reference it through `dhcpv4Options` / `dhcpv6Options` (its output `uuid`): " +
    "`ovn-nbctl dhcp-options-create CIDR` and `dhcp-options-set-options`. The row has no name: it is " +
    "found by its owner marker, so rows others made for the same cidr are left alone. A delete while a " +
    "port still references the row (its weak reference would be emptied silently) is refused naming the ports, and so is a change of " +
    "`cidr` to the other IP family while a port uses the row for the old one.",
  db: northbound,
  table: "DHCP_Options",
  noun: "DHCP options",
  markerIdentity: { adoptBy: ["cidr"] },
  describe: (i: Props) => `DHCP options ${String(i.cidr)}`,
  args: {
    cidr: {
      schema: valueKind("cidr", canonCidr),
      type: "string",
      doc:
        "The network served (`DHCP_Options.cidr`), e.g. `192.168.0.0/24` (DHCPv4) or `fd00::/64` (DHCPv6): " +
        "OVN answers a port only when its address lies in it. Host bits zero. With `adopt`, the row no " +
        "stack manages with this cidr is taken over.",
      storage: { column: "cidr" },
    },
    options: {
      ...mapArg("options"),
      doc:
        "DHCP options (`DHCP_Options.options`), values as ovn-nbctl takes them. DHCPv4 needs `server_id` " +
        "(the server's IP), `server_mac` and `lease_time` (seconds); e.g. `router`, `dns_server` (`{A, B}` " +
        "for several), `mtu`, `domain_name` (strings in double quotes: `'\"example.org\"'`). DHCPv6 needs " +
        "`server_id` (a MAC); e.g. `dns_server`, `dhcpv6_stateless`. Names and values are checked at preview " +
        "against OVN 23.03's options, or with `sb` before the write against the options ovn-northd " +
        "publishes in the southbound database; an unsupported one fails naming it and writes nothing. " +
        MANAGED_KEYS_DOC,
    },
    sb: {
      ...connectionArg(
        'The southbound database (e.g. `{ remote: "unix:/run/ovn/ovnsb_db.sock" }`): when set, the option ' +
          "names and values are checked before the write against the southbound `DHCP_Options` / " +
          "`DHCPv6_Options` tables (the options this ovn-northd supports) instead of OVN 23.03's list.",
        true,
      ),
      secret: true,
    },
    externalIds: mapArg("external_ids"),
  },
  validate,
  hooks: { beforeWrite, beforeDelete: refuseWhileReferenced },
  sdk: { imports: { "../common": ["Connection"] } },
};

export const dhcpOptionsKind = tableKind(dhcpOptionsSpec);
