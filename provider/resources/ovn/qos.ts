/**
 * ovn.Qos: a QoS row referenced from a logical switch's `qos_rules` (`ovn-nbctl qos-add SWITCH
 * DIRECTION PRIORITY MATCH [dscp=DSCP] [rate=RATE [burst=BURST]]`): packets the match selects get
 * their DSCP field set, or are rate-limited (ovn-controller installs an OpenFlow meter per limit). A
 * rule is identified on its switch by direction, priority and match, as `qos-del` identifies it:
 * changing one of them replaces it; rules others added to the same switch are left alone. The match
 * is checked as an ACL's is: at preview (`./match.ts`), before the write (the address sets and port
 * groups it names exist) and, with `sb`, after it by OVN's own parser (`./northd-check.ts`).
 * Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import type { InputProblem } from "../../errors";
import type { Props } from "../../framework";
import { mapArg, type TableSpec, type WriteContext } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound } from "./common";
import { confirmParsed, sbArg } from "./northd-check";
import { checkMatchReferences, directionArg, matchArg } from "./acl";
import { ovnName } from "./validation";
import { intIn } from "../values";
import { priority } from "./logical-router-port";

/** A bandwidth limit: `rate` in kbit/s, `burst` in kbit. */
interface Bandwidth {
  rate: number;
  burst?: number;
}

export const qosSpec: TableSpec = {
  type: "ovn:Qos",
  doc:
    "An OVN QoS rule on a logical switch: `ovn-nbctl qos-add SWITCH DIRECTION PRIORITY MATCH [dscp=DSCP] " +
    "[rate=RATE [burst=BURST]]`. Marks the DSCP field of the packets it matches, or limits their " +
    "bandwidth. Identified by direction, priority and match; rules others added to the same switch are " +
    "left alone.",
  db: northbound,
  table: "QoS",
  noun: "QoS rule",
  parent: {
    arg: "switch",
    table: "Logical_Switch",
    column: "qos_rules",
    noun: "logical switch",
    sdk: "ovn.LogicalSwitch",
  },
  matchArgs: ["direction", "priority", "match"],
  describe: (i: Props) => `${String(i.direction)} QoS rule ${String(i.priority)} ${JSON.stringify(i.match)}`,
  attempts: 20, // rules created in parallel on one switch all guard its `qos_rules` column
  args: {
    switch: {
      schema: ovnName("switch"),
      type: "string",
      doc: "Name of the logical switch the rule applies to (e.g. `sw0.name`).",
    },
    sb: sbArg(
      "QoS rule",
      " ovn-northd copies the match as it is into the switch's QoS stages (`ls_in_qos_mark` / " +
        "`ls_out_qos_mark` for `dscp`, `ls_in_qos_meter` / `ls_out_qos_meter` for `bandwidth`).",
    ),
    direction: directionArg("QoS"),
    priority: {
      schema: priority,
      type: "number",
      doc: "0..32767; of the rules a packet matches, the highest applies (`QoS.priority`).",
      storage: { column: "priority" },
    },
    match: matchArg("QoS", '`inport == "web1" && ip4`'),
    dscp: {
      schema: intIn("dscp", 0, 63).optional(),
      type: "number",
      doc:
        "Set the DSCP field of the matched IP packets to this value, 0..63 (e.g. 46 for EF; the IPv4 TOS " +
        "byte becomes `dscp << 2`). Column `QoS.action` `{dscp}`. Set this, `bandwidth`, or both.",
      storage: { column: "action" },
      encode: (v: number) => ({ dscp: v }),
      decode: (m: Record<string, number>) => m.dscp,
      empty: {},
    },
    bandwidth: {
      schema: z
        .object(
          {
            rate: intIn("bandwidth.rate", 1, 4294967295, " (kbit/s)"),
            burst: intIn("bandwidth.burst", 1, 4294967295, " (kbit)").optional(),
          },
          { error: "bandwidth: accepted { rate: KBPS, burst?: KBITS }, e.g. { rate: 1000, burst: 100 }" },
        )
        .strict()
        .optional(),
      type: "{ rate: number; burst?: number }",
      fields: {
        rate: "The limit in kbit/s (1..4294967295); traffic above it is dropped.",
        burst: "The burst allowed above the rate, in kbit (1..4294967295). Default: the datapath's own.",
      },
      doc:
        "Limit the matched traffic to `rate` kbit/s with bursts of `burst` kbit (`QoS.bandwidth`); " +
        "ovn-controller installs it as an OpenFlow meter on the chassis of the port. Set this, `dscp`, " +
        "or both.",
      storage: { column: "bandwidth" },
      encode: (v: Bandwidth) => ({ rate: v.rate, ...(v.burst !== undefined ? { burst: v.burst } : {}) }),
      decode: (m: Record<string, number>) => ({
        rate: m.rate,
        ...(m.burst !== undefined ? { burst: m.burst } : {}),
      }),
      empty: {},
    },
    externalIds: mapArg("external_ids"),
  },
  validate(i: Props): InputProblem[] {
    if (i.dscp !== undefined || i.bandwidth !== undefined) return [];
    return [{ property: "dscp", reason: "a QoS rule needs an action: set dscp, bandwidth, or both" }];
  },
  hooks: {
    beforeWrite: ({ c, i }: WriteContext) => checkMatchReferences(c, i.match as string),
    // ovn-northd makes the rule's flows with its match unchanged.
    afterWrite: confirmParsed(
      "QoS rule",
      (i) => ({ table: "Logical_Switch", column: "qos_rules", name: i.switch as string }),
      (flowMatch, match) => flowMatch === match,
    ),
  },
};

export const qosKind = tableKind(qosSpec);
