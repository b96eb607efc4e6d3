/**
 * Who names an address set or a port group in a match: a delete of one that an ACL's match still
 * names would leave that ACL naming nothing (ovn-northd then drops its flows and logs an error, so
 * the policy silently changes). The delete is refused instead (STILL_REFERENCED), naming the ACLs.
 *
 * When the match was built from the row's name output, Pulumi deletes the ACL first; a match
 * written as a literal string carries no such order, so an ACL of the same stack deleted in the
 * same run may still be there: those are waited for a few seconds before the delete is refused.
 */
import { eq, select, wait, OvsdbTransactionError, type OvsdbClient, type Row } from "../../ovsdb";
import { ResourceError } from "../../errors";
import type { Hooks } from "../../engine/spec";
import { describeRow } from "../../engine/rows";
import { ownerOf, stackOf } from "../common";
import { NB_DB } from "./common";
import { ACL_IDENTITY, namesOf } from "./match";

/** How long a delete waits for ACLs of its own stack that name the row to go (deleted in the same run). */
export const SAME_RUN_WAIT_MS = 5_000;

/** An ACL whose match names the row, and where it hangs. */
export interface MatchUser {
  uuid: string;
  /** e.g. `ACL to-lport 1000 "outport == @web && ip4" on port group web (owner proj/dev/web-http)`. */
  text: string;
  owner?: string;
}

/**
 * The ACLs whose match names `name` of `table`, other than those hanging only off the row being
 * deleted (`self`: they go with it).
 */
export async function matchUsers(
  c: OvsdbClient,
  table: "Address_Set" | "Port_Group",
  name: string,
  self: string,
): Promise<MatchUser[]> {
  const [acls, switches, groups] = (
    await c.transact(NB_DB, [
      select("ACL", [], ["_uuid", ...ACL_IDENTITY, "external_ids"]),
      select("Logical_Switch", [], ["_uuid", "name", "acls"]),
      select("Port_Group", [], ["_uuid", "name", "acls"]),
    ])
  ).map((r) => (r.rows ?? []) as Row[]);
  const parents = (uuid: string) => [
    ...switches
      .filter((p) => (p.acls as string[]).includes(uuid))
      .map((p) => ({ p, noun: "logical switch" })),
    ...groups.filter((p) => (p.acls as string[]).includes(uuid)).map((p) => ({ p, noun: "port group" })),
  ];
  const out: MatchUser[] = [];
  for (const acl of acls) {
    const tokens = namesOf(acl.match as string, table, name);
    const on = parents(acl._uuid as string);
    if (!tokens.length || on.every(({ p }) => p._uuid === self)) continue;
    const owner = ownerOf(acl);
    const where =
      on.map(({ p, noun }) => `${noun} ${String(p.name)}`).join(", ") || "no switch or port group";
    const by = owner ? `managed by ${owner}` : "not managed by pulumi-ovs";
    out.push({
      uuid: acl._uuid as string,
      owner,
      text: `${describeRow("ACL", acl, ACL_IDENTITY)} on ${where} (${by})`,
    });
  }
  return out.sort((a, b) => a.text.localeCompare(b.text));
}

/** Waits up to `ms` for the ACLs `uuids` to be gone (resolves either way). */
async function untilGone(c: OvsdbClient, uuids: string[], ms: number): Promise<void> {
  try {
    await c.transact(
      NB_DB,
      uuids.map((u) => wait("ACL", [eq("_uuid", u)], ["_uuid"], [], { until: "==", timeout: ms })),
      { timeoutMs: ms + 10_000 },
    );
  } catch (e) {
    if (!(e instanceof OvsdbTransactionError && e.error === "timed out")) throw e;
  }
}

/** A match built from the name output of an address set or a port group, as messages show it. */
export const MATCH_EXAMPLE = {
  Address_Set: "pulumi.interpolate`ip4.src == $${set.name}`",
  Port_Group: "pulumi.interpolate`outport == @${group.name}`",
} as const;

/**
 * The `beforeDelete` hook of an address set or a port group (`noun`: how messages call it): refuses
 * the delete while an ACL's match names the row.
 */
export function refuseWhileNamed(
  table: "Address_Set" | "Port_Group",
  noun: string,
): NonNullable<Hooks["beforeDelete"]> {
  return async ({ c, s, live }) => {
    const name = live.name as string;
    const self = live._uuid as string;
    let users = await matchUsers(c, table, name, self);
    const ours = users.filter(
      (u) => u.owner !== undefined && stackOf(u.owner) === stackOf(s.owner as string),
    );
    if (users.length && ours.length === users.length) {
      // Maybe deleted in this same run (a literal match gives Pulumi no order): give them a moment.
      await untilGone(
        c,
        ours.map((u) => u.uuid),
        SAME_RUN_WAIT_MS,
      );
      users = await matchUsers(c, table, name, self);
    }
    if (!users.length) return;
    throw new ResourceError(
      "STILL_REFERENCED",
      `${noun} ${name} is still named by ${users.length === 1 ? "an ACL match" : "ACL matches"}: ` +
        `${users.map((u) => u.text).join("; ")}. Deleting it would leave ${users.length === 1 ? "that rule" : "those rules"} ` +
        `naming nothing (ovn-northd drops their flows): change or delete them first. A match built from the ` +
        `name output (e.g. ${MATCH_EXAMPLE[table]}) lets Pulumi delete the rule before the ${noun}`,
    );
  };
}
