/**
 * Issue 12, a row declared twice: which row a resource declares, from its spec alone
 * (provider/engine/identity.ts). Two spellings of one row are one identity (the canonical form the
 * argument's schema gives, empty values as their implied value); different rows never are.
 */
import { resourceSpecs } from "../../../provider/resources/specs";
import { identityRule, rowIdentity } from "../../../provider/engine/identity";
import { matchTokens } from "../../../provider/resources/ovn/match";
import { UNKNOWN, type Props } from "../../../provider/framework";

const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };
const host = { remote: "unix:/run/openvswitch/db.sock" };

function spec(type: string) {
  const s = resourceSpecs.find((x) => x.type === type);
  if (!s) throw new Error(`no spec ${type}`);
  return s;
}

/** The identity key of inputs of a type (undefined when it cannot be known). */
function key(type: string, i: Props): string | undefined {
  const s = spec(type);
  return rowIdentity(s, identityRule(s)!, i)?.key;
}

describe("identity rules derived from the specs", () => {
  it.each<[string, string, string[] | undefined]>([
    ["ovs:Bridge", "host", ["name"]],
    ["ovs:Port", "host", ["name"]], // a port name is unique on its host, whatever its bridge
    ["ovn:LogicalSwitch", "nb", ["name"]],
    ["ovn:LogicalRouterPort", "nb", ["name"]],
    ["ovn:Acl", "nb", ["switch", "portGroup", "direction", "priority", "match"]],
    ["ovn:Qos", "nb", ["switch", "direction", "priority", "match"]],
    ["ovn:LogicalRouterNat", "nb", ["router", "type", "externalIp", "logicalIp"]],
    ["ovn:LogicalRouterStaticRoute", "nb", ["router", "ipPrefix", "nexthop", "policy", "routeTable"]],
    ["ovn:ChassisConfig", "host", []], // one resource holds a host's OVN settings
    ["ovs:Flow", "host", ["bridge", "table", "priority", "match", "endpoint"]],
    ["ovn:DhcpOptions", "", undefined], // found by its owner marker: never the same row
    ["ovn:Dns", "", undefined],
  ])("%s", (type, connection, args) => {
    const rule = identityRule(spec(type));
    expect(rule && { connection: rule.connection, args: [...rule.args] }).toEqual(
      args && { connection, args },
    );
  });

  it("every table-backed spec with a name or match columns has a rule", () => {
    for (const s of resourceSpecs) {
      const t = s as { nameArg?: string; matchArgs?: string[]; markerIdentity?: unknown };
      if ((t.nameArg || t.matchArgs) && !t.markerIdentity) expect(identityRule(s)).toBeDefined();
    }
  });
});

describe("two spellings of one row are one identity", () => {
  const nat = { nb, router: "lr0", type: "dnat_and_snat", externalIp: "172.16.0.10", logicalIp: "10.0.0.5" };
  it.each<[string, string, Props, Props]>([
    ["a NAT logical IP with /32", "ovn:LogicalRouterNat", nat, { ...nat, logicalIp: "10.0.0.5/32" }],
    [
      "a NAT IPv6 address in upper case, uncompressed",
      "ovn:LogicalRouterNat",
      { ...nat, externalIp: "2001:db8::10", logicalIp: "fd00::5" },
      { ...nat, externalIp: "2001:DB8:0:0::10", logicalIp: "FD00:0::5/128" },
    ],
    [
      "a route's policy left out or given as its implied dst-ip",
      "ovn:LogicalRouterStaticRoute",
      { nb, router: "lr0", ipPrefix: "0.0.0.0/0", nexthop: "172.16.0.1" },
      { nb, router: "lr0", ipPrefix: "0.0.0.0/0", nexthop: "172.16.0.1", policy: "dst-ip" },
    ],
    [
      "a flow's default table and priority, a trailing comma in its match",
      "ovs:Flow",
      { host, bridge: "br0", match: "in_port=1" },
      { host, bridge: "br0", table: 0, priority: 32768, match: " in_port=1," },
    ],
    [
      "an ACL match differing only in spacing and comments (OVN's lexer reads the same tokens)",
      "ovn:Acl",
      {
        nb,
        direction: "to-lport",
        priority: 1000,
        match: "outport == @web && tcp.dst == 80",
        portGroup: "web",
      },
      {
        nb,
        direction: "to-lport",
        priority: 1000,
        match: "outport==@web&&tcp.dst==80 /* web */",
        portGroup: "web",
      },
    ],
    [
      "a router policy match differing only in spacing",
      "ovn:LogicalRouterPolicy",
      { nb, router: "lr0", priority: 15, match: "ip4.dst == 1.1.1.1", action: "drop" },
      { nb, router: "lr0", priority: 15, match: "ip4.dst==1.1.1.1", action: "allow" },
    ],
    [
      "a connection remote with spaces around it",
      "ovn:LogicalSwitch",
      { nb, name: "sw0" },
      { nb: { remote: ` ${nb.remote} ` }, name: "sw0" },
    ],
  ])("%s", (_what, type, a, b) => {
    expect(key(type, a)).toBeDefined();
    expect(key(type, b)).toBe(key(type, a));
  });
});

