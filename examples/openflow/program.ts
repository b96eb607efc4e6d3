/**
 * The field report's flow-table experiment on one host: bridge `ovs0` without the default NORMAL
 * flow (`failMode: "secure"`, the declarative form of `ovs-ofctl del-flows ovs0`), con6 and con7 on
 * it, two `in_port` flows that forward between them, and optionally the priority-2 `drop` on con7's
 * port that cuts it off again.
 */
import { ovs, type Connection } from "pulumi-ovs";

export interface OpenflowOptions {
  /** The host's Open_vSwitch database (`unix:RUNDIR/db.sock`: flows then go through `RUNDIR/ovs0.mgmt`). */
  host: Connection;
  /**
   * Bridge name. Default `ovs0` as in the report; with another name, the resource names get it
   * as a prefix (`of0`, `of0-con6`, …) so the experiment can sit beside others in one stack.
   */
  bridge?: string;
  /** Host-side veth names of con6 and con7. */
  ports?: { con6: string; con7: string };
  /** Add the forwarding flows (priority 1): con6 → con7 and con7 → con6. Default true. */
  forward?: boolean;
  /** Add the report's `priority=2,in_port=<con7>,actions=drop`. Default false. */
  dropCon7?: boolean;
  /** Datapath of the bridge: `netdev` (userspace) where no kernel module is loaded. */
  datapathType?: "system" | "netdev";
}

export function openflowSingleHost(opts: OpenflowOptions) {
  const ports = opts.ports ?? { con6: "veth-con6", con7: "veth-con7" };
  const host = opts.host;
  const brName = opts.bridge ?? "ovs0";
  const n = (name: string) => (brName === "ovs0" ? name : `${brName}-${name}`);
  // fail_mode=secure: the bridge starts with an empty flow table (no priority=0 actions=NORMAL).
  const bridge = new ovs.Bridge(brName, {
    host,
    name: brName,
    datapathType: opts.datapathType ?? "netdev",
    failMode: "secure",
  });
  const con6 = new ovs.Port(n("con6"), { host, bridge: bridge.name, name: ports.con6, tag: 100 });
  const con7 = new ovs.Port(n("con7"), { host, bridge: bridge.name, name: ports.con7, tag: 100 });

  // Port names as in ovs-ofctl; the switch resolves them when the flow is written, so the flows
  // depend on their ports. Literal match/actions strings are syntax-checked at preview.
  const dependsOn = [con6, con7];
  const flows: Record<string, ovs.Flow> = {};
  if (opts.forward ?? true) {
    // ovs-ofctl add-flow ovs0 "priority=1,in_port=3,actions=output:4" (and back)
    flows["con6-to-con7"] = new ovs.Flow(
      n("con6-to-con7"),
      {
        host,
        bridge: bridge.name,
        priority: 1,
        match: `in_port=${ports.con6}`,
        actions: `output:${ports.con7}`,
      },
      { dependsOn },
    );
    flows["con7-to-con6"] = new ovs.Flow(
      n("con7-to-con6"),
      {
        host,
        bridge: bridge.name,
        priority: 1,
        match: `in_port=${ports.con7}`,
        actions: `output:${ports.con6}`,
      },
      { dependsOn },
    );
  }
  if (opts.dropCon7) {
    // ovs-ofctl add-flow ovs0 "priority=2,in_port=4,actions=drop": a higher priority wins
    flows["drop-con7"] = new ovs.Flow(
      n("drop-con7"),
      { host, bridge: bridge.name, priority: 2, match: `in_port=${ports.con7}`, actions: "drop" },
      { dependsOn },
    );
  }
  return {
    bridge: bridge.name,
    ofports: { con6: con6.ofport, con7: con7.ofport },
    /** Each flow's cookie: `ovs-ofctl dump-flows ovs0 cookie=COOKIE/-1` shows it. */
    cookies: Object.fromEntries(Object.entries(flows).map(([name, f]) => [name, f.cookie])),
  };
}
