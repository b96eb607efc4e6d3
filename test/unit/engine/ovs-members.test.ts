/**
 * ovs.Port and ovs.Bridge as declarations, without a server: the port's Interface and the bridge's
 * own internal port (with its interface: members of a member) are written with the row; an update
 * leaves the other ports of a bridge alone; the bridge's own port is no foreign child; the port's
 * outputs are read from its Interface after a bounded wait for the ofport, found before the write's
 * reply.
 */
import * as fs from "node:fs";
import {
  DatabaseSchema,
  NamedUuid,
  checkOperations,
  type Operation,
  type Row,
} from "../../../provider/ovsdb";
import { checkInputs, type Props } from "../../../provider/framework";
import { inputsFromRow, planCreate, planUpdate, tableKind } from "../../../provider/engine/table";
import { isMemberRow, membersFromRows } from "../../../provider/engine/members";
import { outputsFrom, planOutputRead } from "../../../provider/engine/outputs";
import { portSpec } from "../../../provider/resources/ovs/port";
import { bridgeSpec } from "../../../provider/resources/ovs/bridge";
import type { TableSpec } from "../../../provider/engine/spec";

const schema = DatabaseSchema.parse(
  JSON.parse(fs.readFileSync("/usr/share/openvswitch/vswitch.ovsschema", "utf8")),
);
const host = { remote: "unix:/var/run/openvswitch/db.sock" };
const owner = "proj/dev/r";
const instance = "0123456789abcdef";
const U = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;

function parsed(spec: TableSpec, raw: Props): Props & { owner: string } {
  const r = checkInputs(tableKind(spec), { ...raw, owner });
  expect(r.failures).toEqual([]);
  return { ...r.inputs, owner, instance } as Props & { owner: string };
}
const shape = (ops: Operation[]) => ops.map((o) => `${o.op} ${"table" in o ? o.table : ""}`);
const inserted = (ops: Operation[], table: string) =>
  ops.filter((o) => o.op === "insert" && o.table === table).map((o) => (o.op === "insert" ? o.row : {}));

describe("ovs.Port", () => {
  const i = parsed(portSpec, {
    host,
    bridge: "br0",
    name: "p0",
    tag: 10,
    interface: { type: "vxlan", options: { remote_ip: "10.0.0.2" } },
  });

  it("create: guards, the Interface of the port's name, the Port referencing it, the bridge's reference", () => {
    const ops = planCreate(portSpec, i, { _uuid: U(1), name: "br0", ports: [] });
    expect(shape(ops)).toEqual([
      "wait Bridge",
      "wait Port",
      "insert Interface",
      "insert Port",
      "mutate Bridge",
    ]);
    expect(checkOperations(schema, ops)).toEqual([]);
    expect(inserted(ops, "Interface")[0]).toMatchObject({
      name: "p0",
      type: "vxlan",
      options: { remote_ip: "10.0.0.2" },
    });
    expect(inserted(ops, "Port")[0]).toMatchObject({
      name: "p0",
      tag: 10,
      interfaces: [new NamedUuid("interface0")],
    });
  });

  it("outputs: a bounded wait for the Interface's ofport, then its row, found by name before the write's reply", () => {
    const plan = planOutputRead(portSpec, i)!;
    expect(plan.waits).toEqual([
      {
        op: "wait",
        table: "Interface",
        where: [["name", "==", "p0"]],
        columns: ["ofport"],
        until: "!=",
        rows: [{ ofport: null }],
        timeout: 5000,
      },
    ]);
    expect(plan.reads).toEqual([{ op: "select", table: "Interface", where: [["name", "==", "p0"]] }]);
    expect(checkOperations(schema, [...plan.waits, ...plan.reads])).toEqual([]);
    expect(outputsFrom(portSpec, { interface: { _uuid: U(2), ofport: 7, error: null } })).toEqual({
      interfaceUuid: U(2),
      ofport: 7,
      interfaceError: null,
    });
  });

  it("refresh reads the interface back field by field; an interface with nothing set reads as unset", () => {
    const iface: Row = { _uuid: U(2), name: "p0", type: "internal", options: {}, mac: "50:54:00:00:00:0a" };
    expect(membersFromRows(portSpec, { interface: [iface] }, {})).toEqual({
      interface: { type: "internal", mac: "50:54:00:00:00:0a" },
    });
    expect(membersFromRows(portSpec, { interface: [{ ...iface, type: "", mac: null }] }, {})).toEqual({
      interface: undefined,
    });
  });
});

