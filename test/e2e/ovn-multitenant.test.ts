/**
 * examples/ovn-multitenant end to end: two tenants with the same subnets on their own switches and
 * routers across two sandbox hosts. Each tenant's tiers reach each other (through its router,
 * across chassis); nothing crosses between tenants; both reach a shared network through SNAT on a
 * gateway chassis. Removing one tenant from the program deletes only its rows.
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
import {
  ovnMultitenant,
  DEFAULT_TENANTS,
  EXTERNAL_NET,
  TIERS,
  vethOf,
  type Tenant,
} from "../../examples/ovn-multitenant/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const EXTERNAL = { host: 0, mac: "00:00:00:ee:00:01", ip: `${EXTERNAL_NET}.1` };

describe("examples/ovn-multitenant", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const c: Record<string, ContainerInfo> = {};
  const nbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=30", ...args])
    ).stdout.trim();

  const program = (tenants: Tenant[]) => async () =>
    ovnMultitenant({
      nb: { remote: sb.central!.nbRemote.unix },
      hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
      gatewayChassis: "h1",
      tenants,
      external: EXTERNAL,
    });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnmt", hosts: 2, ovn: true });
    c.inet = await addContainer(sb, {
      host: "h1",
      name: "inet",
      portName: vethOf("inet"),
      mac: EXTERNAL.mac,
      ip: `${EXTERNAL.ip}/24`,
    });
    for (const t of DEFAULT_TENANTS) {
      for (const vm of t.vms) {
        c[vm.name] = await addContainer(sb, {
          host: sb.hosts[vm.host].name,
          name: vm.name,
          portName: vethOf(vm.name),
          mac: vm.mac,
          ip: `${vm.ip}/24`,
          gateway: `${TIERS[vm.tier].net}.1`,
        });
      }
    }
    stack = await TestStack.create({
      project: "ovn-multitenant",
      stack: "e2e",
      program: program(DEFAULT_TENANTS),
    });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys both tenants with the same subnets, their routers, SNAT and default routes", async () => {
    const r = await stack.up();
    expect(r.summary.delete).toBe(0);
    expect(r.outputs).toMatchObject({
      a: { router: "a-lr", snatIp: "172.16.0.11" },
      b: { router: "b-lr", snatIp: "172.16.0.12" },
    });
    for (const t of ["a", "b"]) {
      expect(await nbctl("get", "logical_switch", `${t}-web`, "name")).toBe(`${t}-web`);
      expect(await nbctl("lr-nat-list", `${t}-lr`)).toMatch(
        new RegExp(`snat\\s+172\\.16\\.0\\.1${t === "a" ? 1 : 2}\\s+10\\.0\\.0\\.0/16`),
      );
      expect(await nbctl("lr-route-list", `${t}-lr`)).toMatch(/0\.0\.0\.0\/0\s+172\.16\.0\.1 dst-ip/);
      expect(await nbctl("lrp-get-gateway-chassis", `${t}-lr-ext`)).toMatch(
        new RegExp(`${t}-lr-ext-h1\\s+1`),
      );
    }
    for (const name of Object.keys(c)) await nbctl("wait-until", "Logical_Switch_Port", name, "up=true");
  });

  it("each tenant's web reaches its own db across chassis through its router", async () => {
    for (const t of ["a", "b"]) {
      const r = await execIn(c[`${t}web`], ["ping", "-c", "3", "-W", "2", "10.0.2.10"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ttl=63/);
    }
    expect(await ping(c.bweb, "10.0.1.20", { count: 2 })).toBe(true);
  });

  it("tenants are isolated: a never reaches b's containers, even at the same addresses", async () => {
    // b's extra container has an address tenant a does not use: a cannot reach it.
    expect(await ping(c.aweb, "10.0.1.20", { count: 2, timeoutS: 1 })).toBe(false);
    expect(await ping(c.adb, "10.0.1.20", { count: 2, timeoutS: 1 })).toBe(false);
    // With a's db down, a's traffic to 10.0.2.10 finds nothing: it never reaches b's db there.
    await execIn(c.adb, ["ip", "link", "set", "eth0", "down"]);
    try {
      expect(await ping(c.aweb, "10.0.2.10", { count: 2, timeoutS: 1 })).toBe(false);
      expect(await ping(c.bweb, "10.0.2.10", { count: 2, timeoutS: 2 })).toBe(true);
    } finally {
      // Bringing the link down dropped the default route with it.
      await execIn(c.adb, ["ip", "link", "set", "eth0", "up"]);
      await execIn(c.adb, ["ip", "route", "replace", "default", "via", "10.0.2.1"]);
    }
  });

  it("both reach the shared network through SNAT on the gateway chassis", async () => {
    // inet has no route to 10.0.0.0/16: a reply arrives only if the source was translated.
    for (const vm of ["aweb", "adb", "bweb", "bdb"]) {
      expect(await ping(c[vm], EXTERNAL.ip, { count: 3, timeoutS: 2 })).toBe(true);
    }
    expect(await ping(c.inet, "10.0.1.10", { count: 1, timeoutS: 1 })).toBe(false);
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("removing tenant b deletes only b's objects; a keeps working", async () => {
    stack.setProgram(program(DEFAULT_TENANTS.filter((t) => t.name === "a")));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, replace: 0 });
    const deleted = p.steps.filter((s) => s.op === "delete").map((s) => s.name);
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((n) => n.startsWith("b"))).toBe(true);
    await stack.up();
    expect(await nbctl("--bare", "--columns=name", "find", "Logical_Router", "name=b-lr")).toBe("");
    expect(await nbctl("--bare", "--columns=name", "find", "Logical_Router", "name=a-lr")).toBe("a-lr");
    expect(await ping(c.aweb, "10.0.2.10", { count: 2, timeoutS: 2 })).toBe(true);
  });

  it("destroy leaves an empty northbound database", async () => {
    await stack.destroy();
    expect(await nbctl("show")).toBe("");
  });
});