describe("different rows are different identities", () => {
  const acl = { nb, direction: "to-lport", priority: 1000, match: "outport == @web", action: "allow" };
  it.each<[string, string, Props, Props]>([
    [
      "one name on two hosts",
      "ovs:Bridge",
      { host, name: "br0" },
      { host: { remote: "tcp:10.0.0.2:6640" }, name: "br0" },
    ],
    [
      "an ACL on a switch and on a port group of one name",
      "ovn:Acl",
      { ...acl, switch: "web" },
      { ...acl, portGroup: "web" },
    ],
    ["an ACL on two port groups", "ovn:Acl", { ...acl, portGroup: "web" }, { ...acl, portGroup: "db" }],
    [
      "an ACL at two priorities",
      "ovn:Acl",
      { ...acl, portGroup: "web" },
      { ...acl, portGroup: "web", priority: 999 },
    ],
    [
      "router policies whose matches differ in a token",
      "ovn:LogicalRouterPolicy",
      { nb, router: "lr0", priority: 100, match: "ip4.dst == 10.0.0.5", action: "drop" },
      { nb, router: "lr0", priority: 100, match: "ip4.dst != 10.0.0.5", action: "drop" },
    ],
    [
      "routes to two next hops (ECMP)",
      "ovn:LogicalRouterStaticRoute",
      { nb, router: "lr0", ipPrefix: "0.0.0.0/0", nexthop: "172.16.0.1" },
      { nb, router: "lr0", ipPrefix: "0.0.0.0/0", nexthop: "172.16.0.2" },
    ],
    ["one switch name and one router name", "ovn:LogicalSwitch", { nb, name: "x" }, { nb, name: "y" }],
  ])("%s", (_what, type, a, b) => {
    expect(key(type, a)).toBeDefined();
    expect(key(type, b)).toBeDefined();
    expect(key(type, b)).not.toBe(key(type, a));
  });

  it("the same values of two types are two identities", () => {
    expect(key("ovn:LogicalSwitch", { nb, name: "x" })).not.toBe(key("ovn:LogicalRouter", { nb, name: "x" }));
  });
});

describe("identities that cannot be known", () => {
  it("a value unknown at preview, in an argument or the connection", () => {
    expect(key("ovn:LogicalSwitch", { nb, name: UNKNOWN })).toBeUndefined();
    expect(key("ovn:LogicalSwitch", { nb: { remote: UNKNOWN }, name: "sw0" })).toBeUndefined();
  });
  it("a value its schema refuses (check reports it)", () => {
    expect(
      key("ovn:Acl", { nb, portGroup: "web", direction: "up", priority: 1, match: "ip" }),
    ).toBeUndefined();
  });
});

it("the text names the values and the connection", () => {
  const s = spec("ovn:Acl");
  const id = rowIdentity(s, identityRule(s)!, {
    nb,
    portGroup: "web",
    direction: "to-lport",
    priority: 1000,
    match: "outport == @web && tcp.dst == 80",
  });
  expect(id?.text).toBe(
    'portGroup web, direction to-lport, priority 1000, match "outport == @web && tcp.dst == 80" on nb unix:/run/ovn/ovnnb_db.sock',
  );
});

it("a match's tokens keep what tells an address set from a port group, and quoted strings", () => {
  expect(matchTokens("ip4.src==$web&&outport==@web")).toBe("ip4.src == $web && outport == @web");
  expect(matchTokens('inport == "vm1" // c')).toBe('inport == "vm1"');
});
