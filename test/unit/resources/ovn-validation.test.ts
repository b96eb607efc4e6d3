/**
 * OVN argument validation: the pure value checks and each kind's `check` (argument named, accepted
 * form given, preview's unknown values let through).
 */
import { checkInputs, diffInputs, UNKNOWN, type Props, type ResourceKind } from "../../../provider/framework";
import {
  encapTypes,
  excludeIpProblem,
  formatBridgeMappings,
  isCidrAny,
  isNetwork,
  lspAddressProblem,
  parseBridgeMappings,
  portSecurityProblem,
} from "../../../provider/resources/ovn/validation";
import { chassisKind } from "../../../provider/resources/ovn/chassis";
import { switchKind } from "../../../provider/resources/ovn/logical-switch";
import { lspKind } from "../../../provider/resources/ovn/logical-switch-port";
import { routerKind } from "../../../provider/resources/ovn/logical-router";
import { lrpKind } from "../../../provider/resources/ovn/logical-router-port";
import { haChassisGroupKind } from "../../../provider/resources/ovn/ha-chassis-group";
import { routeKind } from "../../../provider/resources/ovn/static-route";
import { natKind } from "../../../provider/resources/ovn/nat";
import { nbConnectionKind, sbConnectionKind } from "../../../provider/resources/ovn/connection";

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";

describe("logical port addresses", () => {
  it.each([
    "50:54:00:00:00:01",
    "50:54:00:00:00:01 192.168.0.2",
    "50:54:00:00:00:01 192.168.0.2 10.0.0.4",
    "80:fa:5b:06:72:b7 10.0.0.4 fdaa:15f2:72cf:0:f816:3eff:fe20:3f41",
    "50:54:00:00:00:01 192.168.0.2/24",
    "dynamic",
    "dynamic 192.168.0.5",
    "dynamic 192.168.0.5 2001::1",
    "80:fa:5b:06:72:b7 dynamic",
    "router",
    "unknown",
  ])("accepts %j", (a) => expect(lspAddressProblem(a)).toBeUndefined());

  it.each([
    ["", /not a logical port address/],
    ["50:54:00:00:00:zz 192.168.0.2", /"50:54:00:00:00:zz" is not a MAC address/],
    ["192.168.0.2 50:54:00:00:00:01", /is not a MAC address/],
    ["50:54:00:00:00:01 192.168.0.256", /"192\.168\.0\.256" is not an IP address/],
    ["dynamic 10.0.0.1 10.0.0.2", /at most one IPv4 and one IPv6/],
    ["dynamic foo", /only an IPv4 and\/or an IPv6/],
    ["router 1.2.3.4", /not a logical port address/],
  ])("rejects %j", (a, re) => expect(lspAddressProblem(a)).toMatch(re));

  it("names the accepted forms", () => {
    expect(lspAddressProblem("nope")).toMatch(/"MAC \[IP \.\.\.\]".*"dynamic".*"router".*"unknown"/);
  });
});

