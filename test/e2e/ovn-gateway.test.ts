/**
 * examples/ovn-gateway end to end: three sandbox hypervisors (h1 and h2 the gateway chassis, h3 a
 * compute chassis) and the sandbox's external network (203.0.113.0/24; the outside server at
 * 203.0.113.1 in its own namespace, bridged to every host's br-ex). Checked with packets: the
 * container on h2 reaches the server through SNAT (the server sees the SNAT address), the outside
 * reaches the container on h3 through its floating IP. Failover: ovs-vswitchd on h1 is stopped
 * while h2's container pings the server ten times a second; the outage (the longest gap between
 * replies) is measured and printed, and the gateway (`cr-lrp-ext`) moves to h2; h1 back, it takes
 * the gateway back. Bad input writes nothing; destroy leaves nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  addContainer,
  execIn,
  ovnNbctl,
  ovnSbctl,
  ping,
  restartDaemon,
  startPeerEcho,
  startSandbox,
  stopSandbox,
  tcpAnswers,
  type ContainerInfo,
  type SandboxInfo,
} from "../../sandbox";
import { spawnChild, type Child } from "../../sandbox/exec";
import { readPidfile, terminate } from "../../sandbox/procs";
import { waitFor } from "../../sandbox/wait";
import { ovn } from "pulumi-ovs";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import {
  ovnGateway,
  EXTERNAL,
  GATEWAY_PORT,
  TENANT,
  VMS,
  type GatewayChassisPriority,
} from "../../examples/ovn-gateway/program";

jest.setTimeout(300_000);
const PORT = 7000;
/** The chassis-resident port of the gateway port in the southbound: bound where the gateway runs. */
const CR_PORT = `cr-${GATEWAY_PORT}`;
/** How long traffic may stop while h2 takes over. */
const OUTAGE_BUDGET_S = 20;

