/**
 * The ovs-ofctl driver against a real ovs-vswitchd (one-host sandbox): the mgmt socket, a passive
 * `ptcp:` controller listener, and a `pssl:` listener with mutual TLS (a throwaway PKI made with
 * openssl), reached from inside the host's namespace; errors classified by code.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  OpenFlowError,
  addFlow,
  delFlows,
  dumpFlows,
  modFlowStrict,
  runOfctl,
  type OpenFlowSwitch,
} from "../../../provider/openflow";
import type { HostInfo, SandboxInfo } from "../../../sandbox";
import { makeBridge, mgmt, reason, runnable, startHost, stopHost, uniqueName, vsctl } from "./fixture";

if (!runnable) console.warn(`openflow driver integration tests skipped: ${reason}`);
const suite = runnable ? describe : describe.skip;
jest.setTimeout(120_000);

const execFileP = promisify(execFile);
const NAME = uniqueName("of-drv-");
let sb: SandboxInfo | undefined;
let h: HostInfo;
let pki: string;

async function openssl(args: string[]): Promise<void> {
  await execFileP("openssl", args, { cwd: pki });
}

/** CA, plus a key and certificate signed by it for NAME (server and client use). */
async function makePki(): Promise<void> {
  pki = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ovs-of-pki-"));
  await openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"].concat([
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-subj",
      "/CN=pulumi-ovs of test CA",
    ]),
  );
  fs.writeFileSync(
    path.join(pki, "leaf.ext"),
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  let serial = 1;
  for (const name of ["switch", "client"]) {
    await openssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    ]);
    await openssl(
      [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        String(serial++),
      ].concat(["-days", "2", "-extfile", "leaf.ext", "-out", `${name}.pem`]),
    );
  }
}

suite("ovs-ofctl driver", () => {
  beforeAll(async () => {
    ({ sb, host: h } = await startHost(NAME));
    await makePki();
  }, 120_000);
  afterAll(async () => {
    await stopHost(sb, NAME);
    if (pki) fs.rmSync(pki, { recursive: true, force: true });
  });

  it("adds, dumps (numbers and names), modifies strictly and deletes by cookie over the mgmt socket", async () => {
    await makeBridge(h, "d1", { failMode: "secure", ports: 2 });
    const sw: OpenFlowSwitch = { target: mgmt(h, "d1") };
    await addFlow(sw, "cookie=0x501,table=0,priority=3,in_port=d1-p1,actions=output:d1-p2");
    await addFlow(sw, "priority=1,actions=drop");
    expect(await dumpFlows(sw, "cookie=0x501/-1")).toEqual([
      expect.objectContaining({ cookie: 0x501n, priority: 3, match: "in_port=1", actions: "output:2" }),
    ]);
    expect(await dumpFlows(sw, "cookie=0x501/-1", { names: true })).toEqual([
      expect.objectContaining({ match: 'in_port="d1-p1"', actions: 'output:"d1-p2"' }),
    ]);
    // strict: another priority does not match, so nothing changes
    await modFlowStrict(sw, "cookie=0x501/-1,priority=4,in_port=d1-p1,actions=drop");
    expect((await dumpFlows(sw, "cookie=0x501/-1"))[0].actions).toBe("output:2");
    await modFlowStrict(sw, "cookie=0x501/-1,priority=3,in_port=d1-p1,actions=drop");
    expect((await dumpFlows(sw, "cookie=0x501/-1"))[0].actions).toBe("drop");
    await delFlows(sw, "cookie=0x501/-1");
    expect((await dumpFlows(sw)).map((f) => f.line)).toEqual(["priority=1 actions=drop"]);
  });

  it("classifies failures", async () => {
    const missing = await dumpFlows({ target: mgmt(h, "nope") }).catch((e) => e);
    expect(missing).toBeInstanceOf(OpenFlowError);
    expect(missing.code).toBe("CONNECT");
    await makeBridge(h, "d2", { failMode: "secure" });
    const sw = { target: mgmt(h, "d2") };
    const port = await addFlow(sw, "in_port=zz,actions=drop").catch((e) => e);
    expect(port.code).toBe("UNKNOWN_PORT");
    const rejected = await addFlow(sw, "table=254,actions=drop").catch((e) => e);
    expect(rejected.code).toBe("REJECTED");
    expect(rejected.message).toMatch(/OFPBRC_EPERM/);
    const ofctl = process.env.PULUMI_OVS_OFCTL;
    process.env.PULUMI_OVS_OFCTL = "/nonexistent/ovs-ofctl";
    try {
      expect((await dumpFlows(sw).catch((e) => e)).code).toBe("OFCTL_MISSING");
    } finally {
      if (ofctl === undefined) delete process.env.PULUMI_OVS_OFCTL;
      else process.env.PULUMI_OVS_OFCTL = ofctl;
    }
  });

  it("reaches a bridge through its ptcp: controller listener", async () => {
    await makeBridge(h, "d3", { failMode: "secure", ports: 1, controller: "ptcp:6653" });
    const sw: OpenFlowSwitch = {
      target: `tcp:${h.underlayIp}:6653`,
      argvPrefix: ["ip", "netns", "exec", h.namespace],
    };
    let flows;
    for (let i = 0; ; i++) {
      try {
        flows = await dumpFlows(sw);
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(flows).toEqual([]);
    await addFlow(sw, "cookie=0x9,priority=5,in_port=d3-p1,actions=drop");
    expect((await dumpFlows({ target: mgmt(h, "d3") })).map((f) => f.cookie)).toEqual([0x9n]);
    const refused = await dumpFlows({ ...sw, target: `tcp:${h.underlayIp}:6999`, timeoutMs: 3000 }).catch(
      (e) => e,
    );
    expect(refused.code).toBe("CONNECT");
  });

  it("reaches a bridge through its pssl: listener with client certificates", async () => {
    const file = (n: string) => path.join(pki, n);
    await vsctl(h, "set-ssl", file("switch.key"), file("switch.pem"), file("ca.pem"));
    await makeBridge(h, "d4", { failMode: "secure", ports: 1, controller: "pssl:6654" });
    const tls = {
      privateKey: fs.readFileSync(file("client.key"), "utf8"),
      certificate: fs.readFileSync(file("client.pem"), "utf8"),
      caCert: fs.readFileSync(file("ca.pem"), "utf8"),
    };
    const sw: OpenFlowSwitch = {
      target: `ssl:${h.underlayIp}:6654`,
      tls,
      argvPrefix: ["ip", "netns", "exec", h.namespace],
    };
    for (let i = 0; ; i++) {
      try {
        await addFlow(sw, "cookie=0xa,priority=5,in_port=d4-p1,actions=drop");
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect((await dumpFlows(sw)).map((f) => f.cookie)).toEqual([0xan]);
    // the key files were temporary
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("pulumi-ovs-ofctl-"))).toEqual([]);
    const noTls = await runOfctl({ target: sw.target }, "dump-flows", []).catch((e) => e);
    expect(noTls.code).toBe("CONNECT");
    expect(noTls.message).toMatch(/TLS material/);
  });
});