describe("ovs.Bridge", () => {
  const i = parsed(bridgeSpec, { host, name: "br0", datapathType: "netdev", controllers: ["ptcp:6653"] });
  const root: Row = { _uuid: U(1), bridges: [] };

  it("create: its internal port and interface of its name, its controllers, the Open_vSwitch reference", () => {
    const ops = planCreate(bridgeSpec, i, root);
    expect(shape(ops)).toEqual([
      "wait Bridge",
      "insert Controller",
      "insert Interface",
      "insert Port",
      "insert Bridge",
      "mutate Open_vSwitch",
    ]);
    expect(checkOperations(schema, ops)).toEqual([]);
    expect(inserted(ops, "Interface")[0]).toEqual({ name: "br0", type: "internal" });
    expect(inserted(ops, "Port")[0]).toEqual({
      name: "br0",
      interfaces: [new NamedUuid("port0_interface0")],
    });
    expect(inserted(ops, "Bridge")[0]).toMatchObject({
      name: "br0",
      datapath_type: "netdev",
      ports: [new NamedUuid("port0")],
      controller: [new NamedUuid("controllers0")],
    });
  });

  // The live bridge: its own port (and interface), a port of another resource, one controller.
  const live: Row = {
    _uuid: U(1),
    name: "br0",
    datapath_type: "netdev",
    fail_mode: null,
    protocols: [],
    stp_enable: false,
    controller: [U(10)],
    ports: [U(2), U(3)],
    external_ids: { "pulumi-ovs-owner": owner, "pulumi-ovs-instance": instance },
    other_config: {},
  };
  const members = {
    controllers: [{ _uuid: U(10), target: "ptcp:6653" }],
    port: [{ _uuid: U(2), name: "br0", interfaces: [U(4)] }],
    "port.interface": [{ _uuid: U(4), name: "br0", type: "internal" }],
  };

  it("an update to the same inputs is empty; a new controller leaves every port alone", () => {
    expect(planUpdate(bridgeSpec, live, i, i, {}, members)).toEqual([]);
    const next = { ...i, controllers: ["ptcp:6653", "ptcp:6654"] };
    const ops = planUpdate(bridgeSpec, live, i, next, {}, members);
    expect(shape(ops)).toEqual(["insert Controller", "wait Bridge", "mutate Bridge"]);
    expect(checkOperations(schema, ops)).toEqual([]);
    expect(JSON.stringify(ops)).not.toContain("ports");
  });

  it("an internal port removed by hand is put back with its interface; an interface of another type is reset", () => {
    const ops = planUpdate(
      bridgeSpec,
      { ...live, ports: [U(3)] },
      i,
      i,
      {},
      { controllers: members.controllers },
    );
    expect(shape(ops)).toEqual(["insert Interface", "insert Port", "wait Bridge", "mutate Bridge"]);
    expect(checkOperations(schema, ops)).toEqual([]);
    const changed = { ...members, "port.interface": [{ _uuid: U(4), name: "br0", type: "system" }] };
    expect(planUpdate(bridgeSpec, live, i, i, {}, changed)).toMatchObject([
      { op: "wait", table: "Interface" },
      { op: "update", table: "Interface", row: { type: "internal" } },
    ]);
  });

  it("refresh reads the controllers back as targets, not the internal port", () => {
    const back = inputsFromRow(bridgeSpec, live, i, {}, members);
    expect(back.controllers).toEqual(["ptcp:6653"]);
    expect(back).not.toHaveProperty("port");
  });

  it("its own port is not a child; any other port is", () => {
    expect(isMemberRow(bridgeSpec, "ports", { _uuid: U(2), name: "br0" }, i)).toBe(true);
    expect(isMemberRow(bridgeSpec, "ports", { _uuid: U(3), name: "hand0" }, i)).toBe(false);
  });
});
