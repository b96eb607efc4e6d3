/**
 * examples/ovn-two-hosts end to end: two sandbox hypervisors whose OVN chassis settings are
 * written by the program (`ovn.ChassisConfig`), containers bound to logical ports through
 * `ovs.Port` on br-int with `iface-id`; pings on one switch across chassis and through lr0
 * (TTL decremented); destroy removes only what the stack wrote.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  startSandbox,
  stopSandbox,
  addContainer,
  execIn,
  ping,
  type SandboxInfo,
  type ContainerInfo,
} from "../../sandbox";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { ovnTwoHosts, DEFAULT_VMS, SUBNETS } from "../../examples/ovn-two-hosts/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const OVN_KEYS = ["system-id", "ovn-remote", "ovn-encap-type", "ovn-encap-ip"];

describe("examples/ovn-two-hosts", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const vms: Record<string, ContainerInfo> = {};
  const vsctl = async (h: number, ...args: string[]) =>
    (
      await execFileP("ovs-vsctl", [`--db=${sb.hosts[h].remotes.unix}`, "--timeout=20", ...args])
    ).stdout.trim();
  const nbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=30", ...args])
    ).stdout.trim();
  const sbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-sbctl", [`--db=${sb.central!.sbRemote.unix}`, "--timeout=30", ...args])
    ).stdout.trim();
  const hostIds = async (h: number) => {
    const out = await vsctl(h, "--format=json", "--columns=external_ids", "list", "Open_vSwitch");
    return Object.fromEntries((JSON.parse(out).data[0][0] as ["map", [string, string][]])[1]);
  };

  const program =
    (adoptChassis = false) =>
    async () =>
      ovnTwoHosts({
        nb: { remote: sb.central!.nbRemote.unix },
        sbRemote: sb.central!.sbRemote.tcp,
        hosts: sb.hosts.map((h) => ({
          systemId: h.name,
          host: { remote: h.remotes.unix },
          encapIp: h.underlayIp,
        })),
        vms: DEFAULT_VMS,
        adoptChassis,
      });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovn2h", hosts: 2, ovn: true, encap: "geneve" });
    for (const vm of DEFAULT_VMS) {
      vms[vm.name] = await addContainer(sb, {
        host: sb.hosts[vm.host].name,
        name: vm.name,
        portName: vm.port,
        mac: vm.mac,
        ip: `${vm.ip}/24`,
        gateway: SUBNETS[vm.switch].gateway,
      });
    }
    stack = await TestStack.create({ project: "ovn-two-hosts", stack: "e2e", program: program() });
  });

  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("does not take over chassis settings it did not write unless adopt is set", async () => {
    // The sandbox configured its chassis when it started: those keys are not the stack's.
    const before = [await hostIds(0), await hostIds(1)];
    const e = await stack.up().then(
      () => undefined,
      (x: unknown) => x,
    );
    await stack.destroy(); // whatever the failed update did create
    expect(e).toBeInstanceOf(PulumiOperationError);
    // Both chassis are refused; which refusal Pulumi reports first depends on timing.
    expect((e as Error).message).toMatch(/already hold .*system-id=h[12].*adopt: true/s);
    // The code starts the message Pulumi reports for the refused chassis.
    expect((e as PulumiOperationError).errors).toContainEqual(
      expect.stringMatching(/^chassis-h[12]: \[NAME_TAKEN\] ovn\.ChassisConfig "chassis-h[12]" on /),
    );
    expect([await hostIds(0), await hostIds(1)]).toEqual(before);
  });

  it("configures both chassis from scratch (geneve) and binds the containers", async () => {
    // Unconfigured hypervisors: ovn-controller runs, but no OVN settings are written.
    for (const h of [0, 1]) await vsctl(h, "remove", "open", ".", "external_ids", ...OVN_KEYS);
    const r = await stack.up();
    expect(r.summary.create).toBe(2 + 1 + 2 + 2 + 3 + 3);
    for (const [h, host] of sb.hosts.entries()) {
      const ids = await hostIds(h);
      expect(ids).toMatchObject({
        "system-id": host.name,
        "ovn-remote": sb.central!.sbRemote.tcp,
        "ovn-encap-type": "geneve",
        "ovn-encap-ip": host.underlayIp,
        // The sandbox's own keys are untouched.
        hostname: host.name,
        "ovn-bridge-datapath-type": "netdev",
      });
      expect(
        await vsctl(
          h,
          "get",
          "interface",
          DEFAULT_VMS.find((v) => v.host === h)!.port,
          "external_ids:iface-id",
        ),
      ).toMatch(/vm\d/);
    }
    for (const vm of DEFAULT_VMS) {
      await nbctl("wait-until", "Logical_Switch_Port", vm.name, "up=true");
    }
    const chassisOf = async (port: string) =>
      sbctl("--bare", "--columns=chassis", "find", "Port_Binding", `logical_port=${port}`);
    const h1 = await sbctl("--bare", "--columns=_uuid", "find", "Chassis", "name=h1");
    const h2 = await sbctl("--bare", "--columns=_uuid", "find", "Chassis", "name=h2");
    expect(await chassisOf("vm1")).toBe(h1);
    expect(await chassisOf("vm2")).toBe(h2);
    expect(await sbctl("--bare", "--columns=type", "find", "Encap", "chassis_name=h1")).toBe("geneve");
  });

  it("vm1 (h1) reaches vm2 (h2) on sw0 across the geneve tunnel", async () => {
    expect(await ping(vms.vm1, "192.168.0.3", { count: 3, timeoutS: 2 })).toBe(true);
    expect(await ping(vms.vm2, "192.168.0.2", { count: 2, timeoutS: 2 })).toBe(true);
  });

  it("vm1 (h1, sw0) reaches vm3 (h2, sw1) through lr0, one routed hop (TTL 63)", async () => {
    const r = await execIn(vms.vm1, ["ping", "-c", "3", "-W", "2", "11.0.0.2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/from 11\.0\.0\.2: icmp_seq=\d+ ttl=63/);
    expect(await ping(vms.vm3, "192.168.0.1", { count: 2 })).toBe(true);
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("destroy removes the stack's keys, ports and logical rows; other keys survive", async () => {
    await stack.destroy();
    for (const [h, host] of sb.hosts.entries()) {
      const ids = await hostIds(h);
      for (const k of OVN_KEYS) expect(ids[k]).toBeUndefined();
      expect(ids).toMatchObject({ hostname: host.name, "ovn-bridge-datapath-type": "netdev" });
      expect(await vsctl(h, "list-ports", "br-int")).not.toMatch(/veth-vm/);
    }
    expect(await nbctl("show")).toBe("");
  });
});
