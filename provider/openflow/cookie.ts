/**
 * Flow ownership through OpenFlow cookies. Pure: no I/O.
 *
 * Every `ovs.Flow` resource owns a *cookie family*: the upper 56 bits (the base) are a hash of the
 * resource's owner marker (`project/stack/resource`), the lower 8 bits are a generation. The flow
 * the resource installs carries `base | generation`. Reads, updates and deletes only ever select
 * flows by cookie with a mask (`cookie=0xBASE00/0xffffffffffffff00` for the whole family,
 * `cookie=0xCOOKIE/-1` for one generation), so flows added by hand (cookie 0 by default) or by a
 * controller are never touched.
 *
 * Why generations: when the match, priority or table changes, the new flow is added with the next
 * generation *before* the old generation is deleted by its exact cookie. The old flow is selected by
 * cookie alone, never by re-parsing its match (which could resolve port names differently once a
 * port was renumbered, or select the freshly added flow when the old and new matches are the same
 * after canonicalisation), so there is no moment without a flow and nothing else is deleted.
 */
import { createHash } from "node:crypto";

/** Bits of the cookie that hold the generation. */
export const GENERATION_BITS = 8n;
/** Mask selecting a resource's whole family (all generations). */
export const FAMILY_MASK = 0xffff_ffff_ffff_ff00n;
/** Mask selecting exactly one cookie. */
export const EXACT_MASK = 0xffff_ffff_ffff_ffffn;
const GENERATION_MASK = (1n << GENERATION_BITS) - 1n;
/** Generations used: 1..254 (0 keeps the family from ever being all-zero, 255 keeps clear of -1). */
const FIRST_GENERATION = 1n;
const LAST_GENERATION = 254n;

/**
 * The family base (generation bits zero) of the resource with owner marker `owner`. Deterministic:
 * the same marker always gives the same family, so a re-created stack finds its own flows.
 */
export function cookieBase(owner: string, resourceType = "ovs:Flow"): bigint {
  const digest = createHash("sha256").update(`pulumi-ovs\u0000${resourceType}\u0000${owner}`).digest();
  return digest.readBigUInt64BE(0) & FAMILY_MASK;
}

/** The family (base) a cookie belongs to. */
export function familyOf(cookie: bigint): bigint {
  return cookie & FAMILY_MASK;
}

/** The generation of a cookie (0..255). */
export function generationOf(cookie: bigint): number {
  return Number(cookie & GENERATION_MASK);
}

/** True when `cookie` belongs to the family `base`. */
export function inFamily(cookie: bigint, base: bigint): boolean {
  return familyOf(cookie) === familyOf(base);
}

/** The first cookie of a family: `base | 1`. */
export function firstCookie(base: bigint): bigint {
  return familyOf(base) | FIRST_GENERATION;
}

/**
 * The next cookie of the family after `current` that no live flow uses (`used`): generations cycle
 * through 1..254. Throws only if all 254 generations are live at once (a family that somebody else
 * copied onto hundreds of flows).
 */
export function nextCookie(current: bigint, used: Iterable<bigint>): bigint {
  const base = familyOf(current);
  const taken = new Set<bigint>();
  for (const c of used) if (inFamily(c, base)) taken.add(c & GENERATION_MASK);
  let g = current & GENERATION_MASK;
  const span = LAST_GENERATION - FIRST_GENERATION + 1n;
  for (let i = 0n; i < span; i++) {
    g = g >= LAST_GENERATION || g < FIRST_GENERATION ? FIRST_GENERATION : g + 1n;
    if (!taken.has(g)) return base | g;
  }
  throw new Error(`cookie family ${formatCookie(base)} has no free generation (all 254 in use)`);
}

/** `0x…` in lower-case hex without leading zeros, as ovs-ofctl prints cookies. */
export function formatCookie(cookie: bigint): string {
  return `0x${cookie.toString(16)}`;
}

/** The `cookie=VALUE/MASK` field of a flow spec. `-1` is ovs-ofctl's spelling of the all-ones mask. */
export function cookieSelector(cookie: bigint, mask: bigint): string {
  return `cookie=${formatCookie(cookie)}/${mask === EXACT_MASK ? "-1" : formatCookie(mask)}`;
}

/** Parse a cookie as ovs-ofctl prints it (`0x1f`) or a decimal number; throws on anything else. */
export function parseCookie(text: string): bigint {
  const s = text.trim();
  if (/^0x[0-9a-f]+$/i.test(s) || /^\d+$/.test(s)) {
    const v = BigInt(s);
    if (v <= EXACT_MASK) return v;
  }
  throw new Error(`not a 64-bit cookie: ${JSON.stringify(text)}`);
}
