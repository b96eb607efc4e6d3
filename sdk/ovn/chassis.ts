import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets, type Connection, type OwnedArgs } from "../common";

export interface ChassisConfigArgs extends OwnedArgs {
  /** The hypervisor's Open_vSwitch database (where ovn-controller reads its settings). */
  host: pulumi.Input<Connection>;
  /** `external_ids:system-id`: the chassis name in the southbound database, e.g. `host1` (no spaces or commas). */
  systemId?: pulumi.Input<string>;
  /**
   * `external_ids:ovn-remote`: the OVN southbound database as ovn-controller reaches it, e.g.
   * `tcp:10.0.0.1:6642` (comma-separated for a clustered database). Written in canonical form:
   * no spaces around commas, IPv6 in brackets, compressed, lower case.
   */
  ovnRemote?: pulumi.Input<string>;
  /**
   * `external_ids:ovn-encap-type`: tunnel type(s) other chassis use to reach this one: `geneve`,
   * `vxlan`, `stt`, or several (`["geneve", "vxlan"]` or `"geneve,vxlan"`, stored comma-separated,
   * sorted: a set).
   */
  encapType?: pulumi.Input<string | pulumi.Input<string>[]>;
  /** `external_ids:ovn-encap-ip`: this host's tunnel endpoint (underlay) IP, e.g. `172.29.101.123` (IPv6 written compressed, lower case). */
  encapIp?: pulumi.Input<string>;
  /**
   * `external_ids:ovn-bridge-mappings`: physical network name → local OVS bridge, e.g.
   * `{ physnet1: "br-eth0" }` (or the string form `physnet1:br-eth0,physnet2:br-eth1`).
   */
  bridgeMappings?: pulumi.Input<Record<string, pulumi.Input<string>> | string>;
  /**
   * `external_ids:ovn-bridge-datapath-type`: datapath of the br-int ovn-controller creates:
   * `netdev` (userspace, where no kernel module is loaded) or `system`.
   */
  bridgeDatapathType?: pulumi.Input<"system" | "netdev">;
  /**
   * Further keys of the Open_vSwitch row's `external_ids` this resource sets and owns, with their
   * OVSDB names, e.g. `{ "ovn-cms-options": "enable-chassis-as-gw", "ovn-remote-probe-interval": "60000" }`.
   */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The OVN settings of one hypervisor (`ovs-vsctl set open . external-ids:ovn-remote=…
 * external-ids:ovn-encap-type=… external-ids:ovn-encap-ip=…`). The resource owns only the keys it
 * sets: keys written by ovn-controller or other tools survive update and destroy. Keys someone
 * else already set are taken over only with `adopt: true` (destroy then removes them).
 */
export class ChassisConfig extends DynamicResource {
  declare readonly systemId: pulumi.Output<string | undefined>;
  declare readonly ovnRemote: pulumi.Output<string | undefined>;
  /** Comma-separated, e.g. `geneve,vxlan`. */
  declare readonly encapType: pulumi.Output<string | undefined>;
  declare readonly encapIp: pulumi.Output<string | undefined>;
  declare readonly bridgeMappings: pulumi.Output<Record<string, string> | undefined>;
  declare readonly bridgeDatapathType: pulumi.Output<string | undefined>;
  declare readonly externalIds: pulumi.Output<Record<string, string> | undefined>;
  /** The Open_vSwitch row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: ChassisConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:ChassisConfig"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "host", args.host),
      "ovn",
      "ChassisConfig",
    );
  }
}
