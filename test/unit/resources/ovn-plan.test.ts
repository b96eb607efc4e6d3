/**
 * OVN planning without a server: the operations each resource builds (guards first, one
 * transaction, map columns key by key, nothing when unchanged), checked against the installed
 * OVN and Open vSwitch schemas.
 */
import * as fs from "node:fs";
import {
  DatabaseSchema,
  checkOperations,
  namedUuid,
  type Operation,
  type Row,
} from "../../../provider/ovsdb";
import { diffInputs } from "../../../provider/framework";
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import { bumpNbCfg, canonical, changedColumns, planRowUpdate } from "../../../provider/resources/ovn/common";
import {
  planSwitchCreate,
  planSwitchUpdate,
  switchOtherConfig,
} from "../../../provider/resources/ovn/logical-switch";
import {
  addressConflicts,
  addressesOf,
  hasIpam,
  ipsOf,
  lspKind,
  parseDynamicAddresses,
  planLspCreate,
  planLspUpdate,
  planMove,
  wantsDynamic,
  type LspInputs,
} from "../../../provider/resources/ovn/logical-switch-port";
import { planRouterCreate, routerKind } from "../../../provider/resources/ovn/logical-router";
import {
  attachmentInputs,
  lrpKind,
  lrpSpec,
  type LrpInputs,
} from "../../../provider/resources/ovn/logical-router-port";
import { claimSettings, planCreate, planSettings, planUpdate, rowPlan } from "../../../provider/engine/table";
import { routeMatches, routeSpec, type RouteInputs } from "../../../provider/resources/ovn/static-route";
import { natMatches, natSpec, type NatInputs } from "../../../provider/resources/ovn/nat";
import { CHASSIS_OWNER_KEY, chassisSpec } from "../../../provider/resources/ovn/chassis";
import { nbConnectionSpec, sbConnectionSpec } from "../../../provider/resources/ovn/connection";

const load = (file: string) => DatabaseSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
const haveSchemas = fs.existsSync("/usr/share/ovn/ovn-nb.ovsschema");
const NB = haveSchemas ? load("/usr/share/ovn/ovn-nb.ovsschema") : undefined;
const SB = haveSchemas ? load("/usr/share/ovn/ovn-sb.ovsschema") : undefined;
const VS = haveSchemas ? load("/usr/share/openvswitch/vswitch.ovsschema") : undefined;

/** Asserts the operations are valid against a schema (types, references, named UUIDs). */
function valid(schema: DatabaseSchema | undefined, ops: Operation[]): void {
  if (schema) expect(checkOperations(schema, ops)).toEqual([]);
}

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";
const U1 = "11111111-1111-1111-1111-111111111111";
const U2 = "22222222-2222-2222-2222-222222222222";
const U3 = "33333333-3333-3333-3333-333333333333";

