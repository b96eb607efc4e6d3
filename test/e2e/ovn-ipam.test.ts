/**
 * examples/ovn-ipam end to end: ovn-northd assigns addresses on a switch with a subnet and
 * excluded range; the program exports them, the test configures two containers (on two hosts)
 * with them and they reach each other and the static one.
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
import { TestStack } from "./harness/pulumi";
import { ovnIpam, DEFAULT_IPAM } from "../../examples/ovn-ipam/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

function lastOctet(ip: string): number {
  return Number(ip.split(".")[3]);
}

describe("examples/ovn-ipam", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const c: Record<string, ContainerInfo> = {};
  let addrs: Record<string, { mac: string; ip: string }>;
  const nbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=30", ...args])
    ).stdout.trim();

  const program =
    (excludeIps = DEFAULT_IPAM.excludeIps) =>
    async () =>
      ovnIpam({
        nb: { remote: sb.central!.nbRemote.unix },
        hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
        ...DEFAULT_IPAM,
        excludeIps,
      });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnipam", hosts: 2, ovn: true });
    for (const vm of DEFAULT_IPAM.vms) {
      const [mac, ip] = vm.address.split(" ");
      const isStatic = !vm.address.includes("dynamic");
      // Dynamic containers get their MAC and IP only once the stack reports them.
      c[vm.name] = await addContainer(sb, {
        host: sb.hosts[vm.host].name,
        name: vm.name,
        portName: vm.port,
        ...(isStatic ? { mac, ip: `${ip}/24` } : {}),
      });
    }
    stack = await TestStack.create({ project: "ovn-ipam", stack: "e2e", program: program() });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("exports the addresses ovn-northd assigned: outside excludeIps, not the static one, in the subnet", async () => {
    const r = await stack.up();
    expect(r.summary.create).toBe(1 + 3 + 3);
    addrs = r.outputs.addresses as Record<string, { mac: string; ip: string }>;
    expect(addrs.db1).toEqual({ mac: "0a:00:00:10:00:21", ip: "10.10.0.21" });
    expect(addrs.web2.mac).toBe("0a:00:00:10:00:99");
    expect(addrs.web1.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    for (const vm of ["web1", "web2"]) {
      const ip = addrs[vm].ip;
      expect(ip).toMatch(/^10\.10\.0\.\d+$/);
      expect(lastOctet(ip)).toBeGreaterThan(21); // .1-.20 excluded, .21 is db1's
      expect(lastOctet(ip)).toBeLessThan(255);
    }
    expect(addrs.web1.ip).not.toBe(addrs.web2.ip);
    // The NB database says the same.
    expect(await nbctl("get", "logical_switch_port", "web1", "dynamic_addresses")).toBe(
      `"${addrs.web1.mac} ${addrs.web1.ip}"`,
    );
  });

  it("containers configured with the exported addresses reach each other across hosts, and the static one", async () => {
    for (const vm of ["web1", "web2"]) {
      const { mac, ip } = addrs[vm];
      for (const argv of [
        ["ip", "link", "set", "eth0", "address", mac],
        ["ip", "addr", "add", `${ip}/24`, "dev", "eth0"],
      ]) {
        const r = await execIn(c[vm], argv);
        expect(r.code).toBe(0);
      }
    }
    for (const vm of ["web1", "web2", "db1"]) await nbctl("wait-until", "Logical_Switch_Port", vm, "up=true");
    expect(await ping(c.web1, addrs.web2.ip, { count: 3, timeoutS: 2 })).toBe(true);
    expect(await ping(c.web2, addrs.db1.ip, { count: 2, timeoutS: 2 })).toBe(true);
    expect(await ping(c.db1, addrs.web1.ip, { count: 2, timeoutS: 2 })).toBe(true);
  });

  it("a second preview changes nothing; a refresh keeps the assigned addresses", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
    await stack.refresh();
    expect((await stack.outputs()).addresses).toEqual(addrs);
  });

  it("widening excludeIps is an in-place update of the switch only", async () => {
    stack.setProgram(program(["10.10.0.1..10.10.0.20", "10.10.0.200..10.10.0.210"]));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, replace: 0, create: 0, delete: 0 });
    expect(p.steps.find((s) => s.op === "update")).toMatchObject({ name: "sw-ipam", diffs: ["excludeIps"] });
    await stack.up();
    expect(await nbctl("get", "logical_switch", "sw-ipam", "other_config:exclude_ips")).toBe(
      '"10.10.0.1..10.10.0.20 10.10.0.200..10.10.0.210"',
    );
  });

  it("destroy removes the switch, its ports and the bindings", async () => {
    await stack.destroy();
    expect(await nbctl("show")).toBe("");
    for (const h of sb.hosts) {
      const { stdout } = await execFileP("ovs-vsctl", [`--db=${h.remotes.unix}`, "list-ports", "br-int"]);
      expect(stdout).not.toMatch(/veth-/);
    }
  });
});
