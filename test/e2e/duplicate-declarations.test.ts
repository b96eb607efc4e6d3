/**
 * Issue 12, bad input: two resources of one program that declare the same row (two switches of one
 * name, two ACLs or QoS rules of one parent with the same direction, priority and match, two NAT
 * rules of one router with the same type and addresses, spelled differently, two router policies of
 * one priority and match, two bridges of one name on one host) fail the whole run with
 * `[DUPLICATE]` naming both resources, and nothing is written, through the real Pulumi CLI against
 * a sandbox; the same names on different parents or hosts deploy.
 *
 * The duplicates are added to a stack that already holds their parents (so the parents' outputs
 * are known before anything is written, also by the Automation API's `up`, which skips the
 * preview); a duplicate whose parent the same update creates is caught by the preview.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ovnNbctl, startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { PulumiOperationError, TestStack } from "./harness/pulumi";
import { ovn, ovs } from "../../sdk";
import type * as Grpc from "@grpc/grpc-js";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";

/** The gRPC library @pulumi/pulumi itself uses (not a dependency of this package). */
const grpc = require(
  require.resolve("@grpc/grpc-js", { paths: [require.resolve("@pulumi/pulumi/package.json")] }),
) as typeof Grpc;
/** The Automation API's language server for inline programs (not in its typed API). */
const { LanguageServer } = require("@pulumi/pulumi/automation/server") as {
  LanguageServer: new (program: () => Promise<unknown>) => Grpc.UntypedServiceImplementation;
};

jest.setTimeout(600_000);
const execFileP = promisify(execFile);

