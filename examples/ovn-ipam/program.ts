/**
 * The field report's IP management (static and automatic): a logical switch with a subnet whose
 * first addresses are excluded, ports asking ovn-northd for addresses (`"dynamic"`, `"MAC
 * dynamic"`) next to a port with a static address. The program exports what ovn-northd assigned,
 * for whatever configures the containers (here: the end-to-end test).
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface IpamVm {
  /** Logical port name (and the binding's `iface-id`). */
  name: string;
  /** Index of the host in `hosts`. */
  host: number;
  /** The container's host-side veth, added to br-int. */
  port: string;
  /** `"dynamic"`, `"MAC dynamic"` or a static `"MAC IP"`. */
  address: string;
}

export interface OvnIpamOptions {
  /** The OVN northbound database. */
  nb: Connection;
  /** The hosts' Open_vSwitch databases (their br-int, made by ovn-controller, gets the containers). */
  hosts: Connection[];
  /** Switch name. Default `sw-ipam`. */
  switchName?: string;
  /** IPv4 subnet ovn-northd assigns from. */
  subnet: string;
  /** Addresses ovn-northd never assigns (e.g. reserved for routers and static hosts). */
  excludeIps?: string[];
  vms: IpamVm[];
}

/** The addresses of one port: assigned by ovn-northd, or the static ones. */
export interface AssignedAddress {
  mac: pulumi.Output<string | null>;
  ip: pulumi.Output<string | null>;
}

export const DEFAULT_IPAM = {
  subnet: "10.10.0.0/24",
  excludeIps: ["10.10.0.1..10.10.0.20"],
  vms: [
    { name: "web1", host: 0, port: "veth-web1", address: "dynamic" },
    { name: "web2", host: 1, port: "veth-web2", address: "0a:00:00:10:00:99 dynamic" },
    { name: "db1", host: 0, port: "veth-db1", address: "0a:00:00:10:00:21 10.10.0.21" },
  ] as IpamVm[],
};

export function ovnIpam(opts: OvnIpamOptions) {
  const { nb } = opts;
  const name = opts.switchName ?? "sw-ipam";
  const sw = new ovn.LogicalSwitch(name, { nb, name, subnet: opts.subnet, excludeIps: opts.excludeIps });
  const addresses: Record<string, AssignedAddress> = {};
  // ovn-northd skips the addresses ports name statically, but only those it has seen: a dynamic
  // port created first may be given a static port's address. Static ports go first.
  const isStatic = (vm: IpamVm) => !vm.address.includes("dynamic");
  const statics: ovn.LogicalSwitchPort[] = [];
  for (const vm of [...opts.vms.filter(isStatic), ...opts.vms.filter((vm) => !isStatic(vm))]) {
    const lsp = new ovn.LogicalSwitchPort(
      vm.name,
      { nb, switch: sw.name, name: vm.name, addresses: [vm.address] },
      isStatic(vm) ? {} : { dependsOn: statics },
    );
    if (isStatic(vm)) statics.push(lsp);
    new ovs.Port(`${vm.name}-binding`, {
      host: opts.hosts[vm.host],
      bridge: "br-int",
      name: vm.port,
      interface: { externalIds: { "iface-id": lsp.name } },
    });
    const [mac, ip] = vm.address.split(/\s+/);
    addresses[vm.name] = {
      mac: isStatic(vm) ? pulumi.output(mac) : lsp.dynamicMac,
      ip: isStatic(vm) ? pulumi.output(ip) : lsp.dynamicIpv4,
    };
  }
  return { switch: sw.name, subnet: sw.subnet, addresses };
}
