import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets, type Connection, type OwnedArgs } from "../common";

export interface ManagerArgs extends OwnedArgs {
  /** The host's Open_vSwitch database. */
  host: pulumi.Input<Connection>;
  /**
   * Manager target: `ptcp:6640` (listen for remote OVSDB clients on TCP port 6640),
   * `pssl:6640`, `punix:PATH`, or an outgoing `tcp:IP:PORT` / `ssl:IP:PORT`. Written in canonical
   * form (IPv6 in brackets, compressed, lower case). Changing it replaces the row.
   */
  target: pulumi.Input<string>;
  /** Inactivity probe in milliseconds (0 disables). */
  inactivityProbe?: pulumi.Input<number>;
  /** Longest reconnection backoff in milliseconds. */
  maxBackoff?: pulumi.Input<number>;
  /** `in-band` or `out-of-band`. */
  connectionMode?: pulumi.Input<"in-band" | "out-of-band">;
  /** Keys to set in the Manager row's `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in the Manager row's `other_config` (e.g. `dscp`). Keys not listed here are left alone. */
  otherConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** One OVSDB manager target of a host (`ovs-vsctl set-manager`, without touching other managers). */
export class Manager extends DynamicResource {
  declare readonly target: pulumi.Output<string>;
  /** The Manager row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /** `project/stack/resource` marker stored in the row's external_ids. */
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: ManagerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovs:Manager"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined },
      withSecrets(opts, "host", args.host),
      "ovs",
      "Manager",
    );
  }
}
