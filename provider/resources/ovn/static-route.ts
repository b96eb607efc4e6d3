/**
 * ovn.LogicalRouterStaticRoute: a Logical_Router_Static_Route row referenced from its router's
 * `static_routes` (`ovn-nbctl lr-route-add ROUTER PREFIX NEXTHOP [PORT]`). A route is identified
 * on its router by prefix, next hop, policy and route table: changing one of them replaces it.
 * Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import type { Row } from "../../ovsdb";
import type { InputProblem } from "../../errors";
import type { Props } from "../../framework";
import { mapArg, type TableSpec } from "../../engine/spec";
import { matchesRow, tableKind } from "../../engine/table";
import { northbound } from "./common";
import { routerArg } from "./nat";
import { family, ovnName } from "./validation";
import { identifier, nexthop, prefix } from "../values";

function validate(i: Props): InputProblem[] {
  if (i.nexthop !== "discard" && family(i.nexthop as string) !== family(i.ipPrefix as string)) {
    return [
      {
        property: "nexthop",
        reason: `next hop ${String(i.nexthop)} is not of the same address family as ipPrefix ${String(i.ipPrefix)}`,
      },
    ];
  }
  return [];
}

export const routeSpec: TableSpec = {
  type: "ovn:LogicalRouterStaticRoute",
  doc: "A static route of a logical router: `ovn-nbctl lr-route-add ROUTER PREFIX NEXTHOP [PORT]`.",
  db: northbound,
  table: "Logical_Router_Static_Route",
  noun: "static route",
  parent: {
    arg: "router",
    table: "Logical_Router",
    column: "static_routes",
    noun: "logical router",
    sdk: "ovn.LogicalRouter",
  },
  matchArgs: ["ipPrefix", "nexthop", "policy", "routeTable"],
  describe: (i) => `static route ${String(i.ipPrefix)} via ${String(i.nexthop)}`,
  attempts: 20, // routes created in parallel on one router all guard its `static_routes` column
  args: {
    router: routerArg,
    ipPrefix: {
      schema: prefix("ipPrefix"),
      type: "string",
      doc:
        'Destination (or, with `policy: "src-ip"`, source) prefix, host bits zero: `10.0.0.0/8`, `0.0.0.0/0` ' +
        "for a default route, `fd00::/64`, or one address (`ip_prefix`). Written as `ovn-nbctl lr-route-add` " +
        "writes it: IPv6 compressed in lower case, `/32` and `/128` as the bare address (so " +
        "`FD00:0:0:0::/64` and `fd00::/64` are the same route).",
      storage: { column: "ip_prefix" },
    },
    nexthop: {
      schema: nexthop("nexthop"),
      type: "string",
      doc:
        "Next hop IP address (`nexthop`; same family as `ipPrefix`; IPv6 written compressed, lower case), " +
        "or `discard`.",
      storage: { column: "nexthop" },
    },
    outputPort: {
      schema: ovnName("outputPort").optional(),
      type: "string",
      doc: "The router port to send through (`output_port`), when the next hop is not on a directly connected network.",
      storage: { column: "output_port" },
    },
    policy: {
      schema: z
        .enum(["dst-ip", "src-ip"], {
          error: 'policy: accepted "dst-ip" (default: match the destination) or "src-ip"',
        })
        .optional(),
      type: '"dst-ip" | "src-ip"',
      doc: "`dst-ip` (default) or `src-ip` (`policy`).",
      storage: { column: "policy" },
      implied: "dst-ip",
    },
    routeTable: {
      schema: identifier("routeTable", { emptyIsUnset: true }).optional(),
      type: "string",
      doc: 'Route table name (`route_table`, ovn-nbctl `--route-table`), no spaces; default (or `""`) the main table.',
      storage: { column: "route_table" },
      empty: "",
    },
    options: mapArg("options", "`ecmp_symmetric_reply`"),
    externalIds: mapArg("external_ids"),
  },
  validate,
};

export const routeKind = tableKind(routeSpec);

export type RouteInputs = Props & { owner: string };

/** Whether a live route row is the one the inputs identify. Pure. */
export const routeMatches = (row: Row, i: RouteInputs): boolean => matchesRow(routeSpec, row, i);
