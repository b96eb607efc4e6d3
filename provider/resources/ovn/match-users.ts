/**
 * Who names an address set or a port group in a match, or a meter in an ACL's `meter`: a delete of
 * one that a rule still names would leave that rule naming nothing (ovn-northd then drops its flows,
 * or for a meter its log entries go unlimited, and logs an error, so the policy silently changes).
 * The delete is refused instead (STILL_REFERENCED), naming the rules.
 *
 * When the match was built from the row's name output, Pulumi deletes the ACL first; a match
 * written as a literal string carries no such order, so a rule of the same stack deleted in the
 * same run may still be there: those are waited for a few seconds before the delete is refused.
 */
import { eq, select, type OvsdbClient, type Row } from "../../ovsdb";
import { ResourceError } from "../../errors";
import type { Hooks } from "../../engine/spec";
import { describeRow } from "../../engine/rows";
import { managedBy, refuseWhileUsed, type RowUser } from "../../engine/users";
import { ownerOf } from "../common";
import { NB_DB } from "./common";
import { ACL_IDENTITY, namesOf } from "./match";

/**
 * The tables of rules whose match can name an address set or a port group, what identifies a rule
 * on its parent, and where they hang.
 */
const RULE_TABLES = [
  {
    table: "ACL",
    noun: "ACL",
    identity: ACL_IDENTITY,
    extra: ["meter"],
    parents: [
      { table: "Logical_Switch", column: "acls", noun: "logical switch" },
      { table: "Port_Group", column: "acls", noun: "port group" },
    ],
  },
  {
    table: "QoS",
    noun: "QoS rule",
    identity: ACL_IDENTITY,
    extra: [],
    parents: [{ table: "Logical_Switch", column: "qos_rules", noun: "logical switch" }],
  },
  {
    table: "Logical_Router_Policy",
    noun: "router policy",
    identity: ["priority", "match"],
    extra: [],
    parents: [{ table: "Logical_Router", column: "policies", noun: "logical router" }],
  },
] as const;

/** What a rule can name: an address set or a port group (in its match), a meter (an ACL's `meter`). */
export type NamedTable = "Address_Set" | "Port_Group" | "Meter";

/** Whether `rule` names `name` of `table`. */
const names = (rule: Row, table: NamedTable, name: string): boolean =>
  table === "Meter" ? rule.meter === name : namesOf(rule.match as string, table, name).length > 0;

/**
 * The rules (ACLs, QoS rules, router policies) whose match names `name` of `table`, other than
 * those hanging only off the row being deleted (`self`: they go with it).
 */
export async function matchUsers(
  c: OvsdbClient,
  table: NamedTable,
  name: string,
  self: string,
): Promise<RowUser[]> {
  const ops = RULE_TABLES.flatMap((r) => [
    select(r.table, [], ["_uuid", ...r.identity, ...r.extra, "external_ids"]),
    ...r.parents.map((p) => select(p.table, [], ["_uuid", "name", p.column])),
  ]);
  const results = (await c.transact(NB_DB, ops)).map((r) => (r.rows ?? []) as Row[]);
  const out: RowUser[] = [];
  for (const r of RULE_TABLES) {
    const rules = results.shift() ?? [];
    const holders = r.parents.map((p) => ({ ...p, rows: results.shift() ?? [] }));
    for (const rule of rules) {
      if (!names(rule, table, name)) continue;
      const uuid = rule._uuid as string;
      const on = holders.flatMap((h) =>
        h.rows.filter((p) => (p[h.column] as string[]).includes(uuid)).map((p) => ({ p, noun: h.noun })),
      );
      if (on.length && on.every(({ p }) => p._uuid === self)) continue;
      const where = on.map(({ p, noun }) => `${noun} ${String(p.name)}`).join(", ") || "no parent";
      out.push({
        table: r.table,
        where: [eq("_uuid", uuid)],
        owner: ownerOf(rule),
        text: `${describeRow(r.noun, rule, r.identity)} on ${where} (${managedBy(rule)})`,
      });
    }
  }
  return out.sort((a, b) => a.text.localeCompare(b.text));
}

/** A match built from the name output of an address set or a port group, as messages show it. */
export const MATCH_EXAMPLE = {
  Address_Set: "pulumi.interpolate`ip4.src == $${set.name}`",
  Port_Group: "pulumi.interpolate`outport == @${group.name}`",
} as const;

/** How a rule names a row of each table, and the way to let Pulumi order the delete, for messages. */
const NAMED_BY: Record<NamedTable, { how: string; leaves: string; example: string }> = {
  Address_Set: {
    how: "the match of",
    leaves: "naming nothing (ovn-northd drops their flows)",
    example: `a match built from the name output (e.g. ${MATCH_EXAMPLE.Address_Set})`,
  },
  Port_Group: {
    how: "the match of",
    leaves: "naming nothing (ovn-northd drops their flows)",
    example: `a match built from the name output (e.g. ${MATCH_EXAMPLE.Port_Group})`,
  },
  Meter: {
    how: "the `meter` of",
    leaves: "naming a meter that does not exist",
    example: "an ACL's meter given as the name output (meter: m.name)",
  },
};

/**
 * The `beforeDelete` hook of an address set, a port group or a meter (`noun`: how messages call
 * it): refuses the delete while an ACL's, a QoS rule's or a router policy's match, or an ACL's `meter`,
 * names the row.
 */
export function refuseWhileNamed(table: NamedTable, noun: string): NonNullable<Hooks["beforeDelete"]> {
  const { how, leaves, example } = NAMED_BY[table];
  return refuseWhileUsed(
    NB_DB,
    (c, live) => matchUsers(c, table, live.name as string, live._uuid as string),
    (live, users) =>
      new ResourceError(
        "STILL_REFERENCED",
        `${noun} ${String(live.name)} is still named by ${how} ${users.length === 1 ? "a rule" : "rules"}: ` +
          `${users.map((u) => u.text).join("; ")}. Deleting it would leave ${users.length === 1 ? "that rule" : "those rules"} ` +
          `${leaves}: change or delete them first. ` +
          `${example[0].toUpperCase()}${example.slice(1)} lets Pulumi change or delete the rule before the ${noun}`,
      ),
  );
}
