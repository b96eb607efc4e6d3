/**
 * ovn.LogicalRouterPolicy (issue 12) without a server: what check (preview) refuses, naming the
 * argument, the canonical next hops, the identity (priority and match) and the router's children.
 */
import { makeHandler, type Props } from "../../../provider/framework";
import { matchFamilies, policyKind, policySpec } from "../../../provider/resources/ovn/router-policy";
import { routerSpec } from "../../../provider/resources/ovn/logical-router";
import { anotherIdentity } from "../../../provider/engine/table";

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";
const h = makeHandler(policyKind);
const failures = async (i: Props) => (await h.check({}, { ...i, owner })).failures;

const drop = { nb, router: "lr0", priority: 100, match: "ip4.dst == 10.0.2.20", action: "drop" };
const reroute = {
  nb,
  router: "lr0",
  priority: 90,
  match: "ip4.src == 10.0.1.0/24 && ip4.dst == 10.0.2.30",
  action: "reroute",
  nexthops: ["10.0.3.2"],
};

describe("ovn.LogicalRouterPolicy check", () => {
  it("accepts drop, allow and reroute with next hops; next hops canonical, as a set", async () => {
    expect(await failures(drop)).toEqual([]);
    expect(await failures({ ...drop, action: "allow", options: { pkt_mark: "5" } })).toEqual([]);
    const r = await h.check({}, { ...reroute, nexthops: ["FD00::0:2", "fd00::1"], match: "ip6", owner });
    expect(r.failures).toEqual([]);
    expect(r.inputs.nexthops).toEqual(["fd00::1", "fd00::2"]);
  });

  it("reroute without next hops, next hops without reroute, a bad address: each names nexthops", async () => {
    // Left out: a failure of the resource (the engine shows no `value {<nil>}`), naming nexthops.
    expect(await failures({ ...reroute, nexthops: undefined })).toEqual([
      { property: "", reason: expect.stringMatching(/nexthops: action "reroute" needs nexthops/) },
    ]);
    expect(await failures({ ...reroute, nexthops: [] })).toEqual([
      { property: "nexthops", reason: expect.stringMatching(/needs nexthops/) },
    ]);
    expect(await failures({ ...drop, nexthops: ["10.0.3.2"] })).toEqual([
      { property: "nexthops", reason: expect.stringMatching(/only to action "reroute", not "drop"/) },
    ]);
    expect((await failures({ ...reroute, nexthops: ["10.0.3.300"] }))[0].property).toMatch(/^nexthops/);
  });

  it("next hops of two families, or of another family than the match selects, are refused", async () => {
    expect(await failures({ ...reroute, nexthops: ["10.0.3.2", "fd00::2"] })).toEqual([
      { property: "nexthops", reason: expect.stringMatching(/one address family/) },
    ]);
    expect(await failures({ ...reroute, nexthops: ["fd00::2"] })).toEqual([
      {
        property: "nexthops",
        reason: expect.stringMatching(/the match selects IPv4 packets; the next hops are IPv6$/),
      },
    ]);
    expect(await failures({ ...reroute, match: "icmp6", nexthops: ["10.0.3.2"] })).toEqual([
      {
        property: "nexthops",
        reason: expect.stringMatching(/the match selects IPv6 packets; the next hops are IPv4$/),
      },
    ]);
    // A match of no family (e.g. a port) or of both leaves the family to the next hops.
    expect(await failures({ ...reroute, match: 'inport == "lr0-sw1"', nexthops: ["fd00::2"] })).toEqual([]);
  });

  it("a match OVN cannot parse, an action or priority outside the column: refused at preview", async () => {
    expect(await failures({ ...drop, match: "ip4.dts == 10.0.2.20" })).toEqual([
      { property: "match", reason: expect.stringMatching(/unknown field ip4\.dts/) },
    ]);
    expect((await failures({ ...drop, match: "ip4 &&" })).map((f) => f.property)).toEqual(["match"]);
    expect((await failures({ ...drop, action: "reject" })).map((f) => f.property)).toEqual(["action"]);
    expect((await failures({ ...drop, priority: 32768 })).map((f) => f.property)).toEqual(["priority"]);
  });

  it("matchFamilies reads field names, not strings or comments", () => {
    expect([...matchFamilies("ip4.dst == 1.2.3.4 && tcp")]).toEqual([4]);
    expect([...matchFamilies('inport == "ip6" /* ip6 */')]).toEqual([]);
    expect([...matchFamilies("ip4 || nd_ns")].sort()).toEqual([4, 6]);
  });
});

describe("identity", () => {
  it("priority and match identify a policy on its router and force replacement", async () => {
    expect(policySpec.matchArgs).toEqual(["priority", "match"]);
    expect(anotherIdentity(policySpec)).toBe(
      "change its priority or match (they identify a router policy on its logical router)",
    );
    const olds = { ...drop, owner, uuid: "u" };
    expect((await h.diff("u", olds, { ...olds, match: "ip4.dst == 10.0.2.21" })).replaces).toEqual(["match"]);
    expect((await h.diff("u", olds, { ...olds, priority: 101 })).replaces).toEqual(["priority"]);
    const inPlace = await h.diff("u", olds, { ...olds, action: "allow" });
    expect([inPlace.replaces, inPlace.diffs]).toEqual([[], ["action"]]);
  });

  it("a router names its policies among its children, by priority and match", () => {
    expect(routerSpec.children).toContainEqual({
      column: "policies",
      table: "Logical_Router_Policy",
      noun: "router policy",
      describedBy: ["priority", "match"],
    });
  });
});
