/**
 * North-south traffic through a distributed gateway port. A tenant switch behind router lr-gw
 * reaches a provider network (an external switch with a `localnet` port, `physnet`, bridged by
 * every chassis to its OVS bridge `br-ex`) through gateway port lrp-ext, hosted by chassis h1
 * (priority 20) and, when h1 fails, h2 (priority 10). The tenant subnet leaves as one SNAT
 * address; one container has a floating IP (`dnat_and_snat` with `logicalPort` and `externalMac`:
 * distributed, so its traffic enters and leaves on the container's own chassis). A default
 * route points at the outside router.
 */
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface GatewayVm {
  /** Logical port and container name. */
  name: string;
  /** Index of the host (chassis) in `hosts`. */
  host: number;
  /** The host-side veth of the container, added to br-int. */
  port: string;
  mac: string;
  ip: string;
}

/** The provider network: the physical network name, its bridge on every chassis, its addresses. */
export const PHYSNET = "physnet";
export const PROVIDER_BRIDGE = "br-ex";
export const EXTERNAL = {
  /** The outside router and server. */
  gateway: "203.0.113.1",
  /** lr-gw's address on the provider network (the gateway port). */
  routerIp: "203.0.113.2",
  /** What the tenant subnet leaves as. */
  snatIp: "203.0.113.10",
  /** The floating IP of `fip`. */
  floatingIp: "203.0.113.20",
  /** The MAC answering for the floating IP, on fip's chassis. */
  floatingMac: "00:00:00:cb:00:20",
  prefix: 24,
} as const;

/** The tenant network behind lr-gw. */
export const TENANT = {
  subnet: "10.60.0.0/24",
  gateway: "10.60.0.1",
  routerMac: "00:00:00:00:fe:61",
} as const;
/** The gateway port's MAC. */
export const GATEWAY_MAC = "00:00:00:00:fe:62";
/** The distributed gateway port; its chassis-resident port in the southbound is `cr-lrp-ext`. */
export const GATEWAY_PORT = "lrp-ext";

/** `snat` leaves through SNAT (on h2, the backup gateway); `fip` has the floating IP (on h3). */
export const VMS: GatewayVm[] = [
  { name: "snat", host: 1, port: "veth-snat", mac: "00:00:00:cb:01:10", ip: "10.60.0.10" },
  { name: "fip", host: 2, port: "veth-fip", mac: "00:00:00:cb:01:20", ip: "10.60.0.20" },
];

export interface GatewayChassisPriority {
  chassis: string;
  priority: number;
}

/** h1 hosts the gateway; h2 takes over when h1 fails. */
export const DEFAULT_GATEWAYS: GatewayChassisPriority[] = [
  { chassis: "h1", priority: 20 },
  { chassis: "h2", priority: 10 },
];

export interface OvnGatewayOptions {
  nb: Connection;
  /** The hosts' Open_vSwitch databases (h1, h2, h3; their chassis are configured already). */
  hosts: Connection[];
  /** Gateway chassis of lrp-ext with priorities; default {@link DEFAULT_GATEWAYS}. */
  gatewayChassis?: GatewayChassisPriority[];
}

export function ovnGateway(opts: OvnGatewayOptions) {
  const { nb } = opts;
  // Every chassis bridges physnet to its br-ex (ovn-bridge-mappings): the gateway chassis carry
  // SNAT traffic there, fip's chassis its floating IP.
  opts.hosts.forEach(
    (host, k) =>
      new ovn.ChassisConfig(`chassis-h${k + 1}`, { host, bridgeMappings: { [PHYSNET]: PROVIDER_BRIDGE } }),
  );

  const ext = new ovn.LogicalSwitch("ext", { nb, name: "ext" });
  new ovn.LogicalSwitchPort("ext-localnet", {
    nb,
    switch: ext.name,
    name: "ext-localnet",
    type: "localnet",
    addresses: ["unknown"],
    options: { network_name: PHYSNET },
  });

  const router = new ovn.LogicalRouter("lr-gw", { nb, name: "lr-gw" });
  const tenant = new ovn.LogicalSwitch("tenant", { nb, name: "tenant" });
  const tenantPort = new ovn.LogicalRouterPort("lrp-tenant", {
    nb,
    router: router.name,
    name: "lrp-tenant",
    mac: TENANT.routerMac,
    networks: [`${TENANT.gateway}/24`],
    switch: tenant.name,
  });
  const gw = new ovn.LogicalRouterPort(GATEWAY_PORT, {
    nb,
    router: router.name,
    name: GATEWAY_PORT,
    mac: GATEWAY_MAC,
    networks: [`${EXTERNAL.routerIp}/${EXTERNAL.prefix}`],
    switch: ext.name,
    gatewayChassis: opts.gatewayChassis ?? DEFAULT_GATEWAYS,
    // The chassis taking the gateway over announces the router's and the NAT addresses
    // (gratuitous ARP), so the outside stops sending to the chassis that failed.
    switchPortOptions: { "nat-addresses": "router" },
  });

  const ports: Record<string, ovn.LogicalSwitchPort> = {};
  for (const vm of VMS) {
    ports[vm.name] = new ovn.LogicalSwitchPort(vm.name, {
      nb,
      switch: tenant.name,
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

  new ovn.LogicalRouterStaticRoute(
    "default-route",
    { nb, router: router.name, ipPrefix: "0.0.0.0/0", nexthop: EXTERNAL.gateway },
    { dependsOn: [gw] },
  );
  new ovn.LogicalRouterNat(
    "tenant-snat",
    { nb, router: router.name, type: "snat", externalIp: EXTERNAL.snatIp, logicalIp: TENANT.subnet },
    { dependsOn: [gw] },
  );
  const fip = VMS.find((v) => v.name === "fip") as GatewayVm;
  new ovn.LogicalRouterNat(
    "fip-nat",
    {
      nb,
      router: router.name,
      type: "dnat_and_snat",
      externalIp: EXTERNAL.floatingIp,
      logicalIp: fip.ip,
      logicalPort: ports.fip.name,
      externalMac: EXTERNAL.floatingMac,
    },
    // The floating IP's port must be on a switch joined to the router when the rule is written.
    { dependsOn: [gw, tenantPort] },
  );
  return {
    router: router.name,
    gatewayPort: gw.name,
    snatIp: EXTERNAL.snatIp,
    floatingIp: EXTERNAL.floatingIp,
  };
}
