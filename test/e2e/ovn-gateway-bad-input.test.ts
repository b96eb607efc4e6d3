/**
 * Issue 12, bad input of gateways through the real Pulumi engine: a chassis listed twice for one
 * gateway port (`gatewayChassis`) or one HA chassis group (`chassis`) fails at preview naming the
 * resource and the argument; a floating IP whose logical port is not on a switch joined to the
 * router fails the `up` naming the port, its switch and the switches the router reaches. Nothing is
 * written in either case. Renaming a group a gateway port uses replaces it without a refusal: the
 * new group is made before the old one is deleted. Against a real OVN northbound ovsdb-server.
 */
import { startCentral, type OvnCentral } from "../../sandbox/central";
import { TestStack, PulumiOperationError, type PulumiProgram } from "./harness/pulumi";
import { ovn } from "../../sdk";

jest.setTimeout(300_000);

let central: OvnCentral;
let stack: TestStack;

/** What a program may get wrong. */
interface Bad {
  gatewayTwice?: boolean;
  groupTwice?: boolean;
  fipOnSw1?: boolean;
  /** Not bad input: the HA chassis group under another name (a rename replaces it). */
  groupName?: string;
}

const program =
  (bad: Bad): PulumiProgram =>
  async () => {
    const nb = { remote: central.nb.unix };
    const lr = new ovn.LogicalRouter("lr", { nb, name: "bad-lr" });
    const sw0 = new ovn.LogicalSwitch("sw0", { nb, name: "bad-sw0" });
    const sw1 = new ovn.LogicalSwitch("sw1", { nb, name: "bad-sw1" });
    new ovn.LogicalSwitchPort("vm0", {
      nb,
      switch: sw0.name,
      name: "bad-vm0",
      addresses: ["0a:00:00:00:00:10 10.0.0.10"],
    });
    const vm1 = new ovn.LogicalSwitchPort("vm1", {
      nb,
      switch: sw1.name,
      name: "bad-vm1",
      addresses: ["0a:00:00:00:01:10 10.1.0.10"],
    });
    const group = new ovn.HaChassisGroup("group", {
      nb,
      name: bad.groupName ?? "bad-group",
      chassis: bad.groupTwice ? ["h1", { chassis: "h2", priority: 1 }, "h2"] : ["h1", "h2"],
    });
    const lrp = new ovn.LogicalRouterPort("lrp-sw0", {
      nb,
      router: lr.name,
      name: "bad-lr-sw0",
      mac: "0a:00:00:00:00:01",
      networks: ["10.0.0.1/24"],
      switch: sw0.name,
    });
    new ovn.LogicalRouterPort("lrp-ext", {
      nb,
      router: lr.name,
      name: "bad-lr-ext",
      mac: "0a:00:00:00:ee:01",
      networks: ["172.16.0.1/24"],
      ...(bad.gatewayTwice ? { gatewayChassis: ["h1", "h2", "h1"] } : { haChassisGroup: group.name }),
    });
    if (bad.fipOnSw1) {
      new ovn.LogicalRouterNat(
        "fip",
        {
          nb,
          router: lr.name,
          type: "dnat_and_snat",
          externalIp: "172.16.0.50",
          logicalIp: "10.1.0.10",
          logicalPort: vm1.name,
          externalMac: "0a:00:00:00:ee:50",
        },
        { dependsOn: [lrp] },
      );
    }
  };

/** The error a stack operation rejects with (the test fails when it succeeds). */
async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PulumiOperationError);
  return (e as PulumiOperationError).message;
}

const nbRows = async (table: string) =>
  (await central.nbctl("--bare", "--columns=_uuid", "list", table)).split("\n").filter((l) => l.trim())
    .length;

beforeAll(async () => {
  central = await startCentral();
  stack = await TestStack.create({ project: "gw-bad-input", stack: "e2e", program: program({}) });
});
afterAll(async () => {
  await TestStack.removeAll().catch(() => undefined);
  await central?.stop();
});

it("a chassis listed twice for a gateway port fails at preview, naming the resource and argument; nothing written", async () => {
  stack.setProgram(program({ gatewayTwice: true }));
  const message = await failure(stack.preview());
  expect(message).toMatch(/lrp-ext.*\n?.*property gatewayChassis .*chassis h1 is listed twice/);
  expect(await nbRows("Logical_Router")).toBe(0);
});

it("a chassis listed twice for an HA chassis group fails at preview, naming the resource and argument", async () => {
  stack.setProgram(program({ groupTwice: true }));
  const message = await failure(stack.preview());
  expect(message).toMatch(/group.*\n?.*property chassis .*chassis h2 is listed twice/);
  expect(await nbRows("HA_Chassis_Group")).toBe(0);
});

it("a floating IP of a port on a switch the router does not reach fails the up; no NAT row is written", async () => {
  stack.setProgram(program({ fipOnSw1: true }));
  const message = await failure(stack.up());
  expect(message).toMatch(
    /\[INVALID_INPUT\] ovn\.LogicalRouterNat "fip" .*logicalPort bad-vm1 is on logical switch bad-sw1, which logical router bad-lr is not attached to \(it reaches bad-sw0\)/,
  );
  expect(await nbRows("NAT")).toBe(0);
  // The rest of the program was written: the group serves the gateway port.
  expect((await central.nbctl("get", "Logical_Router_Port", "bad-lr-ext", "ha_chassis_group")).trim()).toBe(
    (await central.nbctl("get", "HA_Chassis_Group", "bad-group", "_uuid")).trim(),
  );
  stack.setProgram(program({}));
  await stack.destroy();
  expect(await nbRows("Logical_Router")).toBe(0);
  expect(await nbRows("HA_Chassis_Group")).toBe(0);
});

it("renaming an HA chassis group a gateway port uses: the new group is made first, the port follows, the old one goes", async () => {
  stack.setProgram(program({}));
  await stack.up();
  stack.setProgram(program({ groupName: "bad-group2" }));
  await stack.up();
  expect((await central.nbctl("get", "Logical_Router_Port", "bad-lr-ext", "ha_chassis_group")).trim()).toBe(
    (await central.nbctl("get", "HA_Chassis_Group", "bad-group2", "_uuid")).trim(),
  );
  expect(await nbRows("HA_Chassis_Group")).toBe(1);
  expect(await nbRows("HA_Chassis")).toBe(2);
  await stack.destroy();
  expect(await nbRows("HA_Chassis_Group")).toBe(0);
});
