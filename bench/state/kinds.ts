/**
 * One resource of every kind the package offers, on one sandbox host and the sandbox's OVN
 * central. The SDK is a parameter so the program can use the copy installed under a user's
 * `node_modules` (the serialized provider of a closure depends on where the code lives).
 */
import * as pulumi from "@pulumi/pulumi";
import type * as sdkModule from "../../sdk";
import type { SandboxInfo } from "../../sandbox";

export type Sdk = typeof sdkModule;

/** Where the resources go, and the chassis settings the sandbox gave its host (adopted as they are). */
export interface KindsTarget {
  host: { remote: string };
  nb: { remote: string };
  sb: { remote: string };
  chassis: { systemId: string; ovnRemote: string; encapType: string; encapIp: string };
}

export function kindsTarget(sb: SandboxInfo, ovnRemote: string): KindsTarget {
  const h = sb.hosts[0];
  return {
    host: { remote: h.remotes.unix },
    nb: { remote: sb.central!.nbRemote.unix },
    sb: { remote: sb.central!.sbRemote.unix },
    chassis: { systemId: h.systemId!, ovnRemote, encapType: sb.options.encap, encapIp: h.underlayIp },
  };
}

/** Resource types in the order {@link oneOfEachKind} declares them. */
export const KINDS = [
  "ovs:Bridge",
  "ovs:Port",
  "ovs:Flow",
  "ovs:Manager",
  "ovn:ChassisConfig",
  "ovn:LogicalSwitch",
  "ovn:LogicalSwitchPort",
  "ovn:LogicalRouter",
  "ovn:LogicalRouterPort",
  "ovn:LogicalRouterStaticRoute",
  "ovn:LogicalRouterNat",
  "ovn:NorthboundConnection",
  "ovn:SouthboundConnection",
  "ovn:LogicalRouterPolicy",
  "ovn:HaChassisGroup",
  "ovn:AddressSet",
  "ovn:PortGroup",
  "ovn:Acl",
  "ovn:Meter",
  "ovn:Qos",
  "ovn:DhcpOptions",
  "ovn:Dns",
  "ovn:LoadBalancer",
  "ovs:Ports",
  "ovs:Flows",
  "ovn:LogicalSwitchPorts",
  "ovn:Acls",
] as const;

