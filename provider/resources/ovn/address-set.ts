/**
 * ovn.AddressSet: an Address_Set row of the northbound database (`ovn-nbctl create Address_Set`),
 * a named set of addresses that ACL and QoS matches use as `$name`. Declared only: the
 * lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import { mapArg, type ArgSpec, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound } from "./common";
import { refuseWhileNamed } from "./match-users";
import { prefix, setOf, PREFIX_FORM } from "../values";

/** What OVN's match lexer takes as an identifier after `$`. */
export const SET_NAME = /^[A-Za-z_.][A-Za-z0-9_.]*$/;

/**
 * The unique name of a row that matches refer to after `sigil` (`$` an address set, `@` a port
 * group): `Noun name (TABLE.name, unique) …`.
 */
export function matchNameArg(noun: string, sigil: "$" | "@", table: string): ArgSpec {
  return {
    schema: z
      .string({ error: "name must be a string" })
      .regex(
        SET_NAME,
        `name: accepted letters, digits, '_' and '.', not starting with a digit (matches use it as ${sigil}name)`,
      ),
    type: "string",
    doc:
      `${noun} name (\`${table}.name\`, unique), as matches refer to it after \`${sigil}\`: letters, digits, ` +
      "`_` and `.`, not starting with a digit. Renaming replaces the row (the new one is made first), so " +
      "ACLs whose match is built from the name output follow it; the old row is not deleted while a " +
      "match still names it (STILL_REFERENCED).",
    storage: { column: "name" },
    replace: true,
    createsFirst: true,
  };
}

export const addressSetSpec: TableSpec = {
  type: "ovn:AddressSet",
  doc:
    "An OVN address set: a named set of IPv4/IPv6 addresses and networks that ACL and QoS matches " +
    "refer to as `$name` (`ovn-nbctl create Address_Set name=NAME addresses=…`).",
  db: northbound,
  table: "Address_Set",
  noun: "address set",
  nameArg: "name",
  args: {
    name: matchNameArg("Set", "$", "Address_Set"),
    addresses: {
      schema: setOf(prefix("addresses"), `addresses: accepted a list of ${PREFIX_FORM}`).optional(),
      type: "string[]",
      doc:
        "Members (`Address_Set.addresses`): IPv4 or IPv6 addresses and networks with host bits zero, " +
        'e.g. `["10.0.0.5", "10.1.0.0/16", "fd00::/64"]`. A set: order and repeats do not matter; ' +
        "stored as `ovn-nbctl` writes them (a /32 or /128 as the bare address). Default: empty.",
      storage: { column: "addresses" },
    },
    externalIds: mapArg("external_ids"),
  },
  hooks: { beforeDelete: refuseWhileNamed("Address_Set", "address set") },
};

export const addressSetKind = tableKind(addressSetSpec);
