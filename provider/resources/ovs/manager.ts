/**
 * ovs.Manager: one OVSDB manager target of a host (a Manager row referenced from
 * Open_vSwitch.manager_options), e.g. `ptcp:6640` to open the database to remote access
 * (`ovs-vsctl set-manager ptcp:6640`, without touching other managers). Declared only: the
 * lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { target } from "../values";
import { openVswitch } from "./database";

const millis = (what: string, min: number, accepted: string) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int(`${what}: whole milliseconds`)
    .min(min, `${what}: ${accepted}`)
    .optional();

export const managerSpec: TableSpec = {
  type: "ovs:Manager",
  doc: "One OVSDB manager target of a host (`ovs-vsctl set-manager`, without touching other managers).",
  db: openVswitch,
  table: "Manager",
  noun: "manager",
  nameArg: "target",
  parent: {
    table: "Open_vSwitch",
    column: "manager_options",
    noun: "Open_vSwitch row",
    sdk: "initialise the database first (ovs-vsctl init)",
  },
  args: {
    target: {
      schema: target("target", { passive: true }),
      type: "string",
      doc:
        "Manager target (`Manager.target`): `ptcp:6640` (open the database to remote access), `pssl:6640`, " +
        "`punix:PATH`, or an outgoing `tcp:IP:PORT` / `ssl:IP:PORT`. Written in canonical form (IPv6 in " +
        "brackets, compressed, lower case).",
      storage: { column: "target" },
      replace: true,
    },
    inactivityProbe: {
      schema: millis("inactivityProbe", 0, "milliseconds, 0 disables the probe"),
      type: "number",
      doc: "Inactivity probe in milliseconds, 0 disables it (`inactivity_probe`). Default: 5000.",
      storage: { column: "inactivity_probe" },
    },
    maxBackoff: {
      schema: millis("maxBackoff", 1000, "milliseconds, at least 1000"),
      type: "number",
      doc: "Longest reconnection backoff in milliseconds (`max_backoff`), at least 1000. Default: 8000.",
      storage: { column: "max_backoff" },
    },
    connectionMode: {
      schema: z
        .enum(["in-band", "out-of-band"], { error: 'connectionMode: accepted "in-band" or "out-of-band"' })
        .optional(),
      type: '"in-band" | "out-of-band"',
      doc: "`in-band` or `out-of-band` (`connection_mode`). Default: in-band.",
      storage: { column: "connection_mode" },
    },
    externalIds: mapArg("external_ids"),
    otherConfig: mapArg("other_config", "`dscp`"),
  },
};

export const managerKind = tableKind(managerSpec);
