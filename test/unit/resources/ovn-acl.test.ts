/**
 * ovn.Acl and ovn.PortGroup without a server: the match checks made at preview (each verdict here
 * was compared with OVN 23.03's own parser, `ovn-trace`, on the same match; the integration test
 * ovn-match-oracle.test.ts does that for several hundred matches), the rule that an ACL
 * hangs off exactly one of a switch and a port group, and the per-port planning of a port group's
 * membership (ports others added survive).
 */
import { checkInputs, diffInputs, type Props } from "../../../provider/framework";
import { matchProblem, matchReferences } from "../../../provider/resources/ovn/match";
import { aclKind, aclSpec } from "../../../provider/resources/ovn/acl";
import { inputsFromRow } from "../../../provider/engine/table";
import { portGroupSpec } from "../../../provider/resources/ovn/port-group";
import { planRefSetUpdate, refSetColumns, refSetsFromRow } from "../../../provider/engine/ref-sets";

const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };
const owner = "proj/dev/acl";

describe("OVN match checks without the database", () => {
  it.each([
    "outport == @web && ip4.src == $admins && tcp.dst == 22",
    'inport == "p1" && eth.src == 00:00:00:00:00:01',
    "ip6.src == {fe80::1, ::1, 1::2}",
    'is_chassis_resident("p1")',
    "ip4.src == 1.2.3.4/24 && tcp.dst == {80, 443} && !ct.new",
    "(ip4 || ip6) && udp.dst == 53",
    "eth.src[0] && reg0[1..3] == 0x5 && tcp.dst == 0x50",
    "ct.est && ct_label.blocked == 0",
    "1",
    "tcp.dst == 65535 && ip.dscp == 63 && vlan.vid == 4095",
    "ip4.src == 0.0.0.0/0 && ip6.dst == fe80::/10",
    "80 < tcp.dst < 90",
    '!(outport != "p1") && !ct.new',
    "ip4 /* comment */ && tcp // comment",
  ])("accepts %s", (m) => {
    expect(matchProblem(m)).toBeUndefined();
  });

  it.each([
    ["ip4.sorc == 10.0.0.1", /unknown field ip4\.sorc/],
    ["ip4.src == 10.0.0.1 && (tcp", /'\(' at position 23 is not closed/],
    ["tcp)", /'\)' at position 3 has no opening '\('/],
    ["ip4.src == {1.1.1.1, 2.2.2.2)", /closes '\{'/],
    ['inport == "p1', /quoted string at position 10 is not closed/],
    ['outport == "p1" && ip4.dst == 10.0.0.0/8 || ip6', /must be parenthesized/],
    ["true", /unknown field true/],
    ["tcp_src == 80", /unknown field tcp_src/],
    ['is_local("p1")', /unknown function is_local\(\)/],
    ["ip4.src == $", /'\$' at position 11 must be followed by an address set name/],
    ["  ", /empty/],
    ["ip4 &&", /a constant expected at the end of the match/],
    ["tcp.dst == 80 ||", /at the end of the match/],
    ["tcp.dst == 99999", /99999 is a 17-bit constant; tcp\.dst has 16 bits \(at most 65535\)/],
    ["ip.dscp == 64", /ip\.dscp has 6 bits \(at most 63\)/],
    ["vlan.vid == 4096", /vlan\.vid has 12 bits/],
    ["ip.ttl == 256", /ip\.ttl has 8 bits/],
    ["ip4.src == 1.2.3.4/33", /prefix length of 1\.2\.3\.4\/33 is above 32/],
    ["ip6.src == fe80::1/129", /above 128/],
    ["ip4.src == 256.1.1.1", /256\.1\.1\.1 is not a number, a MAC, an IPv4 or an IPv6 address/],
    ["eth.src == 00:00:00:00:00:0g", /not a number, a MAC/],
    ["tcp.dst == 080", /leading zeros/],
    ["inport == 0", /inport is a string field/],
    ['inport != "p1"', /nominal field/],
    ["!ip4", /nominal predicate/],
    ["!tcp.dst == 80", /parentheses/],
    ["tcp.dst == 80 ip4", /should end at position 14/],
  ])("refuses %s", (m, reason) => {
    expect(matchProblem(m)).toMatch(reason);
  });

  it("lists the address sets and port groups a match names, once each", () => {
    expect(
      matchReferences('outport == @web && (ip4.src == $admins || ip4.src == $web_ip4) && inport != "@x"'),
    ).toEqual({ addressSets: ["admins", "web_ip4"], portGroups: ["web"] });
  });
});

