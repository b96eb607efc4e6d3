/**
 * Planning flow changes for one managed flow. Pure: the observed flows of the resource's cookie
 * family and the desired spec in, a list of steps out (`[]` when nothing needs to change).
 *
 * Order is part of the contract: an `add` always comes before the `delete`s it makes obsolete, so
 * the bridge is never without the flow (no window); a `modify` changes actions in place.
 */
import { familyOf, firstCookie, nextCookie } from "./cookie";
import { normalizeActions, sameIdentity, type DumpedFlow, type FlowSpec } from "./syntax";

export type FlowStep =
  /** `add-flow` with cookie `cookie` (a value, no mask). */
  | { kind: "add"; cookie: bigint; flow: FlowSpec }
  /** `mod-flows --strict` selecting exactly `cookie` (`cookie=C/-1`) plus table, priority, match. */
  | { kind: "modify"; cookie: bigint; flow: FlowSpec }
  /** `del-flows cookie=C/-1`: every flow carrying exactly this cookie (one generation of the family). */
  | { kind: "delete"; cookie: bigint };

/** How the switch rendered the flow after the last apply (the reference for drift). */
export type InstalledFlow = FlowSpec;

/** Distinct cookies of `flows`, in order of first appearance. */
function cookiesOf(flows: readonly DumpedFlow[]): bigint[] {
  return [...new Set(flows.map((f) => f.cookie))];
}

/**
 * Create: add the flow under a generation of `base`'s family no live flow uses, then delete every
 * flow in `live` (the resource's flows of any instance: leftovers of an interrupted run, of an
 * earlier stack with the same name, or the predecessor of a replacement).
 */
export function planCreate(base: bigint, live: readonly DumpedFlow[], desired: FlowSpec): FlowStep[] {
  const used = cookiesOf(live);
  const mine = used.filter((c) => familyOf(c) === familyOf(base));
  const cookie = mine.length === 0 ? firstCookie(base) : nextCookie(firstCookie(base), mine);
  return [
    { kind: "add", cookie, flow: desired },
    ...used.map((c) => ({ kind: "delete" as const, cookie: c })),
  ];
}

export interface UpdateInput {
  /** The cookie the state says the flow carries. */
  current: bigint;
  /** The spec applied last time (the previous inputs, or what refresh found). */
  previous: FlowSpec;
  /** How the switch rendered it after that apply. */
  installed?: InstalledFlow;
  desired: FlowSpec;
  /** The family's flows as they are now. */
  live: readonly DumpedFlow[];
}

/**
 * Update:
 * - Same table, priority, match and timeouts, and the live flow still looks as installed: change
 *   the actions with `mod-flows --strict` if they differ (keeps the flow's counters), and delete
 *   leftovers of other generations.
 * - Otherwise (a new match, priority, table or timeouts; the flow was deleted by hand; its match
 *   renders differently because a named port was re-created under another number): add the new
 *   flow under the next generation, then delete every other generation by exact cookie.
 */
export function planUpdate(u: UpdateInput): FlowStep[] {
  const cur = u.live.find((f) => f.cookie === u.current);
  const others = cookiesOf(u.live).filter((c) => c !== u.current);
  const unchangedEntry =
    cur !== undefined &&
    u.installed !== undefined &&
    sameIdentity(u.previous, u.desired) &&
    sameIdentity(cur, u.installed);
  if (unchangedEntry) {
    const steps: FlowStep[] = [];
    const actionsChanged =
      normalizeActions(u.previous.actions) !== normalizeActions(u.desired.actions) ||
      cur.actions !== (u.installed as InstalledFlow).actions;
    if (actionsChanged) steps.push({ kind: "modify", cookie: u.current, flow: u.desired });
    return [...steps, ...others.map((c) => ({ kind: "delete" as const, cookie: c }))];
  }
  const used = [...cookiesOf(u.live), u.current];
  const cookie = nextCookie(u.current, used);
  const stale = cookiesOf(u.live).filter((c) => familyOf(c) === familyOf(u.current));
  return [
    { kind: "add", cookie, flow: u.desired },
    ...stale.map((c) => ({ kind: "delete" as const, cookie: c })),
  ];
}

/** The cookie the flow carries after `steps` ran (the last add's, else `current`). */
export function cookieAfter(current: bigint, steps: readonly FlowStep[]): bigint {
  const adds = steps.filter((s) => s.kind === "add");
  return adds.length ? adds[adds.length - 1].cookie : current;
}
