import type * as pulumi from "@pulumi/pulumi";
import type { Connection, OwnedArgs } from "../common";

/** The OVN northbound database a resource lives in. */
export interface NorthboundDatabaseArgs extends OwnedArgs {
  /**
   * The OVN northbound database, e.g. `{ remote: "tcp:10.0.0.1:6641" }` or
   * `{ remote: "unix:/var/run/ovn/ovnnb_db.sock" }`; all members of a clustered database,
   * comma-separated (the leader is found and followed). Changing it replaces the resource.
   */
  nb: pulumi.Input<Connection>;
}

/** The OVN southbound database a resource lives in. */
export interface SouthboundDatabaseArgs extends OwnedArgs {
  /**
   * The OVN southbound database, e.g. `{ remote: "unix:/var/run/ovn/ovnsb_db.sock" }`; all members
   * of a clustered database, comma-separated. Changing it replaces the resource.
   */
  sb: pulumi.Input<Connection>;
}

/** Arguments every OVN northbound resource of the logical network takes. */
export interface NorthboundArgs extends NorthboundDatabaseArgs {
  /**
   * Wait, after each change, until every chassis has applied it (ovn-northd reports
   * `NB_Global.hv_cfg` caught up with the `nb_cfg` bumped in the same transaction), like
   * `ovn-nbctl --wait=hv`. Then a `pulumi up` that returns means the flows are installed and
   * traffic can flow. Default false.
   */
  waitForChassis?: pulumi.Input<boolean>;
  /** How long `waitForChassis` waits before failing, in seconds (1..3600). Default 60. */
  waitTimeoutSeconds?: pulumi.Input<number>;
}