describe("port security, networks, IPAM", () => {
  it("port security is MAC then IPs or CIDRs", () => {
    expect(portSecurityProblem("50:54:00:00:00:01 192.168.0.2 10.0.0.0/8")).toBeUndefined();
    expect(portSecurityProblem("192.168.0.2")).toMatch(/accepted: "MAC \[IP\[\/PLEN\] \.\.\.\]"/);
    expect(portSecurityProblem("50:54:00:00:00:01 x")).toMatch(/"x" is not an IP address or CIDR/);
  });

  it("CIDRs and networks", () => {
    expect(isCidrAny("192.168.0.1/24")).toBe(true);
    expect(isCidrAny("fd00::1/64")).toBe(true);
    expect(isCidrAny("192.168.0.1")).toBe(false);
    expect(isCidrAny("192.168.0.1/33")).toBe(false);
    expect(isCidrAny("300.1.1.1/24")).toBe(false);
    expect(isNetwork("192.168.0.0/24")).toBe(true);
    expect(isNetwork("192.168.0.1/24")).toBe(false);
    expect(isNetwork("0.0.0.0/0")).toBe(true);
    expect(isNetwork("fd00::/64")).toBe(true);
    expect(isNetwork("fd00::1/64")).toBe(false);
  });

  it("excludeIps entries: addresses and ascending ranges inside the subnet", () => {
    expect(excludeIpProblem("192.168.0.2", "192.168.0.0/24")).toBeUndefined();
    expect(excludeIpProblem("192.168.0.2..192.168.0.10", "192.168.0.0/24")).toBeUndefined();
    expect(excludeIpProblem("192.168.0.10..192.168.0.2")).toMatch(/first address is above its last/);
    expect(excludeIpProblem("10.0.0.1", "192.168.0.0/24")).toMatch(/outside subnet 192\.168\.0\.0\/24/);
    expect(excludeIpProblem("10.0.0.1-10.0.0.3")).toMatch(/FIRST\.\.LAST/);
  });

  it("encapsulation lists and bridge mappings", () => {
    expect(encapTypes(["geneve", "vxlan"])).toEqual(["geneve", "vxlan"]);
    expect(encapTypes("geneve, vxlan")).toEqual(["geneve", "vxlan"]);
    expect(formatBridgeMappings({ physnet2: "br-eth1", physnet1: "br-eth0" })).toBe(
      "physnet1:br-eth0,physnet2:br-eth1",
    );
    expect(parseBridgeMappings("physnet1:br-eth0,physnet2:br-eth1")).toEqual({
      physnet1: "br-eth0",
      physnet2: "br-eth1",
    });
  });
});

/** The failures of `check` as { property: reason }. */
function failures<I extends Props, O extends Props>(
  kind: ResourceKind<I, O>,
  inputs: Record<string, unknown>,
): Record<string, string> {
  return Object.fromEntries(checkInputs(kind, inputs).failures.map((f) => [f.property, f.reason]));
}

