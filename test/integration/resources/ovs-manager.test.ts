/**
 * ovs.Manager, declared as a child of the host's Open_vSwitch row: create, adopt, refresh,
 * update and an owner-checked delete, against a real ovsdb-server with the installed vswitch
 * schema; rows checked with ovs-vsctl.
 */
import { ResourceError } from "../../../provider/errors";
import { createVia, provider, updateVia, useVswitchDb } from "./ovn-fixtures";

jest.setTimeout(60_000);
const type = "ovs:Manager";

const vswitch = useVswitchDb();
const vsctl = vswitch.vsctl;
let host: { remote: string };
beforeAll(() => {
  host = vswitch.host();
});

it("adds a manager beside others, refreshes, updates in place and deletes only its own", async () => {
  await vsctl("set-manager", "ptcp:16640");
  const inputs = { host, target: "ptcp:16641:127.0.0.1", inactivityProbe: 30000, owner: "p/s/mgr" };
  const { id, outs } = await createVia(type, inputs);
  expect((await vsctl("get-manager")).split("\n").sort()).toEqual(["ptcp:16640", "ptcp:16641:127.0.0.1"]);
  expect(await vsctl("get", "Manager", id, "inactivity_probe")).toBe("30000");

  await vsctl("set", "Manager", id, "inactivity_probe=5000", "external_ids:foreign=1");
  const r = await provider.handler(type).read(id, outs);
  expect(r.inputs).toMatchObject({ target: "ptcp:16641:127.0.0.1", inactivityProbe: 5000 });

  const { diff, outs: o2 } = await updateVia(type, id, outs, { ...inputs, connectionMode: "out-of-band" });
  expect(diff.replaces).toEqual([]);
  expect(await vsctl("get", "Manager", id, "connection_mode")).toBe("out-of-band");
  expect(await vsctl("get", "Manager", id, "external_ids:foreign")).toBe('"1"');

  // A manager the stack does not own is never deleted; its own is.
  const other = await vsctl("--bare", "--columns=_uuid", "find", "Manager", 'target="ptcp:16640"');
  await provider.handler(type).delete(other, { host, target: "ptcp:16640", owner: "p/s/mgr" });
  await provider.handler(type).delete(id, o2);
  expect(await vsctl("get-manager")).toBe("ptcp:16640");
});

it("an unmanaged manager is refused without adopt and taken over with it", async () => {
  await vsctl(
    "add",
    "Open_vSwitch",
    ".",
    "manager_options",
    "@m",
    "--",
    "--id=@m",
    "create",
    "Manager",
    'target="ptcp:16642"',
  );
  const uuid = await vsctl("--bare", "--columns=_uuid", "find", "Manager", 'target="ptcp:16642"');
  const e = (await createVia(type, { host, target: "ptcp:16642", owner: "p/s/a" }).catch(
    (x: unknown) => x,
  )) as ResourceError;
  expect(e.code).toBe("NAME_TAKEN");
  const { id, outs } = await createVia(type, { host, target: "ptcp:16642", adopt: true, owner: "p/s/a" });
  expect(id).toBe(uuid);
  expect(await vsctl("get", "Manager", id, "external_ids:pulumi-ovs-owner")).toBe('"p/s/a"');
  await provider.handler(type).delete(id, outs);
  expect(await vsctl("get-manager")).not.toContain("16642");
});
