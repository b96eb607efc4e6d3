/**
 * examples/ovn-router-policy end to end, deployed through the Pulumi CLI: two sandbox hypervisors,
 * router pol-lr joining a client subnet, a server subnet (three servers, each a python3 listener
 * answering with its name) and an appliance subnet (a container with `ip_forward` on). Policy
 * `block` drops what is routed to one server: ping and TCP fail, while the others answer. Policy
 * `via-fw` reroutes what the client sends to another server through the appliance: tcpdump in the
 * appliance's namespace sees those packets (and none of the third server's) and the server still
 * answers, but no longer once the appliance stops forwarding. Both are checked with `ovn-trace` against the sandbox's southbound database too. Changing
 * `block` from drop to allow previews as one update and the packets pass after `up`. Bad input (a
 * match OVN cannot parse, a reroute without next hops) fails at preview and writes nothing; a policy
 * added by hand keeps `destroy` from deleting the router.
 */
import { execFile } from "node:child_process";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  addContainer,
  execIn,
  ovnNbctl,
  ping,
  startSandbox,
  stopSandbox,
  tcpAnswers,
  tcpListener,
  type ContainerInfo,
  type SandboxInfo,
} from "../../sandbox";
import { spawnChild, type Child } from "../../sandbox/exec";
import { poll, sleep } from "../../sandbox/wait";
import { ovn } from "pulumi-ovs";
import { PulumiOperationError, TestStack } from "./harness/pulumi";
import {
  APPLIANCE,
  BLOCKED,
  INSPECTED,
  ROUTER,
  SUBNETS,
  VMS,
  routerPolicies,
} from "../../examples/ovn-router-policy/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const PORT = 8080;
const SERVERS = VMS.filter((v) => v.switch === "pol-server");
const OPEN = VMS.find((v) => v.name === "open")!.ip;
const CLIENT = VMS.find((v) => v.name === "client")!;

