/**
 * OVN across two hypervisors: each host's chassis settings (`ovn.ChassisConfig`: system-id,
 * ovn-remote, geneve, its tunnel IP), switches `sw0` and `sw1` joined by router `lr0`, and one
 * logical port per container, bound to the container's veth by an `ovs.Port` on the host's
 * `br-int` whose interface carries `external_ids:iface-id` (the field report's "attach the
 * container to the logical switch").
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface OvnHost {
  /** Chassis name (`system-id`), e.g. `h1`. */
  systemId: string;
  /** The host's Open_vSwitch database. */
  host: Connection;
  /** The host's tunnel endpoint (underlay) address. */
  encapIp: string;
}

export interface OvnVm {
  /** Logical port name (also the binding's `iface-id`). */
  name: string;
  /** Index of the host in `hosts` the container runs on. */
  host: number;
  /** `sw0` (192.168.0.0/24) or `sw1` (11.0.0.0/24). */
  switch: "sw0" | "sw1";
  /** The host-side veth of the container, added to br-int. */
  port: string;
  mac: string;
  ip: string;
}

export interface OvnTwoHostsOptions {
  /** The OVN northbound database. */
  nb: Connection;
  /** The southbound database as the chassis reach it (their `ovn-remote`), e.g. `tcp:10.0.0.1:6642`. */
  sbRemote: string;
  hosts: OvnHost[];
  vms: OvnVm[];
  /** Tunnel type(s) between the chassis. Default geneve. */
  encapType?: string | string[];
  /** Take over chassis settings someone else already wrote on the hosts. */
  adoptChassis?: boolean;
  /** Provider networks of every chassis (`ovn-bridge-mappings`), e.g. `{ physnet: "br-ex" }`. */
  bridgeMappings?: Record<string, string>;
}

/** The two subnets of the report, joined by lr0. */
export const SUBNETS = {
  sw0: { router: "lrp0", mac: "00:00:00:00:ff:01", network: "192.168.0.1/24", gateway: "192.168.0.1" },
  sw1: { router: "lrp1", mac: "00:00:00:00:ff:02", network: "11.0.0.1/24", gateway: "11.0.0.1" },
} as const;

/** One container per host on sw0, and one on sw1 (on the second host). */
export const DEFAULT_VMS: OvnVm[] = [
  { name: "vm1", host: 0, switch: "sw0", port: "veth-vm1", mac: "00:00:00:aa:00:01", ip: "192.168.0.2" },
  { name: "vm2", host: 1, switch: "sw0", port: "veth-vm2", mac: "00:00:00:aa:00:02", ip: "192.168.0.3" },
  { name: "vm3", host: 1, switch: "sw1", port: "veth-vm3", mac: "00:00:00:aa:00:03", ip: "11.0.0.2" },
];

export function ovnTwoHosts(opts: OvnTwoHostsOptions) {
  const { nb } = opts;
  const chassis = opts.hosts.map(
    (h) =>
      new ovn.ChassisConfig(`chassis-${h.systemId}`, {
        host: h.host,
        systemId: h.systemId,
        ovnRemote: opts.sbRemote,
        encapType: opts.encapType ?? "geneve",
        encapIp: h.encapIp,
        bridgeMappings: opts.bridgeMappings,
        adopt: opts.adoptChassis,
      }),
  );
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
  const up: Record<string, pulumi.Output<boolean | null>> = {};
  /** The logical switch ports' names by container (outputs: what depends on them waits for them). */
  const ports: Record<string, pulumi.Output<string>> = {};
  for (const vm of opts.vms) {
    const lsp = new ovn.LogicalSwitchPort(vm.name, {
      nb,
      switch: switches[vm.switch].name,
      name: vm.name,
      addresses: [`${vm.mac} ${vm.ip}`],
    });
    new ovs.Port(
      `${vm.name}-binding`,
      {
        host: opts.hosts[vm.host].host,
        bridge: "br-int",
        name: vm.port,
        interface: { externalIds: { "iface-id": lsp.name } },
      },
      // Bind once the chassis is configured, so ovn-controller claims the port at once.
      { dependsOn: [chassis[vm.host]] },
    );
    up[vm.name] = lsp.up;
    ports[vm.name] = lsp.name;
  }
  return {
    chassis: chassis.map((c) => c.systemId),
    router: lr0.name,
    /** The switches' names (outputs: a load balancer attached to them waits for them). */
    switches: Object.fromEntries(Object.entries(switches).map(([k, s]) => [k, s.name])),
    up,
    ports,
  };
}
