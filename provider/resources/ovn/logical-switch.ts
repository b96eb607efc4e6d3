/**
 * ovn.LogicalSwitch: a Logical_Switch row of the northbound database (`ovn-nbctl ls-add`), with
 * IP address management in other_config (`subnet`, `exclude_ips`, `ipv6_prefix`, `mac_only`).
 * Declared only: the lifecycle comes from `provider/engine`.
 *
 * Logical_Switch.name is not unique in the OVN schema. Creation is guarded: the insert runs in one
 * transaction with a `wait` that no row holds the name, so two stacks (or a stack and ovn-nbctl)
 * racing for one name cannot both succeed.
 */
import { z } from "zod";
import type { Operation, Row } from "../../ovsdb";
import type { InputProblem } from "../../errors";
import type { Instance, Props } from "../../framework";
import { mapArg, type TableSpec } from "../../engine/spec";
import { planCreate, planUpdate, rowPlan, tableKind } from "../../engine/table";
import { northbound, type StringMap } from "./common";
import { excludeIpProblem, ovnName } from "./validation";
import { ACL_IDENTITY } from "./match";
import { excludeEntry, ipv4Network, ipv6Prefix, setOf } from "../values";

export const switchSpec: TableSpec = {
  type: "ovn:LogicalSwitch",
  doc: "An OVN logical switch: `ovn-nbctl ls-add NAME -- set logical_switch NAME other_config:subnet=…`.",
  db: northbound,
  table: "Logical_Switch",
  noun: "logical switch",
  nameArg: "name",
  args: {
    name: {
      schema: ovnName("name"),
      type: "string",
      doc:
        "Switch name (`Logical_Switch.name`), unique in the northbound database (creation is guarded so " +
        "that no second switch of that name can appear). Renaming is done in place.",
      storage: { column: "name" },
    },
    subnet: {
      schema: ipv4Network("subnet").optional(),
      type: "string",
      doc:
        "IPv4 address management (`other_config:subnet`): the network, host bits zero, e.g. " +
        '`192.168.0.0/24`, from which ovn-northd assigns addresses to ports with `"dynamic"` addresses.',
      storage: { column: "other_config", key: "subnet" },
    },
    excludeIps: {
      schema: setOf(
        excludeEntry("excludeIps"),
        'excludeIps: accepted a list of IPv4 addresses or ranges, e.g. ["192.168.0.2", "192.168.0.10..192.168.0.20"]',
      ).optional(),
      type: "string[]",
      doc:
        "Addresses of `subnet` ovn-northd never assigns (`other_config:exclude_ips`): IPv4 addresses or " +
        'ranges, e.g. `["192.168.0.1", "192.168.0.100..192.168.0.199"]`. A set (stored space-separated, ' +
        "sorted); surrounding spaces are dropped.",
      storage: { column: "other_config", key: "exclude_ips" },
      encode: (v: string[]) => v.join(" "),
      decode: (s: string) => s.split(/\s+/).filter(Boolean),
    },
    ipv6Prefix: {
      schema: ipv6Prefix("ipv6Prefix").optional(),
      type: "string",
      doc:
        "IPv6 address management (`other_config:ipv6_prefix`): a /64 prefix as `fd00::` or `fd00::/64`, " +
        "stored as OVN does: `fd00::` (compressed, lower case); dynamic ports get an EUI-64 address in it.",
      storage: { column: "other_config", key: "ipv6_prefix" },
    },
    macOnly: {
      schema: z.boolean({ error: "macOnly must be true or false" }).optional(),
      type: "boolean",
      doc: "Assign only MAC addresses to dynamic ports (`other_config:mac_only`). Default: false.",
      storage: { column: "other_config", key: "mac_only" },
      encode: (v: boolean) => String(v),
      decode: (s: string) => s === "true",
    },
    otherConfig: mapArg("other_config", "`mcast_snoop`"),
    externalIds: mapArg("external_ids"),
  },
  validate(i): InputProblem[] {
    const problems: InputProblem[] = [];
    const excludeIps = i.excludeIps as string[] | undefined;
    (excludeIps ?? []).forEach((e, n) => {
      const p = excludeIpProblem(e, i.subnet as string | undefined);
      if (p) problems.push({ property: `excludeIps[${n}]`, reason: p });
    });
    if (excludeIps?.length && !i.subnet) {
      problems.push({
        property: "excludeIps",
        reason: "excludeIps only applies with subnet (IPv4 address management); set subnet too",
      });
    }
    return problems;
  },
  children: [
    { column: "ports", table: "Logical_Switch_Port", noun: "port" },
    { column: "acls", table: "ACL", noun: "ACL", describedBy: ACL_IDENTITY },
    { column: "qos_rules", table: "QoS", noun: "QoS rule", describedBy: ACL_IDENTITY },
    // Weak references to rows of their own (ls-lb-add, a DNS row): not deleted with the switch,
    // but dropped from it silently, so others' rows there refuse the delete like others' ports.
    { column: "load_balancer", table: "Load_Balancer", noun: "load balancer" },
    { column: "dns_records", table: "DNS", noun: "DNS records", describedBy: ["records"] },
  ],
};

export const switchKind = tableKind(switchSpec);

type SwitchInputs = Props & Instance & { owner: string };

/** The guarded insert of a new switch. Pure. */
export const planSwitchCreate = (i: SwitchInputs): Operation[] => planCreate(switchSpec, i);

/** Operations bringing a live switch row to the inputs (`prev`: the previous inputs). Pure. */
export const planSwitchUpdate = (live: Row, prev: SwitchInputs | undefined, i: SwitchInputs): Operation[] =>
  planUpdate(switchSpec, live, prev, i);

/** The other_config keys the inputs set (IPAM arguments merged into otherConfig). Pure. */
export function switchOtherConfig(i: Props | undefined): StringMap | undefined {
  const m = rowPlan(switchSpec, undefined, { owner: "", ...i }).maps?.other_config?.desired;
  return m && Object.keys(m).length ? m : undefined;
}
