/**
 * examples/ovn-dhcp-dns end to end: one sandbox hypervisor, a switch behind lr0, DHCP options
 * referenced by a client's port and DNS records attached to the switch. In the client's container a
 * real DHCP client (ISC `dhclient`, with its own lease and pid files and its own `-sf` script, which
 * records what it got and configures only the container's eth0: nothing outside the container is
 * touched) gets its address, router, DNS server, MTU and lease time from OVN's native DHCP; `dig`
 * from the container is answered by OVN with the records' addresses. A changed record previews as
 * one update and is answered after `up`; an option OVN does not support fails at preview with
 * nothing written; `destroy` leaves no row.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
import { dhcpDns, CLIENT, NET, RECORDS } from "../../examples/ovn-dhcp-dns/program";

jest.setTimeout(300_000);

/**
 * The dhclient script: writes the variables of each call to `<reason>.env` in `dir`, and on a lease
 * sets the address, MTU and default route on the container's interface (dhclient runs it inside
 * the container's namespace). It never writes resolv.conf or anything else outside `dir`.
 */
const script = (dir: string) => `#!/bin/sh
env | grep -E '^(reason|interface|new_|old_)' | sort > "${dir}/$reason.env"
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    ip addr flush dev "$interface"
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
    [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
    for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
    ;;
esac
exit 0
`;

