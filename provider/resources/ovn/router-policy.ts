/**
 * ovn.LogicalRouterPolicy: a Logical_Router_Policy row referenced from its router's `policies`
 * (`ovn-nbctl lr-policy-add ROUTER PRIORITY MATCH ACTION [NEXTHOP]`): packets the match selects, after
 * the router's routing decision, are let through, dropped, or sent to other next hops (policy-based
 * routing). A policy is identified on its router by priority and match, as `lr-policy-del ROUTER
 * PRIORITY MATCH` identifies it: changing one of them replaces it; policies others added to the same
 * router are left alone. The match is checked as an ACL's is: at preview (`./match.ts`), before the
 * write (the address sets and port groups it names exist) and, with `sb`, after it by OVN's own
 * parser (`./northd-check.ts`). Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import type { InputProblem } from "../../errors";
import type { Props } from "../../framework";
import { mapArg, type TableSpec, type WriteContext } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound } from "./common";
import { confirmParsed, sbArg } from "./northd-check";
import { checkMatchReferences, matchArg } from "./acl";
import { matchIdentifiers } from "./match";
import { routerArg } from "./nat";
import { IP_FORM, familyOf, ip, setOf } from "../values";
import { priority } from "./logical-router-port";

export const POLICY_ACTIONS = ["allow", "drop", "reroute"] as const;

/** Fields and predicates of one address family, as a match names them (ovn-sb(5)). */
const FAMILY_FIELDS: readonly [4 | 6, RegExp][] = [
  [4, /^(?:ip4|icmp4|arp)(?:\.|$)/],
  [6, /^(?:ip6|icmp6|nd|nd_ns|nd_na|nd_rs|nd_ra|mldv1|mldv2)(?:\.|$)/],
];

/**
 * The address families a match names fields of (`ip4.dst`, `icmp6`, ...); strings and comments
 * left out. Pure.
 */
export function matchFamilies(match: string): Set<4 | 6> {
  const words = matchIdentifiers(match);
  return new Set(FAMILY_FIELDS.filter(([, re]) => words.some((w) => re.test(w))).map(([f]) => f));
}

/**
 * Rules zod cannot express alone: next hops with `reroute` and only there, of one family, the
 * family the match selects (a match naming only IPv4 fields cannot be rerouted to an IPv6 next hop:
 * ovn-northd would write the IPv6 next-hop register for IPv4 packets).
 */
function validate(i: Props): InputProblem[] {
  const nexthops = (i.nexthops as string[] | undefined) ?? [];
  if (i.action !== "reroute") {
    return nexthops.length
      ? [
          {
            property: "nexthops",
            reason: `nexthops apply only to action "reroute", not "${String(i.action)}"`,
          },
        ]
      : [];
  }
  if (!nexthops.length) {
    return [
      {
        property: "nexthops",
        reason: 'action "reroute" needs nexthops: the addresses to send the packets to, e.g. ["10.0.3.2"]',
      },
    ];
  }
  const families = new Set(nexthops.map((n) => familyOf(n)));
  if (families.size > 1) {
    return [{ property: "nexthops", reason: "all next hops must be of one address family (IPv4 or IPv6)" }];
  }
  const [family] = families;
  const selected = matchFamilies(i.match as string);
  if (selected.size === 1 && !selected.has(family!)) {
    return [
      {
        property: "nexthops",
        reason: `the match selects IPv${[...selected][0]} packets; the next hops are IPv${String(family)}`,
      },
    ];
  }
  return [];
}

export const policySpec: TableSpec = {
  type: "ovn:LogicalRouterPolicy",
  doc:
    "A routing policy of a logical router: `ovn-nbctl lr-policy-add ROUTER PRIORITY MATCH ACTION " +
    "[NEXTHOP]`. Packets the match selects are let through (`allow`), dropped (`drop`) or sent to other " +
    "next hops (`reroute`), after the router's routing decision. Identified by priority and match, as " +
    "`lr-policy-del` identifies it; policies others added to the same router are left alone.",
  db: northbound,
  table: "Logical_Router_Policy",
  noun: "router policy",
  parent: {
    arg: "router",
    table: "Logical_Router",
    column: "policies",
    noun: "logical router",
    sdk: "ovn.LogicalRouter",
  },
  matchArgs: ["priority", "match"],
  describe: (i: Props) => `router policy ${String(i.priority)} ${JSON.stringify(i.match)}`,
  attempts: 20, // policies created in parallel on one router all guard its `policies` column
  args: {
    router: routerArg,
    sb: sbArg(
      "router policy",
      " ovn-northd copies the match as it is into the router's `lr_in_policy` stage; it makes no flow for a " +
        "`reroute` whose next hop is on none of the router's networks (ovn-northd logs `No path for routing " +
        "policy`).",
    ),
    priority: {
      schema: priority,
      type: "number",
      doc: "0..32767; of the policies a packet matches, the highest applies (`Logical_Router_Policy.priority`).",
      storage: { column: "priority" },
    },
    match: matchArg(
      "Logical_Router_Policy",
      "`ip4.src == 10.0.1.0/24 && ip4.dst == 10.0.2.10` (router pipeline: `inport` / `outport` name router ports)",
    ),
    action: {
      schema: z.enum(POLICY_ACTIONS, {
        error: 'action: accepted "allow", "drop" or "reroute" (with nexthops)',
      }),
      type: '"allow" | "drop" | "reroute"',
      doc:
        "`allow` (routed as usual), `drop`, or `reroute` (sent to `nexthops` instead of the routed next hop). " +
        "Column `Logical_Router_Policy.action`.",
      storage: { column: "action" },
    },
    nexthops: {
      schema: setOf(ip("nexthops"), `nexthops: accepted a list of ${IP_FORM}`).optional(),
      type: "string[]",
      doc:
        "For `reroute` (required there, refused otherwise): the next hop addresses, all of one family, the " +
        "family the match selects; several spread the packets over them (ECMP). Each must be on a network of " +
        "one of the router's ports (not checked: ovn-northd makes no flow for one that is not). Column `Logical_Router_Policy.nexthops` (not the deprecated `nexthop`); " +
        "IPv6 written compressed, lower case.",
      storage: { column: "nexthops" },
    },
    options: mapArg("options", "`pkt_mark`, the mark `allow` and `reroute` put on the packets"),
    externalIds: mapArg("external_ids"),
  },
  validate,
  hooks: {
    beforeWrite: ({ c, i }: WriteContext) => checkMatchReferences(c, i.match as string),
    // ovn-northd makes the policy's flow with its match unchanged.
    afterWrite: confirmParsed(
      "router policy",
      (i) => ({ table: "Logical_Router", column: "policies", name: i.router as string }),
      (flowMatch, match) => flowMatch === match,
    ),
  },
};

export const policyKind = tableKind(policySpec);