describe("logical switch", () => {
  it("create: a guard that the name is still free, then the insert, in one transaction", () => {
    const ops = planSwitchCreate({
      nb,
      name: "sw0",
      subnet: "192.168.0.0/24",
      excludeIps: ["192.168.0.2", "192.168.0.10..192.168.0.20"],
      externalIds: { a: "b" },
      owner,
    });
    expect(ops[0]).toMatchObject({
      op: "wait",
      table: "Logical_Switch",
      where: [["name", "==", "sw0"]],
      until: "==",
      rows: [],
      timeout: 0,
    });
    expect(ops[1]).toMatchObject({
      op: "insert",
      table: "Logical_Switch",
      row: {
        name: "sw0",
        other_config: { subnet: "192.168.0.0/24", exclude_ips: "192.168.0.2 192.168.0.10..192.168.0.20" },
        external_ids: { a: "b", [OWNER_KEY]: owner },
      },
    });
    valid(NB, ops);
  });

  const live: Row = {
    _uuid: U1,
    name: "sw0",
    other_config: { subnet: "192.168.0.0/24", mcast_snoop: "true" },
    external_ids: { [OWNER_KEY]: owner, "neutron:x": "1" },
  };

  it("update: nothing when unchanged; foreign keys never touched", () => {
    const i = { nb, name: "sw0", subnet: "192.168.0.0/24", owner };
    expect(planSwitchUpdate(live, i, i)).toEqual([]);
    const ops = planSwitchUpdate(live, i, { ...i, subnet: "192.168.1.0/24" });
    expect(ops).toEqual([
      {
        op: "mutate",
        table: "Logical_Switch",
        where: [["_uuid", "==", U1]],
        mutations: [
          ["other_config", "delete", ["subnet"]],
          ["other_config", "insert", { subnet: "192.168.1.0/24" }],
        ],
      },
    ]);
    valid(NB, ops);
  });

  it("update: removing an argument removes only its key; a rename is guarded", () => {
    const prev = { nb, name: "sw0", subnet: "192.168.0.0/24", owner };
    const ops = planSwitchUpdate(live, prev, { nb, name: "sw1", owner });
    expect(ops[0]).toMatchObject({ op: "wait", where: [["name", "==", "sw1"]], rows: [] });
    expect(ops[1]).toMatchObject({
      op: "wait",
      where: [["_uuid", "==", U1]],
      columns: ["name"],
      rows: [{ name: "sw0" }],
    });
    expect(ops[2]).toMatchObject({ op: "update", row: { name: "sw1" } });
    expect(ops[3]).toMatchObject({ op: "mutate", mutations: [["other_config", "delete", ["subnet"]]] });
    valid(NB, ops);
  });

  it("IPAM arguments merge into other_config", () => {
    expect(switchOtherConfig({ otherConfig: { a: "1" }, ipv6Prefix: "fd00::", macOnly: false })).toEqual({
      a: "1",
      ipv6_prefix: "fd00::",
      mac_only: "false",
    });
    expect(switchOtherConfig({})).toBeUndefined();
  });
});

