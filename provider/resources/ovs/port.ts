/**
 * ovs.Port: a Port row with its single Interface row of the same name, attached to a bridge.
 * `ovs-vsctl add-port BR NAME tag=… -- set interface NAME type=… options:…` as code. Declared only:
 * the lifecycle comes from `provider/engine`; create and update wait a bounded time for the ofport
 * ovs-vswitchd assigns.
 */
import { collectionKind, collectionSpec } from "../../engine/collection";
import { z } from "zod";
import type { InputProblem } from "../../errors";
import type { Instance, Props } from "../../framework";
import { MANAGED_KEYS_DOC, mapArg, objectSchema, type ArgSpec, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { deviceName, ipAddress } from "../common";
import { mac, setOf } from "../values";
import { openVswitch } from "./database";

/** Tunnel interface types: they need `options.remote_ip`. */
const TUNNEL_TYPE_LIST = [
  "geneve",
  "gre",
  "vxlan",
  "lisp",
  "stt",
  "bareudp",
  "gtpu",
  "srv6",
  "erspan",
  "ip6erspan",
  "ip6gre",
] as const;
const TUNNEL_TYPES = new Set<string>(TUNNEL_TYPE_LIST);

/** Interface types OVS 3.1 knows (vswitch.xml). */
const INTERFACE_TYPES = [
  "system",
  "internal",
  "tap",
  ...TUNNEL_TYPE_LIST,
  "patch",
  "dpdk",
  "dpdkvhostuser",
  "dpdkvhostuserclient",
  "afxdp",
  "afxdp-nonpmd",
] as const;

const vlan = z
  .number({ error: "expected an integer VLAN id 0..4095" })
  .int("expected an integer VLAN id 0..4095")
  .min(0, "VLAN id out of range; accepted: 0..4095")
  .max(4095, "VLAN id out of range; accepted: 0..4095");

type PortInputs = Props &
  Instance & {
    bridge: string;
    name: string;
    interface?: { type?: string; options?: Record<string, string> };
  };

function validate(p: Props): InputProblem[] {
  const i = p as PortInputs;
  const problems: InputProblem[] = [];
  const type = i.interface?.type ?? "";
  const opts = i.interface?.options ?? {};
  if (TUNNEL_TYPES.has(type)) {
    if (!opts.remote_ip) {
      problems.push({
        property: "interface.options.remote_ip",
        reason: `a ${type} interface needs options.remote_ip (an IP address or "flow")`,
      });
    } else if (opts.remote_ip !== "flow" && !ipAddress.safeParse(opts.remote_ip).success) {
      problems.push({
        property: "interface.options.remote_ip",
        reason: `${JSON.stringify(opts.remote_ip)} is not an IP address; accepted: IPv4, IPv6 or "flow"`,
      });
    }
    if (opts.local_ip && opts.local_ip !== "flow" && !ipAddress.safeParse(opts.local_ip).success) {
      problems.push({
        property: "interface.options.local_ip",
        reason: `${JSON.stringify(opts.local_ip)} is not an IP address`,
      });
    }
  }
  if (type === "patch" && !opts.peer) {
    problems.push({
      property: "interface.options.peer",
      reason: "a patch interface needs options.peer (the other patch port's name)",
    });
  }
  if (i.bridge === i.name) {
    problems.push({
      property: "name",
      reason: `the port named like its bridge (${i.name}) is the bridge's own internal port`,
    });
  }
  return problems;
}

/** How long create and update wait (server side) for ovs-vswitchd to give the interface an ofport. */
const OFPORT_WAIT_MS = 5000;

/** A map argument with its own doc (the column named in it). */
const keys = (column: string, doc: string): ArgSpec => ({
  ...mapArg(column),
  doc: `${doc} ${MANAGED_KEYS_DOC}`,
});

/** The fields of the port's interface (`InterfaceArgs`), stored in its Interface row. */
const interfaceArgs: Record<string, ArgSpec> = {
  type: {
    schema: z
      .enum(INTERFACE_TYPES, {
        error: (iss) =>
          `unknown interface type ${JSON.stringify(iss.input)}; accepted: ${INTERFACE_TYPES.join(", ")} (or "" for system)`,
      })
      .optional(),
    type: "string",
    doc:
      'Interface type (`Interface.type`): `""`/`system` (a network device such as a veth), `internal`, `tap`, ' +
      "`patch`, `vxlan`, `geneve`, `gre`, … Default: system.",
    storage: { column: "type" },
    empty: "",
  },
  options: keys(
    "options",
    'Keys to set in `options`, e.g. `{ remote_ip: "172.29.101.82", key: "flow" }` or `{ peer: "patch-b" }`.',
  ),
  externalIds: keys(
    "external_ids",
    'Keys to set in the interface\'s `external_ids`, e.g. `{ "iface-id": "sw0-port1" }` to bind an OVN logical port.',
  ),
  otherConfig: keys("other_config", "Keys to set in the interface's `other_config`."),
  mtuRequest: {
    schema: z
      .number()
      .int()
      .min(68, "mtuRequest: accepted 68..65535")
      .max(65535, "mtuRequest: accepted 68..65535")
      .optional(),
    type: "number",
    doc: "Requested MTU in bytes (`mtu_request`), 68..65535. Default: the device's.",
    storage: { column: "mtu_request" },
  },
  ofportRequest: {
    schema: z
      .number()
      .int()
      .min(1, "ofportRequest: accepted 1..65279")
      .max(65279, "ofportRequest: accepted 1..65279")
      .optional(),
    type: "number",
    doc: "Requested OpenFlow port number (`ofport_request`), 1..65279. Default: ovs-vswitchd chooses one.",
    storage: { column: "ofport_request" },
  },
  mac: {
    schema: mac("interface.mac").optional(),
    type: "string",
    doc:
      'MAC address of an internal interface (column `mac`), e.g. `"50:54:00:00:00:01"`; written in ' +
      "lower case. Unset: ovs-vswitchd chooses one. Other interface types keep their device's MAC.",
    storage: { column: "mac" },
  },
};

export const portSpec: TableSpec = {
  type: "ovs:Port",
  doc: "A port with its interface on a bridge: `ovs-vsctl add-port BRIDGE NAME tag=…`.",
  db: openVswitch,
  table: "Port",
  noun: "port",
  nameArg: "name",
  parent: { arg: "bridge", table: "Bridge", column: "ports", noun: "bridge", sdk: "ovs.Bridge" },
  args: {
    bridge: {
      schema: deviceName("bridge"),
      type: "string",
      doc: "Name of the bridge (e.g. `bridge.name`).",
    },
    name: {
      schema: deviceName("name"),
      type: "string",
      doc: "Port and interface name (at most 15 characters; `Port.name`, `Interface.name`).",
      storage: { column: "name" },
      replace: true,
    },
    tag: {
      schema: vlan.optional(),
      type: "number",
      doc: "VLAN tag 0..4095 of an access port (`tag=100`; `Port.tag`).",
      storage: { column: "tag" },
    },
    trunks: {
      schema: setOf(vlan, "trunks: accepted a list of VLAN ids 0..4095").optional(),
      type: "number[]",
      doc: "VLANs 0..4095 a trunk port carries (`Port.trunks`). A set: order and repeats do not matter.",
      storage: { column: "trunks" },
    },
    vlanMode: {
      schema: z
        .enum(["trunk", "access", "native-tagged", "native-untagged", "dot1q-tunnel"], {
          error: 'vlanMode: accepted "trunk", "access", "native-tagged", "native-untagged", "dot1q-tunnel"',
        })
        .optional(),
      type: "string",
      doc: "`trunk`, `access`, `native-tagged`, `native-untagged` or `dot1q-tunnel` (`Port.vlan_mode`).",
      storage: { column: "vlan_mode" },
    },
    interface: {
      schema: objectSchema(interfaceArgs).optional(),
      type: "InterfaceArgs",
      doc: "The interface: type, options, external_ids, MTU, ofport (the Interface row of the port's name).",
      storage: {
        column: "interfaces",
        rows: {
          table: "Interface",
          single: true,
          fixed: (i) => ({ name: i.name as string }),
          args: interfaceArgs,
        },
      },
    },
    externalIds: keys("external_ids", "Keys to set in the port's `external_ids`."),
    otherConfig: keys("other_config", "Keys to set in the port's `other_config`."),
  },
  outputs: {
    interfaceUuid: {
      doc: "The Interface row's uuid.",
      type: "string",
      member: "interface",
      from: (r) => r._uuid,
    },
    ofport: {
      doc:
        "The OpenFlow port number ovs-vswitchd assigned (null if not yet, -1 if the interface failed). " +
        "Runtime status, read at create, update and refresh: only as fresh as the last of them.",
      type: "number | null",
      member: "interface",
      from: (r) => r.ofport ?? null,
      awaited: { column: "ofport", ms: OFPORT_WAIT_MS },
    },
    interfaceError: {
      doc:
        "ovs-vswitchd's error for the interface (e.g. no such device), if any. " +
        "Runtime status, read at create, update and refresh: only as fresh as the last of them.",
      type: "string | null",
      member: "interface",
      from: (r) => r.error ?? null,
    },
  },
  validate,
  renamed: [{ from: "interface.macRequest", to: "interface.mac", column: "Interface.mac" }],
};

export const portKind = tableKind(portSpec);

/** A bridge's ports as one resource (see provider/engine/collection.ts). */
export const portCollectionSpec = collectionSpec({
  type: "ovs:Ports",
  doc:
    "Many ports of one bridge as one resource: `ovs-vsctl add-port BRIDGE NAME …` for each member, written " +
    "in one transaction. Each member is a `Port` row (with its `Interface`) with its own owner marker and the " +
    "guarantees of an `ovs.Port` (adopt per member, ports others added left alone, drift per member); use it " +
    "for the many ports of a bridge, where one resource per port would make Pulumi's state, rewritten after " +
    "every resource step, large and slow.",
  of: portSpec,
  arg: "ports",
  member: "PortMember",
  key: "port name",
  argDoc:
    "The ports, by port name (`Port.name`, unique on the host): each takes the arguments of `ovs.Port` but " +
    "`host`, `bridge` and `name`, and `adopt`. A port added to the map is created, one removed is deleted, " +
    "one changed is updated in place; ports of the bridge that are not in the map are left alone.",
});
export const portCollectionKind = collectionKind(portCollectionSpec);
