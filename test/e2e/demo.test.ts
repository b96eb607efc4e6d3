/**
 * The root program (`npm run demo`): the whole field report composed in one stack on a 2-host OVN
 * sandbox — VLAN, VXLAN, flows, routed OVN containers, an OVN security policy and a load-balanced
 * service — and every promised pair checked, the pairs the policy blocks included, and the
 * service's VIP answered by both backends from a client on the same switch and one behind lr0; the
 * tenants reach the sandbox's outside network through lr0's gateway port on h1, and the outside
 * server sees the SNAT address, not theirs (issue 12).
 */
import { execFile } from "node:child_process";
import { readlinkSync, statSync } from "node:fs";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { REPO_ROOT, TestStack } from "./harness/pulumi";
import { demoOutputs, fieldReportDemo } from "../../demo/program";
import { currentStatus } from "../../demo/status";
import { sandboxEnvironment } from "../../demo/config";
import {
  createDemoContainers,
  expectedText,
  ipOf,
  matrixRows,
  outcomeText,
  OUTSIDE_CONNECTIONS,
  outsideOf,
  runChecks,
  runOutsideChecks,
  runServiceChecks,
  SERVICE_CONNECTIONS,
} from "../../demo/topology";
import { GATEWAY } from "../../demo/gateway";
import { RULES } from "../../demo/security";
import { SERVICE, startListeners, stopListeners, VIP } from "../../demo/service";
import { isAlive } from "../../sandbox/procs";

jest.setTimeout(600_000);
const execFileP = promisify(execFile);