describe("logical switch port", () => {
  const i: LspInputs = {
    nb,
    switch: "sw0",
    name: "sw0-port1",
    addresses: ["50:54:00:00:00:01 192.168.0.2"],
    portSecurity: ["50:54:00:00:00:01 192.168.0.2"],
    owner,
  };

  it("create: parent unchanged, name free, insert, referenced from the switch", () => {
    const ops = planLspCreate(U1, i);
    expect(ops.map((o) => o.op)).toEqual(["wait", "wait", "insert", "mutate"]);
    expect(ops[0]).toMatchObject({
      table: "Logical_Switch",
      where: [["_uuid", "==", U1]],
      rows: [{ name: "sw0" }],
    });
    expect(ops[1]).toMatchObject({
      table: "Logical_Switch_Port",
      where: [["name", "==", "sw0-port1"]],
      rows: [],
    });
    expect(ops[2]).toMatchObject({
      row: { type: "", parent_name: null, tag_request: null, enabled: null, addresses: i.addresses },
    });
    expect(ops[3]).toEqual({
      op: "mutate",
      table: "Logical_Switch",
      where: [["_uuid", "==", U1]],
      mutations: [["ports", "insert", [namedUuid("lsp")]]],
    });
    valid(NB, ops);
  });

  it("container ports ask ovn-northd for a tag with 0 when none is given", () => {
    const ops = planLspCreate(U1, { ...i, parentName: "vm1" });
    expect(ops[2]).toMatchObject({ row: { parent_name: "vm1", tag_request: 0 } });
  });

  it("update: sets compared unordered; guarded whole-column changes; moves between switches", () => {
    const live: Row = {
      _uuid: U2,
      name: "sw0-port1",
      type: "",
      addresses: ["50:54:00:00:00:01 192.168.0.2"],
      port_security: ["50:54:00:00:00:01 192.168.0.2"],
      parent_name: null,
      tag_request: null,
      enabled: null,
      options: {},
      external_ids: { [OWNER_KEY]: owner },
    };
    expect(planLspUpdate(live, i, i)).toEqual([]);
    const ops = planLspUpdate(live, i, { ...i, addresses: ["dynamic"], enabled: false });
    expect(ops[0]).toMatchObject({ op: "wait", columns: ["addresses", "enabled"] });
    expect(ops[1]).toMatchObject({ op: "update", row: { addresses: ["dynamic"], enabled: false } });
    valid(NB, ops);
    const move = planMove(U2, [{ _uuid: U1, name: "sw0" }], { _uuid: U3, name: "sw1" }, "sw1");
    expect(move.map((o) => o.op)).toEqual(["wait", "mutate", "mutate"]);
    valid(NB, move);
    expect(planMove(U2, [{ _uuid: U3, name: "sw1" }], { _uuid: U3, name: "sw1" }, "sw1")).toEqual([]);
  });

  it("dynamic addresses: when to wait and how the answer is split", () => {
    expect(wantsDynamic(["dynamic"])).toBe(true);
    expect(wantsDynamic(["0a:00:00:00:00:01 dynamic"])).toBe(true);
    expect(wantsDynamic(["50:54:00:00:00:01 192.168.0.2"])).toBe(false);
    expect(hasIpam({ subnet: "10.0.0.0/24" })).toBe(true);
    expect(hasIpam({ mac_only: "false" })).toBe(false);
    expect(parseDynamicAddresses("0a:00:00:00:00:05 192.168.0.5 fd00::805:ff:fe00:5")).toEqual({
      dynamicAddresses: "0a:00:00:00:00:05 192.168.0.5 fd00::805:ff:fe00:5",
      dynamicMac: "0a:00:00:00:00:05",
      dynamicIpv4: "192.168.0.5",
      dynamicIpv6: "fd00::805:ff:fe00:5",
    });
    expect(parseDynamicAddresses(null)).toMatchObject({ dynamicAddresses: null, dynamicMac: null });
  });

  it("address conflicts: static and assigned addresses of the other ports, IPv6 compared canonically", () => {
    expect(ipsOf(["50:54:00:00:00:01 192.168.0.2 FD00:0::2", "dynamic", "router", "unknown"])).toEqual([
      "192.168.0.2",
      "fd00::2",
    ]);
    const others: Row[] = [
      { name: "web1", addresses: ["dynamic"], dynamic_addresses: "0a:00:00:00:00:05 192.168.0.5" },
      { name: "db1", addresses: ["50:54:00:00:00:09 192.168.0.9 fd00::9"], dynamic_addresses: null },
      { name: "me", addresses: ["50:54:00:00:00:01 192.168.0.2"], dynamic_addresses: null },
    ];
    expect(addressConflicts("me", ["50:54:00:00:00:01 192.168.0.2"], others)).toEqual([]);
    expect(addressConflicts("me", ["dynamic"], others)).toEqual([]);
    expect(addressConflicts("me", ["50:54:00:00:00:01 192.168.0.5 fd00:0:0::9"], others)).toEqual([
      { address: "192.168.0.5", port: "web1", assigned: true },
      { address: "fd00::9", port: "db1", assigned: false },
    ]);
  });

  it("address conflicts: a MAC another port has, static (any case) or assigned, is one too", () => {
    expect(
      addressesOf(["50:54:00:00:00:0A 192.168.0.2", "0a:00:00:00:00:07 dynamic", "dynamic", "router"]),
    ).toEqual(["50:54:00:00:00:0a", "0a:00:00:00:00:07", "192.168.0.2"]);
    const others: Row[] = [
      { name: "web1", addresses: ["dynamic"], dynamic_addresses: "0a:00:00:00:00:05 192.168.0.5" },
      { name: "db1", addresses: ["50:54:00:00:00:0A 192.168.0.9"], dynamic_addresses: null },
    ];
    expect(addressConflicts("me", ["50:54:00:00:00:0a 192.168.0.20"], others)).toEqual([
      { address: "50:54:00:00:00:0a", port: "db1", assigned: false },
    ]);
    expect(addressConflicts("me", ["0a:00:00:00:00:05 dynamic"], others)).toEqual([
      { address: "0a:00:00:00:00:05", port: "web1", assigned: true },
    ]);
    expect(addressConflicts("me", ["50:54:00:00:00:0b 192.168.0.20", "unknown"], others)).toEqual([]);
    // A MAC the port lists itself ("MAC dynamic"), which ovn-northd copies into dynamic_addresses.
    const chosen: Row[] = [
      {
        name: "hmd",
        addresses: ["0a:00:00:00:12:01 dynamic"],
        dynamic_addresses: "0a:00:00:00:12:01 10.0.0.9",
      },
    ];
    expect(addressConflicts("me", ["0a:00:00:00:12:01 10.0.0.50"], chosen)).toEqual([
      { address: "0a:00:00:00:12:01", port: "hmd", assigned: false },
    ]);
  });

  it("diff: a new switch moves the port in place; a new name replaces it", () => {
    const olds = { ...i, uuid: U2 };
    expect(diffInputs(lspKind, olds, { ...i, switch: "sw1" })).toMatchObject({
      diffs: ["switch"],
      replaces: [],
    });
    expect(diffInputs(lspKind, olds, { ...i, name: "x" })).toMatchObject({ replaces: ["name"] });
    expect(diffInputs(lspKind, olds, { ...i, waitForChassis: true }).changes).toBe(false);
  });
});

