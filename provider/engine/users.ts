/**
 * Rows that still use a row being deleted, found by the resource (a rule's match naming an address
 * set, a port's weak reference to DHCP options): the `beforeDelete` hook built here refuses the
 * delete while any is left (STILL_REFERENCED, the resource's own message). Users of the same stack
 * may be going in the same run without Pulumi knowing the order (a literal name in a match), so
 * when every user is the stack's own they are waited for a few seconds first.
 */
import { wait, type Condition, type OvsdbClient, type Row } from "../ovsdb";
import type { ResourceError } from "../errors";
import { ownerOf, stackOf, waitUntil } from "../resources/common";
import type { Hooks } from "./spec";

/** How long a delete waits for users of its own stack to go (deleted or changed in the same run). */
export const SAME_RUN_WAIT_MS = 5_000;

/** A row that uses the row being deleted. */
export interface RowUser {
  table: string;
  /** Selects the user while it still uses the row (e.g. its uuid, and the referencing column). */
  where: Condition[];
  /** Its owner marker, when a stack manages it. */
  owner?: string;
  /** The user in messages, e.g. `ACL to-lport 1000 "ip4.src == $admins" on logical switch sw0 (…)`. */
  text: string;
}

/** How messages say who manages `row`. */
export const managedBy = (row: Row): string => {
  const owner = ownerOf(row);
  return owner ? `managed by ${owner}` : "not managed by pulumi-ovs";
};

/**
 * The `beforeDelete` hook refusing a delete while `users` finds rows of database `db` using the
 * row (`refusal`: the error naming them).
 */
export function refuseWhileUsed(
  db: string,
  users: (c: OvsdbClient, live: Row) => Promise<RowUser[]>,
  refusal: (live: Row, users: RowUser[]) => ResourceError,
): NonNullable<Hooks["beforeDelete"]> {
  return async ({ c, s, live }) => {
    let found = await users(c, live);
    const stack = stackOf(s.owner as string);
    if (found.length && found.every((u) => u.owner !== undefined && stackOf(u.owner) === stack)) {
      const unused = found.map((u) =>
        wait(u.table, u.where, ["_uuid"], [], { until: "==", timeout: SAME_RUN_WAIT_MS }),
      );
      await waitUntil(c, db, unused, SAME_RUN_WAIT_MS); // whether they went or not, look again
      found = await users(c, live);
    }
    if (found.length) throw refusal(live, found);
  };
}
