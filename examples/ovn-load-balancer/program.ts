/**
 * A load-balanced service on OVN: two web backends on switch sw-web (one per chassis), a client on
 * switch sw-client, both switches joined by router lr0, and a load balancer whose VIP (outside both
 * subnets, so the client sends it to its gateway) spreads TCP connections over the backends. The
 * load balancer is attached to the client's switch (where the VIP is translated) and to the
 * backends' switch (where OVN's health checks run). With `healthCheck`, ovn-controller probes each
 * backend from an unused address of sw-web (`ipPortMappings`) and takes a backend that stops
 * answering out of the VIP. Each container is bound to its logical port by an `ovs.Port` on its
 * host's br-int.
 */
import { ovn, ovs, type Connection } from "pulumi-ovs";

export interface LbVm {
  /** Logical port name (also the binding's `iface-id`). */
  name: string;
  /** Index of the host (chassis) in `hosts`. */
  host: number;
  switch: "sw-web" | "sw-client";
  /** The host-side veth of the container, added to br-int. */
  port: string;
  mac: string;
  ip: string;
}

/** The two subnets, joined by lr0. */
export const SUBNETS = {
  "sw-web": { router: "lrp-web", mac: "00:00:00:00:fe:31", network: "10.30.0.1/24", gateway: "10.30.0.1" },
  "sw-client": {
    router: "lrp-client",
    mac: "00:00:00:00:fe:41",
    network: "10.40.0.1/24",
    gateway: "10.40.0.1",
  },
} as const;

/** The backends (one on each chassis) and the client. */
export const VMS: LbVm[] = [
  { name: "web1", host: 0, switch: "sw-web", port: "veth-web1", mac: "00:00:00:1b:00:11", ip: "10.30.0.11" },
  { name: "web2", host: 1, switch: "sw-web", port: "veth-web2", mac: "00:00:00:1b:00:12", ip: "10.30.0.12" },
  {
    name: "client",
    host: 0,
    switch: "sw-client",
    port: "veth-client",
    mac: "00:00:00:1b:00:21",
    ip: "10.40.0.10",
  },
];
export const BACKENDS = VMS.filter((v) => v.switch === "sw-web");

/** The service: a VIP outside both subnets, port 80 on the VIP and on the backends. */
export const VIP = "172.16.0.100";
export const PORT = 80;
/** An unused address of sw-web that health checks come from. */
export const MONITOR_SOURCE = "10.30.0.2";

export interface HealthCheck {
  /** Seconds between probes of a backend. */
  interval: number;
  /** Seconds a probe waits for an answer. */
  timeout: number;
  /** Failed probes that take a backend out. */
  failureCount: number;
  /** Answered probes that bring it back. */
  successCount: number;
}

export interface LoadBalancerOptions {
  nb: Connection;
  /** The hosts' Open_vSwitch databases (their chassis are configured already). */
  hosts: Connection[];
  /** Health check of the VIP; none by default. */
  healthCheck?: HealthCheck;
}

export function loadBalancedService(opts: LoadBalancerOptions) {
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
  const vip = `${VIP}:${PORT}`;
  const lb = new ovn.LoadBalancer("web-lb", {
    nb,
    name: "web-lb",
    protocol: "tcp",
    vips: { [vip]: BACKENDS.map((b) => `${b.ip}:${PORT}`) },
    switches: [switches["sw-client"].name, switches["sw-web"].name],
    healthChecks: opts.healthCheck ? [{ vip, ...opts.healthCheck }] : undefined,
    // Health checks of each backend come from MONITOR_SOURCE through the backend's own port.
    ipPortMappings: Object.fromEntries(BACKENDS.map((b) => [b.ip, `${b.name}:${MONITOR_SOURCE}`])),
  });
  return { router: lr0.name, loadBalancer: lb.name, vip };
}
