import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, providerFor } from "../shim";
import { ownerMarker, withSecrets, type Connection, type TlsArgs } from "../common";

/** OpenFlow versions, as ovs-ofctl's `-O` and the bridge's `protocols` spell them. */
export type OpenFlowVersion =
  "OpenFlow10" | "OpenFlow11" | "OpenFlow12" | "OpenFlow13" | "OpenFlow14" | "OpenFlow15";

export interface FlowArgs {
  /**
   * The host's Open_vSwitch database. With a `unix:` remote (`unix:RUNDIR/db.sock`) the flow is
   * written through the bridge's management socket in the same run directory
   * (`unix:RUNDIR/BRIDGE.mgmt`: local, root only — the safest way). With a `tcp:`/`ssl:` remote the
   * bridge's passive controller listener is used (`ovs.Bridge` `controllers: ["pssl:6653"]`, or
   * `"ptcp:6653"`), at the host's address. Give `host` or `endpoint`. Changing it replaces the flow.
   */
  host?: pulumi.Input<Connection>;
  /**
   * The OpenFlow target to use instead of deriving it from `host`: `unix:/var/run/openvswitch/br0.mgmt`,
   * `ssl:10.0.0.5:6653` or `tcp:10.0.0.5:6653` (port default 6653).
   *
   * Security: a bridge listening on `ptcp:` accepts OpenFlow from anyone who can reach the port,
   * without authentication or encryption — full control of the switch's forwarding. Prefer `ssl:`
   * (the bridge listens with `pssl:` and checks client certificates against its CA); if `tcp:` is
   * unavoidable, bind the listener to a management address (`ptcp:6653:10.0.0.5`) behind a firewall.
   * Changing it replaces the flow.
   */
  endpoint?: pulumi.Input<string>;
  /** Client TLS material for an `ssl:` endpoint (default: the host connection's `tls`). Pass secrets. */
  tls?: pulumi.Input<TlsArgs>;
  /** The bridge (e.g. `bridge.name`). Changing it replaces the flow. */
  bridge: pulumi.Input<string>;
  /** OpenFlow table 0..253. Default 0. Changes in place (new flow added, then the old one deleted). */
  table?: pulumi.Input<number>;
  /**
   * Priority 0..65535: among flows that match a packet, the highest priority wins. Default 32768
   * (OpenFlow's default). Changes in place without a moment where neither flow is installed.
   */
  priority?: pulumi.Input<number>;
  /**
   * Match fields in ovs-ofctl syntax, without `priority`, `table` or `actions`: `in_port=veth-con7`,
   * `ip,nw_dst=192.168.1.0/24`, `arp`, `dl_vlan=100`. Port names work as in ovs-ofctl and are
   * resolved by the switch when the flow is written (make the flow depend on its ports, e.g.
   * `` pulumi.interpolate`in_port=${port.name}` `` or `dependsOn`). Default: match every packet.
   * Syntax errors fail at preview with ovs-ofctl's own message.
   */
  match?: pulumi.Input<string>;
  /**
   * Actions in ovs-ofctl syntax (a leading `actions=` is accepted): `output:veth-con6`, `drop`,
   * `mod_vlan_vid:100,output:2`, `NORMAL`, `resubmit(,1)`. A change of actions alone is applied with
   * `mod-flows --strict` (the flow keeps its counters). Syntax errors fail at preview.
   */
  actions: pulumi.Input<string>;
  /** Seconds without a matching packet after which the switch removes the flow (0 or unset: never). */
  idleTimeout?: pulumi.Input<number>;
  /** Seconds after which the switch removes the flow regardless of traffic (0 or unset: never). */
  hardTimeout?: pulumi.Input<number>;
  /**
   * OpenFlow version to speak (`-O`), e.g. `OpenFlow13`; the bridge's `protocols` must include it.
   * Default: ovs-ofctl's default, OpenFlow 1.0 with Open vSwitch's extensions, which expresses most
   * flows; instructions and actions of later versions (e.g. `meter:`) need `OpenFlow13` or later
   * (preview says so). The switch renders actions in the version's own terms
   * (`mod_vlan_vid:100` becomes `push_vlan:0x8100,set_field:4196->vlan_vid` in 1.3).
   */
  openflowVersion?: pulumi.Input<OpenFlowVersion>;
  /**
   * Take over a flow not managed by this stack that has exactly the same table, priority and match
   * (OpenFlow keeps one flow per table, priority and match, so adding ours replaces it). Without
   * it, creating such a flow fails and the existing flow is left as it was. After adoption the
   * stack owns the flow: destroying the stack deletes it.
   */
  adopt?: pulumi.Input<boolean>;
}

/** The flow as the switch shows it (port names printed), after the last apply or refresh. */
export interface InstalledFlow {
  table: number;
  priority: number;
  match: string;
  actions: string;
  idleTimeout: number;
  hardTimeout: number;
}

/**
 * An OpenFlow flow on a bridge: `ovs-ofctl add-flow BRIDGE "priority=…,MATCH,actions=…"`.
 *
 * The resource owns its flow through a cookie derived from its owner marker; it only reads, changes
 * and deletes flows with that cookie, so flows added by hand or by a controller are never removed.
 * `pulumi refresh` shows a flow deleted by hand (as gone) or changed by hand (as drift).
 *
 * For a bridge that forwards only what its flows say (instead of `ovs-ofctl del-flows BRIDGE`),
 * create the bridge with `failMode: "secure"`: it then starts with an empty flow table, without
 * the default `priority=0 actions=NORMAL` flow.
 *
 * Flows live in ovs-vswitchd's memory: a restart of ovs-vswitchd drops them; `pulumi refresh`
 * then shows them gone and `pulumi up` puts them back.
 */
export class Flow extends DynamicResource {
  declare readonly bridge: pulumi.Output<string>;
  declare readonly table: pulumi.Output<number | undefined>;
  declare readonly priority: pulumi.Output<number | undefined>;
  declare readonly match: pulumi.Output<string | undefined>;
  declare readonly actions: pulumi.Output<string>;
  declare readonly idleTimeout: pulumi.Output<number | undefined>;
  declare readonly hardTimeout: pulumi.Output<number | undefined>;
  declare readonly openflowVersion: pulumi.Output<string | undefined>;
  /** The cookie the flow carries (`0x…`); `ovs-ofctl dump-flows BRIDGE cookie=COOKIE/-1` shows it. */
  declare readonly cookie: pulumi.Output<string>;
  /** The OpenFlow target used: `unix:…/BRIDGE.mgmt`, `ssl:HOST:PORT` or `tcp:HOST:PORT`. */
  declare readonly target: pulumi.Output<string>;
  /** The flow as the switch shows it. */
  declare readonly installed: pulumi.Output<InstalledFlow>;
  /** `project/stack/resource` marker the cookie is derived from. */
  declare readonly owner: pulumi.Output<string>;

  constructor(name: string, args: FlowArgs, opts?: pulumi.CustomResourceOptions) {
    let options = withSecrets(opts, "host", args.host);
    if (args.tls !== undefined) {
      options = { ...options, additionalSecretOutputs: [...(options.additionalSecretOutputs ?? []), "tls"] };
    }
    super(
      providerFor("ovs:Flow"),
      name,
      { ...args, owner: ownerMarker(name), cookie: undefined, target: undefined, installed: undefined },
      options,
      "ovs",
      "Flow",
    );
  }
}
