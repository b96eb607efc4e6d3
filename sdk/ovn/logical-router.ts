import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets } from "../common";
import type { NorthboundArgs } from "./common";

export interface LogicalRouterArgs extends NorthboundArgs {
  /**
   * Router name, unique in the northbound database (creation is guarded so that no second router
   * of that name can appear). Renaming is done in place.
   */
  name: pulumi.Input<string>;
  /** Administrative state. Default: enabled. */
  enabled?: pulumi.Input<boolean>;
  /** Keys to set in `options` (e.g. `chassis` for a gateway router). Keys not listed here are left alone. */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** An OVN logical router: `ovn-nbctl lr-add NAME`. */
export class LogicalRouter extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean | undefined>;
  declare readonly options: pulumi.Output<Record<string, string> | undefined>;
  declare readonly externalIds: pulumi.Output<Record<string, string> | undefined>;
  /** The Logical_Router row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: LogicalRouterArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:LogicalRouter"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "LogicalRouter",
    );
  }
}
