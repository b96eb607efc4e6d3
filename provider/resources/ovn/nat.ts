/**
 * ovn.LogicalRouterNat: a NAT row referenced from its router's `nat` (`ovn-nbctl lr-nat-add ROUTER
 * TYPE EXTERNAL_IP LOGICAL_IP [LOGICAL_PORT EXTERNAL_MAC]`): SNAT of a tenant subnet to an external
 * address, DNAT of an external address to a logical one, or both (a floating IP). A rule is
 * identified on its router by type, external IP and logical IP: changing one of them replaces it.
 * Declared only: the lifecycle comes from `provider/engine`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { eq, select, type OvsdbClient, type Row } from "../../ovsdb";
import { ResourceError, type InputProblem } from "../../errors";
import type { Props } from "../../framework";
import { mapArg, type TableSpec, type WriteContext } from "../../engine/spec";
import { matchesRow, tableKind } from "../../engine/table";
import { SAME_RUN_WAIT_MS } from "../../engine/users";
import { NB_DB, northbound, type StringMap } from "./common";
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

/** What decides whether a router reaches a logical port: the rows read in one transaction. */
export interface ReachSnapshot {
  /** The router's row (`ports`), when it exists. */
  router?: Row;
  /** Every logical router port (`_uuid`, `name`). */
  routerPorts: Row[];
  /** The logical switch port of that name (`_uuid`), when it exists. */
  port?: Row;
  /** Every logical switch (`name`, `ports`). */
  switches: Row[];
  /** Every switch port of type router (`_uuid`, `options`). */
  routerTypePorts: Row[];
}

/** Reads a {@link ReachSnapshot} for router `router` and logical switch port `port`. */
async function readReach(c: OvsdbClient, router: string, port: string): Promise<ReachSnapshot> {
  const [r, lrps, lsp, sws, rtp] = await c.transact(NB_DB, [
    select("Logical_Router", [eq("name", router)], ["ports"]),
    select("Logical_Router_Port", [], ["_uuid", "name"]),
    select("Logical_Switch_Port", [eq("name", port)], ["_uuid"]),
    select("Logical_Switch", [], ["name", "ports"]),
    select("Logical_Switch_Port", [eq("type", "router")], ["_uuid", "options"]),
  ]);
  return {
    router: r.rows?.[0],
    routerPorts: lrps.rows ?? [],
    port: lsp.rows?.[0],
    switches: sws.rows ?? [],
    routerTypePorts: rtp.rows ?? [],
  };
}

const uuidsOf = (v: unknown): string[] =>
  v === undefined || v === null ? [] : ([] as string[]).concat(v as string);

/**
 * Why a floating IP's logical port is not one the router can serve (undefined when it is): the port
 * does not exist (PARENT_MISSING), or it is not on a switch attached to the router, i.e. a switch
 * holding a port of type router whose `options:router-port` is a port of this router
 * (INVALID_INPUT). `rule`: the NAT rule in messages. Pure.
 */
export function reachProblem(
  s: ReachSnapshot,
  rule: string,
  router: string,
  port: string,
): ResourceError | undefined {
  if (!s.port) {
    return new ResourceError(
      "PARENT_MISSING",
      `${rule}: logicalPort ${port}: logical switch port ${port} does not exist; create it first ` +
        "(ovn.LogicalSwitchPort) or pass its name as an output (e.g. port.name) so Pulumi orders the creation. " +
        "Nothing was written",
    );
  }
  const mine = new Set(uuidsOf(s.router?.ports));
  const names = new Set(
    s.routerPorts.filter((p) => mine.has(p._uuid as string)).map((p) => p.name as string),
  );
  const toRouter = new Set(
    s.routerTypePorts
      .filter((p) => names.has((p.options as StringMap | undefined)?.["router-port"] ?? ""))
      .map((p) => p._uuid as string),
  );
  const holds = (sw: Row, uuid: string) => uuidsOf(sw.ports).includes(uuid);
  const on = s.switches.filter((sw) => holds(sw, s.port!._uuid as string)).map((sw) => sw.name as string);
  const reached = s.switches
    .filter((sw) => uuidsOf(sw.ports).some((u) => toRouter.has(u)))
    .map((sw) => sw.name as string)
    .sort();
  if (on.some((n) => reached.includes(n))) return undefined;
  const where = on.length ? `is on logical switch ${on.join(", ")}` : "is on no logical switch";
  const reaches = reached.length ? `it reaches ${reached.join(", ")}` : "it reaches no switch yet";
  return new ResourceError(
    "INVALID_INPUT",
    `${rule}: logicalPort ${port} ${where}, which logical router ${router} is not attached to (${reaches}). ` +
      "A floating IP's logical port must be on a switch joined to the router (a switch port of type router " +
      `whose options:router-port is a port of ${router}, e.g. an ovn.LogicalRouterPort with switch). ` +
      "Nothing was written",
  );
}

/**
 * Before a floating IP with `logicalPort` is written: the port is on a switch the router reaches
 * (see {@link reachProblem}). The router port joining that switch, or the port, may be made by the
 * same run without Pulumi knowing the order (names given as literals), so an unmet condition is
 * looked at again for a few seconds before the write is refused.
 */
async function requireReachablePort({ c, i }: WriteContext): Promise<void> {
  if (i.type !== "dnat_and_snat" || i.logicalPort === undefined) return;
  const [router, port] = [i.router as string, i.logicalPort as string];
  const rule = `${describeNat(i)} of logical router ${router}`;
  const deadline = Date.now() + SAME_RUN_WAIT_MS;
  for (;;) {
    const problem = reachProblem(await readReach(c, router, port), rule, router, port);
    if (!problem) return;
    if (Date.now() >= deadline) throw problem;
    await sleep(250);
  }
}

/** A NAT rule in messages: `dnat_and_snat rule 172.16.0.10 ↔ 10.0.0.5`. */
const describeNat = (i: Props) => `${String(i.type)} rule ${String(i.externalIp)} ↔ ${String(i.logicalIp)}`;

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
  describe: describeNat,
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
      doc:
        "For a distributed floating IP (`dnat_and_snat`): the logical port holding `logicalIp` " +
        "(`NAT.logical_port`). Before the write the port must exist (PARENT_MISSING) and be on a switch " +
        "joined to the router (INVALID_INPUT, naming the port's switch and the switches the router reaches); " +
        "a router port or port made in the same run is waited for a few seconds. Give it as an output " +
        "(`port.name`), and add `dependsOn` the router port joining its switch when that port is made in " +
        "the same program.",
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
  hooks: { beforeWrite: requireReachablePort },
};

export const natKind = tableKind(natSpec);

export type NatInputs = Props & { owner: string };

/** Whether a live NAT row is the one the inputs identify. Pure. */
export const natMatches = (row: Row, i: NatInputs): boolean => matchesRow(natSpec, row, i);
