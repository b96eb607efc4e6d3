import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets, type Connection, type OwnedArgs } from "../common";

/** The port's single interface (`ovs-vsctl set interface NAME …`). */
export interface InterfaceArgs {
  /**
   * Interface type: `""`/`system` (a network device such as a veth), `internal`, `tap`,
   * `patch`, `vxlan`, `geneve`, `gre`, … Default: system.
   */
  type?: pulumi.Input<string>;
  /** Keys to set in `options`, e.g. `{ remote_ip: "172.29.101.82", key: "flow" }` or `{ peer: "patch-b" }`. */
  options?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in the interface's `external_ids`, e.g. `{ "iface-id": "sw0-port1" }` to bind an OVN logical port. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in the interface's `other_config`. */
  otherConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Requested MTU (`mtu_request`). */
  mtuRequest?: pulumi.Input<number>;
  /** Requested OpenFlow port number (`ofport_request`), 1..65279. */
  ofportRequest?: pulumi.Input<number>;
  /**
   * MAC address of an internal interface (column `mac`), e.g. `"50:54:00:00:00:01"`; written in
   * lower case. Unset: ovs-vswitchd chooses one. Other interface types keep their device's MAC.
   */
  mac?: pulumi.Input<string>;
}

export interface PortArgs extends OwnedArgs {
  /** The host's Open_vSwitch database. */
  host: pulumi.Input<Connection>;
  /** Name of the bridge (e.g. `bridge.name`). Changing it replaces the port. */
  bridge: pulumi.Input<string>;
  /** Port and interface name (at most 15 characters). Changing it replaces the port. */
  name: pulumi.Input<string>;
  /** VLAN tag 0..4095 of an access port (`tag=100`). */
  tag?: pulumi.Input<number>;
  /** VLANs a trunk port carries. A set: order and repeats do not matter. */
  trunks?: pulumi.Input<pulumi.Input<number>[]>;
  /** `trunk`, `access`, `native-tagged`, `native-untagged` or `dot1q-tunnel`. */
  vlanMode?: pulumi.Input<string>;
  /** The interface: type, options, external_ids, MTU, ofport. */
  interface?: pulumi.Input<InterfaceArgs>;
  /** Keys to set in the port's `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in the port's `other_config`. */
  otherConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A port with its interface on a bridge: `ovs-vsctl add-port BRIDGE NAME tag=…`. */
export class Port extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly bridge: pulumi.Output<string>;
  declare readonly tag: pulumi.Output<number | undefined>;
  declare readonly trunks: pulumi.Output<number[] | undefined>;
  declare readonly vlanMode: pulumi.Output<string | undefined>;
  declare readonly interface: pulumi.Output<InterfaceArgs | undefined>;
  /** The Port row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /** The Interface row's uuid. */
  declare readonly interfaceUuid: pulumi.Output<string>;
  /**
   * The OpenFlow port number ovs-vswitchd assigned (null if not yet, -1 if the interface failed).
   * Runtime status, read at create, update and refresh: only as fresh as the last of them.
   */
  declare readonly ofport: pulumi.Output<number | null>;
  /**
   * ovs-vswitchd's error for the interface (e.g. no such device), if any.
   * Runtime status, read at create, update and refresh: only as fresh as the last of them.
   */
  declare readonly interfaceError: pulumi.Output<string | null>;
  /** `project/stack/resource` marker stored in the row's external_ids. */
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: PortArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovs:Port"),
      name,
      {
        ...args,
        owner: ownerMarker(name),
        uuid: undefined,
        interfaceUuid: undefined,
        ofport: undefined,
        interfaceError: undefined,
      },
      withSecrets(opts, "host", args.host),
      "ovs",
      "Port",
    );
  }
}
