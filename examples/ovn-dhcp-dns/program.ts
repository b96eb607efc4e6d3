/**
 * OVN native DHCP and DNS: one logical switch behind router lr0, DHCP options for its subnet
 * (address lease, router, DNS server, MTU) referenced by a client's port, and DNS records attached
 * to the switch. ovn-controller answers the client's DHCP requests and its DNS queries for the
 * records itself; no DHCP or DNS server runs anywhere. The client container is bound to its logical
 * port by an `ovs.Port` on its host's br-int.
 */
import { ovn, ovs, type Connection } from "pulumi-ovs";

/** The subnet, its router port (also the DHCP server's identity and the DNS server handed out). */
export const NET = {
  cidr: "10.30.0.0/24",
  router: "lrp-dhcp",
  routerMac: "0a:30:00:00:00:01",
  gateway: "10.30.0.1",
  mtu: 1400,
  leaseTime: 3600,
} as const;

/** The client: its logical port, the host-side veth, and the address OVN's DHCP hands it. */
export const CLIENT = {
  name: "client",
  port: "veth-client",
  mac: "0a:30:00:00:00:10",
  ip: "10.30.0.10",
} as const;

/** The names OVN answers on the switch, by default. */
export const RECORDS: Record<string, string[]> = {
  "web.example.org": ["10.30.0.80"],
  "db.example.org": ["10.30.0.81", "fd30::81"],
};

export interface DhcpDnsOptions {
  nb: Connection;
  /** The host's Open_vSwitch database (its chassis is configured already). */
  host: Connection;
  /** The DNS records (default {@link RECORDS}). */
  records?: Record<string, string[]>;
  /** DHCP options besides the ones the example sets (e.g. a misspelled one, to see it refused). */
  extraOptions?: Record<string, string>;
}

export function dhcpDns(opts: DhcpDnsOptions) {
  const { nb } = opts;
  const sw = new ovn.LogicalSwitch("sw-dhcp", { nb, name: "sw-dhcp" });
  const lr = new ovn.LogicalRouter("lr0", { nb, name: "lr0" });
  new ovn.LogicalRouterPort(NET.router, {
    nb,
    router: lr.name,
    name: NET.router,
    mac: NET.routerMac,
    networks: [`${NET.gateway}/24`],
    switch: sw.name,
  });
  const dhcp = new ovn.DhcpOptions("dhcp", {
    nb,
    cidr: NET.cidr,
    options: {
      server_id: NET.gateway,
      server_mac: NET.routerMac,
      lease_time: String(NET.leaseTime),
      router: NET.gateway,
      dns_server: NET.gateway,
      mtu: String(NET.mtu),
      domain_name: '"example.org"',
      ...opts.extraOptions,
    },
  });
  const dns = new ovn.Dns("records", { nb, records: opts.records ?? RECORDS, switches: [sw.name] });
  const port = new ovn.LogicalSwitchPort(CLIENT.name, {
    nb,
    switch: sw.name,
    name: CLIENT.name,
    addresses: [`${CLIENT.mac} ${CLIENT.ip}`],
    dhcpv4Options: dhcp.uuid,
  });
  new ovs.Port(`${CLIENT.name}-binding`, {
    host: opts.host,
    bridge: "br-int",
    name: CLIENT.port,
    interface: { externalIds: { "iface-id": port.name } },
  });
  return { dhcpOptions: dhcp.uuid, dns: dns.uuid, port: port.name };
}