describe("the demo program", () => {
  let sb: SandboxInfo;
  let stack: TestStack;

  beforeAll(async () => {
    await stopSandbox("e2e-demo"); // leftovers of an interrupted run
    sb = await startSandbox({ name: "e2e-demo", hosts: 2, ovn: true, external: true });
  });
  afterAll(async () => {
    if (sb) await stopListeners(sb).catch(() => undefined);
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys the field report and every pair behaves as promised", async () => {
    const containers = await createDemoContainers(sb);
    stack = await TestStack.create({
      project: "pulumi-ovs-demo",
      stack: "dev",
      program: async () => demoOutputs(fieldReportDemo(sandboxEnvironment("e2e-demo"))),
      projectDir: REPO_ROOT, // the root Pulumi.yaml, as `npm run demo` uses it (refresh: always)
    });
    expect(await stack.refreshesAlways()).toBe(true);
    const r = await stack.up();
    expect(r.summary.create).toBeGreaterThan(20);
    const listeners = await startListeners(sb, containers);
    expect(Object.keys(listeners).sort()).toEqual([...SERVICE.backends].sort());
    // Each listener runs inside its backend's namespace, none in the root namespace.
    const netns = (pid: number | "self") => readlinkSync(`/proc/${pid}/ns/net`);
    for (const [vm, pid] of Object.entries(listeners)) {
      expect([vm, netns(pid)]).toEqual([
        vm,
        `net:[${statSync(`/run/netns/${containers[vm].namespace}`).ino}]`,
      ]);
      expect(netns(pid)).not.toBe(netns("self"));
    }
    const results = await runChecks(containers);
    const wrong = results
      .filter((x) => !x.ok)
      .map((x) => `${x.from} -> ${x.to} (${x.what}): expected ${x.expect}`);
    expect(wrong).toEqual([]);
    // The security policy's rows: the pair its drop rule blocks (expected, so no failure), and the
    // allowed pairs into and out of the group, which show routing works both ways.
    const byPair = (from: string, to: string) => results.find((x) => x.from === from && x.to === to)!;
    expect(byPair("vm3", "vm2")).toMatchObject({ seen: false, ok: true, blockedBy: `ACL ${RULES.drop}` });
    expect(outcomeText(byPair("vm3", "vm2"))).toBe("ok, blocked as expected");
    expect(expectedText(byPair("vm3", "vm2"))).toBe(`blocked (ACL ${RULES.drop})`);
    expect([byPair("vm1", "vm2").seen, byPair("vm2", "vm3").seen, byPair("vm1", "vm3").seen]).toEqual([
      true,
      true,
      true,
    ]);

    // The service: connections to the VIP from vm1 (sw0) and from vm3 (sw1, behind lr0, allowed by
    // the service's rule only) are all answered, and by both backends.
    const service = await runServiceChecks(containers);
    for (const s of service) console.log(`${s.from} -> ${VIP}: ${JSON.stringify(s.answered)}`);
    expect(service.map((s) => [s.from, s.ok, Object.keys(s.answered).sort()])).toEqual([
      ["vm1", true, ["vm2", "vm4"]],
      ["vm3", true, ["vm2", "vm4"]],
    ]);
    for (const s of service) {
      expect(Object.values(s.answered).reduce((a, b) => a + b, 0)).toBe(SERVICE_CONNECTIONS);
    }

    // The way out: every tenant reaches the outside server through the gateway on h1 (vm3 from h2,
    // vm2 from inside the web group), and the server saw the SNAT address, never the tenant's own.
    const target = outsideOf(sb)!;
    expect(target).toEqual({ namespace: sb.external!.namespace, ip: "203.0.113.1", snatIp: "203.0.113.2" });
    const outside = await runOutsideChecks(containers, target);
    for (const o of outside) console.log(`${o.from} -> outside ${target.ip}: seen as ${o.seenAs.join(", ")}`);
    expect(outside.map((o) => [o.from, o.ok, o.seenAs])).toEqual(
      ["vm1", "vm2", "vm3"].map((vm) => [vm, true, Array(OUTSIDE_CONNECTIONS).fill("203.0.113.2")]),
    );
    for (const o of outside) expect(o.seenAs).not.toContain(ipOf(o.from));

    const rows = matrixRows(results, service, { results: outside, target });
    expect(rows).toHaveLength(results.length + 2 + 3);
    const serviceRows = rows.slice(results.length, results.length + 2);
    expect(serviceRows.map((row) => [row[0], row[3], row[5]])).toEqual([
      [`vm1 -> web via VIP ${VIP}`, "→ vm2, vm4", "ok"],
      [`vm3 -> web via VIP ${VIP}`, "→ vm2, vm4", "ok"],
    ]);
    expect(serviceRows[1][4]).toMatch(/^→ vm2 ×\d+, vm4 ×\d+$/);
    expect(rows.slice(-3).map((row) => [row[0], row[1], row[3], row[4], row[5]])).toEqual(
      ["vm1", "vm2", "vm3"].map((vm) => [
        `${vm} -> outside 203.0.113.1:8080`,
        `${ipOf(vm)} -> 203.0.113.1:8080`,
        "reach, seen as 203.0.113.2",
        "reach, seen as 203.0.113.2",
        "ok",
      ]),
    );

    const nbctl = async (...args: string[]) =>
      (await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, ...args])).stdout.trim();
    expect((await nbctl("acl-list", "demo_web")).split("\n").map((l) => l.trim())).toEqual([
      "to-lport  1000 (outport == @demo_web && ip4.src == $demo_admins) allow-related",
      "to-lport  1000 (outport == @demo_web && tcp.dst == 80) allow-related",
      "to-lport   900 (outport == @demo_web && ip4) drop",
    ]);
    for (const sw of ["sw0", "sw1"]) expect(await nbctl("ls-lb-list", sw)).toContain(SERVICE.loadBalancer);
    // The gateway as ovn-nbctl shows it: the gateway chassis, the default route, the SNAT rules,
    // and the provider network mapped to br-ex on both chassis.
    expect(await nbctl("lrp-get-gateway-chassis", GATEWAY.routerPort)).toMatch(/^lr0-ext-h1\s+\d+$/);
    expect(await nbctl("lr-route-list", "lr0")).toMatch(/0\.0\.0\.0\/0\s+203\.0\.113\.1 dst-ip/);
    const nat = (await nbctl("lr-nat-list", "lr0")).split("\n").slice(1);
    expect(nat.map((l) => l.trim().split(/\s+/).slice(0, 3)).sort()).toEqual([
      ["snat", "203.0.113.2", "11.0.0.0/24"],
      ["snat", "203.0.113.2", "192.168.0.0/24"],
    ]);
    expect(await nbctl("get", "Logical_Switch_Port", GATEWAY.localnetPort, "type", "options")).toBe(
      "localnet\n{network_name=physnet}",
    );
    for (const h of sb.hosts) {
      const vsctl = [
        "ovs-vsctl",
        `--db=${h.remotes.unix}`,
        "get",
        "open_vswitch",
        ".",
        "external_ids:ovn-bridge-mappings",
      ];
      expect((await execFileP(vsctl[0], vsctl.slice(1))).stdout.trim()).toBe('"physnet:br-ex"');
    }
    expect((await nbctl("--bare", "--columns=name", "find", "ACL", "action=drop")).split("\n")).toContain(
      RULES.drop,
    );

    // The status the demo prints is read now: the switch ports that just passed traffic are up
    // (the outputs of the up that created them said false), and every port has its OpenFlow number.
    const status = await currentStatus(stack.stack);
    const lsps = status.filter((x) => x.kind === "ovn.LogicalSwitchPort" && x.name !== GATEWAY.localnetPort);
    expect(lsps.map((x) => [x.name, x.status.up])).toEqual([
      ["vm1", true],
      ["vm2", true],
      ["vm3", true],
      ["vm4", true],
    ]);
    const ports = status.filter((x) => x.kind === "ovs.Port");
    expect(ports.length).toBeGreaterThan(10);
    for (const p of ports) expect([p.name, p.status.ofport]).toEqual([p.name, expect.any(Number)]);
    for (const p of ports) expect([p.name, (p.status.ofport as number) > 0]).toEqual([p.name, true]);
    expect(Object.keys(await stack.outputs()).sort()).toEqual(["bridges", "chassis", "flowCookies"]);

    // Teardown stops the listeners by PID.
    expect((await stopListeners(sb)).sort()).toEqual(Object.values(listeners).sort());
    for (const pid of Object.values(listeners)) expect([pid, isAlive(pid)]).toEqual([pid, false]);

    await stack.destroy();
    const nb = (await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "show"])).stdout.trim();
    expect(nb).toBe("");
    expect(await nbctl("--bare", "--columns=name", "list", "Port_Group")).toBe("");
    expect(await nbctl("--bare", "--columns=name", "list", "Address_Set")).toBe("");
    expect(await nbctl("--bare", "--columns=name", "list", "Load_Balancer")).toBe("");
    for (const h of sb.hosts) {
      const brs = (await execFileP("ovs-vsctl", [`--db=${h.remotes.unix}`, "list-br"])).stdout
        .trim()
        .split("\n");
      expect(brs.sort()).toEqual(["br-ex", "br-int", "br-phy"]); // br-ex: the sandbox's, not the stack's
    }
  });
});
