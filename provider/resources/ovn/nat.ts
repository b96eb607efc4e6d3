/**
 * ovn.LogicalRouterNat: a NAT row referenced from its router's `nat` (`ovn-nbctl lr-nat-add ROUTER
 * TYPE EXTERNAL_IP LOGICAL_IP [LOGICAL_PORT EXTERNAL_MAC]`): SNAT of a tenant subnet to an external
 * address, DNAT of an external address to a logical one, or both (a floating IP). A rule is
 * identified on its router by type, external IP and logical IP: changing one of them replaces it.
 * Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import type { Row } from "../../ovsdb";
import type { InputProblem } from "../../errors";
import type { Props } from "../../framework";
import { mapArg, type TableSpec } from "../../engine/spec";
import { matchesRow, tableKind } from "../../engine/table";
import { northbound } from "./common";
import { family, ovnName } from "./validation";
import { ip, mac, portRange, prefix } from "../values";

export const NAT_TYPES = ["snat", "dnat", "dnat_and_snat"] as const;

/** The argument naming the router a child hangs off. */
export const routerArg = {
  schema: ovnName("router"),
  type: "string",
  doc: "Name of the logical router (e.g. `lr0.name`).",
};

function validate(i: Props): InputProblem[] {
  const problems: InputProblem[] = [];
  const [type, logicalIp, externalIp] = [i.type as string, i.logicalIp as string, i.externalIp as string];
  if (logicalIp.includes("/") && type !== "snat") {
    problems.push({
      property: "logicalIp",
      reason: `a network is accepted only for snat; ${type} needs one address`,
    });
  }
  if (family(logicalIp) !== family(externalIp)) {
    problems.push({
      property: "logicalIp",
      reason: "logicalIp and externalIp must be of the same address family",
    });
  }
  if (i.externalMac !== undefined && (type !== "dnat_and_snat" || i.logicalPort === undefined)) {
    problems.push({
      property: "externalMac",
      reason: 'externalMac applies to a distributed floating IP: type "dnat_and_snat" with logicalPort',
    });
  }
  if (i.logicalPort !== undefined && type !== "dnat_and_snat") {
    problems.push({ property: "logicalPort", reason: 'logicalPort applies only to type "dnat_and_snat"' });
  }
  return problems;
}

export const natSpec: TableSpec = {
  type: "ovn:LogicalRouterNat",
  doc: "A NAT rule of a logical router: `ovn-nbctl lr-nat-add ROUTER TYPE EXTERNAL_IP LOGICAL_IP`.",
  db: northbound,
  table: "NAT",
  noun: "NAT rule",
  parent: {
    arg: "router",
    table: "Logical_Router",
    column: "nat",
    noun: "logical router",
    sdk: "ovn.LogicalRouter",
  },
  matchArgs: ["type", "externalIp", "logicalIp"],
  describe: (i) => `${String(i.type)} rule ${String(i.externalIp)} ↔ ${String(i.logicalIp)}`,
  attempts: 20, // rules created in parallel on one router all guard its `nat` column
  args: {
    router: routerArg,
    type: {
      schema: z.enum(NAT_TYPES, {
        error:
          'type: accepted "snat" (inside → out), "dnat" (outside → in) or "dnat_and_snat" (a floating IP)',
      }),
      type: '"snat" | "dnat" | "dnat_and_snat"',
      doc:
        "`snat` (logical sources leave as `externalIp`), `dnat` (`externalIp` is forwarded to `logicalIp`) " +
        "or `dnat_and_snat` (both: a floating IP). Column `NAT.type`.",
      storage: { column: "type" },
    },
    externalIp: {
      schema: ip("externalIp"),
      type: "string",
      doc: "The external address (`NAT.external_ip`; IPv6 written compressed, lower case).",
      storage: { column: "external_ip" },
    },
    logicalIp: {
      schema: prefix("logicalIp"),
      type: "string",
      doc:
        "The logical address, or for `snat` a logical network like `192.168.0.0/24` (`NAT.logical_ip`; host " +
        "bits zero; a `/32` or `/128` is written as the bare address, as `ovn-nbctl lr-nat-add` does).",
      storage: { column: "logical_ip" },
    },
    logicalPort: {
      schema: ovnName("logicalPort").optional(),
      type: "string",
      doc: "For a distributed floating IP (`dnat_and_snat`): the logical port holding `logicalIp` (`NAT.logical_port`).",
      storage: { column: "logical_port" },
    },
    externalMac: {
      schema: mac("externalMac").optional(),
      type: "string",
      doc:
        "For a distributed floating IP: the MAC answering for `externalIp` (`NAT.external_mac`; needs " +
        "`logicalPort`); written in lower case.",
      storage: { column: "external_mac" },
    },
    externalPortRange: {
      schema: portRange("externalPortRange").optional(),
      type: "string",
      doc:
        'Restrict the external ports used (`NAT.external_port_range`): `"PORT"` or `"FIRST-LAST"`, within ' +
        "1..65535, ascending.",
      storage: { column: "external_port_range" },
      empty: "",
    },
    gatewayPort: {
      schema: ovnName("gatewayPort").optional(),
      type: "string",
      doc:
        "The distributed gateway port the rule applies to (a router port name; `NAT.gateway_port`), when " +
        "the router has several.",
      storage: { column: "gateway_port" },
      ref: { table: "Logical_Router_Port", noun: "gateway port", sdk: "ovn.LogicalRouterPort" },
    },
    options: mapArg("options", "`stateless`"),
    externalIds: mapArg("external_ids"),
  },
  validate,
};

export const natKind = tableKind(natSpec);

export type NatInputs = Props & { owner: string };

/** Whether a live NAT row is the one the inputs identify. Pure. */
export const natMatches = (row: Row, i: NatInputs): boolean => matchesRow(natSpec, row, i);
