/**
 * ovn.LoadBalancer checks at preview, without a server: VIPs and backends in the forms `ovn-nbctl
 * lb-add` takes (IPv4 `IP:PORT`, IPv6 `[IP]:PORT`, bare IPs), written canonically; a port on the VIP
 * and every backend or on none; one family per VIP; health checks naming a VIP of `vips` whose
 * backends all have an `ipPortMappings` entry. Each failure names the argument (and the VIP).
 */
import { checkInputs, type Props } from "../../../provider/framework";
import { loadBalancerKind, parseEndpoint } from "../../../provider/resources/ovn/load-balancer";

const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };
const owner = "proj/dev/lb";
const check = (i: Props) => checkInputs(loadBalancerKind, { nb, name: "lb", owner, ...i });

describe("ovn:LoadBalancer check", () => {
  it("writes VIPs and backends canonically; backends are a set", () => {
    const r = check({
      vips: {
        "10.0.0.10:80": ["10.0.1.3:8080", "10.0.1.2:8080", "10.0.1.2:8080"],
        "[FD00:0::10]:443": ["[fd00::0:2]:443"],
        "10.0.0.11": ["10.0.1.2"],
        "fd00::11": ["fd00::2"],
      },
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.vips).toEqual({
      "10.0.0.10:80": ["10.0.1.2:8080", "10.0.1.3:8080"],
      "[fd00::10]:443": ["[fd00::2]:443"],
      "10.0.0.11": ["10.0.1.2"],
      "fd00::11": ["fd00::2"],
    });
  });

  it.each([
    [{ "10.0.0.20": ["10.0.1.2:80"] }, /VIP 10\.0\.0\.20 has no port, backend 10\.0\.1\.2:80 has one/],
    [
      { "10.0.0.20:80": ["10.0.1.2"] },
      /VIP 10\.0\.0\.20:80 has a port, backend 10\.0\.1\.2 has none.*10\.0\.1\.2:80/,
    ],
    [{ "10.0.0.20:80": ["[fd00::2]:80"] }, /backend \[fd00::2\]:80 is IPv6, the VIP IPv4/],
    [{ "10.0.0.300:80": ["10.0.1.2:80"] }, /VIP "10\.0\.0\.300:80" is not an endpoint/],
    [{ "10.0.0.20:80": ["10.0.1.2:0"] }, /backend "10\.0\.1\.2:0": the port must be 1\.\.65535/],
    [{ "[10.0.0.20]:80": ["10.0.1.2:80"] }, /brackets are for IPv6/],
    [{ "10.0.0.20:80": ["010.0.1.2:80"] }, /not an endpoint/],
    [
      { "[fd00::10]:80": ["[fd00::2]:80"], "[fd00::0010]:80": ["[fd00::2]:80"] },
      /^vips: VIP \[fd00::10\]:80 and \[fd00::0010\]:80 are the same VIP \(\[fd00::10\]:80\), given twice/,
    ],
  ])("refuses vips %j", (vips, reason) => {
    const r = check({ vips });
    expect(r.failures).toEqual([{ property: "vips", reason: expect.stringMatching(reason) }]);
  });

  it("a health check names a VIP of vips, and every backend of it has an ipPortMappings entry", () => {
    const vips = { "10.0.0.10:80": ["10.0.1.2:80", "10.0.1.3:80"] };
    expect(
      check({
        vips,
        healthChecks: [{ vip: "10.0.0.10:80", interval: 2 }],
        ipPortMappings: { "10.0.1.2": "web1:10.0.1.254", "10.0.1.3": "web2:10.0.1.254" },
      }).failures,
    ).toEqual([]);
    expect(check({ vips, healthChecks: [{ vip: "10.0.0.99:80" }] }).failures).toEqual([
      {
        property: "healthChecks[0].vip",
        reason: expect.stringMatching(/10\.0\.0\.99:80 is not a VIP of vips/),
      },
    ]);
    expect(
      check({
        vips,
        healthChecks: [{ vip: "10.0.0.10:80" }],
        ipPortMappings: { "10.0.1.2": "web1:10.0.1.254" },
      }).failures,
    ).toEqual([
      { property: "ipPortMappings", reason: expect.stringMatching(/needs an entry for backend 10\.0\.1\.3/) },
    ]);
    expect(check({ vips, healthChecks: [{ vip: "10.0.0.10" }] }).failures).toEqual([
      { property: "healthChecks[0].vip", reason: expect.stringMatching(/has no port/) },
    ]);
  });

  it("a health check of an IPv6 VIP is refused: ovn-northd monitors IPv4 backends only", () => {
    const r = check({
      vips: { "[fd00::10]:80": ["[fd00::2]:80"] },
      healthChecks: [{ vip: "[fd00::10]:80" }],
      ipPortMappings: { "fd00::2": "web1:[fd00::fe]" },
    });
    expect(r.failures).toEqual([
      {
        property: "healthChecks[0].vip",
        reason: expect.stringMatching(/IPv6 VIP: ovn-northd monitors .*IPv4 VIPs only/),
      },
    ]);
  });

  it("ipPortMappings: backend IP to PORT_NAME:SOURCE_IP of the same family", () => {
    expect(check({ ipPortMappings: { "fd00::2": "web1:[FD00::FE]" } }).inputs.ipPortMappings).toEqual({
      "fd00::2": "web1:[fd00::fe]",
    });
    expect(check({ ipPortMappings: { "10.0.1.2": "web1" } }).failures).toEqual([
      { property: "ipPortMappings", reason: expect.stringMatching(/is not "PORT_NAME:SOURCE_IP"/) },
    ]);
    // The example is of the backend's family.
    expect(check({ ipPortMappings: { "fd00::2": "web1" } }).failures).toEqual([
      {
        property: "ipPortMappings",
        reason: expect.stringMatching(/IPv6 address .*e\.g\. "web1:\[fd00::fe\]"\)$/),
      },
    ]);
    expect(check({ ipPortMappings: { "10.0.1.2:80": "web1:10.0.1.254" } }).failures).toEqual([
      {
        property: "ipPortMappings",
        reason: expect.stringMatching(/must be a backend's IP address, without port/),
      },
    ]);
  });

  it("protocol and selectionFields take OVN's values only", () => {
    expect(check({ protocol: "icmp" }).failures).toEqual([
      { property: "protocol", reason: expect.stringMatching(/tcp, udp, sctp/) },
    ]);
    expect(check({ selectionFields: ["ip_src", "src_ip"] }).failures).toEqual([
      { property: "selectionFields[1]", reason: expect.stringMatching(/eth_src/) },
    ]);
  });

  it("parses endpoints as ovn-nbctl writes them", () => {
    expect(parseEndpoint("[::1]:80")).toEqual({ ip: "::1", family: 6, port: 80 });
    expect(parseEndpoint("[::1]")).toEqual({ ip: "::1", family: 6 });
    expect(parseEndpoint("1.2.3.4")).toEqual({ ip: "1.2.3.4", family: 4 });
  });
});
