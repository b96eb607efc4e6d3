import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets } from "../common";
import type { NorthboundArgs } from "./common";

export interface LogicalRouterNatArgs extends NorthboundArgs {
  /** Name of the logical router (e.g. `lr0.name`). Changing it replaces the rule. */
  router: pulumi.Input<string>;
  /**
   * `snat` (logical sources leave as `externalIp`), `dnat` (`externalIp` is forwarded to
   * `logicalIp`) or `dnat_and_snat` (both: a floating IP). Changing it replaces the rule.
   */
  type: pulumi.Input<"snat" | "dnat" | "dnat_and_snat">;
  /** The external address (IPv6 written compressed, lower case). Changing it replaces the rule. */
  externalIp: pulumi.Input<string>;
  /**
   * The logical address, or for `snat` a logical network like `192.168.0.0/24` (host bits zero; a
   * `/32` or `/128` is written as the bare address, as `ovn-nbctl lr-nat-add` does). Changing it
   * replaces the rule.
   */
  logicalIp: pulumi.Input<string>;
  /** For a distributed floating IP (`dnat_and_snat`): the logical port holding `logicalIp`. */
  logicalPort?: pulumi.Input<string>;
  /** For a distributed floating IP: the MAC answering for `externalIp` (needs `logicalPort`); written in lower case. */
  externalMac?: pulumi.Input<string>;
  /** Restrict the external ports used: `"PORT"` or `"FIRST-LAST"`, within 1..65535, ascending. */
  externalPortRange?: pulumi.Input<string>;
  /** The distributed gateway port the rule applies to (a router port name), when the router has several. */
  gatewayPort?: pulumi.Input<string>;
  /** Keys to set in `options` (e.g. `stateless`). Keys not listed here are left alone. */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A NAT rule of a logical router: `ovn-nbctl lr-nat-add ROUTER TYPE EXTERNAL_IP LOGICAL_IP`. */
export class LogicalRouterNat extends DynamicResource {
  declare readonly router: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly externalIp: pulumi.Output<string>;
  declare readonly logicalIp: pulumi.Output<string>;
  /** The NAT row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: LogicalRouterNatArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:LogicalRouterNat"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "LogicalRouterNat",
    );
  }
}
