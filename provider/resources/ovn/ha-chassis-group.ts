/**
 * ovn.HaChassisGroup: an HA_Chassis_Group row of the northbound database with its HA_Chassis rows
 * (`ovn-nbctl ha-chassis-group-add NAME`, `ha-chassis-group-add-chassis NAME CHASSIS PRIORITY`,
 * `ha-chassis-group-remove-chassis`): the chassis that may host a distributed gateway port
 * (`ovn.LogicalRouterPort` `haChassisGroup`) or an external port, with their priorities; the
 * highest-priority live chassis claims it. A member whose chassis stays is updated in place.
 * A group still referenced by a router port or a switch port is not deleted (STILL_REFERENCED).
 * Declared only: the lifecycle comes from `provider/engine`.
 */
import { eq, select, type OvsdbClient, type Row } from "../../ovsdb";
import { ResourceError } from "../../errors";
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { managedBy, refuseWhileUsed, type RowUser } from "../../engine/users";
import { ownerOf } from "../common";
import { NB_DB, northbound } from "./common";
import { ovnName } from "./validation";
import { chassisFields, chassisList } from "./chassis-priorities";

/** The port tables whose `ha_chassis_group` references a group, and how messages call their rows. */
const PORT_TABLES = [
  ["Logical_Router_Port", "logical router port"],
  ["Logical_Switch_Port", "logical switch port"],
] as const;

/** The router and switch ports that reference the group `self`. */
async function portUsers(c: OvsdbClient, self: string): Promise<RowUser[]> {
  const results = await c.transact(
    NB_DB,
    PORT_TABLES.map(([t]) => select(t, [eq("ha_chassis_group", self)], ["_uuid", "name", "external_ids"])),
  );
  return PORT_TABLES.flatMap(([table, noun], k) =>
    ((results[k].rows ?? []) as Row[]).map((row) => ({
      table,
      where: [eq("_uuid", row._uuid as string), eq("ha_chassis_group", self)],
      owner: ownerOf(row),
      text: `${noun} ${String(row.name)} (${managedBy(row)})`,
    })),
  ).sort((a, b) => a.text.localeCompare(b.text));
}

/**
 * A group a port still references cannot go (the reference is strong: the server would refuse the
 * transaction with a bare referential integrity error): refused naming the ports. Ports of the same
 * stack are first waited for a few seconds (changed or deleted in the same run).
 */
const refuseWhileReferenced = refuseWhileUsed(
  NB_DB,
  (c, live) => portUsers(c, live._uuid as string),
  (live, users) =>
    new ResourceError(
      "STILL_REFERENCED",
      `HA chassis group ${String(live.name)} (${String(live._uuid)}) is still used by ` +
        `${users.map((u) => u.text).join(", ")}: change those ports' haChassisGroup or delete them first. ` +
        "A router port's haChassisGroup given as the group's name output (group.name) lets Pulumi do so in order",
    ),
);

export const haChassisGroupSpec: TableSpec = {
  type: "ovn:HaChassisGroup",
  doc:
    "An HA chassis group: the chassis that may host a distributed gateway port (`ovn.LogicalRouterPort` " +
    "`haChassisGroup`), with their priorities; the highest-priority live chassis claims the port " +
    "(`ovn-nbctl ha-chassis-group-add NAME`, `ha-chassis-group-add-chassis NAME CHASSIS PRIORITY`, " +
    "`ha-chassis-group-remove-chassis`). Not deleted while a port still uses it.",
  db: northbound,
  table: "HA_Chassis_Group",
  noun: "HA chassis group",
  nameArg: "name",
  args: {
    name: {
      schema: ovnName("name"),
      type: "string",
      doc:
        "Group name (`HA_Chassis_Group.name`, unique), as a router port's `haChassisGroup` names it. " +
        "Renaming replaces the row (the new one is made first), so ports whose `haChassisGroup` is the name " +
        "output follow it; the old row is not deleted while a port still uses it (STILL_REFERENCED).",
      storage: { column: "name" },
      replace: true,
      createsFirst: true,
    },
    chassis: {
      schema: chassisList("chassis").optional(),
      type: "(string | HaChassisArgs)[]",
      outputType: "HaChassisArgs[]",
      doc:
        "The group's chassis (`HA_Chassis_Group.ha_chassis`, HA_Chassis rows): chassis names in priority " +
        "order (first preferred), or `{ chassis, priority }` objects; a chassis given twice is refused. " +
        "Compared as a set of `{ chassis, priority }`; a chassis whose priority changes is updated in place.",
      storage: {
        column: "ha_chassis",
        rows: {
          table: "HA_Chassis",
          key: "chassis",
          marked: true,
          doc: "One chassis of an HA chassis group, with its priority: an HA_Chassis row.",
          args: chassisFields("HA_Chassis"),
        },
      },
    },
    externalIds: mapArg("external_ids"),
  },
  hooks: { beforeDelete: refuseWhileReferenced },
};

export const haChassisGroupKind = tableKind(haChassisGroupSpec);
