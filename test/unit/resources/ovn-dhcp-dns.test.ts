/**
 * ovn.DhcpOptions and ovn.Dns input checks without a server: option names and values against the
 * options ovn-northd supports, the mandatory options per DHCP version, the cidr's canonical form,
 * and DNS records in canonical form (hostnames in lower case, addresses a set).
 */
import { checkInputs } from "../../../provider/framework";
import { BUILTIN, dhcpOptionsKind, optionProblems } from "../../../provider/resources/ovn/dhcp-options";
import { dnsKind } from "../../../provider/resources/ovn/dns";

const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };
const owner = "proj/dev/r";
const V4 = { server_id: "10.0.0.1", server_mac: "0a:00:00:00:00:01", lease_time: "3600" };
const failures = (kind: typeof dhcpOptionsKind, inputs: Record<string, unknown>) =>
  checkInputs(kind, { nb, owner, ...inputs }).failures;

describe("DHCP options", () => {
  it("accepts OVN's options in their forms, and ovn-northd's own keys (server_mac, dhcpv6_stateless)", () => {
    const options = {
      ...V4,
      router: "10.0.0.1",
      dns_server: "{10.0.0.1, 8.8.8.8}",
      mtu: "1400",
      ip_forward_enable: "1",
      domain_name: '"example.org"',
      tftp_server: "10.0.0.5",
      classless_static_route: "{30.0.0.0/24,10.0.0.10, 0.0.0.0/0,10.0.0.1}",
    };
    expect(optionProblems(4, options, BUILTIN[4])).toEqual([]);
    expect(
      optionProblems(6, { server_id: "0a:00:00:00:00:01", dhcpv6_stateless: "true" }, BUILTIN[6]),
    ).toEqual([]);
  });

  it("refuses a key OVN does not support, naming it and listing the accepted ones; and keys northd fills in", () => {
    const [p] = optionProblems(4, { ...V4, dns_servers: "10.0.0.1" }, BUILTIN[4]);
    expect(p.property).toBe("options.dns_servers");
    expect(p.reason).toMatch(
      /^"dns_servers" is not a DHCPv4 option \(OVN does not support it\); accepted: T1, T2, /,
    );
    expect(p.reason).toContain("server_mac");
    expect(p.reason).not.toContain("offerip");
    expect(optionProblems(4, { ...V4, offerip: "10.0.0.9" }, BUILTIN[4])[0].reason).toContain(
      "ovn-northd sets it from the port's address",
    );
    // A DHCPv4 option is no DHCPv6 option.
    expect(optionProblems(6, { server_id: "0a:00:00:00:00:01", router: "fd00::1" }, BUILTIN[6])).toHaveLength(
      1,
    );
  });

  it("refuses values of the wrong form by the option's type", () => {
    const bad = {
      lease_time: "1h",
      router: "10.0.0",
      mtu: "70000",
      domain_name: "example.org",
      ip_forward_enable: "yes",
    };
    expect(
      optionProblems(4, { ...V4, ...bad }, BUILTIN[4])
        .map((p) => p.property)
        .sort(),
    ).toEqual([
      "options.domain_name",
      "options.ip_forward_enable",
      "options.lease_time",
      "options.mtu",
      "options.router",
    ]);
  });

  it("check: mandatory options per version, cidr canonical; with sb the names wait for the database", () => {
    expect(failures(dhcpOptionsKind, { cidr: "10.0.0.0/24", options: { server_id: "10.0.0.1" } })).toEqual([
      {
        property: "options",
        reason:
          "DHCPv4 needs server_mac, lease_time (ovn-northd answers no DHCP without server_id, server_mac, lease_time)",
      },
    ]);
    expect(failures(dhcpOptionsKind, { cidr: "10.0.0.5/24", options: V4 })[0].property).toBe("cidr");
    expect(failures(dhcpOptionsKind, { cidr: "10.0.0.0", options: V4 })[0].property).toBe("cidr");
    const r = checkInputs(dhcpOptionsKind, {
      nb,
      owner,
      cidr: "FD00:0::/64",
      options: { server_id: "0a:00:00:00:00:01" },
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.cidr).toBe("fd00::/64");
    expect(failures(dhcpOptionsKind, { cidr: "10.0.0.0/24", options: { ...V4, foo: "1" }, sb: nb })).toEqual(
      [],
    );
  });
});

describe("DNS records", () => {
  it("canonical: hostnames in lower case, addresses canonical and sorted without repeats", () => {
    const r = checkInputs(dnsKind, {
      nb,
      owner,
      records: { "Web.Example.ORG": ["FD00::0005", "10.0.0.5", "10.0.0.5"] },
      switches: ["sw1", "sw0"],
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.records).toEqual({ "web.example.org": ["10.0.0.5", "fd00::5"] });
    expect(r.inputs.switches).toEqual(["sw0", "sw1"]);
  });

  it("refuses a hostname with whitespace and an address that is none", () => {
    expect(failures(dnsKind, { records: { "a b": ["10.0.0.1"] } })).toHaveLength(1);
    expect(failures(dnsKind, { records: { web: ["web2"] } })[0].property).toBe("records.web[0]");
  });

  it("refuses hostnames OVN would never answer for (RFC 1123 labels), saying what is accepted; drops a trailing dot", () => {
    for (const h of ["a..b", ".a", "-a.org", "a-.org", "a_b.org", "x".repeat(64) + ".org", "."]) {
      const f = failures(dnsKind, { records: { [h]: ["10.0.0.1"] } });
      expect(f).toHaveLength(1);
      expect(f[0].reason).toContain(
        `${JSON.stringify(h)} is not a valid hostname; accepted: dot-separated RFC 1123 labels`,
      );
    }
    const r = checkInputs(dnsKind, {
      nb,
      owner,
      records: { "Web.Example.org.": ["10.0.0.5"], "a-1.b2": ["10.0.0.6"] },
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.records).toEqual({ "web.example.org": ["10.0.0.5"], "a-1.b2": ["10.0.0.6"] });
  });

  it("refuses hostnames that are one name to OVN (case, trailing dot), and a hostname without addresses", () => {
    const dup = failures(dnsKind, {
      records: { "OK.example.org": ["10.0.0.1"], "ok.example.org": ["10.0.0.2"] },
    });
    expect(dup).toHaveLength(1);
    expect(dup[0].reason).toMatch(/are the same hostname to OVN \(ok\.example\.org/);
    expect(failures(dnsKind, { records: { "a.org": ["10.0.0.1"], "a.org.": ["10.0.0.1"] } })).toHaveLength(1);
    const empty = failures(dnsKind, { records: { "ok.example.org": [] } });
    expect(empty).toHaveLength(1);
    expect(empty[0].reason).toContain(
      '"ok.example.org" has no address; accepted: at least one IPv4 or IPv6 address',
    );
  });
});