describe("examples/ovn-router-policy", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  let tmp: string;
  const vms: Record<string, ContainerInfo> = {};
  const listeners: Child[] = [];
  const nbctl = (...args: string[]) => ovnNbctl(sb, ...args);
  const pings = (to: string) => ping(vms.client, to, { count: 2, timeoutS: 2 });
  const answers = (to: string) => tcpAnswers(vms.client, to, PORT, 2);
  /** `ovn-nbctl lr-policy-list` of the router, one line per policy, spaces collapsed. */
  const policies = async () =>
    (await nbctl("lr-policy-list", ROUTER))
      .split("\n")
      .map((l) => l.trim().replace(/\s+/g, " "))
      .filter((l) => l && l !== "Routing Policies");

  /** `ovn-trace` of a ping from the client to `dst`, through the sandbox's southbound database. */
  const trace = async (dst: string, minimal = false) =>
    (
      await execFileP("ovn-trace", [
        `--db=${sb.central!.sbRemote.unix}`,
        ...(minimal ? ["--minimal"] : []),
        "pol-client",
        `inport == "client" && eth.src == ${CLIENT.mac} && eth.dst == ${SUBNETS["pol-client"].mac} && ` +
          `ip4.src == ${CLIENT.ip} && ip4.dst == ${dst} && ip.ttl == 64 && icmp4.type == 8`,
      ])
    ).stdout;

  /**
   * The ICMP echo requests tcpdump sees on the appliance's eth0 while `during` runs, as
   * "SRC > DST" (a forwarded packet shows twice: in, and out again).
   */
  async function appliancePackets(during: () => Promise<unknown>): Promise<string[]> {
    const file = join(tmp, `tcpdump-${Date.now()}.txt`);
    const dump = spawnChild(
      [
        "ip",
        "netns",
        "exec",
        vms.fw.namespace,
        "tcpdump",
        "-i",
        "eth0",
        "-n",
        "-l",
        "--immediate-mode", // each packet as it comes, not in batches a stop would lose
        "icmp[icmptype] == icmp-echo",
      ],
      { logFile: file },
    );
    try {
      const ready = await poll(() => readFileSync(file, "utf8").includes("listening on"), {
        timeoutMs: 10_000,
      });
      if (!ready) throw new Error("tcpdump did not start in the appliance's namespace");
      await during();
      await sleep(500);
    } finally {
      await dump.stop();
    }
    return [...readFileSync(file, "utf8").matchAll(/IP (\S+) > (\S+): ICMP echo request/g)].map(
      (m) => `${m[1]} > ${m[2]}`,
    );
  }

  const program = (blockAction: "drop" | "allow") => async () =>
    routerPolicies({
      nb: { remote: sb.central!.nbRemote.unix },
      sb: { remote: sb.central!.sbRemote.unix },
      hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
      blockAction,
    });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "e2e-ovnpol-"));
    sb = await startSandbox({ name: "e2e-ovnpol", hosts: 2, ovn: true, encap: "geneve" });
    for (const vm of VMS) {
      vms[vm.name] = await addContainer(sb, {
        host: sb.hosts[vm.host].name,
        name: vm.name,
        portName: vm.port,
        mac: vm.mac,
        ip: `${vm.ip}/24`,
        gateway: SUBNETS[vm.switch].gateway,
      });
    }
    // The appliance: a Linux router that sends what it gets back to pol-lr (its default route),
    // without ICMP redirects (it forwards out of the interface the packets came in by).
    for (const setting of [
      "net.ipv4.ip_forward=1",
      "net.ipv4.conf.all.send_redirects=0",
      "net.ipv4.conf.eth0.send_redirects=0",
    ]) {
      const r = await execIn(vms.fw, ["sysctl", "-w", setting]);
      if (r.code !== 0) throw new Error(`sysctl -w ${setting} in the appliance: ${r.stderr}`);
    }
    for (const s of SERVERS) listeners.push(tcpListener(vms[s.name], PORT, s.name));
    stack = await TestStack.create({ project: "ovn-router-policy", stack: "e2e", program: program("drop") });
  });

  afterAll(async () => {
    for (const l of listeners) await l.stop();
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("up creates the router, its three subnets, the ports and their bindings, and the two policies", async () => {
    const r = await stack.up();
    // 1 router, 3 switches, 3 router ports, 5 ports + 5 bindings, 2 policies
    expect(r.summary.create).toBe(1 + 3 + 3 + 10 + 2);
    for (const vm of VMS) await nbctl("wait-until", "Logical_Switch_Port", vm.name, "up=true");
    await nbctl("--wait=hv", "sync");
    expect(await policies()).toEqual([
      `100 ip4.dst == ${BLOCKED} drop`,
      `90 inport == "lrp-client" && ip4.dst == ${INSPECTED} reroute ${APPLIANCE}`,
    ]);
  });

  it("block: ping and TCP to the blocked server fail; the open server answers", async () => {
    expect(await pings(OPEN)).toBe(true);
    expect(await answers(OPEN)).toEqual(["open", "open"]);
    expect(await pings(BLOCKED)).toBe(false);
    expect(await answers(BLOCKED)).toEqual(["-", "-"]);
  });

  it("via-fw: the appliance sees the client's packets to the inspected server (none to the open one); the server answers", async () => {
    let reached: boolean[] = [];
    const seen = await appliancePackets(async () => {
      reached = [await pings(OPEN), await pings(INSPECTED)];
    });
    expect(reached).toEqual([true, true]);
    const toInspected = seen.filter((p) => p === `${CLIENT.ip} > ${INSPECTED}`).length;
    console.log(`appliance tcpdump: ${seen.length} echo requests seen: ${JSON.stringify(seen)}`);
    // Each ping in (from pol-lr) and out again (to pol-lr): at least the 2 requests, twice.
    expect(toInspected).toBeGreaterThanOrEqual(4);
    expect(seen.filter((p) => p.endsWith(`> ${OPEN}`))).toEqual([]);
    expect(await answers(INSPECTED)).toEqual(["inspected", "inspected"]);
  });

  it("the inspected server is reached only through the appliance: with ip_forward off it is not, the open one still is", async () => {
    const forward = async (on: boolean) =>
      expect((await execIn(vms.fw, ["sysctl", "-w", `net.ipv4.ip_forward=${on ? 1 : 0}`])).code).toBe(0);
    await forward(false);
    try {
      expect(await pings(INSPECTED)).toBe(false);
      expect(await answers(INSPECTED)).toEqual(["-", "-"]);
      expect(await pings(OPEN)).toBe(true);
    } finally {
      await forward(true);
    }
    expect(await pings(INSPECTED)).toBe(true);
  });

  it("ovn-trace: the blocked destination stops at lr_in_policy's drop; the inspected one goes to the appliance", async () => {
    const dropped = await trace(BLOCKED);
    expect(dropped).toMatch(
      new RegExp(
        `lr_in_policy \\([^)]*\\): ip4\\.dst == ${BLOCKED.replace(/\./g, "\\.")}, priority 100, uuid \\w+\\n\\s+drop;`,
      ),
    );
    expect(dropped).not.toMatch(/output\("blocked"\)/);
    const rerouted = await trace(INSPECTED);
    expect(rerouted).toMatch(
      /lr_in_policy \([^)]*\): inport == "lrp-client" && ip4\.dst == 10\.50\.2\.30, priority 90/,
    );
    expect(rerouted).toContain(`reg0 = ${APPLIANCE};`);
    expect(rerouted).toMatch(/outport = "lrp-fw";/);
    expect(await trace(INSPECTED, true)).toMatch(/output\("fw"\);\s*$/);
    expect(await trace(OPEN, true)).toMatch(/output\("open"\);\s*$/);
  });

  it("block from drop to allow previews as one update; after up the blocked server answers", async () => {
    stack.setProgram(program("allow"));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    expect(p.steps.filter((s) => s.op === "update").map((s) => [s.name, s.diffs])).toEqual([
      ["block", ["action"]],
    ]);
    await stack.up();
    await nbctl("--wait=hv", "sync");
    expect(await pings(BLOCKED)).toBe(true);
    expect(await answers(BLOCKED)).toEqual(["blocked", "blocked"]);
    expect(await trace(BLOCKED, true)).toMatch(/output\("blocked"\);\s*$/);
    expect(await policies()).toContain(`100 ip4.dst == ${BLOCKED} allow`);
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("a match OVN cannot parse and a reroute without next hops fail at preview; nothing is written", async () => {
    const before = await policies();
    const rows = await nbctl("--bare", "--columns=_uuid", "list", "Logical_Router_Policy");
    const withBad = (bad: Record<string, unknown>) => async () => {
      const out = await program("allow")();
      new ovn.LogicalRouterPolicy("bad", {
        nb: { remote: sb.central!.nbRemote.unix },
        router: ROUTER,
        priority: 50,
        match: "ip4.dst == 10.50.2.0/24",
        action: "drop",
        ...bad,
      });
      return out;
    };
    const failure = async (bad: Record<string, unknown>) => {
      stack.setProgram(withBad(bad));
      const e = await stack.preview({ diff: true }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PulumiOperationError);
      const up = await stack.up().catch((x: unknown) => x);
      expect(up).toBeInstanceOf(PulumiOperationError);
      return (e as PulumiOperationError).messagesOf("bad");
    };
    expect(await failure({ match: "ip4.dst == 10.50.2.300" })).toContainEqual(
      expect.stringMatching(/property match .*\[INVALID_INPUT\] match: .*10\.50\.2\.300/),
    );
    expect(await failure({ match: "ip4.dts == 10.50.2.20" })).toContainEqual(
      expect.stringMatching(/\[INVALID_INPUT\] match: unknown field ip4\.dts/),
    );
    expect(await failure({ action: "reroute" })).toContainEqual(
      expect.stringMatching(/\[INVALID_INPUT\] nexthops: action "reroute" needs nexthops/),
    );
    expect(await policies()).toEqual(before);
    expect(await nbctl("--bare", "--columns=_uuid", "list", "Logical_Router_Policy")).toBe(rows);
    stack.setProgram(program("allow"));
  });

  it("destroy leaves the router while a policy added by hand hangs off it; once it is removed, destroy completes", async () => {
    await nbctl("lr-policy-add", ROUTER, "10", `ip4.dst == ${OPEN}`, "allow");
    const e = await stack.destroy().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).errors).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${ROUTER}: \\[FOREIGN_CHILDREN\\] .*router polic.*ip4\\.dst == 10\\.50\\.2\\.40`),
      ),
    );
    expect(await policies()).toEqual([`10 ip4.dst == ${OPEN} allow`]);
    await nbctl("lr-policy-del", ROUTER, "10", `ip4.dst == ${OPEN}`);
    await stack.destroy();
    expect(await nbctl("show")).toBe("");
    expect(await nbctl("--bare", "--columns=_uuid", "list", "Logical_Router_Policy")).toBe("");
  });
});
