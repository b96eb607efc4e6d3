/**
 * A host's Open_vSwitch database as the resources declared with `provider/engine` reach it: the
 * `host` connection, `adopt` and the owner marker.
 */
import { z } from "zod";
import { getClient, getReader, type Connection } from "../../pool";
import { connectionSchema, describeConnection, ownerSchema } from "../common";
import { adoptArg, connectionArg, type DatabaseBinding } from "../../engine/spec";

export const VSWITCH = "Open_vSwitch";

export const openVswitch: DatabaseBinding = {
  name: VSWITCH,
  connectionArg: "host",
  base: { host: connectionSchema, adopt: z.boolean().optional(), owner: ownerSchema },
  baseArgs: {
    host: connectionArg(
      'The host\'s Open_vSwitch database, e.g. `{ remote: "unix:/var/run/openvswitch/db.sock" }` or ' +
        '`{ remote: "tcp:10.0.0.5:6640" }`. Changing it replaces the resource.',
    ),
    adopt: adoptArg,
  },
  sdkBase: { name: "HostArgs", from: "./common", doc: "Arguments every Open vSwitch resource takes." },
  client: (i) => getClient(i.host as Connection, VSWITCH),
  readClient: (i) => getReader(i.host as Connection, VSWITCH),
  commit: async (c, ops) => (ops.some((o) => o.op !== "wait") ? c.transact(VSWITCH, ops) : undefined),
  where: (i) => describeConnection(i.host as Connection | undefined),
};
