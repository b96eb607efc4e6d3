/**
 * ovn.LogicalRouter: a Logical_Router row of the northbound database (`ovn-nbctl lr-add`).
 * Declared only: the lifecycle comes from `provider/engine`.
 *
 * Logical_Router.name is not unique in the OVN schema: creation is guarded by a `wait` that no
 * row holds the name, in the same transaction as the insert.
 */
import { z } from "zod";
import type { Operation } from "../../ovsdb";
import type { Instance, Props } from "../../framework";
import { MANAGED_KEYS_DOC, mapArg, type TableSpec } from "../../engine/spec";
import { planCreate, tableKind } from "../../engine/table";
import { northbound } from "./common";
import { ovnName } from "./validation";

export const routerSpec: TableSpec = {
  type: "ovn:LogicalRouter",
  doc: "An OVN logical router: `ovn-nbctl lr-add NAME`.",
  db: northbound,
  table: "Logical_Router",
  noun: "logical router",
  nameArg: "name",
  args: {
    name: {
      schema: ovnName("name"),
      type: "string",
      doc:
        "Router name (`Logical_Router.name`), unique in the northbound database (creation is guarded so " +
        "that no second router of that name can appear). Renaming is done in place.",
      storage: { column: "name" },
    },
    enabled: {
      schema: z.boolean({ error: "enabled must be true or false" }).optional(),
      type: "boolean",
      doc: "Administrative state (`Logical_Router.enabled`). Default: enabled.",
      storage: { column: "enabled" },
    },
    options: {
      ...mapArg("options"),
      doc:
        "Keys to set in `Logical_Router.options`. `chassis`: the chassis name (its `system-id`) that hosts " +
        "the whole router, which makes it a gateway router (`ovn-nbctl lr-add lr-gw -- set Logical_Router " +
        'lr-gw options:chassis=gw1`), e.g. `{ chassis: "gw1" }`: its NAT and load balancing run on that ' +
        "chassis only, with no failover (for a highly available gateway use a distributed gateway port, " +
        "`ovn.LogicalRouterPort` `gatewayChassis` or `haChassisGroup`, instead). The chassis need not exist " +
        "yet: ovn-controller of that chassis picks the router up when it registers. Other keys as ovn-nb(5) " +
        `lists them (e.g. \`dynamic_neigh_routers\`, \`always_learn_from_arp_request\`). ${MANAGED_KEYS_DOC}`,
    },
    externalIds: mapArg("external_ids"),
  },
  children: [
    { column: "ports", table: "Logical_Router_Port", noun: "port" },
    {
      column: "static_routes",
      table: "Logical_Router_Static_Route",
      noun: "static route",
      describedBy: ["ip_prefix", "nexthop"],
    },
    { column: "nat", table: "NAT", noun: "NAT rule", describedBy: ["type", "external_ip", "logical_ip"] },
    {
      column: "policies",
      table: "Logical_Router_Policy",
      noun: "router policy",
      describedBy: ["priority", "match"],
    },
    // A weak reference (lr-lb-add): others' load balancers there refuse the delete too.
    { column: "load_balancer", table: "Load_Balancer", noun: "load balancer" },
  ],
};

export const routerKind = tableKind(routerSpec);

/** The guarded insert of a new router. Pure. */
export const planRouterCreate = (i: Props & Instance & { owner: string }): Operation[] =>
  planCreate(routerSpec, i);
