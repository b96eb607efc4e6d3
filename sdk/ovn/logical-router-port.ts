import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets } from "../common";
import type { NorthboundArgs } from "./common";

/** A gateway chassis of a distributed gateway port, with its priority (highest wins). */
export interface GatewayChassisArgs {
  /** The chassis name (its `system-id`). */
  chassis: pulumi.Input<string>;
  /** 0..32767; the highest-priority live chassis hosts the gateway. */
  priority: pulumi.Input<number>;
}

export interface LogicalRouterPortArgs extends NorthboundArgs {
  /** Name of the logical router (e.g. `lr0.name`). Changing it replaces the port. */
  router: pulumi.Input<string>;
  /** Port name, unique across all routers. Changing it replaces the port. */
  name: pulumi.Input<string>;
  /** The port's MAC address, e.g. `00:00:00:00:ff:01`; written in lower case. */
  mac: pulumi.Input<string>;
  /**
   * The port's addresses with prefix length (at least one), e.g. `["192.168.0.1/24"]`. A set;
   * IPv6 written compressed, lower case.
   */
  networks: pulumi.Input<pulumi.Input<string>[]>;
  /** For a router-to-router link: the other router's port name. Not with `switch`. */
  peer?: pulumi.Input<string>;
  /**
   * Gateway chassis of a distributed gateway port (`lrp-set-gateway-chassis`): chassis names in
   * priority order (first preferred), or `{ chassis, priority }` objects. Compared as a set of
   * `{ chassis, priority }`.
   */
  gatewayChassis?: pulumi.Input<pulumi.Input<string | GatewayChassisArgs>[]>;
  /** Administrative state. Default: enabled. */
  enabled?: pulumi.Input<boolean>;
  /** Keys to set in `options`. Keys not listed here are left alone. */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Join this router port to a logical switch (e.g. `sw0.name`): the switch-side port of type
   * `router` with `options:router-port` is created (and removed) with this resource, in the same
   * transaction: what `ovn-nbctl lsp-add` / `lsp-set-type` / `lsp-set-addresses` /
   * `lsp-set-options` do by hand, in one argument.
   */
  switch?: pulumi.Input<string>;
  /** Name of the switch-side port. Default `NAME-attachment` (e.g. `lrp0-attachment`). */
  switchPortName?: pulumi.Input<string>;
  /**
   * Addresses of the switch-side port. Default `["router"]` (this router port's MAC and
   * networks); or the router port's MAC alone, e.g. `["00:00:00:00:ff:01"]`. A set, canonical like a
   * switch port's `addresses`.
   */
  switchPortAddresses?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * A logical router port: `ovn-nbctl lrp-add ROUTER NAME MAC NETWORK…`, optionally joined to a
 * logical switch in the same step (`switch`).
 */
export class LogicalRouterPort extends DynamicResource {
  declare readonly router: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly mac: pulumi.Output<string>;
  declare readonly networks: pulumi.Output<string[]>;
  declare readonly peer: pulumi.Output<string | undefined>;
  /** Gateway chassis with their priorities. */
  declare readonly gatewayChassis: pulumi.Output<{ chassis: string; priority: number }[] | undefined>;
  declare readonly switch: pulumi.Output<string | undefined>;
  /** The Logical_Router_Port row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /** The uuid of the switch-side port created by `switch`, or null. */
  declare readonly switchPortUuid: pulumi.Output<string | null>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: LogicalRouterPortArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:LogicalRouterPort"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined, switchPortUuid: undefined },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "LogicalRouterPort",
    );
  }
}