describe("logical router and router port", () => {
  const lrp: LrpInputs = {
    nb,
    router: "lr0",
    name: "lrp0",
    mac: "00:00:00:00:FF:01",
    networks: ["192.168.0.1/24"],
    gatewayChassis: [
      { chassis: "gw1", priority: 2 },
      { chassis: "gw2", priority: 1 },
    ],
    switch: "sw0",
    owner,
  };

  it("router create is guarded like switches", () => {
    const ops = planRouterCreate({ nb, name: "lr0", owner });
    expect(ops[0]).toMatchObject({ op: "wait", table: "Logical_Router", where: [["name", "==", "lr0"]] });
    valid(NB, ops);
  });

  const router: Row = { _uuid: U1, name: "lr0", ports: [] };
  const planLrpCreate = (i: LrpInputs) => planCreate(lrpSpec, lrpKind.schema.parse(i), router);

  it("router port create: gateway chassis rows, lower-case MAC, reference from the router", () => {
    const ops = planLrpCreate(lrp);
    expect(ops.map((o) => `${o.op}${"table" in o ? ` ${o.table}` : ""}`)).toEqual([
      "wait Logical_Router",
      "wait Logical_Router_Port",
      "insert Gateway_Chassis",
      "insert Gateway_Chassis",
      "insert Logical_Router_Port",
      "mutate Logical_Router",
    ]);
    expect(ops[2]).toMatchObject({ row: { name: "lrp0-gw1", chassis_name: "gw1", priority: 2 } });
    expect(ops[2]).toMatchObject({ row: { external_ids: { "pulumi-ovs-owner": owner } } });
    expect(ops[4]).toMatchObject({
      row: { mac: "00:00:00:00:ff:01", networks: ["192.168.0.1/24"], peer: null }, // null: empty, as for any column
    });
    valid(NB, ops);
  });

  it("the switch-side port of `switch`: type router, router-port option, addresses router", () => {
    expect(attachmentInputs(lrp)).toMatchObject({
      switch: "sw0",
      name: "lrp0-attachment",
      type: "router",
      addresses: ["router"],
      options: { "router-port": "lrp0" },
      owner,
    });
    expect(
      attachmentInputs({ ...lrp, switchPortName: "to-lr0", switchPortAddresses: ["00:00:00:00:ff:01"] }),
    ).toMatchObject({
      name: "to-lr0",
      addresses: ["00:00:00:00:ff:01"],
    });
    // With a router-port create in the same transaction (named uuids do not collide).
    valid(NB, [...planLrpCreate(lrp), ...planLspCreate(U2, attachmentInputs(lrp), "att")]);
  });

  it("switchPortOptions: merged with router-port; a changed key is set, a dropped one removed, others kept", () => {
    const before = { ...lrp, switchPortOptions: { "nat-addresses": "router", a: "1" } };
    expect(attachmentInputs(before).options).toEqual({
      "nat-addresses": "router",
      a: "1",
      "router-port": "lrp0",
    });
    const live: Row = {
      _uuid: U2,
      name: "lrp0-attachment",
      type: "router",
      addresses: ["router"],
      options: { a: "1", foreign: "x", "nat-addresses": "router", "router-port": "lrp0" },
      external_ids: { [OWNER_KEY]: owner },
    };
    const after = { ...lrp, switchPortOptions: { "nat-addresses": "10.0.0.5" } };
    const ops = planLspUpdate(live, attachmentInputs(before), attachmentInputs(after));
    const muts = ops.flatMap((o) => (o.op === "mutate" ? o.mutations : []));
    // A changed value is deleted and inserted again (a map insert does not overwrite).
    expect(muts).toEqual([
      ["options", "delete", ["a", "nat-addresses"]],
      ["options", "insert", { "nat-addresses": "10.0.0.5" }],
    ]);
    expect(JSON.stringify(ops)).not.toContain("foreign");
    expect(JSON.stringify(ops)).not.toContain("router-port");
    valid(NB, ops);
  });

  it("gateway chassis changes: drop, add, reprioritise", () => {
    const ids = { "pulumi-ovs-owner": owner };
    const live: Row[] = [
      { _uuid: U2, name: "lrp0-gw1", chassis_name: "gw1", priority: 2, external_ids: ids },
      { _uuid: U3, name: "lrp0-gw2", chassis_name: "gw2", priority: 1, external_ids: ids },
    ];
    const i = lrpKind.schema.parse(lrp) as LrpInputs;
    const row: Row = {
      _uuid: U1,
      name: "lrp0",
      mac: "00:00:00:00:ff:01",
      networks: ["192.168.0.1/24"],
      peer: null,
      enabled: null,
      options: {},
      external_ids: ids,
      gateway_chassis: [U2, U3],
    };
    const planGatewayChassis = (want: LrpInputs) =>
      planUpdate(lrpSpec, row, i, want, {}, { gatewayChassis: live }).filter(
        (o) => !("table" in o) || o.table !== "Logical_Router_Port" || o.op === "mutate",
      );
    expect(planGatewayChassis(i)).toEqual([]);
    const ops = planGatewayChassis({
      ...i,
      gatewayChassis: [
        { chassis: "gw1", priority: 5 },
        { chassis: "gw3", priority: 1 },
      ],
    });
    expect(ops.map((o) => `${o.op} ${"table" in o ? o.table : ""}`)).toEqual([
      "wait Gateway_Chassis",
      "update Gateway_Chassis",
      "insert Gateway_Chassis",
      "mutate Logical_Router_Port",
    ]);
    expect(ops[3]).toMatchObject({
      mutations: [
        // New members first: the server checks the column's size after each mutation.
        ["gateway_chassis", "insert", [namedUuid("gatewayChassisNew1")]],
        ["gateway_chassis", "delete", [U3]],
      ],
    });
    valid(NB, ops);
  });

  it("diff: router and name replace; networks, switch and gateway chassis change in place", () => {
    const olds = { ...lrp, uuid: U1 };
    expect(
      diffInputs(lrpKind, olds, { ...lrp, networks: ["192.168.0.1/24", "fd00::1/64"] }).replaces,
    ).toEqual([]);
    expect(diffInputs(lrpKind, olds, { ...lrp, switch: "sw9" }).replaces).toEqual([]);
    expect(diffInputs(lrpKind, olds, { ...lrp, router: "lr9" }).replaces).toEqual(["router"]);
    expect(diffInputs(routerKind, { nb, name: "a", owner }, { nb, name: "b", owner }).replaces).toEqual([]);
  });
});

