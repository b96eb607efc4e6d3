/**
 * ovn.LogicalRouterNat: a NAT row referenced from its router's `nat` (`ovn-nbctl lr-nat-add ROUTER
 * TYPE EXTERNAL_IP LOGICAL_IP [LOGICAL_PORT EXTERNAL_MAC]`): SNAT of a tenant subnet to an external
 * address, DNAT of an external address to a logical one, or both (a floating IP). A rule is
 * identified on its router by type, external IP and logical IP: changing one of them replaces it.
 */
import { z } from "zod";
import type { Instance } from "../../framework";
import { eq, type Row } from "../../ovsdb";
import { ResourceError, type InputProblem } from "../../errors";
import { selectRows, stringMap } from "../common";
import { NB_DB, managedKeys, nbBase, selectByUuids, type StringMap } from "./common";
import { makeChildKind } from "./router-child";
import { family, ovnName } from "./validation";
import { ip, mac, portRange, prefix } from "../values";

export const NAT_TYPES = ["snat", "dnat", "dnat_and_snat"] as const;

export const natInputs = z.object({
  ...nbBase,
  router: ovnName("router"),
  type: z.enum(NAT_TYPES, {
    error: 'type: accepted "snat" (inside → out), "dnat" (outside → in) or "dnat_and_snat" (a floating IP)',
  }),
  externalIp: ip("externalIp"),
  /** An address, or for snat a network (`ovn-nbctl lr-nat-add` form: `/32` is the bare address). */
  logicalIp: prefix("logicalIp"),
  logicalPort: ovnName("logicalPort").optional(),
  externalMac: mac("externalMac").optional(),
  externalPortRange: portRange("externalPortRange").optional(),
  gatewayPort: ovnName("gatewayPort").optional(),
  options: stringMap.optional(),
  externalIds: stringMap.optional(),
});
export type NatInputs = z.infer<typeof natInputs> & Instance;
export type NatState = NatInputs & { uuid: string };

function validate(i: NatInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  if (i.logicalIp.includes("/") && i.type !== "snat") {
    problems.push({
      property: "logicalIp",
      reason: `a network is accepted only for snat; ${i.type} needs one address`,
    });
  }
  if (family(i.logicalIp) !== family(i.externalIp)) {
    problems.push({
      property: "logicalIp",
      reason: "logicalIp and externalIp must be of the same address family",
    });
  }
  if (i.externalMac !== undefined && (i.type !== "dnat_and_snat" || i.logicalPort === undefined)) {
    problems.push({
      property: "externalMac",
      reason: 'externalMac applies to a distributed floating IP: type "dnat_and_snat" with logicalPort',
    });
  }
  if (i.logicalPort !== undefined && i.type !== "dnat_and_snat") {
    problems.push({ property: "logicalPort", reason: 'logicalPort applies only to type "dnat_and_snat"' });
  }
  return problems;
}

/** The rule's columns (gateway port resolved to its uuid). Pure. */
export function natColumns(i: NatInputs, gatewayPortUuid: string | null): Row {
  return {
    type: i.type,
    external_ip: i.externalIp,
    logical_ip: i.logicalIp,
    logical_port: i.logicalPort ?? null,
    external_mac: i.externalMac?.toLowerCase() ?? null,
    external_port_range: i.externalPortRange ?? "",
    gateway_port: gatewayPortUuid,
  };
}

/** Whether a live NAT row is the one the inputs identify. Pure. */
export function natMatches(row: Row, i: NatInputs): boolean {
  return row.type === i.type && row.external_ip === i.externalIp && row.logical_ip === i.logicalIp;
}

export const natKind = makeChildKind<NatInputs, NatState>({
  label: "ovn.LogicalRouterNat",
  table: "NAT",
  column: "nat",
  schema: natInputs as unknown as z.ZodType<NatInputs>,
  inputKeys: [
    "nb",
    "router",
    "type",
    "externalIp",
    "logicalIp",
    "logicalPort",
    "externalMac",
    "externalPortRange",
    "gatewayPort",
    "options",
    "externalIds",
  ],
  replaceOn: ["nb", "router", "type", "externalIp", "logicalIp"],
  validate,
  describe: (i) => `${i.type} rule ${i.externalIp} ↔ ${i.logicalIp}`,
  matches: natMatches,
  columns: (i, r) => natColumns(i, r.gatewayPort ?? null),
  async resolve(c, i) {
    if (!i.gatewayPort) return { gatewayPort: null };
    const rows = await selectRows(c, NB_DB, "Logical_Router_Port", [eq("name", i.gatewayPort)], ["name"]);
    if (!rows.length) {
      throw new ResourceError(
        "PARENT_MISSING",
        `gateway port ${i.gatewayPort} does not exist; create it first (ovn.LogicalRouterPort) or pass its name as an output`,
      );
    }
    return { gatewayPort: rows[0]._uuid as string };
  },
  async readInputs(c, row, s) {
    let gatewayPort: string | undefined;
    const gw = row.gateway_port as string | null;
    if (gw) {
      const [lrp] = await selectByUuids(c, "Logical_Router_Port", [gw], ["name"]);
      gatewayPort = (lrp?.name as string | undefined) ?? undefined;
    }
    const mac = row.external_mac as string | null;
    return {
      type: row.type as NatInputs["type"],
      externalIp: row.external_ip as string,
      logicalIp: row.logical_ip as string,
      logicalPort: (row.logical_port as string | null) ?? undefined,
      externalMac: mac === null ? undefined : s.externalMac?.toLowerCase() === mac ? s.externalMac : mac,
      externalPortRange: (row.external_port_range as string) || undefined,
      gatewayPort,
      options: managedKeys(row.options, s.options as StringMap | undefined),
      externalIds: managedKeys(row.external_ids, s.externalIds as StringMap | undefined),
    };
  },
});
