/**
 * QoS on OVN: one logical switch across two chassis. Packets vm1 sends get DSCP 46 (EF, "voice");
 * what vm3 sends is limited to 5 Mbit/s (ovn-controller installs an OpenFlow meter on vm1's and
 * vm3's chassis); vm2 receives. A meter (`ovn.Meter`, 10 packets/s) rate-limits the log of an
 * ACL that logs vm1's pings. Each container is bound to its logical port by an `ovs.Port` on its
 * host's br-int.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface QosVm {
  /** Logical port name (also the binding's `iface-id`). */
  name: string;
  /** Index of the host (chassis) in `hosts`. */
  host: number;
  /** The host-side veth of the container, added to br-int. */
  port: string;
  mac: string;
  ip: string;
}

export const SWITCH = "qos-sw";
export const PREFIX_LENGTH = 24;

/** vm1 (marked) and vm3 (limited) on the first chassis, vm2 (the receiver) on the second. */
export const VMS: QosVm[] = [
  { name: "vm1", host: 0, port: "veth-qvm1", mac: "00:00:00:9a:00:01", ip: "10.30.0.1" },
  { name: "vm2", host: 1, port: "veth-qvm2", mac: "00:00:00:9a:00:02", ip: "10.30.0.2" },
  { name: "vm3", host: 0, port: "veth-qvm3", mac: "00:00:00:9a:00:03", ip: "10.30.0.3" },
];

export interface QosOptions {
  nb: Connection;
  /** The hosts' Open_vSwitch databases (their chassis are configured already). */
  hosts: Connection[];
  /** The DSCP value vm1's packets get (default 46, EF). */
  dscp?: number;
  /** vm3's limit in kbit/s (default 5000) and its burst in kbit (default 500). */
  limit?: { rate: number; burst: number };
}

export const DEFAULT_LIMIT = { rate: 5000, burst: 500 };

export function qos(opts: QosOptions) {
  const { nb } = opts;
  const sw = new ovn.LogicalSwitch(SWITCH, { nb, name: SWITCH });
  const ports: Record<string, ovn.LogicalSwitchPort> = {};
  for (const vm of VMS) {
    ports[vm.name] = new ovn.LogicalSwitchPort(vm.name, {
      nb,
      switch: sw.name,
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
  const from = (vm: string) => pulumi.interpolate`inport == "${ports[vm].name}" && ip4`;
  const mark = new ovn.Qos("voice-mark", {
    nb,
    switch: sw.name,
    direction: "from-lport",
    priority: 100,
    match: from("vm1"),
    dscp: opts.dscp ?? 46,
  });
  const limit = new ovn.Qos("bulk-limit", {
    nb,
    switch: sw.name,
    direction: "from-lport",
    priority: 100,
    match: from("vm3"),
    bandwidth: opts.limit ?? DEFAULT_LIMIT,
  });
  const logMeter = new ovn.Meter("acl-log", { nb, name: "acl-log", unit: "pktps", bands: [{ rate: 10 }] });
  new ovn.Acl("ping-log", {
    nb,
    switch: sw.name,
    direction: "from-lport",
    priority: 1000,
    match: pulumi.interpolate`inport == "${ports.vm1.name}" && icmp4`,
    action: "allow",
    log: true,
    name: "ping-log",
    severity: "info",
    meter: logMeter.name,
  });
  return { switch: sw.name, mark: mark.uuid, limit: limit.uuid, meter: logMeter.name };
}
