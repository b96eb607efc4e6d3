/**
 * Flow ownership through OpenFlow cookies. Pure: no I/O.
 *
 * A cookie is `resource (40 bits) | instance (16 bits) | generation (8 bits)`:
 * - the resource part is a hash of the owner marker (`project/stack/resource`);
 * - the instance part tells apart the instances of one resource: a create-before-delete
 *   replacement (`pulumi up --replace`) creates a second instance with the same marker. Every create
 *   picks a random instance number no live flow of the resource uses, so the old instance's delete
 *   (which removes only its own instance) never removes the new instance's flow;
 * - the generation changes on every update that re-adds the flow (below).
 * An instance's *family* is its resource and instance bits (`cookie=0xBASE00/0xffffffffffffff00`);
 * reads, updates and deletes select flows by cookie with a mask (the family, or `cookie=0xCOOKIE/-1`
 * for one generation), so flows added by hand (cookie 0 by default) or by a controller are never
 * touched. State written before instances existed has the family {@link cookieBase} (its instance
 * bits are the hash's); new instances never use that instance number.
 *
 * Why generations: when the match, priority or table changes, the new flow is added with the next
 * generation *before* the old generation is deleted by its exact cookie. The old flow is selected by
 * cookie alone, never by re-parsing its match (which could resolve port names differently once a
 * port was renumbered, or select the freshly added flow when the old and new matches are the same
 * after canonicalisation), so there is no moment without a flow and nothing else is deleted.
 */
import { createHash, randomInt as cryptoRandomInt } from "node:crypto";

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
 * The hash base of the resource with owner marker `owner` (generation bits zero): its resource part
 * selects every instance (with {@link RESOURCE_MASK}); as a family it is the legacy instance (state
 * written before instances existed). Deterministic: the same marker always gives the same base.
 */
export function cookieBase(owner: string, resourceType = "ovs:Flow"): bigint {
  const digest = createHash("sha256").update(`pulumi-ovs\u0000${resourceType}\u0000${owner}`).digest();
  return digest.readBigUInt64BE(0) & FAMILY_MASK;
}

/** Mask selecting every instance of a resource (the 40-bit hash). */
export const RESOURCE_MASK = 0xffff_ffff_ff00_0000n;
const INSTANCE_SHIFT = 8n;
const INSTANCE_COUNT = 0x1_0000;

/** The resource part of a cookie (instance and generation bits zero). */
export function resourceOf(cookie: bigint): bigint {
  return cookie & RESOURCE_MASK;
}

/** The instance number (0..65535) of a cookie. */
export function instanceOf(cookie: bigint): number {
  return Number((cookie & ~RESOURCE_MASK & FAMILY_MASK) >> INSTANCE_SHIFT);
}

/**
 * The family base of a new instance of the resource whose hash base is `base` ({@link cookieBase}):
 * a random instance number that none of the `live` cookies of the resource uses and that is not the
 * legacy instance (`base`'s own). `randomInt(n)` returns an integer in 0..n-1. Pure apart from it.
 */
export function newInstanceBase(
  base: bigint,
  live: Iterable<bigint>,
  randomInt: (n: number) => number = (n) => cryptoRandomInt(n),
): bigint {
  const resource = resourceOf(base);
  const taken = new Set<number>([instanceOf(base)]);
  for (const c of live) if (resourceOf(c) === resource) taken.add(instanceOf(c));
  const free = INSTANCE_COUNT - taken.size;
  if (free <= 0) throw new Error(`cookie resource ${formatCookie(resource)} has no free instance`);
  // The k-th free instance number, k uniform: no retry loop, no bias.
  let k = randomInt(free);
  for (let n = 0; ; n++) {
    if (taken.has(n)) continue;
    if (k-- === 0) return resource | (BigInt(n) << INSTANCE_SHIFT);
  }
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
