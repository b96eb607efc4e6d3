/**
 * ovs.Bridge and ovs.Port as declarations, against a real ovsdb-server with the installed vswitch
 * schema (no ovs-vswitchd): the bridge's own internal port and interface are written with it and
 * put back when removed by hand, controllers are member rows changed in place, an update leaves
 * the bridge's other ports alone, its own port is no foreign child, and a port's ofport wait runs
 * out to what the Interface holds. Rows checked with ovs-vsctl.
 */
import { ResourceError } from "../../../provider/errors";
import { createVia, provider, updateVia, useVswitchDb } from "./ovn-fixtures";

jest.setTimeout(60_000);

const vswitch = useVswitchDb();
const vsctl = vswitch.vsctl;
let host: { remote: string };
beforeAll(() => {
  host = vswitch.host();
});

it("a bridge with its internal port, controllers and ports: create, update, refresh, repair, delete", async () => {
  const inputs = { host, name: "ib0", datapathType: "netdev", controllers: ["ptcp:6653"], owner: "p/s/ib0" };
  const { id, outs } = await createVia("ovs:Bridge", inputs);
  expect(await vsctl("get", "Interface", "ib0", "type")).toBe("internal");
  expect(await vsctl("get", "Port", "ib0", "interfaces")).toBe(
    `[${await vsctl("get", "Interface", "ib0", "_uuid")}]`,
  );
  expect(await vsctl("get-controller", "ib0")).toBe("ptcp:6653");

  // A port of another resource (its ofport wait runs out: no ovs-vswitchd here) and one by hand.
  const port = await createVia("ovs:Port", { host, bridge: "ib0", name: "ip1", tag: 5, owner: "p/s/ip1" });
  expect(port.outs).toMatchObject({ ofport: null, interfaceError: null });
  expect(port.outs.interfaceUuid).toBe(await vsctl("get", "Interface", "ip1", "_uuid"));
  await vsctl("add-port", "ib0", "hand1");

  const news = { ...inputs, controllers: ["ptcp:6654"], failMode: "secure" };
  const { diff, outs: o2 } = await updateVia("ovs:Bridge", id, outs, news);
  expect(diff).toMatchObject({ diffs: ["failMode", "controllers"], replaces: [] });
  expect(await vsctl("get-controller", "ib0")).toBe("ptcp:6654");
  expect(await vsctl("get", "Bridge", "ib0", "fail_mode")).toBe("secure");
  expect((await vsctl("list-ports", "ib0")).split("\n")).toEqual(["hand1", "ip1"]);
  expect(await vsctl("list", "Controller")).not.toContain("6653"); // the old one is gone

  const r = await provider.handler("ovs:Bridge").read(id, o2);
  expect(r.inputs).toMatchObject({ name: "ib0", controllers: ["ptcp:6654"], failMode: "secure" });
  expect(r.inputs).not.toHaveProperty("port");

  // The internal port removed by hand comes back with its interface at the next update.
  const own = await vsctl("get", "Port", "ib0", "_uuid");
  await vsctl("remove", "Bridge", "ib0", "ports", own);
  await updateVia("ovs:Bridge", id, o2, { ...news, stpEnable: true });
  expect(await vsctl("get", "Interface", "ib0", "type")).toBe("internal");
  expect(await vsctl("get", "Bridge", "ib0", "stp_enable")).toBe("true");
  expect((await vsctl("list-ports", "ib0")).split("\n")).toEqual(["hand1", "ip1"]);

  // Deleting refuses while a port the stack does not own is on it (its own port is not counted).
  const err = await provider
    .handler("ovs:Bridge")
    .delete(id, o2)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(ResourceError);
  expect((err as ResourceError).code).toBe("FOREIGN_CHILDREN");
  expect((err as ResourceError).message).toContain("port hand1");
  expect((err as ResourceError).message).not.toContain("port ib0");

  await vsctl("del-port", "ib0", "hand1");
  await provider.handler("ovs:Bridge").delete(id, o2);
  expect(await vsctl("list-br")).toBe("");
  expect(await vsctl("--columns=name", "list", "Interface")).toBe("");
});
