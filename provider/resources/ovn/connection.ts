/**
 * ovn.NorthboundConnection / ovn.SouthboundConnection: one listening (or connecting) target of the
 * OVN databases, a Connection row referenced from NB_Global.connections / SB_Global.connections
 * (`ovn-nbctl set-connection ptcp:6641:0.0.0.0 -- set connection . inactivity_probe=60000`, without
 * removing the other connections). ovsdb-server applies them when started with
 * `--remote=db:OVN_Northbound,NB_Global,connections` (as ovn-ctl does). Declared only: the
 * lifecycle comes from `provider/engine`.
 *
 * Connection rows are not root rows: delete removes the reference and the server drops the row.
 * When the database has no global row yet (no ovn-northd ran), create inserts one.
 */
import { z } from "zod";
import type { Row } from "../../ovsdb";
import { getClient, type Connection } from "../../pool";
import { connectionSchema, ownerSchema } from "../common";
import {
  adoptArg,
  connectionArg,
  mapArg,
  type ArgSpec,
  type DatabaseBinding,
  type OutputSpec,
  type TableSpec,
} from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { identifier, target } from "../values";
import { NB_CONNECTION_DOC, NB_DB, SB_DB, describeNb, describeSb, type StringMap } from "./common";

/** A database binding of the connection resources: the connection argument, `adopt`, `owner`. */
function binding(
  name: string,
  arg: "nb" | "sb",
  sdkBase: string,
  describe: (c: Connection | undefined) => string,
  connectionDoc: string,
): DatabaseBinding {
  return {
    name,
    connectionArg: arg,
    base: { [arg]: connectionSchema, adopt: z.boolean().optional(), owner: ownerSchema },
    baseArgs: { [arg]: connectionArg(connectionDoc), adopt: adoptArg },
    sdkBase: {
      name: sdkBase,
      from: "./common",
      doc: `The ${name === NB_DB ? "OVN northbound" : "OVN southbound"} database a resource lives in.`,
    },
    client: (i) => getClient(i[arg] as Connection, name),
    commit: async (c, ops) => (ops.some((o) => o.op !== "wait") ? c.transact(name, ops) : undefined),
    where: (i) => describe(i[arg] as Connection | undefined),
  };
}

const millis = (what: string, min: number, accepted: string) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int(`${what}: whole milliseconds`)
    .min(min, `${what}: ${accepted}`)
    .optional();

/** The arguments of both connection resources. */
const targetArgs: Record<string, ArgSpec> = {
  target: {
    schema: target("target", { passive: true }),
    type: "string",
    doc:
      "Where the database listens (`ptcp:6641:0.0.0.0`, `pssl:6641`, `punix:PATH`) or connects to " +
      "(`tcp:IP:PORT`, `ssl:IP:PORT`, `unix:PATH`); column `Connection.target`. Written in canonical form " +
      "(IPv6 in brackets, compressed, lower case).",
    storage: { column: "target" },
    replace: true,
  },
  inactivityProbe: {
    schema: millis("inactivityProbe", 0, "milliseconds, 0 disables the probe (e.g. 60000)"),
    type: "number",
    doc:
      "Milliseconds of idle time before the server probes the peer (`inactivity_probe`), e.g. 60000; 0 " +
      "disables. Unset: ovsdb-server's default (5000).",
    storage: { column: "inactivity_probe" },
  },
  maxBackoff: {
    schema: millis("maxBackoff", 1000, "milliseconds, at least 1000"),
    type: "number",
    doc: "Longest wait between reconnection attempts for active targets, milliseconds, at least 1000 (`max_backoff`).",
    storage: { column: "max_backoff" },
  },
  otherConfig: mapArg("other_config", "`dscp`"),
  externalIds: mapArg("external_ids"),
};

const RUNTIME = "Runtime status, read at create, update and refresh: only as fresh as the last of them.";

/** Runtime status of the connection, as ovsdb-server reports it. */
const statusOutputs: Record<string, OutputSpec> = {
  isConnected: {
    doc: `Whether a peer is connected, as ovsdb-server reported it (\`is_connected\`). ${RUNTIME}`,
    type: "boolean | null",
    from: (r: Row) => (r.is_connected as boolean | undefined) ?? null,
  },
  status: {
    doc: `ovsdb-server's status of the connection (\`status\`, e.g. \`bound_port\`). ${RUNTIME}`,
    type: "Record<string, string>",
    from: (r: Row) => (r.status as StringMap | undefined) ?? {},
  },
};

const common = {
  table: "Connection",
  noun: "connection",
  nameArg: "target",
  outputs: statusOutputs,
} as const;

export const nbConnectionSpec: TableSpec = {
  ...common,
  type: "ovn:NorthboundConnection",
  doc:
    "A listening target of the OVN northbound database (a Connection row in NB_Global.connections): " +
    "`ovn-nbctl set-connection ptcp:6641:0.0.0.0 -- set connection . inactivity_probe=60000`, without " +
    "removing other connections. Takes effect where ovsdb-server runs with " +
    "`--remote=db:OVN_Northbound,NB_Global,connections` (as ovn-ctl starts it).",
  db: binding(NB_DB, "nb", "NorthboundDatabaseArgs", describeNb, NB_CONNECTION_DOC),
  parent: {
    table: "NB_Global",
    column: "connections",
    noun: "NB_Global row",
    sdk: "",
    createIfMissing: true,
  },
  args: targetArgs,
};

export const sbConnectionSpec: TableSpec = {
  ...common,
  type: "ovn:SouthboundConnection",
  doc:
    "A listening target of the OVN southbound database (a Connection row in SB_Global.connections): " +
    "`ovn-sbctl set-connection ptcp:6642:0.0.0.0 -- set connection . inactivity_probe=60000`, where the " +
    "chassis' ovn-controllers connect.",
  db: binding(
    SB_DB,
    "sb",
    "SouthboundDatabaseArgs",
    describeSb,
    'The OVN southbound database, e.g. `{ remote: "unix:/var/run/ovn/ovnsb_db.sock" }`; all members ' +
      "of a clustered database, comma-separated. Changing it replaces the resource.",
  ),
  parent: {
    table: "SB_Global",
    column: "connections",
    noun: "SB_Global row",
    sdk: "",
    createIfMissing: true,
  },
  args: {
    ...targetArgs,
    readOnly: {
      schema: z.boolean({ error: "readOnly must be true or false" }).optional(),
      type: "boolean",
      doc: "Clients of this connection may only read (`read_only`). Default false.",
      storage: { column: "read_only" },
      empty: false,
      implied: false,
    },
    role: {
      schema: identifier("role", { emptyIsUnset: true }).optional(),
      type: "string",
      doc: 'RBAC role of clients of this connection (`role`), e.g. `ovn-controller`. Default none (`""` means none too).',
      storage: { column: "role" },
      empty: "",
    },
  },
};

export const nbConnectionKind = tableKind(nbConnectionSpec);
export const sbConnectionKind = tableKind(sbConnectionSpec);