describe("check per resource", () => {
  it("LogicalSwitch: subnet must be a network; IPAM keys not twice; ipv6Prefix normalised", () => {
    expect(failures(switchKind, { nb, name: "sw0", subnet: "192.168.0.1/24", owner }).subnet).toMatch(
      /host bits set \(the network is 192\.168\.0\.0\/24\); accepted: an IPv4 network with host bits zero, e.g. 192\.168\.0\.0\/24/,
    );
    expect(failures(switchKind, { nb, name: "sw0", subnet: "fd00::/64", owner }).subnet).toMatch(/IPv4/);
    expect(
      failures(switchKind, { nb, name: "sw0", subnet: "10.0.0.0/24", otherConfig: { subnet: "x" }, owner })[
        "otherConfig.subnet"
      ],
    ).toMatch(/also set by the subnet argument/);
    expect(failures(switchKind, { nb, name: "sw0", excludeIps: ["10.0.0.1"], owner }).excludeIps).toMatch(
      /set subnet too/,
    );
    const r = checkInputs(switchKind, { nb, name: "sw0", ipv6Prefix: "fd00:1::/64", owner });
    expect(r.failures).toEqual([]);
    expect(r.inputs.ipv6Prefix).toBe("fd00:1::");
    expect(failures(switchKind, { nb, name: "sw 0", owner }).name).toMatch(/whitespace/);
  });

  it("LogicalSwitchPort: addresses by index, type, router-port, tagRequest/parentName", () => {
    const f = failures(lspKind, {
      nb,
      switch: "sw0",
      name: "p",
      addresses: ["50:54:00:00:00:01 192.168.0.2", "bogus"],
      type: "vif",
      owner,
    });
    expect(f["addresses[1]"]).toMatch(/"bogus" is not a logical port address/);
    expect(f.type).toMatch(/unknown port type "vif"; accepted: "" .*"router", "localnet"/);
    expect(
      failures(lspKind, { nb, switch: "sw0", name: "p", type: "router", addresses: ["router"], owner })[
        "options.router-port"
      ],
    ).toMatch(/needs options\["router-port"\]/);
    expect(failures(lspKind, { nb, switch: "sw0", name: "p", tagRequest: 7, owner }).tagRequest).toMatch(
      /set parentName/,
    );
    expect(
      failures(lspKind, {
        nb,
        switch: "sw0",
        name: "p",
        addresses: ["dynamic", "50:54:00:00:00:01 dynamic"],
        owner,
      }).addresses,
    ).toMatch(/only one entry/);
    expect(
      failures(lspKind, { nb, switch: "sw0", name: "p", tagRequest: 4096, parentName: "vm", owner })
        .tagRequest,
    ).toMatch(/tagRequest: accepted an integer 0\.\.4095/);
  });

  it("LogicalRouterPort: MAC, networks, gateway chassis, switch-only arguments", () => {
    const f = failures(lrpKind, {
      nb,
      router: "lr0",
      name: "lrp0",
      mac: "00:00:00:00:ff",
      networks: ["192.168.0.1"],
      owner,
    });
    expect(f.mac).toMatch(
      /mac: "00:00:00:00:ff" is not a MAC address; accepted: six hex octets like 50:54:00:00:00:01/,
    );
    expect(f["networks[0]"]).toMatch(/e\.g\. 192\.168\.0\.1\/24/);
    expect(
      failures(lrpKind, { nb, router: "lr0", name: "l", mac: "00:00:00:00:ff:01", networks: [], owner })
        .networks,
    ).toMatch(/at least one/);
    const lrp = { nb, router: "lr0", name: "l", mac: "00:00:00:00:ff:01", networks: ["10.0.0.1/24"], owner };
    expect(failures(lrpKind, { ...lrp, switchPortName: "x" }).switchPortName).toMatch(/set switch too/);
    expect(
      failures(lrpKind, { ...lrp, switchPortOptions: { "nat-addresses": "router" } }).switchPortOptions,
    ).toMatch(/set switch too/);
    expect(
      failures(lrpKind, {
        ...lrp,
        switch: "ext",
        switchPortOptions: { "nat-addresses": "router", "router-port": "other" },
      })['switchPortOptions["router-port"]'],
    ).toMatch(/set by this resource/);
    const r = checkInputs(lrpKind, {
      nb,
      router: "lr0",
      name: "l",
      mac: "00:00:00:00:ff:01",
      networks: ["10.0.0.1/24"],
      gatewayChassis: ["gw1", "gw2", { chassis: "gw3", priority: 7 }],
      owner,
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.gatewayChassis).toEqual([
      { chassis: "gw1", priority: 3 },
      { chassis: "gw2", priority: 2 },
      { chassis: "gw3", priority: 7 },
    ]);
  });

  it("a chassis listed twice for one gateway port or HA chassis group is refused at preview, naming the argument", () => {
    const lrp = { nb, router: "lr0", name: "l", mac: "00:00:00:00:ff:01", networks: ["10.0.0.1/24"], owner };
    for (const gatewayChassis of [
      ["gw1", "gw2", "gw1"],
      ["gw1", { chassis: "gw1", priority: 5 }],
      // The same chassis and priority twice: refused too, not merged into one entry.
      [{ chassis: "gw1", priority: 1 }, "gw2", "gw1"],
    ]) {
      const r = checkInputs(lrpKind, { ...lrp, gatewayChassis });
      expect(r.failures).toEqual([
        {
          property: "gatewayChassis",
          reason: "chassis gw1 is listed twice; give each chassis once, with one priority",
        },
      ]);
    }
    // Two objects of one chassis: the member check names the second entry.
    const objs = checkInputs(lrpKind, {
      ...lrp,
      gatewayChassis: [
        { chassis: "gw1", priority: 5 },
        { chassis: "gw1", priority: 6 },
      ],
    }).failures;
    expect(objs.map((f) => f.property)).toContain("gatewayChassis[1]");
    expect(objs.find((f) => f.property === "gatewayChassis[1]")?.reason).toMatch(
      /chassis "gw1" is given twice/,
    );

    const hag = { nb, name: "g", owner };
    expect(checkInputs(haChassisGroupKind, { ...hag, chassis: ["h1", "h2"] }).failures).toEqual([]);
    expect(checkInputs(haChassisGroupKind, { ...hag, chassis: ["h1", "h2"] }).inputs.chassis).toEqual([
      { chassis: "h1", priority: 2 },
      { chassis: "h2", priority: 1 },
    ]);
    expect(
      failures(haChassisGroupKind, { ...hag, chassis: ["h1", { chassis: "h1", priority: 3 }] }).chassis,
    ).toBe("chassis h1 is listed twice; give each chassis once, with one priority");
    expect(
      failures(haChassisGroupKind, { ...hag, chassis: [{ chassis: "h1", priority: 40000 }] })[
        "chassis[0].priority"
      ],
    ).toMatch(/0\.\.32767/);
  });

  it("LogicalRouterPort: gatewayChassis and haChassisGroup are refused together", () => {
    const lrp = { nb, router: "lr0", name: "l", mac: "00:00:00:00:ff:01", networks: ["10.0.0.1/24"], owner };
    expect(
      failures(lrpKind, { ...lrp, gatewayChassis: ["gw1"], haChassisGroup: "g" }).haChassisGroup,
    ).toMatch(/gatewayChassis or from an HA chassis group .*set one of them/);
    expect(checkInputs(lrpKind, { ...lrp, haChassisGroup: "g" }).failures).toEqual([]);
  });

  it("static routes and NAT: prefixes, families, NAT type rules", () => {
    expect(
      failures(routeKind, { nb, router: "lr0", ipPrefix: "10.0.0.1/8", nexthop: "1.1.1.1", owner }).ipPrefix,
    ).toMatch(/host bits zero/);
    expect(
      failures(routeKind, { nb, router: "lr0", ipPrefix: "10.0.0.0/8", nexthop: "fd00::1", owner }).nexthop,
    ).toMatch(/same address family/);
    expect(
      failures(routeKind, { nb, router: "lr0", ipPrefix: "0.0.0.0/0", nexthop: "discard", owner }),
    ).toEqual({});
    expect(
      failures(natKind, {
        nb,
        router: "lr0",
        type: "dnat",
        externalIp: "1.1.1.1",
        logicalIp: "10.0.0.0/24",
        owner,
      }).logicalIp,
    ).toMatch(/only for snat/);
    expect(
      failures(natKind, {
        nb,
        router: "lr0",
        type: "nat",
        externalIp: "1.1.1.1",
        logicalIp: "10.0.0.1",
        owner,
      }).type,
    ).toMatch(/"snat".*"dnat".*"dnat_and_snat"/);
    expect(
      failures(natKind, {
        nb,
        router: "lr0",
        type: "snat",
        externalIp: "1.1.1.1",
        logicalIp: "10.0.0.0/24",
        externalMac: "00:00:00:00:00:01",
        owner,
      }).externalMac,
    ).toMatch(/dnat_and_snat/);
  });

  it("ChassisConfig: encap types, IPs, remotes, reserved and duplicated keys", () => {
    const r = checkInputs(chassisKind, {
      host: nb,
      systemId: "hv1",
      encapType: ["geneve", "vxlan", "geneve"],
      bridgeMappings: "physnet1:br-eth0",
      owner,
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ encapType: "geneve,vxlan", bridgeMappings: { physnet1: "br-eth0" } });
    const f = failures(chassisKind, {
      host: nb,
      encapType: "gre",
      encapIp: "1.2.3",
      owner,
    });
    expect(f.encapType).toMatch(/unknown encapsulation "gre"; accepted: geneve, vxlan, stt/);
    expect(f.encapIp).toMatch(/encapIp: "1.2.3" is not an IP address/);
    const keys = failures(chassisKind, {
      host: nb,
      systemId: "h1",
      externalIds: { "pulumi-ovs-chassis-owner": "x", "system-id": "h2" },
      owner,
    });
    expect(keys["externalIds.pulumi-ovs-chassis-owner"]).toMatch(/reserved/);
    expect(keys["externalIds.system-id"]).toMatch(/also set by the systemId argument/);
  });

  it("connections: listen and connect targets", () => {
    expect(
      failures(nbConnectionKind, { nb, target: "ptcp:6641:0.0.0.0", inactivityProbe: 60000, owner }),
    ).toEqual({});
    expect(failures(nbConnectionKind, { nb, target: "0.0.0.0:6641", owner }).target).toMatch(
      /ptcp:PORT\[:IP\]/,
    );
    expect(
      failures(sbConnectionKind, { sb: nb, target: "ptcp:6642", readOnly: "yes", owner }).readOnly,
    ).toMatch(/true or false/);
    expect(failures(routerKind, { nb, name: "", owner }).name).toMatch(/must not be empty/);
  });

  it("lets preview's unknown values through (outputs of resources not created yet)", () => {
    expect(
      checkInputs(lspKind, { nb, switch: UNKNOWN, name: "p", addresses: [UNKNOWN], owner }).failures,
    ).toEqual([]);
    expect(
      checkInputs(lrpKind, {
        nb,
        router: UNKNOWN,
        name: "l",
        mac: UNKNOWN,
        networks: UNKNOWN,
        switch: UNKNOWN,
        owner,
      }).failures,
    ).toEqual([]);
    // Known mistakes still fail next to unknowns.
    expect(
      checkInputs(lspKind, { nb, switch: UNKNOWN, name: "p", addresses: ["junk"], owner }).failures.map(
        (f) => f.property,
      ),
    ).toEqual(["addresses[0]"]);
  });
});

describe("issue 9, kind 3: values OVN would reject or rewrite", () => {
  const check = (kind: ResourceKind<Props, Props>, inputs: Props) =>
    checkInputs(kind, { nb, owner, ...inputs });
  const lsp = lspKind as unknown as ResourceKind<Props, Props>;

  it("the reported inputs are written in the form ovn-northd reads", () => {
    const p = check(lsp, {
      switch: "ra-sw",
      name: "ra-p",
      addresses: ["0a:77:00:00:04:01 10.77.4.1 "],
      portSecurity: ["0a:77:00:00:04:01 10.77.4.1 "],
    });
    expect(p.failures).toEqual([]);
    expect(p.inputs.addresses).toEqual(["0a:77:00:00:04:01 10.77.4.1"]);
    expect(p.inputs.portSecurity).toEqual(["0a:77:00:00:04:01 10.77.4.1"]);
    expect(check(lsp, { switch: "ra-sw", name: "ra-d", addresses: ["dynamic "] }).inputs.addresses).toEqual([
      "dynamic",
    ]);
  });

  it("spaces follow one rule in excludeIps and networks too", () => {
    const sw = check(switchKind as unknown as ResourceKind<Props, Props>, {
      name: "s",
      subnet: "10.77.4.0/24 ",
      excludeIps: ["10.77.4.9 ", " 10.77.4.2..10.77.4.4"],
    });
    expect(sw.failures).toEqual([]);
    expect(sw.inputs).toMatchObject({
      subnet: "10.77.4.0/24",
      excludeIps: ["10.77.4.2..10.77.4.4", "10.77.4.9"],
    });
    const lrp = check(lrpKind as unknown as ResourceKind<Props, Props>, {
      router: "r",
      name: "l",
      mac: "0A:00:00:00:00:01",
      networks: [" 10.77.4.1/24", "FD00:0:0:0::1/64"],
    });
    expect(lrp.failures).toEqual([]);
    expect(lrp.inputs).toMatchObject({ mac: "0a:00:00:00:00:01", networks: ["10.77.4.1/24", "fd00::1/64"] });
  });

  it("reordering a set is no change; an IPv6 route in upper case or long form is no replacement", () => {
    const a = check(lsp, {
      switch: "s",
      name: "p",
      addresses: ["0a:00:00:00:00:01 10.0.0.1", "unknown"],
    }).inputs;
    const b = check(lsp, {
      switch: "s",
      name: "p",
      addresses: ["unknown", "0a:00:00:00:00:01 10.0.0.1"],
    }).inputs;
    expect(diffInputs(lsp, a, b).changes).toBe(false);
    const route = routeKind as unknown as ResourceKind<Props, Props>;
    const old = check(route, { router: "r", ipPrefix: "fd00::/64", nexthop: "fd00::1" }).inputs;
    for (const [ipPrefix, nexthop] of [
      ["FD00::/64", "FD00::1"],
      ["fd00:0000:0000:0000:0000:0000:0000:0000/64", "fd00:0:0:0:0:0:0:1"],
    ]) {
      const d = diffInputs(route, old, { nb, owner, router: "r", ipPrefix, nexthop });
      expect(d).toMatchObject({ changes: false, replaces: [] });
    }
    // States written before values were canonical compare equal too.
    expect(diffInputs(route, { ...old, ipPrefix: "FD00:0:0:0::/64" }, old).changes).toBe(false);
  });
});