describe("static routes and NAT", () => {
  const route: RouteInputs = { nb, router: "lr0", ipPrefix: "10.0.0.0/8", nexthop: "192.168.0.254", owner };
  const nat: NatInputs = {
    nb,
    router: "lr0",
    type: "snat",
    externalIp: "172.16.0.10",
    logicalIp: "192.168.0.0/24",
    owner,
  };

  it("create: the router's list is unchanged since searched, then insert and reference", () => {
    const router: Row = { _uuid: U1, name: "lr0", static_routes: [U2] };
    const ops = planCreate(routeSpec, route, router);
    expect(ops[1]).toMatchObject({ op: "wait", columns: ["static_routes"], rows: [{ static_routes: [U2] }] });
    expect(ops[2]).toMatchObject({ op: "insert", row: { external_ids: { [OWNER_KEY]: owner } } });
    valid(NB, ops);
    valid(NB, planCreate(natSpec, nat, { _uuid: U1, name: "lr0", nat: [] }));
  });

  it("identity: routes by prefix, next hop, policy, table; NAT by type and addresses", () => {
    const row = { ip_prefix: "10.0.0.0/8", nexthop: "192.168.0.254", policy: null, route_table: "" };
    expect(routeMatches(row, route)).toBe(true);
    expect(routeMatches(row, { ...route, policy: "dst-ip" })).toBe(true);
    expect(routeMatches(row, { ...route, policy: "src-ip" })).toBe(false);
    expect(routeMatches(row, { ...route, routeTable: "rtb" })).toBe(false);
    expect(natMatches({ type: "snat", external_ip: "172.16.0.10", logical_ip: "192.168.0.0/24" }, nat)).toBe(
      true,
    );
    expect(natMatches({ type: "dnat", external_ip: "172.16.0.10", logical_ip: "192.168.0.0/24" }, nat)).toBe(
      false,
    );
  });
});

