/**
 * ovs.Bridge: a row of the Bridge table, with its internal port and interface of the same name, in
 * a host's Open_vSwitch database (referenced from the Open_vSwitch row). `ovs-vsctl add-br` as
 * code. Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import { OPENFLOW_VERSIONS } from "../../openflow/target";
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { deviceName } from "../common";
import { setOf, target } from "../values";
import { openVswitch, VSWITCH } from "./database";

export const VSWITCH_DB = VSWITCH;

const PROTOCOLS = OPENFLOW_VERSIONS;

/** The name of the row the bridge is, for the member rows of its own name. */
const ownName = (i: Record<string, unknown>) => ({ name: i.name as string });

export const bridgeSpec: TableSpec = {
  type: "ovs:Bridge",
  doc: "An Open vSwitch bridge: `ovs-vsctl add-br NAME -- set bridge NAME …`.",
  db: openVswitch,
  table: "Bridge",
  noun: "bridge",
  nameArg: "name",
  parent: {
    table: "Open_vSwitch",
    column: "bridges",
    noun: "Open_vSwitch row",
    sdk: "initialise the database first (ovs-vsctl init)",
  },
  args: {
    name: {
      schema: deviceName("name"),
      type: "string",
      doc: "Bridge name (a Linux interface name: at most 15 characters; `Bridge.name`).",
      storage: { column: "name" },
      replace: true,
    },
    datapathType: {
      schema: z
        .enum(["system", "netdev"], {
          error: 'datapathType: accepted "system" (kernel) or "netdev" (userspace)',
        })
        .optional(),
      type: '"system" | "netdev"',
      doc:
        "`netdev` for the userspace datapath, `system` for the kernel one (`datapath_type`). Default: OVS's " +
        "default (system).",
      storage: { column: "datapath_type" },
      empty: "",
    },
    failMode: {
      schema: z
        .enum(["standalone", "secure"], {
          error:
            'failMode: accepted "standalone" (acts as a learning switch) or "secure" (no NORMAL flow; only flows you add)',
        })
        .optional(),
      type: '"standalone" | "secure"',
      doc:
        "`standalone` (default in OVS): without a controller the bridge acts as a learning switch. `secure`: no " +
        "default NORMAL flow; only the flows you add forward traffic (what `ovs-ofctl del-flows BRIDGE` does to " +
        "the default flow, kept across restarts). Column `fail_mode`.",
      storage: { column: "fail_mode" },
    },
    protocols: {
      schema: setOf(
        z.enum(PROTOCOLS, { error: `protocols: accepted ${PROTOCOLS.join(", ")}` }),
        `protocols: accepted a list of ${PROTOCOLS.join(", ")}`,
      ).optional(),
      type: "string[]",
      doc:
        'OpenFlow versions the bridge speaks (`protocols`), e.g. `["OpenFlow10", "OpenFlow13"]`. A set: order and ' +
        "repeats do not matter. Default: the versions ovs-vswitchd enables by default.",
      storage: { column: "protocols" },
    },
    controllers: {
      schema: setOf(
        target("controllers", { passive: true, portOptional: true }),
        'controllers: accepted a list of targets like ["tcp:127.0.0.1:6653"]',
      ).optional(),
      type: "string[]",
      doc:
        "Controller targets (Controller rows of the bridge's `controller`), e.g. `ptcp:6653` (listen for " +
        "ovs-ofctl) or `tcp:10.0.0.1:6653` (the port may be left out: 6653). A set. Written in canonical form: " +
        "IPs as OVS prints them (IPv6 in brackets, compressed, lower case), host names in lower case, ports " +
        "without leading zeros.",
      storage: {
        column: "controller",
        rows: {
          table: "Controller",
          value: "target",
          args: {
            target: {
              schema: target("controllers", { passive: true, portOptional: true }),
              type: "string",
              doc: "The controller target (`Controller.target`).",
              storage: { column: "target" },
            },
          },
        },
      },
    },
    stpEnable: {
      schema: z.boolean().optional(),
      type: "boolean",
      doc: "Spanning tree on this bridge (`stp_enable`). Default: off.",
      storage: { column: "stp_enable" },
      empty: false,
      implied: false,
    },
    externalIds: mapArg("external_ids"),
    otherConfig: mapArg("other_config", "`disable-in-band`"),
  },
  ownRows: {
    // The bridge's own internal port and interface, of its name (what `ovs-vsctl add-br` creates).
    port: {
      column: "ports",
      table: "Port",
      single: true,
      shared: true,
      fixed: ownName,
      args: {},
      ownRows: {
        interface: {
          column: "interfaces",
          table: "Interface",
          single: true,
          fixed: (i) => ({ ...ownName(i), type: "internal" }),
          args: {},
        },
      },
    },
  },
  children: [{ column: "ports", table: "Port", noun: "port" }],
};

export const bridgeKind = tableKind(bridgeSpec);
