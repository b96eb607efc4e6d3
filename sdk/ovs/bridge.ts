import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets, type Connection, type OwnedArgs } from "../common";

export interface BridgeArgs extends OwnedArgs {
  /** The host's Open_vSwitch database. */
  host: pulumi.Input<Connection>;
  /** Bridge name (a Linux interface name: at most 15 characters). Changing it replaces the bridge. */
  name: pulumi.Input<string>;
  /** `netdev` for the userspace datapath, `system` for the kernel one. Default: OVS's default (system). */
  datapathType?: pulumi.Input<"system" | "netdev">;
  /**
   * `standalone` (default in OVS): without a controller the bridge acts as a learning switch.
   * `secure`: no default NORMAL flow; only the flows you add forward traffic (what
   * `ovs-ofctl del-flows BRIDGE` does to the default flow, kept across restarts).
   */
  failMode?: pulumi.Input<"standalone" | "secure">;
  /** OpenFlow versions the bridge speaks, e.g. `["OpenFlow10", "OpenFlow13"]`. A set: order and repeats do not matter. */
  protocols?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Controller targets, e.g. `ptcp:6653` (listen for ovs-ofctl) or `tcp:10.0.0.1:6653` (the port
   * may be left out: 6653). A set. Written in canonical form: IPs as OVS prints them (IPv6 in
   * brackets, compressed, lower case), host names in lower case, ports without leading zeros.
   */
  controllers?: pulumi.Input<pulumi.Input<string>[]>;
  /** Spanning tree on this bridge. */
  stpEnable?: pulumi.Input<boolean>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `other_config` (e.g. `disable-in-band`). Keys not listed here are left alone. */
  otherConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** An Open vSwitch bridge: `ovs-vsctl add-br NAME -- set bridge NAME …`. */
export class Bridge extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly host: pulumi.Output<Connection>;
  declare readonly datapathType: pulumi.Output<string | undefined>;
  declare readonly failMode: pulumi.Output<string | undefined>;
  declare readonly protocols: pulumi.Output<string[] | undefined>;
  declare readonly controllers: pulumi.Output<string[] | undefined>;
  declare readonly externalIds: pulumi.Output<Record<string, string> | undefined>;
  declare readonly otherConfig: pulumi.Output<Record<string, string> | undefined>;
  /** The Bridge row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /** `project/stack/resource` marker stored in the row's external_ids. */
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: BridgeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovs:Bridge"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "host", args.host),
      "ovs",
      "Bridge",
    );
  }
}