describe("ovn:Acl check", () => {
  const base = { nb, direction: "to-lport", priority: 1000, match: "ip4", action: "drop", owner };
  const failures = (i: Props) => checkInputs(aclKind, i).failures;

  it("needs exactly one of switch and portGroup", () => {
    expect(failures({ ...base, switch: "sw0" })).toEqual([]);
    expect(failures({ ...base, portGroup: "pg" })).toEqual([]);
    expect(failures(base)).toEqual([
      { property: "switch", reason: expect.stringMatching(/set switch or portGroup/) },
    ]);
    expect(failures({ ...base, switch: "sw0", portGroup: "pg" })).toEqual([
      { property: "portGroup", reason: expect.stringMatching(/set only one of switch or portGroup/) },
    ]);
  });

  it("names the argument of a bad match, priority, action, name", () => {
    const byProp = Object.fromEntries(
      failures({
        ...base,
        switch: "sw0",
        match: "ip4.sorc == 1.2.3.4",
        priority: 32768,
        action: "accept",
        name: "x".repeat(64),
      }).map((f) => [f.property, f.reason]),
    );
    expect(byProp.match).toMatch(/match: unknown field ip4\.sorc/);
    expect(byProp.priority).toMatch(/0\.\.32767/);
    expect(byProp.action).toMatch(/accepted "allow"/);
    expect(byProp.name).toMatch(/63 characters/);
  });

  it("direction, priority, match and the parent replace; action and log update in place", () => {
    const i = checkInputs(aclKind, { ...base, switch: "sw0" }).inputs;
    const replaces = (change: Props) => diffInputs(aclKind, i, { ...i, ...change }).replaces;
    expect(replaces({ priority: 1001 })).toEqual(["priority"]);
    expect(replaces({ match: "ip6" })).toEqual(["match"]);
    expect(replaces({ direction: "from-lport" })).toEqual(["direction"]);
    expect(replaces({ switch: undefined, portGroup: "pg" }).sort()).toEqual(["portGroup", "switch"]);
    expect(replaces({ action: "allow", log: true })).toEqual([]);
  });
});

describe("ovn:PortGroup membership, port by port", () => {
  const U = { a: "u-a", b: "u-b", c: "u-c", foreign: "u-f" };
  const resolved = { ports: { a: U.a, b: U.b, c: U.c } };

  it("a new group references the ports listed", () => {
    expect(refSetColumns(portGroupSpec, { ports: ["a", "b"] }, resolved)).toEqual({ ports: [U.a, U.b] });
  });

  it("an update adds the new ports, removes the ones dropped, leaves a foreign member alone", () => {
    const live = { _uuid: "pg", ports: [U.a, U.b, U.foreign] };
    const ops = planRefSetUpdate(
      portGroupSpec,
      "pg",
      live,
      { ports: ["a", "b"] },
      { ports: ["a", "c"] },
      resolved,
    );
    expect(ops).toEqual([
      expect.objectContaining({
        op: "mutate",
        table: "Port_Group",
        mutations: [
          ["ports", "insert", [U.c]],
          ["ports", "delete", [U.b]],
        ],
      }),
    ]);
    // Nothing to do when the live group holds what the inputs list (plus foreign members).
    expect(
      planRefSetUpdate(portGroupSpec, "pg", live, { ports: ["a", "b"] }, { ports: ["a", "b"] }, resolved),
    ).toEqual([]);
  });

  it("refresh shows the listed ports the group still holds, not the foreign ones", () => {
    const names = { ports: { a: U.a, foreign: U.foreign } };
    expect(refSetsFromRow(portGroupSpec, { ports: ["a", "b"] }, names)).toEqual({ ports: ["a"] });
    expect(refSetsFromRow(portGroupSpec, {}, names)).toEqual({});
  });
});

describe("ovn:Acl read-back of defaults", () => {
  it("log: false and label: 0, stated, read back as stated (the column's empty value)", () => {
    const stated = {
      nb,
      switch: "sw0",
      direction: "to-lport",
      priority: 1,
      match: "ip4",
      action: "drop",
      log: false,
      label: 0,
      owner,
    };
    const i = { ...checkInputs(aclKind, stated).inputs, owner };
    const live = {
      _uuid: "u",
      direction: "to-lport",
      priority: 1,
      match: "ip4",
      action: "drop",
      log: false,
      label: 0,
      external_ids: {},
    };
    const back = inputsFromRow(aclSpec, live, i);
    expect(diffInputs(aclKind, back, i).diffs).toEqual([]);
  });
});
