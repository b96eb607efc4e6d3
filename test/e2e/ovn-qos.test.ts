/**
 * examples/ovn-qos end to end, deployed through the Pulumi CLI: two sandbox hypervisors, one logical
 * switch, vm1 and vm3 on the first chassis, vm2 on the second. The DSCP mark is read from the packets
 * vm2 receives (tcpdump in vm2's namespace: the IPv4 TOS byte of vm1's pings is DSCP << 2, vm3's stay
 * 0); the bandwidth limit shows as an OpenFlow meter on the first chassis (`ovs-ofctl dump-meters
 * br-int` in that host's namespace) next to the ACL log meter, and as measured throughput (iperf3 in
 * the containers: UDP sent at twice the limit arrives at the limit, within 30 %, while vm1's
 * unlimited traffic does not); a DSCP change previews as one update and takes effect after `up`; a
 * QoS rule added by hand with `ovn-nbctl qos-add` survives `up` and keeps `destroy` from deleting
 * its switch.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  ovnNbctl,
  startSandbox,
  stopSandbox,
  addContainer,
  execIn,
  type SandboxInfo,
  type ContainerInfo,
} from "../../sandbox";
import { spawnChild, type Child } from "../../sandbox/exec";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { DEFAULT_LIMIT, PREFIX_LENGTH, SWITCH, VMS, qos } from "../../examples/ovn-qos/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const IPERF_PORT = "5201";

describe("examples/ovn-qos", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const vms: Record<string, ContainerInfo> = {};
  let iperfServer: Child | undefined;
  const nbctl = (...args: string[]) => ovnNbctl(sb, ...args);
  const ip = (name: string) => VMS.find((v) => v.name === name)!.ip;

  /**
   * The TOS bytes of the first 3 pings from `from` that vm2 receives (tcpdump in vm2's namespace,
   * stopped by its PID after 20 s at the latest; `from` pings until the capture is done).
   */
  async function tosFrom(from: string): Promise<string[]> {
    const capture = execFileP(
      "ip",
      [
        "netns",
        "exec",
        vms.vm2.namespace,
        "tcpdump",
        "-i",
        "eth0",
        "-n",
        "-v",
        "-l",
        "-c",
        "3",
        `icmp[icmptype] == icmp-echo and src host ${ip(from)}`,
      ],
      { timeout: 20_000 },
    );
    const ping = spawnChild(["ip", "netns", "exec", vms[from].namespace, "ping", "-i", "0.2", ip("vm2")]);
    try {
      const { stdout } = await capture;
      return [...stdout.matchAll(/\(tos (0x[0-9a-f]+)/g)].map((m) => m[1]);
    } finally {
      await ping.stop();
    }
  }

  /** kbit/s vm2 received from `from` over 3 s of iperf3 (`udp`: sent at `udpKbps`). */
  async function throughput(from: string, udpKbps?: number): Promise<number> {
    const argv = ["iperf3", "-c", ip("vm2"), "-p", IPERF_PORT, "-t", "3", "-J"];
    if (udpKbps) argv.push("-u", "-b", `${udpKbps}K`);
    for (let attempt = 0; ; attempt++) {
      const r = await execIn(vms[from], argv, { timeoutMs: 30_000 });
      if (r.code === 0) {
        const end = (JSON.parse(r.stdout) as { end: Record<string, { bits_per_second: number }> }).end;
        return (end.sum_received ?? end.sum).bits_per_second / 1000;
      }
      // The server is still starting, or busy with the previous test's teardown.
      if (attempt === 10) throw new Error(`iperf3 from ${from} failed: ${r.stdout}${r.stderr}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  /** `ovs-ofctl -O OpenFlow13 dump-meters br-int` on host `n`, in the host's namespace. */
  const dumpMeters = async (n: number) =>
    (
      await execFileP(
        "ip",
        ["netns", "exec", sb.hosts[n].namespace, "ovs-ofctl", "-O", "OpenFlow13", "dump-meters", "br-int"],
        { env: { ...process.env, OVS_RUNDIR: sb.hosts[n].runDir } },
      )
    ).stdout;

  const program = (dscp: number) => async () =>
    qos({
      nb: { remote: sb.central!.nbRemote.unix },
      hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
      dscp,
    });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnqos", hosts: 2, ovn: true, encap: "geneve" });
    for (const vm of VMS) {
      vms[vm.name] = await addContainer(sb, {
        host: sb.hosts[vm.host].name,
        name: vm.name,
        portName: vm.port,
        mac: vm.mac,
        ip: `${vm.ip}/${PREFIX_LENGTH}`,
      });
    }
    iperfServer = spawnChild(["ip", "netns", "exec", vms.vm2.namespace, "iperf3", "-s", "-p", IPERF_PORT]);
    stack = await TestStack.create({ project: "ovn-qos", stack: "e2e", program: program(46) });
  });

  afterAll(async () => {
    await iperfServer?.stop();
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("up creates the switch, the ports and their bindings, the two QoS rules, the meter and the ACL using it", async () => {
    const r = await stack.up();
    // 1 switch, 3 ports + 3 bindings, 2 QoS rules, 1 meter, 1 ACL
    expect(r.summary.create).toBe(1 + 6 + 2 + 1 + 1);
    for (const vm of VMS) await nbctl("wait-until", "Logical_Switch_Port", vm.name, "up=true");
    await nbctl("--wait=hv", "sync");
    expect((await nbctl("qos-list", SWITCH)).split("\n").sort()).toEqual([
      'from-lport   100 (inport == "vm1" && ip4) dscp=46',
      `from-lport   100 (inport == "vm3" && ip4) rate=${DEFAULT_LIMIT.rate} burst=${DEFAULT_LIMIT.burst}`,
    ]);
    expect(await nbctl("acl-list", SWITCH)).toContain('meter="acl-log"');
  });

  it("vm1's packets arrive at vm2 with DSCP 46 (TOS 0xb8); vm3's are not marked", async () => {
    expect(await tosFrom("vm1")).toEqual(["0xb8", "0xb8", "0xb8"]);
    expect(await tosFrom("vm3")).toEqual(["0x0", "0x0", "0x0"]);
  });

  it("the limit and the ACL log meter are OpenFlow meters on the chassis of vm1 and vm3", async () => {
    const meters = await dumpMeters(0);
    expect(meters).toMatch(
      new RegExp(
        `meter=\\d+ kbps burst stats bands=\\s*type=drop rate=${DEFAULT_LIMIT.rate} burst_size=${DEFAULT_LIMIT.burst}`,
      ),
    );
    expect(meters).toMatch(/meter=\d+ pktps( burst)? stats bands=\s*type=drop rate=10\b/);
  });

  it("the ACL log meter (10 packets/s) rate-limits the log of vm1's pings: its band drops most of them", async () => {
    const controllerLog = sb.hosts[0].daemons.find((d) => d.role === "ovn-controller")!.logfile;
    const logged = async () =>
      (await execFileP("grep", ["-c", 'name="ping-log"', controllerLog]).catch(() => ({ stdout: "0" })))
        .stdout;
    const before = Number(await logged());
    const ping = await execIn(vms.vm1, ["ping", "-q", "-i", "0.01", "-c", "200", ip("vm2")], {
      timeoutMs: 30_000,
    });
    expect(ping.stdout).toMatch(/200 received/); // the ACL allows them
    const id = /meter=(\d+) pktps/.exec(await dumpMeters(0))![1];
    const stats = (
      await execFileP(
        "ip",
        [
          "netns",
          "exec",
          sb.hosts[0].namespace,
          "ovs-ofctl",
          "-O",
          "OpenFlow13",
          "meter-stats",
          "br-int",
          `meter=${id}`,
        ],
        { env: { ...process.env, OVS_RUNDIR: sb.hosts[0].runDir } },
      )
    ).stdout;
    const dropped = Number(/bands:\s*0: packet_count:(\d+)/.exec(stats)![1]);
    const entries = Number(await logged()) - before;
    process.stdout.write(
      `ovn-qos ACL log: 200 pings in ~2 s, ${entries} log entries, ${dropped} dropped by the meter\n`,
    );
    expect(dropped).toBeGreaterThan(100);
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(100);
  });

  it("the userspace datapath enforces the limit: UDP sent at twice the rate arrives within 30 % of it; unlimited traffic does not", async () => {
    const limited = await throughput("vm3", 2 * DEFAULT_LIMIT.rate);
    const unlimited = await throughput("vm1", 2 * DEFAULT_LIMIT.rate);
    const tcp = await throughput("vm3");
    process.stdout.write(
      `ovn-qos throughput (limit ${DEFAULT_LIMIT.rate} kbit/s, burst ${DEFAULT_LIMIT.burst} kbit): ` +
        `UDP at ${2 * DEFAULT_LIMIT.rate} kbit/s from vm3 (limited) ${Math.round(limited)} kbit/s, ` +
        `from vm1 (unlimited) ${Math.round(unlimited)} kbit/s; TCP from vm3 ${Math.round(tcp)} kbit/s\n`,
    );
    expect(Math.abs(limited - DEFAULT_LIMIT.rate) / DEFAULT_LIMIT.rate).toBeLessThan(0.3);
    expect(unlimited).toBeGreaterThan(1.5 * DEFAULT_LIMIT.rate);
    expect(tcp).toBeLessThan(1.3 * DEFAULT_LIMIT.rate); // TCP stays under the limit (a policer, not a shaper)
  });

  it("a rule added by hand survives; a DSCP change previews as one update and takes effect after up", async () => {
    await nbctl("qos-add", SWITCH, "to-lport", "50", "ip6", "dscp=8");
    stack.setProgram(program(10));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    await stack.up();
    await nbctl("--wait=hv", "sync");
    expect(await tosFrom("vm1")).toEqual(["0x28", "0x28", "0x28"]); // DSCP 10
    expect(await nbctl("qos-list", SWITCH)).toContain("to-lport    50 (ip6) dscp=8");
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("destroy keeps the hand-made rule: the switch holding it stays (FOREIGN_CHILDREN), the rest goes", async () => {
    const e = await stack.destroy().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).errors).toContainEqual(
      expect.stringMatching(new RegExp(`^${SWITCH}: \\[FOREIGN_CHILDREN\\]`)),
    );
    expect(await nbctl("qos-list", SWITCH)).toBe("to-lport    50 (ip6) dscp=8");
    expect(await nbctl("--bare", "--columns=name", "list", "Meter")).toBe("");
    // Once the rule is removed by hand, destroy completes.
    await nbctl("qos-del", SWITCH);
    await stack.destroy();
    expect(await nbctl("show")).toBe("");
    expect(await nbctl("--bare", "--columns=_uuid", "list", "QoS")).toBe("");
  });
});
