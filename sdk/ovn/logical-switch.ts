import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets } from "../common";
import type { NorthboundArgs } from "./common";

export interface LogicalSwitchArgs extends NorthboundArgs {
  /**
   * Switch name, unique in the northbound database (creation is guarded so that no second switch
   * of that name can appear). Renaming is done in place.
   */
  name: pulumi.Input<string>;
  /**
   * IPv4 address management (`other_config:subnet`): the network, host bits zero, e.g.
   * `192.168.0.0/24`, from which ovn-northd assigns addresses to ports with `"dynamic"` addresses.
   */
  subnet?: pulumi.Input<string>;
  /**
   * Addresses of `subnet` ovn-northd never assigns (`other_config:exclude_ips`): IPv4 addresses or
   * ranges, e.g. `["192.168.0.1", "192.168.0.100..192.168.0.199"]`. A set (stored space-separated,
   * sorted); surrounding spaces are dropped.
   */
  excludeIps?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * IPv6 address management (`other_config:ipv6_prefix`): a /64 prefix as `fd00::` or
   * `fd00::/64`, stored as OVN does: `fd00::` (compressed, lower case); dynamic ports get an
   * EUI-64 address in it.
   */
  ipv6Prefix?: pulumi.Input<string>;
  /** Assign only MAC addresses to dynamic ports (`other_config:mac_only`). */
  macOnly?: pulumi.Input<boolean>;
  /** Keys to set in `other_config` (e.g. `mcast_snoop`). Keys not listed here are left alone. */
  otherConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** An OVN logical switch: `ovn-nbctl ls-add NAME -- set logical_switch NAME other_config:subnet=…`. */
export class LogicalSwitch extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly subnet: pulumi.Output<string | undefined>;
  declare readonly excludeIps: pulumi.Output<string[] | undefined>;
  declare readonly ipv6Prefix: pulumi.Output<string | undefined>;
  declare readonly otherConfig: pulumi.Output<Record<string, string> | undefined>;
  declare readonly externalIds: pulumi.Output<Record<string, string> | undefined>;
  /** The Logical_Switch row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: LogicalSwitchArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:LogicalSwitch"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "LogicalSwitch",
    );
  }
}
