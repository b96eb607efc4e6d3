/**
 * ovn.LogicalRouterStaticRoute: a Logical_Router_Static_Route row referenced from its router's
 * `static_routes` (`ovn-nbctl lr-route-add ROUTER PREFIX NEXTHOP [PORT]`). A route is identified
 * on its router by prefix, next hop, policy and route table: changing one of them replaces it.
 */
import { z } from "zod";
import type { Instance } from "../../framework";
import type { Row } from "../../ovsdb";
import type { InputProblem } from "../../errors";
import { stringMap } from "../common";
import { managedKeys, nbBase, type StringMap } from "./common";
import { makeChildKind } from "./router-child";
import { family, ovnName } from "./validation";
import { identifier, nexthop, prefix } from "../values";

export const routeInputs = z.object({
  ...nbBase,
  router: ovnName("router"),
  ipPrefix: prefix("ipPrefix"),
  nexthop: nexthop("nexthop"),
  outputPort: ovnName("outputPort").optional(),
  policy: z
    .enum(["dst-ip", "src-ip"], {
      error: 'policy: accepted "dst-ip" (default: match the destination) or "src-ip"',
    })
    .optional(),
  routeTable: identifier("routeTable", { emptyIsUnset: true }).optional(),
  options: stringMap.optional(),
  externalIds: stringMap.optional(),
});
export type RouteInputs = z.infer<typeof routeInputs> & Instance;
export type RouteState = RouteInputs & { uuid: string };

function validate(i: RouteInputs): InputProblem[] {
  if (i.nexthop !== "discard" && family(i.nexthop) !== family(i.ipPrefix)) {
    return [
      {
        property: "nexthop",
        reason: `next hop ${i.nexthop} is not of the same address family as ipPrefix ${i.ipPrefix}`,
      },
    ];
  }
  return [];
}

/** The route's columns from the inputs. Pure. */
export function routeColumns(i: RouteInputs): Row {
  return {
    ip_prefix: i.ipPrefix,
    nexthop: i.nexthop,
    output_port: i.outputPort ?? null,
    policy: i.policy ?? null,
    route_table: i.routeTable ?? "",
  };
}

/** Whether a live route row is the one the inputs identify. Pure. */
export function routeMatches(row: Row, i: RouteInputs): boolean {
  return (
    row.ip_prefix === i.ipPrefix &&
    row.nexthop === i.nexthop &&
    ((row.policy as string | null) ?? "dst-ip") === (i.policy ?? "dst-ip") &&
    ((row.route_table as string) ?? "") === (i.routeTable ?? "")
  );
}

export const routeKind = makeChildKind<RouteInputs, RouteState>({
  label: "ovn.LogicalRouterStaticRoute",
  table: "Logical_Router_Static_Route",
  column: "static_routes",
  schema: routeInputs as unknown as z.ZodType<RouteInputs>,
  inputKeys: [
    "nb",
    "router",
    "ipPrefix",
    "nexthop",
    "outputPort",
    "policy",
    "routeTable",
    "options",
    "externalIds",
  ],
  replaceOn: ["nb", "router", "ipPrefix", "nexthop", "policy", "routeTable"],
  validate,
  describe: (i) => `static route ${i.ipPrefix} via ${i.nexthop}`,
  matches: routeMatches,
  columns: (i) => routeColumns(i),
  async readInputs(_c, row, s) {
    return {
      ipPrefix: row.ip_prefix as string,
      nexthop: row.nexthop as string,
      outputPort: (row.output_port as string | null) ?? undefined,
      policy: ((row.policy as string | null) ??
        (s.policy === "dst-ip" ? "dst-ip" : undefined)) as RouteInputs["policy"],
      routeTable: (row.route_table as string) || undefined,
      options: managedKeys(row.options, s.options as StringMap | undefined),
      externalIds: managedKeys(row.external_ids, s.externalIds as StringMap | undefined),
    };
  },
});
