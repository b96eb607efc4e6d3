/**
 * One resource of every kind the package offers, on one sandbox host and the sandbox's OVN
 * central. The SDK is a parameter so the program can use the copy installed under a user's
 * `node_modules` (the serialized provider of a closure depends on where the code lives).
 */
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