/** The variables a dhclient script call recorded, or undefined before that call. */
function recorded(dir: string, reason: string): Record<string, string> | undefined {
  const file = path.join(dir, `${reason}.env`);
  if (!fs.existsSync(file)) return undefined;
  return Object.fromEntries(
    fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("examples/ovn-dhcp-dns", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  let client: ContainerInfo;
  let dir: string;
  let dhclient: Child | undefined;
  const nbctl = (...args: string[]) => ovnNbctl(sb, ...args);
  /**
   * `dig` in the client's container, short answers, one try of 2 s. Without EDNS: OVN 23.03's
   * ovn-controller answers only queries without an additional (OPT) record, which glibc's resolver
   * sends by default but dig does not.
   */
  const dig = async (name: string, type = "A") => {
    const r = await execIn(client, [
      "dig",
      `@${NET.gateway}`,
      name,
      type,
      "+noedns",
      "+short",
      "+tries=1",
      "+time=2",
    ]);
    return { code: r.code, answers: r.stdout.split("\n").filter(Boolean) };
  };

  const program =
    (records = RECORDS, extraOptions?: Record<string, string>) =>
    async () =>
      dhcpDns({
        nb: { remote: sb.central!.nbRemote.unix },
        host: { remote: sb.hosts[0].remotes.unix },
        records,
        extraOptions,
      });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "povs-dhclient-"));
    sb = await startSandbox({ name: "e2e-ovndhcp", hosts: 1, ovn: true });
    // No address: the DHCP client gets it.
    client = await addContainer(sb, {
      host: sb.hosts[0].name,
      name: CLIENT.name,
      portName: CLIENT.port,
      mac: CLIENT.mac,
    });
    stack = await TestStack.create({
      project: "ovn-dhcp-dns",
      stack: "e2e",
      projectDir: "examples/ovn-dhcp-dns",
      program: program(),
    });
  });

  afterAll(async () => {
    await dhclient?.stop();
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("up creates the switch, the router port, the DHCP options, the DNS records and the client's port", async () => {
    const r = await stack.up();
    // switch, router, router port, DHCP options, DNS records, switch port, binding
    expect(r.summary.create).toBe(7);
    await nbctl("wait-until", "Logical_Switch_Port", CLIENT.name, "up=true");
    await nbctl("--wait=hv", "sync");
    const uuid = (await stack.outputs()).dhcpOptions as string;
    expect(await nbctl("get", "Logical_Switch_Port", CLIENT.name, "dhcpv4_options")).toBe(uuid);
  });

  it("a real DHCP client in the container gets its address, router, DNS server, MTU and lease time from OVN", async () => {
    const sf = path.join(dir, "record.sh");
    fs.writeFileSync(sf, script(dir), { mode: 0o755 });
    fs.writeFileSync(
      path.join(dir, "dhclient.conf"),
      "request subnet-mask, routers, domain-name-servers, domain-name, interface-mtu, dhcp-lease-time;\n",
    );
    dhclient = spawnChild(
      [
        "ip",
        "netns",
        "exec",
        client.namespace,
        "dhclient",
        "-4",
        "-d",
        "-v",
        "-cf",
        path.join(dir, "dhclient.conf"),
        "-sf",
        sf,
        "-pf",
        path.join(dir, "dhclient.pid"),
        "-lf",
        path.join(dir, "dhclient.leases"),
        "eth0",
      ],
      { logFile: path.join(dir, "dhclient.log") },
    );
    const t0 = Date.now();
    while (!recorded(dir, "BOUND") && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 200));
    const got = recorded(dir, "BOUND");
    if (!got)
      throw new Error(
        `no lease within 30 s; dhclient said:\n${fs.readFileSync(path.join(dir, "dhclient.log"), "utf8")}`,
      );
    expect(got).toMatchObject({
      interface: "eth0",
      new_ip_address: CLIENT.ip,
      new_subnet_mask: "255.255.255.0",
      new_routers: NET.gateway,
      new_domain_name_servers: NET.gateway,
      new_domain_name: "example.org",
      new_interface_mtu: String(NET.mtu),
      new_dhcp_lease_time: String(NET.leaseTime),
      new_dhcp_server_identifier: NET.gateway,
    });
    // The offer came from OVN: the log names the server and the address.
    expect(fs.readFileSync(path.join(dir, "dhclient.log"), "utf8")).toContain(
      `DHCPACK of ${CLIENT.ip} from ${NET.gateway}`,
    );
    // The script configured the container's interface with it; the router answers.
    expect((await execIn(client, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"])).stdout).toContain(
      `${CLIENT.ip}/24`,
    );
    expect((await execIn(client, ["ping", "-c", "1", "-W", "2", NET.gateway])).code).toBe(0);
  });

  it("OVN answers the container's DNS queries for the records (A and AAAA); other names get no answer", async () => {
    expect(await dig("web.example.org")).toEqual({ code: 0, answers: ["10.30.0.80"] });
    expect(await dig("db.example.org")).toEqual({ code: 0, answers: ["10.30.0.81"] });
    expect(await dig("DB.example.org", "AAAA")).toEqual({ code: 0, answers: ["fd30::81"] });
    // Not a record: OVN passes the query on to the router, where no DNS server runs (port unreachable).
    expect((await dig("mail.example.org")).answers.filter((a) => /^\d/.test(a))).toEqual([]);
  });

  it("a changed record previews as one update and is answered after up", async () => {
    stack.setProgram(program({ ...RECORDS, "web.example.org": ["10.30.0.90"] }));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, create: 0, delete: 0, replace: 0 });
    await stack.up();
    await nbctl("--wait=hv", "sync");
    expect(await dig("web.example.org")).toEqual({ code: 0, answers: ["10.30.0.90"] });
  });

  it("a DHCP option OVN does not support fails at preview naming it; nothing is written", async () => {
    const before = await nbctl("--bare", "--columns=options", "list", "DHCP_Options");
    stack.setProgram(
      program({ ...RECORDS, "web.example.org": ["10.30.0.90"] }, { dns_servers: "10.30.0.1" }),
    );
    const e = await stack.up().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).errors.join("\n")).toMatch(
      /options\.dns_servers.*not a DHCPv4 option/,
    );
    expect(await nbctl("--bare", "--columns=options", "list", "DHCP_Options")).toBe(before);
    stack.setProgram(program({ ...RECORDS, "web.example.org": ["10.30.0.90"] }));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
  });

  it("destroy removes every row it made", async () => {
    await dhclient?.stop();
    dhclient = undefined;
    await stack.destroy();
    expect(await nbctl("--bare", "--columns=_uuid", "list", "DHCP_Options")).toBe("");
    expect(await nbctl("--bare", "--columns=_uuid", "list", "DNS")).toBe("");
    expect(await nbctl("show")).toBe("");
  });
});
