/**
 * ovn.ChassisConfig through the provider handler against a real Open_vSwitch database: it owns
 * only the external_ids keys it sets.
 */
import { ResourceError } from "../../../provider/errors";
import { CHASSIS_INSTANCE_KEY, CHASSIS_OWNER_KEY } from "../../../provider/resources/ovn/chassis";
import type { TestOvsdbServer } from "../../../sandbox/ovsdb-server";
import { createVia, provider, startVswitchDb, updateVia, type Props } from "./ovn-fixtures";

jest.setTimeout(60_000);

const type = "ovn:ChassisConfig";
let db: TestOvsdbServer;
let host: { remote: string };

async function ids(): Promise<Record<string, string>> {
  const out = await db.tool("ovs-vsctl", ["--format=json", "--columns=external_ids", "list", "Open_vSwitch"]);
  const data = JSON.parse(out).data[0][0] as ["map", [string, string][]];
  return Object.fromEntries(data[1]);
}

beforeEach(async () => {
  db = await startVswitchDb();
  host = { remote: db.unix };
  await db.tool("ovs-vsctl", [
    "--no-wait",
    "set",
    "open",
    ".",
    "external_ids:hostname=hv1",
    "external_ids:rundir=/x",
  ]);
});
afterEach(async () => {
  await provider.closeAll();
  await db?.stop();
});

const base = (extra: Props = {}): Props => ({
  host,
  systemId: "hv1",
  ovnRemote: "tcp:10.0.0.1:6642",
  encapType: ["geneve", "vxlan"],
  encapIp: "172.29.101.123",
  owner: "proj/dev/hv1",
  ...extra,
});

it("sets the OVN keys (encapType list joined), leaves other keys alone, and deletes only its own", async () => {
  const { id, outs } = await createVia(
    type,
    base({
      bridgeMappings: { physnet1: "br-eth0" },
      externalIds: { "ovn-cms-options": "enable-chassis-as-gw" },
    }),
  );
  expect(outs.encapType).toBe("geneve,vxlan");
  expect(await ids()).toEqual({
    hostname: "hv1",
    rundir: "/x",
    "system-id": "hv1",
    "ovn-remote": "tcp:10.0.0.1:6642",
    "ovn-encap-type": "geneve,vxlan",
    "ovn-encap-ip": "172.29.101.123",
    "ovn-bridge-mappings": "physnet1:br-eth0",
    "ovn-cms-options": "enable-chassis-as-gw",
    [CHASSIS_OWNER_KEY]: "proj/dev/hv1",
    // The instance token of this resource (a replacement writes its own; see holdsRow).
    [CHASSIS_INSTANCE_KEY]: outs.instance,
  });
  expect(outs.instance).toMatch(/^[0-9a-f]{16}$/);

  // ovn-controller (or anyone) writes more keys; update and delete leave them.
  await db.tool("ovs-vsctl", ["--no-wait", "set", "open", ".", "external_ids:ovn-installed-by=ctl"]);
  const news = base({ encapType: "geneve", bridgeMappings: undefined, externalIds: {} });
  const { diff, outs: o2 } = await updateVia(type, id, outs, news);
  expect(diff.replaces).toEqual([]);
  expect(diff.diffs.sort()).toEqual(["bridgeMappings", "encapType", "externalIds"]);
  const after = await ids();
  expect(after["ovn-encap-type"]).toBe("geneve");
  expect(after["ovn-bridge-mappings"]).toBeUndefined();
  expect(after["ovn-cms-options"]).toBeUndefined();
  expect(after["ovn-installed-by"]).toBe("ctl");

  await provider.handler(type).delete(id, o2);
  expect(await ids()).toEqual({ hostname: "hv1", rundir: "/x", "ovn-installed-by": "ctl" });
});

it("refresh reports drift in managed keys only", async () => {
  const { id, outs } = await createVia(type, base());
  await db.tool("ovs-vsctl", ["--no-wait", "set", "open", ".", "external_ids:ovn-encap-ip=10.9.9.9"]);
  await db.tool("ovs-vsctl", ["--no-wait", "set", "open", ".", "external_ids:ovn-bridge-mappings=x:br-x"]);
  const r = await provider.handler(type).read(id, outs);
  expect(r.inputs?.encapIp).toBe("10.9.9.9");
  expect(r.inputs?.bridgeMappings).toBeUndefined();
  const d = await provider.handler(type).diff(id, r.props!, { ...base(), encapType: "geneve,vxlan" });
  expect(d.diffs).toEqual(["encapIp"]);
});

it("keys already set by someone else need adopt: true; another stack's settings are refused", async () => {
  await db.tool("ovs-vsctl", [
    "--no-wait",
    "set",
    "open",
    ".",
    "external_ids:system-id=hv1",
    "external_ids:ovn-remote=tcp:1.1.1.1:6642",
  ]);
  const e = (await createVia(type, base()).catch((x: unknown) => x)) as ResourceError;
  expect(e).toBeInstanceOf(ResourceError);
  expect(e.code).toBe("NAME_TAKEN");
  expect(e.message).toContain("system-id=hv1");
  expect(e.message).toContain("adopt: true");
  expect((await ids())["ovn-remote"]).toBe("tcp:1.1.1.1:6642");

  const { id, outs } = await createVia(type, base({ adopt: true }));
  expect((await ids())["ovn-remote"]).toBe("tcp:10.0.0.1:6642");
  const e2 = (await createVia(type, base({ owner: "other/prod/hv1", adopt: true })).catch(
    (x: unknown) => x,
  )) as ResourceError;
  expect(e2.code).toBe("OWNED_ELSEWHERE");
  // A resource of another stack does not delete what it does not own.
  await provider.handler(type).delete(id, { ...outs, owner: "other/prod/hv1" });
  expect((await ids())["system-id"]).toBe("hv1");
});

it("rejects bad arguments with the argument and accepted form", async () => {
  const h = provider.handler(type);
  const r = await h.check(
    {},
    base({
      encapType: "gre",
      encapIp: "300.1.1.1",
      ovnRemote: "10.0.0.1:6642",
      bridgeMappings: "physnet1",
      externalIds: { "system-id": "x" },
    }),
  );
  const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
  expect(byProp.encapType).toMatch(/geneve, vxlan, stt/);
  expect(byProp.encapIp).toMatch(/not an IP address/);
  expect(byProp.ovnRemote).toMatch(/tcp:IP:6642/);
  expect(byProp.bridgeMappings).toMatch(/PHYSNET:BRIDGE/);
  const r2 = await h.check({}, base({ externalIds: { "system-id": "x" } }));
  expect(r2.failures).toEqual([
    {
      property: "externalIds",
      reason: expect.stringMatching(/^\[INVALID_INPUT\] externalIds\.system-id: .*systemId/),
    },
  ]);
});