describe("chassis settings", () => {
  type ChassisInputs = Parameters<typeof planSettings>[3];
  /** The external_ids keys the inputs set (without the marker). */
  const chassisKeys = (x: ChassisInputs) => rowPlan(chassisSpec, undefined, x).maps?.external_ids?.desired;
  /** The Open_vSwitch row holding `ids`. */
  const root = (ids: Record<string, string>): Row => ({ _uuid: U1, external_ids: ids });
  const i: ChassisInputs = {
    host: { remote: "unix:/run/openvswitch/db.sock" },
    systemId: "host1",
    ovnRemote: "tcp:10.0.0.1:6642",
    encapType: "geneve",
    encapIp: "172.29.101.123",
    owner,
  };

  it("keys of the named arguments", () => {
    expect(
      chassisKeys({ ...i, bridgeMappings: { physnet1: "br-eth0" }, externalIds: { "ovn-cms-options": "x" } }),
    ).toEqual({
      "system-id": "host1",
      "ovn-remote": "tcp:10.0.0.1:6642",
      "ovn-encap-type": "geneve",
      "ovn-encap-ip": "172.29.101.123",
      "ovn-bridge-mappings": "physnet1:br-eth0",
      "ovn-cms-options": "x",
    });
  });

  it("plans one guarded mutate of the managed keys only", () => {
    const live = { hostname: "host1", "ovn-encap-type": "vxlan", [CHASSIS_OWNER_KEY]: owner };
    const ops = planSettings(
      chassisSpec,
      root(live),
      { ...i, encapType: "vxlan", bridgeDatapathType: "netdev" },
      i,
    );
    expect(ops[0]).toMatchObject({ op: "wait", table: "Open_vSwitch", rows: [{ external_ids: live }] });
    const mutations = (ops[1] as { mutations: unknown[] }).mutations;
    expect(mutations[0]).toEqual([
      "external_ids",
      "delete",
      // ovn-bridge-datapath-type was set before but is gone from the host: nothing to delete.
      ["system-id", "ovn-remote", "ovn-encap-type", "ovn-encap-ip"],
    ]);
    expect(mutations[1]).toEqual([
      "external_ids",
      "insert",
      {
        "system-id": "host1",
        "ovn-remote": "tcp:10.0.0.1:6642",
        "ovn-encap-type": "geneve",
        "ovn-encap-ip": "172.29.101.123",
      },
    ]);
    valid(VS, ops);
    const all = { ...chassisKeys(i), [CHASSIS_OWNER_KEY]: owner };
    expect(planSettings(chassisSpec, root(all), i, i)).toEqual([]);
  });

  it("claims: foreign keys need adopt, another resource's settings are refused", () => {
    expect(() => claimSettings(chassisSpec, root({ hostname: "h" }), i)).not.toThrow();
    expect(() => claimSettings(chassisSpec, root({ "ovn-remote": "tcp:1.1.1.1:6642" }), i)).toThrow(
      /ovn-remote=tcp:1\.1\.1\.1:6642.*adopt: true/,
    );
    expect(() =>
      claimSettings(chassisSpec, root({ "ovn-remote": "x" }), { ...i, adopt: true }),
    ).not.toThrow();
    const e = (() => {
      try {
        claimSettings(chassisSpec, root({ [CHASSIS_OWNER_KEY]: "other/prod/x" }), { ...i, adopt: true });
      } catch (x) {
        return x as ResourceError;
      }
    })();
    expect(e?.code).toBe("OWNED_ELSEWHERE");
    expect(() =>
      claimSettings(chassisSpec, root({ [CHASSIS_OWNER_KEY]: owner, "system-id": "host1" }), i),
    ).not.toThrow();
  });
});