/** Declares one resource of each of {@link KINDS}; names start with `prefix`. */
export function oneOfEachKind(sdk: Sdk, t: KindsTarget, prefix = "st"): void {
  const { ovs, ovn } = sdk;
  const { host, nb } = t;
  const br = new ovs.Bridge(`${prefix}-br`, { host, name: `${prefix}-br`, datapathType: "netdev" });
  new ovs.Port(`${prefix}-port`, {
    host,
    bridge: br.name,
    name: `${prefix}-p1`,
    tag: 100,
    interface: { type: "internal" },
  });
  new ovs.Flow(`${prefix}-flow`, { host, bridge: br.name, priority: 10, match: "arp", actions: "NORMAL" });
  new ovs.Manager(`${prefix}-mgr`, { host, target: "ptcp:16650:127.0.0.1" });
  new ovn.ChassisConfig(`${prefix}-chassis`, { host, ...t.chassis, adopt: true });
  const ls = new ovn.LogicalSwitch(`${prefix}-ls`, { nb, name: `${prefix}-ls` });
  new ovn.LogicalSwitchPort(`${prefix}-lsp`, {
    nb,
    switch: ls.name,
    name: `${prefix}-lsp`,
    addresses: ["0a:00:00:00:00:01 10.9.0.2"],
  });
  const lr = new ovn.LogicalRouter(`${prefix}-lr`, { nb, name: `${prefix}-lr` });
  const lrp = new ovn.LogicalRouterPort(`${prefix}-lrp`, {
    nb,
    router: lr.name,
    name: `${prefix}-lrp`,
    mac: "0a:00:00:00:00:fe",
    networks: ["10.9.0.1/24"],
    gatewayChassis: [t.chassis.systemId],
  });
  new ovn.LogicalRouterStaticRoute(
    `${prefix}-route`,
    { nb, router: lr.name, ipPrefix: "0.0.0.0/0", nexthop: "10.9.0.254" },
    { dependsOn: [lrp] },
  );
  new ovn.LogicalRouterNat(
    `${prefix}-nat`,
    { nb, router: lr.name, type: "snat", externalIp: "10.9.0.1", logicalIp: "10.10.0.0/16" },
    { dependsOn: [lrp] },
  );
  new ovn.NorthboundConnection(`${prefix}-nbconn`, { nb, target: "ptcp:16651:127.0.0.1" });
  new ovn.SouthboundConnection(`${prefix}-sbconn`, { sb: t.sb, target: "ptcp:16652:127.0.0.1" });
  new ovn.LogicalRouterPolicy(`${prefix}-policy`, {
    nb,
    router: lr.name,
    priority: 100,
    match: "ip4.dst == 10.10.0.9",
    action: "drop",
  });
  new ovn.HaChassisGroup(`${prefix}-ha`, { nb, name: `${prefix}-ha`, chassis: [t.chassis.systemId] });
  const as = new ovn.AddressSet(`${prefix}-as`, { nb, name: `${prefix}_as`, addresses: ["10.9.0.2"] });
  const pg = new ovn.PortGroup(`${prefix}-pg`, { nb, name: `${prefix}_pg` });
  const meter = new ovn.Meter(`${prefix}-meter`, {
    nb,
    name: `${prefix}-meter`,
    unit: "pktps",
    bands: [{ rate: 10 }],
  });
  new ovn.Acl(`${prefix}-acl`, {
    nb,
    portGroup: pg.name,
    direction: "to-lport",
    priority: 1000,
    match: pulumi.interpolate`outport == @${pg.name} && ip4.src == $${as.name}`,
    action: "allow-related",
    log: true,
    meter: meter.name,
  });
  new ovn.Qos(`${prefix}-qos`, {
    nb,
    switch: ls.name,
    direction: "from-lport",
    priority: 100,
    match: "ip4",
    dscp: 46,
  });
  new ovn.DhcpOptions(`${prefix}-dhcp`, {
    nb,
    cidr: "10.9.0.0/24",
    options: {
      server_id: "10.9.0.1",
      server_mac: "0a:00:00:00:00:fe",
      lease_time: "3600",
      router: "10.9.0.1",
    },
  });
  new ovn.Dns(`${prefix}-dns`, { nb, records: { "a.example.org": ["10.9.0.2"] }, switches: [ls.name] });
  new ovn.LoadBalancer(`${prefix}-lb`, {
    nb,
    name: `${prefix}-lb`,
    protocol: "tcp",
    vips: { "10.9.1.100:80": ["10.9.0.2:80"] },
    switches: [ls.name],
  });
  // Collections of two members: the bytes of the resource and of each member.
  new ovs.Ports(`${prefix}-ports`, {
    host,
    bridge: br.name,
    ports: {
      [`${prefix}-p2`]: { tag: 101, interface: { type: "internal" } },
      [`${prefix}-p3`]: { tag: 102, interface: { type: "internal" } },
    },
  });
  new ovs.Flows(`${prefix}-flows`, {
    host,
    bridge: br.name,
    flows: {
      a: { priority: 11, match: "ip", actions: "NORMAL" },
      b: { priority: 12, match: "ipv6", actions: "NORMAL" },
    },
  });
  new ovn.LogicalSwitchPorts(`${prefix}-lsps`, {
    nb,
    switch: ls.name,
    ports: {
      [`${prefix}-lsp2`]: { addresses: ["0a:00:00:00:00:02 10.9.0.3"] },
      [`${prefix}-lsp3`]: { addresses: ["0a:00:00:00:00:03 10.9.0.4"] },
    },
  });
  new ovn.Acls(`${prefix}-acls`, {
    nb,
    switch: ls.name,
    acls: {
      web: { direction: "to-lport", priority: 1001, match: "tcp.dst == 80", action: "allow" },
      ssh: { direction: "to-lport", priority: 1002, match: "tcp.dst == 22", action: "drop" },
    },
  });
}

/** `count` logical switch ports on one switch: `count + 1` resources. */
export function manyPorts(sdk: Sdk, t: KindsTarget, count: number, prefix = "st"): void {
  const ls = new sdk.ovn.LogicalSwitch(`${prefix}-many`, { nb: t.nb, name: `${prefix}-many` });
  for (let i = 0; i < count; i++) {
    const mac = `0a:00:00:01:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
    new sdk.ovn.LogicalSwitchPort(`${prefix}-m${i}`, {
      nb: t.nb,
      switch: ls.name,
      name: `${prefix}-m${i}`,
      addresses: [`${mac} 10.${20 + (i >> 8)}.${i & 255}.2`],
    });
  }
}
