/** Cookie families and generations: deterministic, disjoint from hand-added flows, never -1. */
import {
  EXACT_MASK,
  FAMILY_MASK,
  cookieBase,
  cookieSelector,
  familyOf,
  firstCookie,
  formatCookie,
  generationOf,
  inFamily,
  nextCookie,
  parseCookie,
} from "../../../provider/openflow/cookie";

describe("cookieBase", () => {
  it("is deterministic per owner marker and resource type", () => {
    expect(cookieBase("p/s/drop-con7")).toBe(cookieBase("p/s/drop-con7"));
    expect(cookieBase("p/s/drop-con7")).not.toBe(cookieBase("p/s/drop-con6"));
    expect(cookieBase("p/dev/f")).not.toBe(cookieBase("p/prod/f"));
    expect(cookieBase("p/s/f", "ovs:Flow")).not.toBe(cookieBase("p/s/f", "ovs:Other"));
  });
  it("has zero generation bits", () => {
    for (const o of ["a", "b", "p/s/x", "x".repeat(300)]) expect(cookieBase(o) & ~FAMILY_MASK).toBe(0n);
  });
});

describe("generations", () => {
  const base = cookieBase("p/s/f");
  it("starts at 1 and stays in the family", () => {
    expect(firstCookie(base)).toBe(base | 1n);
    expect(generationOf(firstCookie(base))).toBe(1);
    expect(inFamily(firstCookie(base), base)).toBe(true);
    expect(familyOf(firstCookie(base))).toBe(base);
    expect(inFamily(0n, base)).toBe(base === 0n);
  });
  it("moves to the next free generation", () => {
    const c1 = firstCookie(base);
    expect(nextCookie(c1, [c1])).toBe(base | 2n);
    expect(nextCookie(c1, [c1, base | 2n, base | 3n])).toBe(base | 4n);
  });
  it("wraps from 254 to 1 and never uses 0 or 255", () => {
    expect(nextCookie(base | 254n, [base | 254n])).toBe(base | 1n);
    const seen = new Set<number>();
    let c = firstCookie(base);
    for (let i = 0; i < 600; i++) {
      c = nextCookie(c, [c]);
      seen.add(generationOf(c));
    }
    expect(seen.has(0)).toBe(false);
    expect(seen.has(255)).toBe(false);
    expect(seen.size).toBe(254);
  });
  it("ignores cookies of other families", () => {
    const other = cookieBase("p/s/other");
    expect(nextCookie(base | 1n, [base | 1n, other | 2n])).toBe(base | 2n);
  });
  it("fails when every generation is live", () => {
    const all = Array.from({ length: 254 }, (_, i) => base | BigInt(i + 1));
    expect(() => nextCookie(base | 1n, all)).toThrow(/no free generation/);
  });
});

describe("formatting", () => {
  it("prints hex like ovs-ofctl and parses it back", () => {
    expect(formatCookie(0x1234n)).toBe("0x1234");
    expect(formatCookie(0n)).toBe("0x0");
    expect(parseCookie("0x1234")).toBe(0x1234n);
    expect(parseCookie("4660")).toBe(0x1234n);
    expect(parseCookie(formatCookie(EXACT_MASK))).toBe(EXACT_MASK);
    expect(() => parseCookie("0x1ffffffffffffffff")).toThrow();
    expect(() => parseCookie("abc")).toThrow();
  });
  it("writes selectors with -1 for the exact mask", () => {
    expect(cookieSelector(0x1201n, EXACT_MASK)).toBe("cookie=0x1201/-1");
    expect(cookieSelector(0x1200n, FAMILY_MASK)).toBe("cookie=0x1200/0xffffffffffffff00");
  });
});