describe("connections and helpers", () => {
  it("a connection without a global row inserts one, guarded by an empty-table wait", () => {
    const i = { nb, target: "ptcp:6641:0.0.0.0", inactivityProbe: 60000, owner };
    const ops = planCreate(nbConnectionSpec, i);
    expect(ops.map((o) => o.op)).toEqual(["wait", "insert", "wait", "insert"]);
    expect(ops[2]).toMatchObject({ table: "NB_Global", where: [], columns: [], rows: [] });
    valid(NB, ops);
    const sbOps = planCreate(
      sbConnectionSpec,
      { sb: nb, ...i, role: "ovn-controller" },
      { _uuid: U1, connections: [] },
    );
    expect(sbOps[1]).toMatchObject({
      row: { role: "ovn-controller", read_only: false, inactivity_probe: 60000 },
    });
    valid(SB, sbOps);
  });

  it("waitForChassis bumps nb_cfg and reads it back in the same transaction", () => {
    expect(bumpNbCfg()).toEqual([
      { op: "mutate", table: "NB_Global", where: [], mutations: [["nb_cfg", "+=", 1]] },
      { op: "select", table: "NB_Global", where: [], columns: ["nb_cfg"] },
    ]);
    valid(NB, bumpNbCfg());
  });

  it("columns compare as OVSDB values: sets unordered, empty optional equals null", () => {
    expect(canonical(["b", "a"])).toBe(canonical(["a", "b"]));
    expect(changedColumns({ a: [], b: ["x", "y"], c: 1 }, { a: null, b: ["y", "x"], c: 2 })).toEqual({
      c: 2,
    });
    expect(
      planRowUpdate(
        "Logical_Router",
        U1,
        { _uuid: U1, external_ids: { [OWNER_KEY]: owner } },
        { columns: {}, owner },
      ),
    ).toEqual([]);
  });
});
