/**
 * IPv6 addresses are written as inet_ntop (and so ovn-nbctl) prints them, so that a row made by
 * hand and the same row from a program compare equal (a mismatch let a hand-made route be
 * duplicated instead of refused with NAME_TAKEN).
 */
import { canonIp, canonPrefix } from "../../../provider/resources/values";

describe("IPv6 in inet_ntop form", () => {
  it.each([
    ["::FFFF:10.0.0.1", "::ffff:10.0.0.1"], // IPv4-mapped: dotted tail
    ["::ffff:a00:1", "::ffff:10.0.0.1"],
    ["::ffff:0:0", "::ffff:0.0.0.0"],
    ["::10.0.0.1", "::10.0.0.1"], // IPv4-compatible: dotted tail
    ["::1", "::1"],
    ["::", "::"],
    ["FD00:0:0:0::1", "fd00::1"],
    ["fd00:0:0:1:0:0:0:1", "fd00:0:0:1::1"],
    ["1:0:0:0:0:ffff:a00:1", "1::ffff:a00:1"], // not mapped: the zero run does not start the address
  ])("%s is written %s", (input, want) => {
    expect(canonIp(input)).toEqual({ value: want });
  });

  it("keeps the dotted tail in a route prefix, as ovn-nbctl lr-route-add writes it", () => {
    expect(canonPrefix("::FFFF:10.0.0.0/104")).toEqual({ value: "::ffff:10.0.0.0/104" });
  });
});
