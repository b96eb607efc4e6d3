import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets } from "../common";
import type { NorthboundArgs } from "./common";

export interface LogicalSwitchPortArgs extends NorthboundArgs {
  /** Name of the logical switch (e.g. `sw0.name`). Changing it moves the port in place. */
  switch: pulumi.Input<string>;
  /**
   * Port name, unique across all switches. A container binds to it through its OVS interface's
   * `external_ids:iface-id`. Changing it replaces the port.
   */
  name: pulumi.Input<string>;
  /**
   * `addresses`, each one of: `"MAC IP…"` (static, e.g. `"50:54:00:00:00:01 192.168.0.2"`),
   * `"dynamic"` (ovn-northd assigns MAC and IP from the switch's `subnet`), `"MAC dynamic"`,
   * `"dynamic IP"`, `"router"` (type router only) or `"unknown"`. A set: order and repeats do not
   * matter. Written in canonical form: words separated by one space, MACs in lower case, IPv6
   * compressed in lower case (`"0A:00:00:00:00:01  FD00::0001 "` is `"0a:00:00:00:00:01 fd00::1"`).
   */
  addresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `port_security`: the MAC (and IPs or CIDRs) the port may send from, e.g.
   * `["50:54:00:00:00:01 192.168.0.2"]`. A set, canonical like `addresses`.
   */
  portSecurity?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Port type: `""` (a VM or container interface, default), `router` (needs
   * `options["router-port"]`), `localnet` (needs `options.network_name`), `localport`,
   * `l2gateway`, `vtep`, `external`, `virtual`, `remote`.
   */
  type?: pulumi.Input<string>;
  /** Keys to set in `options`, e.g. `{ "router-port": "lrp0" }`. Keys not listed here are left alone. */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** For a container inside a VM: the VM's logical port (`lsp-add SWITCH PORT PARENT TAG`). */
  parentName?: pulumi.Input<string>;
  /**
   * The VLAN tag a container port asks for (`tag_request`, the `TAG` of `lsp-add SWITCH PORT
   * PARENT TAG`), 1..4095; 0 or unset lets ovn-northd choose. Needs `parentName`. The tag in use
   * is the output `tag`.
   */
  tagRequest?: pulumi.Input<number>;
  /** Administrative state; false drops the port's traffic. Default: enabled. */
  enabled?: pulumi.Input<boolean>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A logical switch port: `ovn-nbctl lsp-add SWITCH NAME -- lsp-set-addresses NAME …`. */
export class LogicalSwitchPort extends DynamicResource {
  declare readonly switch: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly addresses: pulumi.Output<string[] | undefined>;
  declare readonly portSecurity: pulumi.Output<string[] | undefined>;
  declare readonly type: pulumi.Output<string | undefined>;
  declare readonly options: pulumi.Output<Record<string, string> | undefined>;
  /** The Logical_Switch_Port row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /**
   * What ovn-northd assigned for a `"dynamic"` address, e.g. `"0a:00:00:00:00:01 192.168.0.3"`
   * (create waits up to 10 s for it); null when nothing was assigned.
   * Runtime status, read at create, update and refresh: only as fresh as the last of them.
   */
  declare readonly dynamicAddresses: pulumi.Output<string | null>;
  /** The MAC part of `dynamicAddresses` (as fresh as `dynamicAddresses`). */
  declare readonly dynamicMac: pulumi.Output<string | null>;
  /** The IPv4 part of `dynamicAddresses` (as fresh as `dynamicAddresses`). */
  declare readonly dynamicIpv4: pulumi.Output<string | null>;
  /** The IPv6 part of `dynamicAddresses` (as fresh as `dynamicAddresses`). */
  declare readonly dynamicIpv6: pulumi.Output<string | null>;
  /**
   * True once a chassis has bound the port.
   * Runtime status, read at create, update and refresh: only as fresh as the last of them.
   * A port created in this `pulumi up` usually shows false: a chassis binds it only once the
   * interface that names it (`iface-id`) exists, after the create; `pulumi refresh` reads it again.
   */
  declare readonly up: pulumi.Output<boolean | null>;
  /**
   * The VLAN tag of a container port (`tag`): `tagRequest` if given, otherwise the one ovn-northd
   * chose; null for a port without `parentName`.
   * Runtime status, read at create, update and refresh: only as fresh as the last of them.
   */
  declare readonly tag: pulumi.Output<number | null>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: LogicalSwitchPortArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:LogicalSwitchPort"),
      name,
      {
        uuid: undefined,
        dynamicAddresses: undefined,
        dynamicMac: undefined,
        dynamicIpv4: undefined,
        dynamicIpv6: undefined,
        up: undefined,
        tag: undefined,
        // After the outputs: `tag` passed by a program written before the rename reaches check.
        ...args,
        owner: ownerMarker(name),
      },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "LogicalSwitchPort",
    );
  }
}
