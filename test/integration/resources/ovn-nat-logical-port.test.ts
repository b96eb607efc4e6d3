/**
 * Issue 12: a floating IP (`dnat_and_snat` with `logicalPort`) whose logical port is not on a switch
 * joined to the router fails before anything is written, naming the port, its switch and the
 * switches the router reaches; a router port joining the switch in the same run is waited for.
 * Through the provider handlers against a real NB ovsdb-server.
 */
import { SAME_RUN_WAIT_MS } from "../../../provider/engine/users";
import { createVia, errorOf, provider, startCentral, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(60_000);

const owner = (name: string) => `proj/nat/${name}`;
let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: false });
  nb = { remote: central.nb.unix };
  await createVia("ovn:LogicalRouter", { nb, name: "lr0", owner: owner("lr0") });
  for (const [sw, port, addr] of [
    ["sw0", "vm1", "0a:00:00:00:00:01 10.0.0.5"],
    ["sw1", "vm2", "0a:00:00:00:01:01 10.1.0.5"],
    ["sw2", "vm3", "0a:00:00:00:02:01 10.2.0.5"],
  ]) {
    await createVia("ovn:LogicalSwitch", { nb, name: sw, owner: owner(sw) });
    await createVia("ovn:LogicalSwitchPort", {
      nb,
      switch: sw,
      name: port,
      addresses: [addr],
      owner: owner(port),
    });
  }
  await createVia("ovn:LogicalRouterPort", {
    nb,
    router: "lr0",
    name: "lr0-sw0",
    mac: "0a:00:00:00:00:fe",
    networks: ["10.0.0.1/24"],
    switch: "sw0",
    owner: owner("lr0-sw0"),
  });
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const fip = (externalIp: string, logicalIp: string, logicalPort: string) => ({
  nb,
  router: "lr0",
  type: "dnat_and_snat",
  externalIp,
  logicalIp,
  logicalPort,
  externalMac: "0a:00:00:00:aa:01",
  owner: owner(`fip-${logicalPort}`),
});

const natCount = async () =>
  (await central.nbctl("--bare", "--columns=_uuid", "list", "NAT")).split("\n").filter((l) => l.trim())
    .length;

it("a floating IP of a port on a switch joined to the router is written", async () => {
  await createVia("ovn:LogicalRouterNat", fip("172.16.0.5", "10.0.0.5", "vm1"));
  expect(await central.nbctl("lr-nat-list", "lr0")).toMatch(
    /dnat_and_snat\s+172\.16\.0\.5\s+10\.0\.0\.5.*vm1/,
  );
});

it("a port on a switch the router does not reach: INVALID_INPUT naming port, switch and reached switches; nothing written", async () => {
  const before = await natCount();
  const t0 = Date.now();
  const e = await errorOf(createVia("ovn:LogicalRouterNat", fip("172.16.0.6", "10.1.0.5", "vm2")));
  expect(e.code).toBe("INVALID_INPUT");
  expect(e.message).toMatch(
    /^\[INVALID_INPUT\] ovn\.LogicalRouterNat "fip-vm2" on OVN northbound database .*: dnat_and_snat rule 172\.16\.0\.6 ↔ 10\.1\.0\.5 of logical router lr0: logicalPort vm2 is on logical switch sw1, which logical router lr0 is not attached to \(it reaches sw0\)\./,
  );
  expect(Date.now() - t0).toBeGreaterThanOrEqual(SAME_RUN_WAIT_MS); // looked again for a same-run router port
  expect(await natCount()).toBe(before);
});

it("a port that does not exist: PARENT_MISSING, nothing written", async () => {
  const before = await natCount();
  const e = await errorOf(createVia("ovn:LogicalRouterNat", fip("172.16.0.7", "10.0.0.7", "ghost")));
  expect(e.code).toBe("PARENT_MISSING");
  expect(e.message).toMatch(/logicalPort ghost: logical switch port ghost does not exist/);
  expect(await natCount()).toBe(before);
});

it("a router port joining the port's switch in the same run (no order between them) is waited for", async () => {
  const nat = createVia("ovn:LogicalRouterNat", fip("172.16.0.8", "10.2.0.5", "vm3"));
  await new Promise((r) => setTimeout(r, 1_000)); // the NAT's check has seen sw2 unreached
  await createVia("ovn:LogicalRouterPort", {
    nb,
    router: "lr0",
    name: "lr0-sw2",
    mac: "0a:00:00:00:02:fe",
    networks: ["10.2.0.1/24"],
    switch: "sw2",
    owner: owner("lr0-sw2"),
  });
  await nat;
  expect(await central.nbctl("lr-nat-list", "lr0")).toMatch(
    /dnat_and_snat\s+172\.16\.0\.8\s+10\.2\.0\.5.*vm3/,
  );
});
