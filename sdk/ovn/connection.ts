import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets, type Connection, type OwnedArgs } from "../common";

interface ConnectionTargetArgs extends OwnedArgs {
  /**
   * Where the database listens (`ptcp:6641:0.0.0.0`, `pssl:6641`, `punix:PATH`) or connects to
   * (`tcp:IP:PORT`, `ssl:IP:PORT`, `unix:PATH`). Written in canonical form (IPv6 in brackets,
   * compressed, lower case). Changing it replaces the connection.
   */
  target: pulumi.Input<string>;
  /**
   * Milliseconds of idle time before the server probes the peer (`inactivity_probe`), e.g.
   * 60000; 0 disables. Unset: ovsdb-server's default (5000).
   */
  inactivityProbe?: pulumi.Input<number>;
  /** Longest wait between reconnection attempts for active targets, milliseconds (≥ 1000). */
  maxBackoff?: pulumi.Input<number>;
  /** Keys to set in `other_config` (e.g. `dscp`). Keys not listed here are left alone. */
  otherConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys to set in `external_ids`. Keys not listed here are left alone. */
  externalIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface NorthboundConnectionArgs extends ConnectionTargetArgs {
  /** The OVN northbound database to configure, e.g. `{ remote: "unix:/var/run/ovn/ovnnb_db.sock" }`. */
  nb: pulumi.Input<Connection>;
}

export interface SouthboundConnectionArgs extends ConnectionTargetArgs {
  /** The OVN southbound database to configure, e.g. `{ remote: "unix:/var/run/ovn/ovnsb_db.sock" }`. */
  sb: pulumi.Input<Connection>;
  /** Clients of this connection may only read. Default false. */
  readOnly?: pulumi.Input<boolean>;
  /** RBAC role of clients of this connection, e.g. `ovn-controller`. Default none (`""` means none too). */
  role?: pulumi.Input<string>;
}

/**
 * A listening target of the OVN northbound database (a Connection row in NB_Global.connections):
 * `ovn-nbctl set-connection ptcp:6641:0.0.0.0 -- set connection . inactivity_probe=60000`, without
 * removing other connections. Takes effect where ovsdb-server runs with
 * `--remote=db:OVN_Northbound,NB_Global,connections` (as ovn-ctl starts it).
 */
export class NorthboundConnection extends DynamicResource {
  declare readonly target: pulumi.Output<string>;
  declare readonly inactivityProbe: pulumi.Output<number | undefined>;
  declare readonly maxBackoff: pulumi.Output<number | undefined>;
  /** The Connection row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /**
   * Whether a peer is connected, as ovsdb-server reported it. Runtime status, read at create,
   * update and refresh: only as fresh as the last of them.
   */
  declare readonly isConnected: pulumi.Output<boolean | null>;
  /**
   * ovsdb-server's status of the connection (e.g. `bound_port`). Runtime status, read at create,
   * update and refresh: only as fresh as the last of them.
   */
  declare readonly status: pulumi.Output<Record<string, string>>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: NorthboundConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:NorthboundConnection"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined, isConnected: undefined, status: undefined },
      withSecrets(opts, "nb", args.nb),
      "ovn",
      "NorthboundConnection",
    );
  }
}

/**
 * A listening target of the OVN southbound database (a Connection row in SB_Global.connections):
 * `ovn-sbctl set-connection ptcp:6642:0.0.0.0 -- set connection . inactivity_probe=60000`, where
 * the chassis' ovn-controllers connect.
 */
export class SouthboundConnection extends DynamicResource {
  declare readonly target: pulumi.Output<string>;
  declare readonly inactivityProbe: pulumi.Output<number | undefined>;
  declare readonly maxBackoff: pulumi.Output<number | undefined>;
  declare readonly readOnly: pulumi.Output<boolean | undefined>;
  declare readonly role: pulumi.Output<string | undefined>;
  /** The Connection row's uuid. */
  declare readonly uuid: pulumi.Output<string>;
  /**
   * Whether a peer is connected, as ovsdb-server reported it. Runtime status, read at create,
   * update and refresh: only as fresh as the last of them.
   */
  declare readonly isConnected: pulumi.Output<boolean | null>;
  /**
   * ovsdb-server's status of the connection (e.g. `bound_port`). Runtime status, read at create,
   * update and refresh: only as fresh as the last of them.
   */
  declare readonly status: pulumi.Output<Record<string, string>>;
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: SouthboundConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("ovn:SouthboundConnection"),
      name,
      { ...args, owner: ownerMarker(name), uuid: undefined, isConnected: undefined, status: undefined },
      withSecrets(opts, "sb", args.sb),
      "ovn",
      "SouthboundConnection",
    );
  }
}
