/**
 * The whole field report as one Pulumi program: the OVS experiments (VLAN isolation on one host,
 * two hosts joined by VXLAN), the flow-table experiment, and OVN (two switches, a router, routed
 * containers on two chassis, with a security policy: a port group, an address set and ACLs, a
 * load-balanced service: a VIP over two of the containers, and a gateway to the outside network
 * with SNAT). The environment — which hosts, which databases — comes from stack
 * config (see `config.ts`), so the same program serves the sandbox (`dev`) and real hosts (`prod`).
 */
import { crossHostVxlan } from "../examples/cross-host-vxlan/program";
import { openflowSingleHost } from "../examples/openflow/program";
import { ovnTwoHosts } from "../examples/ovn-two-hosts/program";
import { demoGateway, type DemoExternal } from "./gateway";
import { demoSecurity } from "./security";
import { DEMO_VMS, demoService } from "./service";
import type { Connection } from "../sdk";

export interface DemoHost {
  /** Name used for the chassis (`system-id`) and in messages. */
  name: string;
  /** The host's Open_vSwitch database. */
  host: Connection;
  /** Underlay address: VXLAN `remote_ip` of the other host and the OVN tunnel endpoint. */
  underlayIp: string;
}

export interface DemoEnvironment {
  hosts: [DemoHost, DemoHost];
  /** OVN northbound database. */
  nb: Connection;
  /** Southbound database as the chassis reach it (`ovn-remote`). */
  sbRemote: string;
  /** Take over chassis keys that someone (e.g. the sandbox) already wrote. */
  adoptChassis?: boolean;
  datapathType?: "system" | "netdev";
  /** The outside network lr0's tenants reach through a gateway; none when absent. */
  external?: DemoExternal;
}

/** Containers of the demo: where they sit and what they are called (host-side veth names). */
export const DEMO_CONTAINERS = {
  // VLAN and VXLAN (field report part 1): bridge ovs0 on host 1, ovs1 on host 2.
  con6: { host: 0, port: "veth-con6", ip: "192.168.1.2/24", tag: 100 },
  con7: { host: 0, port: "veth-con7", ip: "192.168.1.3/24", tag: 200 },
  con8: { host: 0, port: "veth-con8", ip: "192.168.1.4/24", tag: 100 },
  con9: { host: 1, port: "veth-con9", ip: "192.168.1.5/24", tag: 100 },
  con10: { host: 1, port: "veth-con10", ip: "192.168.1.6/24", tag: 200 },
  // Flows (part 2): bridge of0 on host 2, no NORMAL flow, in_port forwarding only.
  con11: { host: 1, port: "veth-con11", ip: "192.168.3.2/24" },
  con12: { host: 1, port: "veth-con12", ip: "192.168.3.3/24" },
} as const;

export function fieldReportDemo(env: DemoEnvironment) {
  const [h1, h2] = env.hosts;
  const c = DEMO_CONTAINERS;
  const onHost = (i: number, names: (keyof typeof c)[]) =>
    names
      .filter((n) => c[n].host === i)
      .map((n) => ({ name: n, port: c[n].port, tag: (c[n] as { tag: number }).tag }));

  const vxlan = crossHostVxlan(
    [
      {
        host: h1.host,
        bridge: "ovs0",
        underlayIp: h1.underlayIp,
        containers: onHost(0, ["con6", "con7", "con8"]),
      },
      { host: h2.host, bridge: "ovs1", underlayIp: h2.underlayIp, containers: onHost(1, ["con9", "con10"]) },
    ],
    { datapathType: env.datapathType },
  );
  const flows = openflowSingleHost({
    host: h2.host,
    bridge: "of0",
    ports: { con6: c.con11.port, con7: c.con12.port },
    datapathType: env.datapathType,
  });
  const ovn = ovnTwoHosts({
    nb: env.nb,
    sbRemote: env.sbRemote,
    hosts: env.hosts.map((h) => ({ systemId: h.name, host: h.host, encapIp: h.underlayIp })),
    vms: DEMO_VMS,
    adoptChassis: env.adoptChassis,
    bridgeMappings: env.external && { [env.external.physnet]: env.external.providerBridge },
  });
  // The OVN services of the field report go beside the policy (security: who may reach whom).
  const security = demoSecurity({ nb: env.nb, ports: ovn.ports });
  const service = demoService({ nb: env.nb, switches: Object.values(ovn.switches) });
  const gateway = env.external && demoGateway({ nb: env.nb, router: ovn.router, external: env.external });
  return { vxlan, flows, ovn, security, service, gateway };
}

/**
 * The stack outputs of the demo: configuration only. Runtime status (a switch port's `up`) is left
 * out: a stack output is computed when the program runs, before the chassis have bound the ports
 * this `up` creates, so it would say `false` for ports that pass traffic. `demo/status.ts` reads it
 * when it prints.
 */
export function demoOutputs(out: ReturnType<typeof fieldReportDemo>) {
  return { bridges: out.vxlan, flowCookies: out.flows.cookies, chassis: out.ovn.chassis };
}
