/**
 * ovn.PortGroup: a Port_Group row of the northbound database (`ovn-nbctl pg-add NAME [PORT]…`), a
 * named set of logical switch ports (on any switches) that ACL matches use as `@name` and whose
 * addresses ovn-northd publishes as the address sets `$name_ip4` / `$name_ip6`; ACLs hang off it
 * (`ovn.Acl` with `portGroup`). Membership is owned port by port: ports others added to the group
 * survive. Declared only: the lifecycle comes from `provider/engine`.
 */
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound } from "./common";
import { matchNameArg } from "./address-set";
import { ovnName } from "./validation";
import { ACL_IDENTITY } from "./match";
import { refuseWhileNamed } from "./match-users";
import { setOf } from "../values";

export const portGroupSpec: TableSpec = {
  type: "ovn:PortGroup",
  doc:
    "An OVN port group: a named set of logical switch ports that ACL matches refer to as `@name` " +
    "(`ovn-nbctl pg-add NAME PORT…`); ACLs hang off it through `ovn.Acl`'s `portGroup`.",
  db: northbound,
  table: "Port_Group",
  noun: "port group",
  nameArg: "name",
  args: {
    name: matchNameArg("Group", "@", "Port_Group"),
    ports: {
      schema: setOf(
        ovnName("ports"),
        'ports: accepted a list of logical switch port names, e.g. ["web1"]',
      ).optional(),
      type: "string[]",
      doc:
        "Names of the logical switch ports in the group (`Port_Group.ports`; e.g. `[web1.name, web2.name]`), " +
        "on any switches. Membership is owned port by port: the ports listed are added, ports this " +
        "resource listed before and no longer lists are removed, ports others added stay (and the group " +
        "is not deleted while it holds them: FOREIGN_CHILDREN names them). Every port must exist when the " +
        "group is written. A set: order and repeats do not matter.",
      storage: { column: "ports", managedRefs: true },
      ref: { table: "Logical_Switch_Port", noun: "logical switch port", sdk: "ovn.LogicalSwitchPort" },
    },
    externalIds: mapArg("external_ids"),
  },
  children: [{ column: "acls", table: "ACL", noun: "ACL", describedBy: ACL_IDENTITY }],
  hooks: { beforeDelete: refuseWhileNamed("Port_Group", "port group") },
};

export const portGroupKind = tableKind(portGroupSpec);