describe("a row declared twice in one program (issue 12)", () => {
  let sb: SandboxInfo;
  let nb: { remote: string };
  let hosts: { remote: string }[];
  let stack: TestStack;

  /** The NB tables and both hosts' bridges, to prove a failed run wrote nothing. */
  const dump = async () => {
    const out: string[] = [];
    for (const table of [
      "Logical_Switch",
      "Logical_Router",
      "NAT",
      "Logical_Router_Policy",
      "ACL",
      "QoS",
      "Port_Group",
    ])
      out.push(await ovnNbctl(sb, "--format=json", "list", table));
    for (const h of hosts) {
      const args = [`--db=${h.remote}`, "--timeout=20", "--format=json", "--columns=name,external_ids,ports"];
      out.push((await execFileP("ovs-vsctl", [...args, "list", "Bridge"])).stdout);
    }
    return out.join("\n");
  };

  /** The parents every program declares: a router, a switch, two port groups. */
  function parents() {
    const lr0 = new ovn.LogicalRouter("lr0", { nb, name: "dup-lr0" });
    const lr1 = new ovn.LogicalRouter("lr1", { nb, name: "dup-lr1" });
    const sw = new ovn.LogicalSwitch("sw", { nb, name: "dup-sw" });
    const pg1 = new ovn.PortGroup("pg1", { nb, name: "dup_pg1" });
    const pg2 = new ovn.PortGroup("pg2", { nb, name: "dup_pg2" });
    return { lr0, lr1, sw, pg1, pg2 };
  }

  /**
   * `pulumi up --yes` as the CLI runs it, preview first (the Automation API's `up` always passes
   * `--skip-preview`): the inline program served to the CLI as `stack.up()` serves it. Resolves
   * with the CLI's output when it fails, undefined when it succeeds.
   */
  async function cliUpFailure(program: () => Promise<void>): Promise<string | undefined> {
    const server = new grpc.Server();
    server.addService(langrpc.LanguageRuntimeService, new LanguageServer(program));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    type Cmd = { runPulumiCmd(args: string[]): Promise<unknown> }; // not in the typed API
    try {
      await (stack.stack as unknown as Cmd).runPulumiCmd([
        "up",
        "--yes",
        "--color",
        "never",
        `--client=127.0.0.1:${port}`,
        "--exec-kind",
        "auto.inline",
      ]);
      return undefined;
    } catch (e) {
      return String((e as { commandResult?: { stderr?: string } }).commandResult?.stderr ?? e);
    } finally {
      server.forceShutdown();
    }
  }

  async function failure(op: Promise<unknown>): Promise<string> {
    const e = await op.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    return (e as Error).message;
  }

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-dupdecl", hosts: 2, ovn: true });
    nb = { remote: sb.central!.nbRemote.unix };
    hosts = sb.hosts.map((h) => ({ remote: h.remotes.unix }));
    stack = await TestStack.create({
      project: "dup-decl",
      stack: "dev",
      program: async () => {
        parents();
      },
    });
    await stack.up();
  });
  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  const acl = (p: ReturnType<typeof parents>, name: string, pg = p.pg1) =>
    new ovn.Acl(name, {
      nb,
      portGroup: pg.name,
      direction: "to-lport",
      priority: 1000,
      match: "outport == @dup_pg1 && tcp.dst == 80",
      action: "allow-related",
    });

  it.each<[string, (p: ReturnType<typeof parents>) => void, RegExp]>([
    [
      "two switches of one name",
      () => {
        new ovn.LogicalSwitch("sw-a", { nb, name: "dup-sw0" });
        new ovn.LogicalSwitch("sw-b", { nb, name: "dup-sw0" });
      },
      /\[DUPLICATE\] (not applied: )?ovn\.LogicalSwitch "sw-b" declares the same row as "sw-a": name dup-sw0 on nb unix:/,
    ],
    [
      "two ACLs of one port group with the same direction, priority and match",
      (p) => {
        acl(p, "acl-a");
        acl(p, "acl-b");
      },
      /\[DUPLICATE\] (not applied: )?ovn\.Acl "acl-b" declares the same row as "acl-a": portGroup dup_pg1, direction to-lport, priority 1000, match "outport == @dup_pg1 && tcp\.dst == 80"/,
    ],
    [
      "two QoS rules of one switch with the same direction, priority and match",
      (p) => {
        for (const name of ["qos-a", "qos-b"])
          new ovn.Qos(name, {
            nb,
            switch: p.sw.name,
            direction: "from-lport",
            priority: 100,
            match: 'inport == "vm1"',
            dscp: 46,
          });
      },
      /\[DUPLICATE\] (not applied: )?ovn\.Qos "qos-b" declares the same row as "qos-a": switch dup-sw, direction from-lport, priority 100, match "inport == \\"vm1\\""/,
    ],
    [
      "two NAT rules of one router, one logical IP spelled with /32",
      (p) => {
        new ovn.LogicalRouterNat("nat-a", {
          nb,
          router: p.lr0.name,
          type: "dnat_and_snat",
          externalIp: "172.16.0.10",
          logicalIp: "10.0.0.5",
        });
        new ovn.LogicalRouterNat("nat-b", {
          nb,
          router: p.lr0.name,
          type: "dnat_and_snat",
          externalIp: "172.16.0.10",
          logicalIp: "10.0.0.5/32",
        });
      },
      /\[DUPLICATE\] (not applied: )?ovn\.LogicalRouterNat "nat-b" declares the same row as "nat-a": router dup-lr0, type dnat_and_snat, externalIp 172\.16\.0\.10, logicalIp 10\.0\.0\.5 on nb/,
    ],
    [
      "two router policies of one priority and match",
      (p) => {
        new ovn.LogicalRouterPolicy("pol-a", {
          nb,
          router: p.lr0.name,
          priority: 100,
          match: "ip4.dst == 10.0.0.5",
          action: "drop",
        });
        new ovn.LogicalRouterPolicy("pol-b", {
          nb,
          router: p.lr0.name,
          priority: 100,
          match: "ip4.dst == 10.0.0.5",
          action: "reroute",
          nexthops: ["10.0.1.2"],
        });
      },
      /\[DUPLICATE\] (not applied: )?ovn\.LogicalRouterPolicy "pol-b" declares the same row as "pol-a": router dup-lr0, priority 100, match "ip4\.dst == 10\.0\.0\.5"/,
    ],
    [
      "two bridges of one name on one host",
      () => {
        new ovs.Bridge("br-a", { host: hosts[0], name: "br-dup", datapathType: "netdev" });
        new ovs.Bridge("br-b", { host: hosts[0], name: "br-dup", datapathType: "netdev" });
      },
      /\[DUPLICATE\] (not applied: )?ovs\.Bridge "br-b" declares the same row as "br-a": name br-dup on host unix:/,
    ],
  ])("%s: up fails naming both, nothing is written", async (_what, duplicates, message) => {
    const before = await dump();
    stack.setProgram(async () => {
      duplicates(parents());
    });
    const text = await failure(stack.up());
    expect(text).toMatch(message);
    expect(await dump()).toBe(before);
    // What the CLI's `pulumi up` runs first: the preview fails the same way.
    expect(await failure(stack.preview())).toMatch(message);
    expect(await dump()).toBe(before);
  });

  describe("a duplicate under a router the same update creates", () => {
    const program = async () => {
      parents();
      const lr = new ovn.LogicalRouter("lr-new", { nb, name: "dup-lr-new" });
      for (const name of ["snat-a", "snat-b"])
        new ovn.LogicalRouterNat(name, {
          nb,
          router: lr.name,
          type: "snat",
          externalIp: "172.16.0.1",
          logicalIp: "10.0.0.0/24",
        });
    };
    const message =
      /\[DUPLICATE\] (not applied: )?ovn\.LogicalRouterNat "snat-b" declares the same row as "snat-a": router dup-lr-new/;

    it("fails the preview, and the CLI's up (preview first) stops there: nothing is written", async () => {
      const before = await dump();
      stack.setProgram(program);
      expect(await failure(stack.preview())).toMatch(message);
      expect(await dump()).toBe(before);
      const cli = await cliUpFailure(program);
      expect(cli).toMatch(message);
      expect(cli).toMatch(/Previewing update/);
      expect(cli).not.toMatch(/Updating \(/);
      expect(await dump()).toBe(before);
    });

    it("without a preview (Automation API up) fails once the router exists: neither NAT rule is written", async () => {
      const nats = () => ovnNbctl(sb, "--format=json", "list", "NAT");
      const before = await nats();
      stack.setProgram(program);
      expect(await failure(stack.up())).toMatch(message);
      expect(await nats()).toBe(before);
    });
  });

  it("the same names and rules on different parents and hosts deploy", async () => {
    stack.setProgram(async () => {
      const p = parents();
      acl(p, "acl-1");
      acl(p, "acl-2", p.pg2);
      for (const [i, lr] of [p.lr0, p.lr1].entries())
        new ovn.LogicalRouterNat(`nat-${i}`, {
          nb,
          router: lr.name,
          type: "snat",
          externalIp: "172.16.0.1",
          logicalIp: "10.0.0.0/24",
        });
      for (const [i, host] of hosts.entries())
        new ovs.Bridge(`br-${i}`, { host, name: "br-same", datapathType: "netdev" });
    });
    await stack.up();
    const acls = JSON.parse(await ovnNbctl(sb, "--format=json", "--columns=match", "list", "ACL")) as {
      data: unknown[][];
    };
    expect(acls.data).toHaveLength(2);
    for (const lr of ["dup-lr0", "dup-lr1"])
      expect(await ovnNbctl(sb, "lr-nat-list", lr)).toMatch(/snat\s+172\.16\.0\.1\s+10\.0\.0\.0\/24/);
    for (const h of hosts)
      expect((await execFileP("ovs-vsctl", [`--db=${h.remote}`, "br-exists", "br-same"])).stdout).toBe("");
  });
});
