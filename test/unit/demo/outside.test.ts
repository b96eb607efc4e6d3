/** The demo's way out (issue 12): the gateway's addresses and the matrix rows of the outside checks. */
import { nthAddress, subnetOf } from "../../../demo/gateway";
import { matrixRows, seenAsText, type OutsideResult } from "../../../demo/topology";

describe("gateway addresses", () => {
  test("nthAddress counts from the network address", () => {
    expect(nthAddress("203.0.113.0/24", 1)).toBe("203.0.113.1");
    expect(nthAddress("203.0.113.0/24", 2)).toBe("203.0.113.2");
    expect(nthAddress("10.1.0.0/16", 258)).toBe("10.1.1.2");
  });

  test("subnetOf turns a router port's network into the SNAT rule's logical network", () => {
    expect(subnetOf("192.168.0.1/24")).toBe("192.168.0.0/24");
    expect(subnetOf("11.0.0.1/24")).toBe("11.0.0.0/24");
  });
});

describe("outside rows", () => {
  test("seenAsText shows each address once, failures counted, and blocked when nothing answered", () => {
    expect(seenAsText(["203.0.113.2", "203.0.113.2"])).toBe("reach, seen as 203.0.113.2");
    expect(seenAsText(["203.0.113.2", "-"])).toBe("reach, seen as 203.0.113.2 (1 failed)");
    expect(seenAsText(["11.0.0.2", "203.0.113.2"])).toBe("reach, seen as 11.0.0.2, 203.0.113.2");
    expect(seenAsText(["-", "-"])).toBe("blocked");
  });

  test("the matrix ends with one row per tenant, expected against seen", () => {
    const target = { namespace: "sbx-demo.ext", ip: "203.0.113.1", snatIp: "203.0.113.2" };
    const results: OutsideResult[] = [
      { from: "vm1", what: "via gw", seenAs: ["203.0.113.2"], ok: true },
      { from: "vm3", what: "via gw", seenAs: ["11.0.0.2"], ok: false },
    ];
    const rows = matrixRows([], [], { results, target });
    expect(rows).toEqual([
      [
        "vm1 -> outside 203.0.113.1:8080",
        "192.168.0.2 -> 203.0.113.1:8080",
        "via gw",
        "reach, seen as 203.0.113.2",
        "reach, seen as 203.0.113.2",
        "ok",
      ],
      [
        "vm3 -> outside 203.0.113.1:8080",
        "11.0.0.2 -> 203.0.113.1:8080",
        "via gw",
        "reach, seen as 203.0.113.2",
        "reach, seen as 11.0.0.2",
        "MISMATCH",
      ],
    ]);
    expect(matrixRows([], [])).toEqual([]);
  });
});
