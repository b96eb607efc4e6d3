/**
 * Security groups on OVN: a web tier and a db tier as two port groups whose ports sit on two
 * switches (joined by router lr0) and two chassis, an address set of admin hosts, and to-lport
 * ACLs on the groups: db accepts TCP 5432 from web only, web accepts TCP 80 from anyone, admins
 * reach both on TCP 22 (all `allow-related`, so replies flow), everything else to both tiers is
 * dropped. Each container is bound to its logical port by an `ovs.Port` on its host's br-int.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface SgVm {
  /** Logical port name (also the binding's `iface-id`). */
  name: string;
  /** Index of the host (chassis) in `hosts`. */
  host: number;
  switch: "sw0" | "sw1";
  /** The host-side veth of the container, added to br-int. */
  port: string;
  mac: string;
  ip: string;
  /** The port group it belongs to, if any. */
  tier?: "web" | "db";
}

/** The two subnets, joined by lr0. */
export const SUBNETS = {
  sw0: { router: "lrp-sw0", mac: "00:00:00:00:fe:01", network: "10.10.0.1/24", gateway: "10.10.0.1" },
  sw1: { router: "lrp-sw1", mac: "00:00:00:00:fe:02", network: "10.20.0.1/24", gateway: "10.20.0.1" },
} as const;

/** Each tier has a port on each switch and each chassis; an admin host and another host. */
export const VMS: SgVm[] = [
  {
    name: "web1",
    host: 0,
    switch: "sw0",
    port: "veth-web1",
    mac: "00:00:00:5a:00:11",
    ip: "10.10.0.11",
    tier: "web",
  },
  {
    name: "web2",
    host: 1,
    switch: "sw1",
    port: "veth-web2",
    mac: "00:00:00:5a:00:12",
    ip: "10.20.0.12",
    tier: "web",
  },
  {
    name: "db1",
    host: 1,
    switch: "sw0",
    port: "veth-db1",
    mac: "00:00:00:5a:00:21",
    ip: "10.10.0.21",
    tier: "db",
  },
  {
    name: "db2",
    host: 0,
    switch: "sw1",
    port: "veth-db2",
    mac: "00:00:00:5a:00:22",
    ip: "10.20.0.22",
    tier: "db",
  },
  { name: "admin", host: 0, switch: "sw0", port: "veth-admin", mac: "00:00:00:5a:00:31", ip: "10.10.0.100" },
  { name: "other", host: 1, switch: "sw1", port: "veth-other", mac: "00:00:00:5a:00:41", ip: "10.20.0.200" },
];

export interface SecurityGroupsOptions {
  nb: Connection;
  /** The hosts' Open_vSwitch databases (their chassis are configured already). */
  hosts: Connection[];
  /** Addresses of the admin hosts allowed to reach both tiers on TCP 22. */
  admins: string[];
  /** The verdict of the admins' SSH rule to the db tier (the policy change the example shows). */
  adminDbAction?: "allow-related" | "drop";
}

export function securityGroups(opts: SecurityGroupsOptions) {
  const { nb } = opts;
  const lr0 = new ovn.LogicalRouter("lr0", { nb, name: "lr0" });
  const switches: Record<string, ovn.LogicalSwitch> = {};
  for (const [name, s] of Object.entries(SUBNETS)) {
    switches[name] = new ovn.LogicalSwitch(name, { nb, name });
    new ovn.LogicalRouterPort(s.router, {
      nb,
      router: lr0.name,
      name: s.router,
      mac: s.mac,
      networks: [s.network],
      switch: switches[name].name,
    });
  }
  const ports: Record<string, ovn.LogicalSwitchPort> = {};
  for (const vm of VMS) {
    ports[vm.name] = new ovn.LogicalSwitchPort(vm.name, {
      nb,
      switch: switches[vm.switch].name,
      name: vm.name,
      addresses: [`${vm.mac} ${vm.ip}`],
    });
    new ovs.Port(`${vm.name}-binding`, {
      host: opts.hosts[vm.host],
      bridge: "br-int",
      name: vm.port,
      interface: { externalIds: { "iface-id": ports[vm.name].name } },
    });
  }
  const tier = (t: "web" | "db") =>
    new ovn.PortGroup(t, {
      nb,
      name: t,
      ports: VMS.filter((v) => v.tier === t).map((v) => ports[v.name].name),
    });
  const web = tier("web");
  const db = tier("db");
  const admins = new ovn.AddressSet("admins", { nb, name: "admins", addresses: opts.admins });

  const acl = (
    name: string,
    group: ovn.PortGroup,
    priority: number,
    match: pulumi.Input<string>,
    action: ovn.AclArgs["action"],
  ) => new ovn.Acl(name, { nb, portGroup: group.name, direction: "to-lport", priority, match, action });
  acl(
    "db-from-web",
    db,
    1000,
    pulumi.interpolate`outport == @${db.name} && ip4.src == $${web.name}_ip4 && tcp.dst == 5432`,
    "allow-related",
  );
  acl("web-http", web, 1000, pulumi.interpolate`outport == @${web.name} && tcp.dst == 80`, "allow-related");
  acl(
    "db-ssh",
    db,
    1000,
    pulumi.interpolate`outport == @${db.name} && ip4.src == $${admins.name} && tcp.dst == 22`,
    opts.adminDbAction ?? "allow-related",
  );
  acl(
    "web-ssh",
    web,
    1000,
    pulumi.interpolate`outport == @${web.name} && ip4.src == $${admins.name} && tcp.dst == 22`,
    "allow-related",
  );
  acl("db-drop", db, 900, pulumi.interpolate`outport == @${db.name} && ip4`, "drop");
  acl("web-drop", web, 900, pulumi.interpolate`outport == @${web.name} && ip4`, "drop");
  return { router: lr0.name, web: web.name, db: db.name };
}
