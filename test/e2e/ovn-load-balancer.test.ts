/**
 * examples/ovn-load-balancer end to end: two sandbox hypervisors, a backend on each (a python3
 * listener answering every connection with its own name), a client behind router lr0, and a load
 * balancer whose VIP spreads the client's TCP connections over both backends. Then a health check
 * is added (one update); stopping one backend's listener takes it out of the VIP: the time until
 * every new connection reaches the other backend is measured and printed. A load balancer attached
 * by hand to the same switch survives `up` and `destroy` (the switch holding it is not deleted).
 */
import {
  ovnNbctl,
  ovnSbctl,
  startSandbox,
  stopSandbox,
  addContainer,
  tcpAnswers,
  tcpListener,
  type SandboxInfo,
  type ContainerInfo,
} from "../../sandbox";
import type { Child } from "../../sandbox/exec";
import { ovn } from "pulumi-ovs";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import {
  loadBalancedService,
  BACKENDS,
  PORT,
  SUBNETS,
  VIP,
  VMS,
  type HealthCheck,
} from "../../examples/ovn-load-balancer/program";

jest.setTimeout(300_000);
const HEALTH: HealthCheck = { interval: 2, timeout: 1, failureCount: 2, successCount: 1 };

describe("examples/ovn-load-balancer", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const vms: Record<string, ContainerInfo> = {};
  const listeners: Record<string, Child> = {};
  const nbctl = (...args: string[]) => ovnNbctl(sb, ...args);
  const sbctl = (...args: string[]) => ovnSbctl(sb, ...args);
  /** What `n` connections from the client to the VIP were answered with, in order. */
  const answers = (n: number): Promise<string[]> => tcpAnswers(vms.client, VIP, PORT, n);
  const listen = (name: string) => {
    listeners[name] = tcpListener(vms[name], PORT, name);
  };

  const program = (healthCheck?: HealthCheck) => async () =>
    loadBalancedService({
      nb: { remote: sb.central!.nbRemote.unix },
      hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
      healthCheck,
    });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnlb", hosts: 2, ovn: true, encap: "geneve" });
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
    for (const b of BACKENDS) listen(b.name);
    stack = await TestStack.create({ project: "ovn-load-balancer", stack: "e2e", program: program() });
  });

  afterAll(async () => {
    for (const l of Object.values(listeners)) await l.stop();
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("up creates the network and the load balancer, attached to both switches", async () => {
    const r = await stack.up();
    // lr0, 2 switches, 2 router ports, 3 ports + 3 bindings, 1 load balancer
    expect(r.summary.create).toBe(1 + 2 + 2 + 6 + 1);
    for (const vm of VMS) await nbctl("wait-until", "Logical_Switch_Port", vm.name, "up=true");
    await nbctl("--wait=hv", "sync");
    for (const sw of Object.keys(SUBNETS)) expect(await nbctl("ls-lb-list", sw)).toContain("web-lb");
  });

  it("20 connections from the client to the VIP reach both backends, each answering with its name", async () => {
    const got = await answers(20);
    console.log(`20 connections to ${VIP}:${PORT}: ${JSON.stringify(count(got))}`);
    expect(got).toHaveLength(20);
    expect(got.every((a) => a === "web1" || a === "web2")).toBe(true);
    expect(new Set(got)).toEqual(new Set(["web1", "web2"]));
  });

  it("adding the health check previews as one update; both backends come online", async () => {
    stack.setProgram(program(HEALTH));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    await stack.up();
    await waitFor(async () => (await monitorStatus()).filter((s) => s === "online").length === 2, 30_000);
    expect(new Set(await answers(20))).toEqual(new Set(["web1", "web2"]));
  });

  it("stopping web2's listener moves every new connection to web1 within the health check's time", async () => {
    const t0 = Date.now();
    await listeners.web2.stop("SIGKILL");
    let moved: number | undefined;
    while (Date.now() - t0 < 60_000) {
      const got = await answers(10);
      if (got.every((a) => a === "web1")) {
        moved = (Date.now() - t0) / 1000;
        break;
      }
    }
    expect(moved).toBeDefined();
    const budget = HEALTH.interval * HEALTH.failureCount + HEALTH.timeout;
    console.log(
      `failover: all new connections on web1 ${moved!.toFixed(1)} s after web2's listener stopped ` +
        `(health check every ${HEALTH.interval} s, out after ${HEALTH.failureCount} failures, timeout ${HEALTH.timeout} s)`,
    );
    expect(await monitorStatus()).toEqual(expect.arrayContaining(["offline", "online"]));
    expect(count(await answers(20))).toEqual({ web1: 20 });
    // The probes' own schedule, plus a little for ovn-northd and ovn-controller to act on it.
    expect(moved!).toBeLessThanOrEqual(budget + 3);
  });

  it("web2 back: a successful probe brings it online again", async () => {
    listen("web2");
    await waitFor(async () => (await monitorStatus()).filter((s) => s === "online").length === 2, 30_000);
    await waitFor(async () => new Set(await answers(20)).size === 2, 15_000);
  });

  it("a VIP without a port whose backends have one fails at preview, naming vips and the VIP; nothing is written", async () => {
    const bad = await TestStack.create({
      project: "ovn-load-balancer",
      stack: "e2e-bad",
      program: async () => {
        new ovn.LoadBalancer("bad-lb", {
          nb: { remote: sb.central!.nbRemote.unix },
          name: "bad-lb",
          vips: { "172.16.0.50": ["10.30.0.11:80"] },
          switches: ["sw-client"],
        });
      },
    });
    const e = await bad.up().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).messagesOf("bad-lb")).toContainEqual(
      expect.stringMatching(
        /property vips .*\[INVALID_INPUT\] vips: VIP 172\.16\.0\.50 has no port, backend 10\.30\.0\.11:80 has one/,
      ),
    );
    expect(await nbctl("--bare", "--columns=name", "find", "Load_Balancer", "name=bad-lb")).toBe("");
    await bad.remove();
  });

  it("a load balancer attached by hand to sw-web survives up and destroy (the switch stays while it holds it)", async () => {
    await nbctl("lb-add", "hand-lb", "172.16.0.200:80", "10.30.0.11:80");
    await nbctl("ls-lb-add", "sw-web", "hand-lb");
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
    await stack.up();
    expect((await nbctl("ls-lb-list", "sw-web")).split("\n").map((l) => l.split(/\s+/)[1])).toEqual(
      expect.arrayContaining(["hand-lb", "web-lb"]),
    );
    // destroy does not take the switch holding hand-lb along (FOREIGN_CHILDREN); the rest goes.
    const e = await stack.destroy().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).errors).toContainEqual(
      expect.stringMatching(/^sw-web: \[FOREIGN_CHILDREN\] .*load balancer hand-lb/),
    );
    expect((await nbctl("ls-lb-list", "sw-web")).split(/\s+/)).toContain("hand-lb");
    expect(await nbctl("--bare", "--columns=name", "find", "Load_Balancer", "name=web-lb")).toBe("");
    // Once hand-lb is detached by hand, destroy completes and hand-lb's row stays.
    await nbctl("ls-lb-del", "sw-web", "hand-lb");
    await stack.destroy();
    expect(await nbctl("--bare", "--columns=name", "list", "Logical_Switch")).toBe("");
    expect(await nbctl("--bare", "--columns=name", "list", "Load_Balancer")).toBe("hand-lb");
    await nbctl("--wait=sb", "sync");
    expect(await sbctl("--bare", "--columns=logical_port", "list", "Service_Monitor")).toBe("");
  });

  /** The status of each Service_Monitor row ovn-northd made for the health check. */
  async function monitorStatus(): Promise<string[]> {
    const out = await sbctl("--bare", "--columns=status", "list", "Service_Monitor");
    return out.split("\n").filter(Boolean).sort();
  }
});

/** Answers counted by name. */
function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
