/**
 * examples/ovn-router end to end: the real Pulumi engine deploys the field report's OVN topology
 * (sw0, sw1, lr0) to a sandbox's OVN central; `ovn-nbctl show` is compared with the report and
 * the report's `ovn-trace` is run; then drift, refresh, an in-place change and destroy.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { TestStack } from "./harness/pulumi";
import { ovnRouter } from "../../examples/ovn-router/program";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

/** The report's `ovn-nbctl show`, as blocks per switch/router (order and UUIDs aside). */
const REPORT_SHOW = {
  sw0: [
    ["port lrp0-attachment", 'addresses: ["00:00:00:00:ff:01"]'],
    ["port sw0-port1", 'addresses: ["50:54:00:00:00:01 192.168.0.2"]'],
  ],
  sw1: [
    ["port lrp1-attachment", 'addresses: ["00:00:00:00:ff:02"]'],
    ["port sw1-port1", 'addresses: ["50:54:00:00:00:03 11.0.0.2"]'],
  ],
  lr0: [
    ["port lrp0", 'mac: "00:00:00:00:ff:01"', 'networks: ["192.168.0.1/24"]'],
    ["port lrp1", 'mac: "00:00:00:00:ff:02"', 'networks: ["11.0.0.1/24"]'],
  ],
};

const TRACE_FLOW =
  'inport == "sw0-port1" && eth.src == 50:54:00:00:00:01 && ip4.src == 192.168.0.2 && ' +
  "eth.dst == 00:00:00:00:ff:01 && ip4.dst == 11.0.0.2 && ip.ttl == 64";

/**
 * `ovn-nbctl show` parsed into { "switch sw0": { "port sw0-port1": ["addresses: …"] } }: per
 * datapath, per port, its attribute lines except the ones the report's older ovn-nbctl did not
 * print (`type: router`, `router-port: …`).
 */
function parseShow(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let dp: Record<string, string[]> | undefined;
  let port: string[] | undefined;
  for (const line of text.split("\n")) {
    const m = /^(switch|router) \S+ \((.+)\)$/.exec(line);
    if (m) {
      dp = out[`${m[1]} ${m[2]}`] = {};
      continue;
    }
    const p = /^ {4}(port \S+)$/.exec(line);
    if (p && dp) {
      port = dp[p[1]] = [];
      continue;
    }
    const attr = /^ {8}(.+)$/.exec(line);
    if (attr && port && !/^(type: router|router-port: )/.test(attr[1])) port.push(attr[1]);
  }
  return out;
}

describe("examples/ovn-router", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  let nbctl: (...args: string[]) => Promise<string>;

  const program = (attachmentAddresses: "mac" | "router") => async () =>
    ovnRouter({ nb: { remote: sb.central!.nbRemote.unix }, attachmentAddresses, waitForChassis: true });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnrouter", hosts: 1, ovn: true });
    nbctl = async (...args) =>
      (await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=20", ...args])).stdout;
    stack = await TestStack.create({ project: "ovn-router", stack: "e2e", program: program("mac") });
  });

  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  it("deploys the report's topology: ovn-nbctl show matches the report", async () => {
    const r = await stack.up();
    expect(r.summary).toMatchObject({ create: 7, update: 0, delete: 0 });
    const show = parseShow(await nbctl("show"));
    for (const [dp, ports] of Object.entries(REPORT_SHOW)) {
      const kind = dp.startsWith("lr") ? "router" : "switch";
      const got = show[`${kind} ${dp}`];
      expect(got).toBeDefined();
      expect(Object.keys(got).sort()).toEqual(ports.map((p) => p[0]).sort());
      for (const [port, ...attrs] of ports) expect(got[port]).toEqual(attrs);
    }
    expect(Object.keys(show).sort()).toEqual(["router lr0", "switch sw0", "switch sw1"]);
    expect(await nbctl("get", "logical_switch_port", "lrp0-attachment", "type")).toMatch(/router/);
    expect(await nbctl("get", "logical_switch_port", "lrp0-attachment", "options:router-port")).toMatch(
      /lrp0/,
    );
    // The inline program's outputs are the example's exports.
    const sw0 = r.outputs.sw0 as { attachment: string; routerPort: string };
    expect(sw0.attachment).toMatch(/^[0-9a-f-]{36}$/);
    expect(sw0.routerPort).toBe("lrp0");
    expect(r.outputs.router).toBe("lr0");
  });

  it("the report's ovn-trace --minimal: ttl decremented, MACs rewritten, out of sw1-port1", async () => {
    const { stdout } = await execFileP("ovn-trace", [
      `--db=${sb.central!.sbRemote.unix}`,
      "--minimal",
      "sw0",
      TRACE_FLOW,
    ]);
    expect(stdout).toMatch(
      /^# ip,reg14=0x\d+,vlan_tci=0x0000,dl_src=50:54:00:00:00:01,dl_dst=00:00:00:00:ff:01,nw_src=192\.168\.0\.2,nw_dst=11\.0\.0\.2/m,
    );
    expect(stdout).toContain(
      'ip.ttl--;\neth.src = 00:00:00:00:ff:02;\neth.dst = 50:54:00:00:00:03;\noutput("sw1-port1");',
    );
  });

  it("a second preview changes nothing", async () => {
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0, same: 7 });
  });

  it("refresh shows hand-made drift on a port's addresses, and up restores the program's", async () => {
    await nbctl("lsp-set-addresses", "sw0-port1", "50:54:00:00:00:09 192.168.0.9");
    const r = await stack.refresh();
    expect(r.summary.update).toBe(1);
    const step = r.steps.find((s) => s.op === "update")!;
    expect(step.name).toBe("sw0-port1");
    expect(step.diffs).toContain("addresses");
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 1, replace: 0 });
    await stack.up();
    expect((await nbctl("lsp-get-addresses", "sw0-port1")).trim()).toBe("50:54:00:00:00:01 192.168.0.2");
  });

  it('switching the attachments to addresses "router" is an in-place update of both router ports', async () => {
    stack.setProgram(program("router"));
    const p = await stack.preview({ diff: true });
    expect(p.summary).toMatchObject({ update: 2, replace: 0, create: 0, delete: 0 });
    expect(
      p.steps
        .filter((s) => s.op === "update")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["lrp0", "lrp1"]);
    for (const s of p.steps.filter((x) => x.op === "update"))
      expect(s.diffs).toEqual(["switchPortAddresses"]);
    await stack.up();
    expect((await nbctl("get", "logical_switch_port", "lrp1-attachment", "addresses")).trim()).toBe(
      "[router]",
    );
    const { stdout } = await execFileP("ovn-trace", [
      `--db=${sb.central!.sbRemote.unix}`,
      "--minimal",
      "sw0",
      TRACE_FLOW,
    ]);
    expect(stdout).toContain('output("sw1-port1");');
  });

  it("destroy removes exactly what the stack created", async () => {
    await nbctl("ls-add", "handsw", "--", "lsp-add", "handsw", "handp");
    await stack.destroy();
    const show = parseShow(await nbctl("show"));
    expect(Object.keys(show)).toEqual(["switch handsw"]);
    expect(Object.keys(show["switch handsw"])).toEqual(["port handp"]);
  });
});
