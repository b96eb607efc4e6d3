import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets } from "../common";
import type { NorthboundArgs } from "./common";

export interface LogicalRouterStaticRouteArgs extends NorthboundArgs {
  /** Name of the logical router (e.g. `lr0.name`). Changing it replaces the route. */
  router: pulumi.Input<string>;
  /**
   * Destination (or, with `policy: "src-ip"`, source) prefix, host bits zero: `10.0.0.0/8`,
   * `0.0.0.0/0` for a default route, `fd00::/64`, or one address. Written as `ovn-nbctl
   * lr-route-add` writes it: IPv6 compressed in lower case, `/32` and `/128` as the bare address
   * (so `FD00:0:0:0::/64` and `fd00::/64` are the same route). Changing it replaces the route.
   */
  ipPrefix: pulumi.Input<string>;
  /**
   * Next hop IP address (same family as `ipPrefix`; IPv6 written compressed, lower case), or
   * `discard`. Changing it replaces the route.
   */
  nexthop: pulumi.Input<string>;
  /** The router port to send through (when the next hop is not on a directly connected network). */
  outputPort?: pulumi.Input<string>;
  /** `dst-ip` (default) or `src-ip`. Changing it replaces the route. */
  policy?: pulumi.Input<"dst-ip" | "src-ip">;
  /** Route table name (ovn-nbctl `--route-table`), no spaces; default (or `""`) the main table. */
  routeTable?: pulumi.Input<string>;
  /** Keys to set in `options` (e.g. `ecmp_symmetric_reply`). Keys not listed here are left alone. */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A static route of a logical router: `ovn-nbctl lr-route-add ROUTER PREFIX NEXTHOP [PORT]`. */
export class LogicalRouterStaticRoute extends DynamicResource {
  declare readonly router: pulumi.Output<string>;
  declare readonly ipPrefix: pulumi.Output<string>;
  declare readonly nexthop: pulumi.Output<string>;
  declare readonly outputPort: pulumi.Output<string | undefined>;
  declare readonly policy: pulumi.Output<string | undefined>;
  /** The Logical_Router_Static_Route row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: LogicalRouterStaticRouteArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:LogicalRouterStaticRoute"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "LogicalRouterStaticRoute",
    );
  }
}
