/**
 * A host's Open_vSwitch database as the resources declared with `provider/engine` reach it: the
 * `host` connection, `adopt` and the owner marker.
 */
import { z } from "zod";
import { getClient, type Connection } from "../../pool";
import { connectionSchema, describeConnection, ownerSchema } from "../common";
import type { DatabaseBinding } from "../../engine/spec";

export const VSWITCH = "Open_vSwitch";

export const openVswitch: DatabaseBinding = {
  name: VSWITCH,
  connectionArg: "host",
  base: { host: connectionSchema, adopt: z.boolean().optional(), owner: ownerSchema },
  sdkBase: { name: "HostArgs", from: "./common" },
  client: (i) => getClient(i.host as Connection, VSWITCH),
  commit: async (c, ops) => (ops.some((o) => o.op !== "wait") ? c.transact(VSWITCH, ops) : undefined),
  where: (i) => describeConnection(i.host as Connection | undefined),
};
