/**
 * examples/ovn-security-groups end to end: two sandbox hypervisors, web and db port groups whose
 * ports sit on two switches (routed by lr0) and both chassis, an admin address set, and ACLs on
 * the groups. Checked with real TCP connections between containers (a small python3 listener in
 * each target namespace): allowed connections carry data both ways, others fail; a policy change
 * (one ACL) previews as one update and takes effect after `up`; a rule added by hand with
 * `ovn-nbctl acl-add` survives `up`, and `destroy` does not delete the group holding it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  startSandbox,
  stopSandbox,
  addContainer,
  execIn,
  type SandboxInfo,
  type ContainerInfo,
} from "../../sandbox";
import { spawnChild, type Child } from "../../sandbox/exec";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { securityGroups, SUBNETS, VMS } from "../../examples/ovn-security-groups/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);
const PYTHON = "/usr/bin/python3";

/** Listens on every port given in argv and answers each connection with "ok". */
const LISTENER = `
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(b"ok"); c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
`;
/** Connects to argv[1]:argv[2] within 3 s and exits 0 when it read "ok" back. */
const CLIENT = `
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    sys.exit(0 if s.recv(2) == b"ok" else 1)
except OSError:
    sys.exit(1)
`;

describe("examples/ovn-security-groups", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const vms: Record<string, ContainerInfo> = {};
  const listeners: Child[] = [];
  const nbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=30", ...args])
    ).stdout.trim();
  const ip = (name: string) => VMS.find((v) => v.name === name)!.ip;
  /** Whether `from` opens a TCP connection to `to`:`port` and reads the listener's answer. */
  const connects = async (from: string, to: string, port: number) =>
    (await execIn(vms[from], [PYTHON, "-c", CLIENT, ip(to), String(port)])).code === 0;

  const program = (adminDbAction: "allow-related" | "drop") => async () =>
    securityGroups({
      nb: { remote: sb.central!.nbRemote.unix },
      hosts: sb.hosts.map((h) => ({ remote: h.remotes.unix })),
      admins: [ip("admin")],
      adminDbAction,
    });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnsg", hosts: 2, ovn: true, encap: "geneve" });
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
    for (const vm of VMS.filter((v) => v.tier)) {
      listeners.push(
        spawnChild([
          "ip",
          "netns",
          "exec",
          vms[vm.name].namespace,
          PYTHON,
          "-c",
          LISTENER,
          "22",
          "80",
          "5432",
        ]),
      );
    }
    stack = await TestStack.create({
      project: "ovn-security-groups",
      stack: "e2e",
      program: program("allow-related"),
    });
  });

  afterAll(async () => {
    for (const l of listeners) await l.stop();
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("up creates the network, the groups, the address set and the ACLs", async () => {
    const r = await stack.up();
    // lr0, 2 switches, 2 router ports, 6 ports + 6 bindings, 2 groups, 1 address set, 6 ACLs
    expect(r.summary.create).toBe(1 + 2 + 2 + 12 + 2 + 1 + 6);
    for (const vm of VMS) await nbctl("wait-until", "Logical_Switch_Port", vm.name, "up=true");
    await nbctl("--wait=hv", "sync");
    expect((await nbctl("acl-list", "db")).split("\n")).toHaveLength(3);
  });

  it("db accepts 5432 from web only (same switch and routed), web accepts 80 from anyone, admins reach both on 22", async () => {
    expect(await connects("web1", "db1", 5432)).toBe(true); // same switch, across chassis
    expect(await connects("web2", "db1", 5432)).toBe(true); // routed, across chassis
    expect(await connects("web1", "db2", 5432)).toBe(true); // routed, same chassis
    expect(await connects("other", "web1", 80)).toBe(true);
    expect(await connects("admin", "db2", 22)).toBe(true);
    expect(await connects("admin", "web2", 22)).toBe(true);
  });

  it("everything else to both tiers is dropped, new connections from db to web too", async () => {
    expect(await connects("other", "db1", 5432)).toBe(false);
    expect(await connects("admin", "db1", 5432)).toBe(false);
    expect(await connects("other", "db2", 22)).toBe(false);
    expect(await connects("db1", "web1", 5432)).toBe(false); // while replies of web1 → db1 flow (above)
    expect(await connects("db2", "web2", 22)).toBe(false);
  });

  it("a rule added by hand survives up; changing one ACL previews as one update and takes effect", async () => {
    await nbctl("acl-add", "web", "to-lport", "950", "outport == @web && tcp.dst == 8080", "allow-related");
    stack.setProgram(program("drop"));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    await stack.up();
    await nbctl("--wait=hv", "sync");
    expect(await connects("admin", "db1", 22)).toBe(false);
    expect(await connects("admin", "web1", 22)).toBe(true);
    expect(await nbctl("acl-list", "web")).toContain("outport == @web && tcp.dst == 8080");
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("destroy keeps the hand-made rule: the group holding it stays (FOREIGN_CHILDREN), the rest goes", async () => {
    const e = await stack.destroy().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).errors).toContainEqual(
      expect.stringMatching(/^web: \[FOREIGN_CHILDREN\]/),
    );
    expect(await nbctl("acl-list", "web")).toBe(
      "to-lport   950 (outport == @web && tcp.dst == 8080) allow-related",
    );
    expect(await nbctl("--bare", "--columns=name", "find", "Port_Group", "name=db")).toBe("");
    // Once the rule is removed by hand, destroy completes.
    await nbctl("acl-del", "web");
    await stack.destroy();
    expect(await nbctl("show")).toBe("");
    expect(await nbctl("--bare", "--columns=name", "list", "Port_Group")).toBe("");
  });
});
