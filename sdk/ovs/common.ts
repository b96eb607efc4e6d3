import type * as pulumi from "@pulumi/pulumi";
import type { Connection, OwnedArgs } from "../common";

/** Arguments every Open vSwitch resource takes. */
export interface HostArgs extends OwnedArgs {
  /**
   * The host's Open_vSwitch database, e.g. `{ remote: "unix:/var/run/openvswitch/db.sock" }` or
   * `{ remote: "tcp:10.0.0.5:6640" }`. Changing it replaces the resource.
   */
  host: pulumi.Input<Connection>;
}