describe("examples/ovn-gateway", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const vms: Record<string, ContainerInfo> = {};
  const children: { stop(): Promise<void> }[] = [];
  const nbctl = (...args: string[]) => ovnNbctl(sb, ...args);
  const sbctl = (...args: string[]) => ovnSbctl(sb, ...args);
  const extNs = () => sb.external!.namespace;

  const program = (gatewayChassis?: GatewayChassisPriority[]) => async () =>
    ovnGateway({
      nb: { remote: sb.central!.nbRemote.unix },
      hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
      gatewayChassis,
    });

  /** The chassis the gateway port's chassis-resident port is bound to ("" when none). */
  async function gatewayHost(): Promise<string> {
    const uuid = await sbctl(
      "--bare",
      "--columns=chassis",
      "find",
      "Port_Binding",
      `logical_port=${CR_PORT}`,
    );
    return uuid ? sbctl("--bare", "--columns=name", "list", "Chassis", uuid) : "";
  }
  const waitGatewayOn = (chassis: string, timeoutMs = 30_000) =>
    waitFor(
      async () => (await gatewayHost()) === chassis,
      timeoutMs,
      () => `${CR_PORT} not on ${chassis} within ${timeoutMs} ms`,
      100,
    );

  /** Starts a peer-echo server in `where` (resolves once it listens); stopped in afterAll at the latest. */
  async function echoServer(where: ContainerInfo | string) {
    const server = await startPeerEcho(where, { port: PORT });
    children.push(server);
    return server;
  }

  /** The address the outside server saw for each of `n` connections from `from`. */
  async function seenByServer(from: ContainerInfo, n: number): Promise<string[]> {
    const server = await echoServer(extNs());
    try {
      return await tcpAnswers(from, EXTERNAL.gateway, PORT, n);
    } finally {
      await server.stop();
    }
  }

  beforeAll(async () => {
    sb = await startSandbox({ name: "gw", hosts: 3, ovn: true, encap: "geneve", external: true });
    for (const vm of VMS) {
      vms[vm.name] = await addContainer(sb, {
        host: sb.hosts[vm.host].name,
        name: vm.name,
        portName: vm.port,
        mac: vm.mac,
        ip: `${vm.ip}/24`,
        gateway: TENANT.gateway,
      });
    }
    stack = await TestStack.create({ project: "ovn-gateway", stack: "e2e", program: program() });
  });

  afterAll(async () => {
    for (const c of children) await c.stop().catch(() => undefined);
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("up creates the provider network, the gateway port on h1 (20) and h2 (10), SNAT and the floating IP", async () => {
    const r = await stack.up();
    // 3 chassis configs, ext + localnet, lr-gw, tenant, 2 router ports, 2 ports + 2 bindings,
    // the default route, 2 NAT rules
    expect(r.summary.create).toBe(3 + 2 + 1 + 1 + 2 + 4 + 1 + 2);
    expect(r.outputs).toMatchObject({ router: "lr-gw", gatewayPort: GATEWAY_PORT });
    expect(await nbctl("lrp-get-gateway-chassis", GATEWAY_PORT)).toMatch(
      new RegExp(`${GATEWAY_PORT}-h1\\s+20\\n${GATEWAY_PORT}-h2\\s+10`),
    );
    expect(await nbctl("get", "Logical_Switch_Port", "ext-localnet", "type", "options:network_name")).toBe(
      "localnet\nphysnet",
    );
    expect(
      await nbctl("get", "Logical_Switch_Port", `${GATEWAY_PORT}-attachment`, "options:nat-addresses"),
    ).toBe("router");
    const nat = await nbctl("lr-nat-list", "lr-gw");
    expect(nat).toMatch(new RegExp(`snat\\s+${EXTERNAL.snatIp}\\s+${TENANT.subnet.replace(/\./g, "\\.")}`));
    // lr-nat-list columns: TYPE GATEWAY_PORT EXTERNAL_IP EXTERNAL_PORT LOGICAL_IP EXTERNAL_MAC LOGICAL_PORT
    expect(nat).toMatch(
      new RegExp(
        `dnat_and_snat\\s+${EXTERNAL.floatingIp}\\s+10\\.60\\.0\\.20\\s+${EXTERNAL.floatingMac}\\s+fip`,
      ),
    );
    expect(await nbctl("lr-route-list", "lr-gw")).toMatch(/0\.0\.0\.0\/0\s+203\.0\.113\.1 dst-ip/);
    for (const h of sb.hosts) {
      expect(
        await execIn(h.namespace, [
          "ovs-vsctl",
          `--db=${h.remotes.unix}`,
          "get",
          "open",
          ".",
          "external_ids:ovn-bridge-mappings",
        ]).then((x) => x.stdout.trim()),
      ).toBe('"physnet:br-ex"');
    }
    for (const vm of VMS) await nbctl("wait-until", "Logical_Switch_Port", vm.name, "up=true");
    await nbctl("--wait=hv", "sync");
    await waitGatewayOn("h1");
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("the container on h2 reaches the outside server through SNAT: the server sees the SNAT address", async () => {
    expect(await ping(vms.snat, EXTERNAL.gateway, { count: 3, timeoutS: 2 })).toBe(true);
    expect(await seenByServer(vms.snat, 5)).toEqual(Array(5).fill(EXTERNAL.snatIp));
  });

  it("the outside reaches the container on h3 through its floating IP", async () => {
    expect(await ping(extNs(), EXTERNAL.floatingIp, { count: 3, timeoutS: 2 })).toBe(true);
    // Distributed: fip's chassis (h3) answers for the floating IP with its own MAC, not the gateway's.
    expect((await execIn(extNs(), ["ip", "neigh", "show", EXTERNAL.floatingIp])).stdout).toContain(
      `lladdr ${EXTERNAL.floatingMac}`,
    );
    const server = await echoServer(vms.fip);
    try {
      // fip's replies are not SNATed away: the container sees the outside client's own address.
      expect(await tcpAnswers(extNs(), EXTERNAL.floatingIp, PORT, 5)).toEqual(
        Array(5).fill(EXTERNAL.gateway),
      );
    } finally {
      await server.stop();
    }
    // fip's own connections leave as its floating IP, not as the SNAT address.
    expect(await seenByServer(vms.fip, 3)).toEqual(Array(3).fill(EXTERNAL.floatingIp));
  });

  it("h1's ovs-vswitchd stops: h2 takes the gateway over and traffic resumes", async () => {
    const d = sb.hosts[0].daemons.find((x) => x.role === "ovs-vswitchd")!;
    const pid = readPidfile(d.pidfile);
    expect(pid).toBeDefined();
    const { movedS, outageS } = await measureMove("failover", "h2", async () => {
      const { survivors } = await terminate([pid!], sb.dir);
      expect(survivors).toEqual([]);
    });
    console.log(
      `failover: ${CR_PORT} on h2 ${movedS.toFixed(1)} s after h1's ovs-vswitchd stopped; ` +
        `outage (longest gap between replies to a ping every 0.1 s) ${outageS.toFixed(1)} s`,
    );
    // Traffic went through h1 until it stopped (a gap), and resumed through h2 in time.
    expect(outageS).toBeGreaterThan(0.5);
    expect(outageS).toBeLessThan(OUTAGE_BUDGET_S);
    expect(await gatewayHost()).toBe("h2");
    // Still SNAT, now on h2.
    expect(await seenByServer(vms.snat, 3)).toEqual(Array(3).fill(EXTERNAL.snatIp));
    // The floating IP never went through h1: it keeps answering.
    expect(await ping(extNs(), EXTERNAL.floatingIp, { count: 2, timeoutS: 2 })).toBe(true);
  });

  it("h1's ovs-vswitchd back: h1 (priority 20) takes the gateway back and traffic flows", async () => {
    const { movedS, outageS } = await measureMove("failback", "h1", async () => {
      await restartDaemon(sb, "h1", "ovs-vswitchd");
    });
    console.log(
      `failback: ${CR_PORT} on h1 ${movedS.toFixed(1)} s after h1's ovs-vswitchd started again; ` +
        `longest gap between replies ${outageS.toFixed(1)} s`,
    );
    expect(outageS).toBeLessThan(OUTAGE_BUDGET_S);
    expect(await seenByServer(vms.snat, 3)).toEqual(Array(3).fill(EXTERNAL.snatIp));
    expect(await ping(extNs(), EXTERNAL.floatingIp, { count: 2, timeoutS: 2 })).toBe(true);
  });

  /**
   * Pings the outside server from `snat` every 0.1 s, runs `act`, waits until the gateway is on
   * `to` and 20 more replies came: the seconds from `act` to the move, and the longest gap
   * between two replies from a second before `act` on.
   */
  async function measureMove(
    what: string,
    to: string,
    act: () => Promise<void>,
  ): Promise<{ movedS: number; outageS: number }> {
    const pinger = startPinger(vms.snat, EXTERNAL.gateway, join(sb.dir, `${what}-ping.log`));
    children.push(pinger.child);
    try {
      await pinger.waitReplies(10, 10_000);
      const t0 = Date.now() / 1000;
      await act();
      await waitGatewayOn(to, 60_000);
      const movedS = Date.now() / 1000 - t0;
      await pinger.waitRepliesAfter(Date.now() / 1000, 20, OUTAGE_BUDGET_S * 1000);
      return { movedS, outageS: pinger.largestGap(t0 - 1) };
    } finally {
      await pinger.child.stop();
    }
  }

  it("a chassis listed twice for one gateway port fails at preview and writes nothing", async () => {
    const before = await nbState();
    const bad = await TestStack.create({
      project: "ovn-gateway",
      stack: "e2e-bad",
      program: async () => {
        new ovn.LogicalRouterPort("bad-lrp", {
          nb: { remote: sb.central!.nbRemote.unix },
          router: "lr-gw",
          name: "bad-lrp",
          mac: "00:00:00:00:fe:70",
          networks: ["198.51.100.1/24"],
          gatewayChassis: [
            { chassis: "h1", priority: 20 },
            { chassis: "h1", priority: 10 },
          ],
        });
      },
    });
    const e = await bad.up().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).messagesOf("bad-lrp")).toContainEqual(
      expect.stringMatching(/\[INVALID_INPUT\] gatewayChassis\[1\]: chassis "h1" is given twice/),
    );
    expect(await nbState()).toEqual(before);
    await bad.remove();
  });

  it("a floating IP whose logicalPort is on a switch not joined to the router fails and writes nothing", async () => {
    // A port on a switch lr-gw does not reach (made by hand: it is not the stack's).
    await nbctl(
      "ls-add",
      "lonely",
      "--",
      "lsp-add",
      "lonely",
      "stray",
      "--",
      "lsp-set-addresses",
      "stray",
      "00:00:00:cb:02:30 10.70.0.30",
    );
    try {
      const before = await nbState();
      const bad = await TestStack.create({
        project: "ovn-gateway",
        stack: "e2e-bad-fip",
        program: async () => {
          new ovn.LogicalRouterNat("bad-fip", {
            nb: { remote: sb.central!.nbRemote.unix },
            router: "lr-gw",
            type: "dnat_and_snat",
            externalIp: "203.0.113.30",
            logicalIp: "10.70.0.30",
            logicalPort: "stray",
            externalMac: "00:00:00:cb:00:30",
          });
        },
      });
      const e = await bad.up().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PulumiOperationError);
      expect((e as PulumiOperationError).messagesOf("bad-fip")).toContainEqual(
        expect.stringMatching(
          /\[INVALID_INPUT\] .*logicalPort stray is on logical switch lonely, which logical router lr-gw is not attached to \(it reaches .*tenant/,
        ),
      );
      expect(await nbState()).toEqual(before);
      expect(await nbctl("--bare", "--columns=_uuid", "find", "NAT", "external_ip=203.0.113.30")).toBe("");
      await bad.remove();
    } finally {
      await nbctl("--if-exists", "ls-del", "lonely");
    }
  });

  it("destroy leaves nothing of the stack", async () => {
    await stack.destroy();
    expect(await nbctl("show")).toBe("");
    expect(await nbctl("--bare", "--columns=_uuid", "list", "Gateway_Chassis")).toBe("");
    expect(await nbctl("--bare", "--columns=_uuid", "list", "NAT")).toBe("");
    await nbctl("--wait=sb", "sync");
    expect(await sbctl("--bare", "--columns=_uuid", "find", "Port_Binding", `logical_port=${CR_PORT}`)).toBe(
      "",
    );
    for (const h of sb.hosts) {
      const r = await execIn(h.namespace, [
        "ovs-vsctl",
        `--db=${h.remotes.unix}`,
        "get",
        "open",
        ".",
        "external_ids",
      ]);
      expect(r.stdout).not.toContain("ovn-bridge-mappings");
      const ports = await execIn(h.namespace, [
        "ovs-vsctl",
        `--db=${h.remotes.unix}`,
        "list-ports",
        "br-int",
      ]);
      expect(ports.stdout).not.toMatch(/veth-/);
    }
  });

  /** What the northbound holds, row by row, for "nothing was written". */
  async function nbState(): Promise<string> {
    const tables = ["Logical_Router", "Logical_Router_Port", "Gateway_Chassis", "Logical_Switch_Port", "NAT"];
    const out: string[] = [];
    for (const t of tables) out.push(await nbctl("--columns=_uuid,name", "list", t).catch(() => ""));
    return out.join("\n");
  }
});

/** A ping every 0.1 s with timestamps (`ping -D`), its output in a file. */
interface Pinger {
  child: Child;
  /** Unix times (s) of the replies so far. */
  replies(): number[];
  waitReplies(n: number, timeoutMs: number): Promise<unknown>;
  waitRepliesAfter(t: number, n: number, timeoutMs: number): Promise<unknown>;
  /** The longest time (s) without a reply after `t`, counting from the last reply before it. */
  largestGap(t: number): number;
}

function startPinger(from: ContainerInfo, target: string, logFile: string): Pinger {
  const child = spawnChild(["ip", "netns", "exec", from.namespace, "ping", "-D", "-n", "-i", "0.1", target], {
    logFile,
  });
  const replies = (): number[] => {
    let text = "";
    try {
      text = readFileSync(logFile, "utf8");
    } catch {
      return [];
    }
    return [...text.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from/gm)].map((m) => Number(m[1]));
  };
  return {
    child,
    replies,
    waitReplies: (n, timeoutMs) =>
      waitFor(
        () => replies().length >= n,
        timeoutMs,
        () => `fewer than ${n} ping replies in ${logFile}`,
        100,
      ),
    waitRepliesAfter: (t, n, timeoutMs) =>
      waitFor(
        () => replies().filter((r) => r > t).length >= n,
        timeoutMs,
        () => `fewer than ${n} ping replies after ${t} in ${logFile}`,
        100,
      ),
    largestGap(t) {
      const r = replies();
      let gap = 0;
      for (let k = 1; k < r.length; k++) if (r[k] > t) gap = Math.max(gap, r[k] - r[k - 1]);
      return gap;
    },
  };
}
