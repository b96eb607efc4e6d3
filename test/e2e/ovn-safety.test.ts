/**
 * OVN resources' bad input, ownership and adoption through the real Pulumi engine against a
 * sandbox's OVN central: mistakes fail at preview (invalid CIDR, MAC, address) or at create (a
 * missing switch, a taken name) with a message naming the resource, argument and accepted form,
 * and nothing is written; rows the stack does not own are never changed or deleted.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { ovn } from "../../sdk";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

describe("OVN resources: bad input, ownership, adoption", () => {
  let sb: SandboxInfo;
  let nb: { remote: string };
  const nbctl = async (...args: string[]) =>
    (await execFileP("ovn-nbctl", [`--db=${nb.remote}`, "--timeout=20", ...args])).stdout.trim();
  /** The logical configuration, to prove a failed operation wrote nothing. */
  const dump = async () => {
    const out: string[] = [];
    for (const table of [
      "Logical_Switch",
      "Logical_Switch_Port",
      "Logical_Router",
      "Logical_Router_Port",
      "NAT",
    ]) {
      out.push(await nbctl("--format=json", "list", table));
    }
    return out.join("\n");
  };
  let n = 0;
  const newStack = (program: () => Promise<void>) =>
    TestStack.create({ project: "ovn-safety", stack: `s${++n}`, program });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-ovnsafe", hosts: 1, ovn: true });
    nb = { remote: sb.central!.nbRemote.unix };
  });
  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
  });

  async function expectFailure(op: Promise<unknown>): Promise<string> {
    return (await expectError(op)).message;
  }
  async function expectError(op: Promise<unknown>): Promise<PulumiOperationError> {
    const e = await op.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    return e as PulumiOperationError;
  }

  it.each([
    [
      "an invalid CIDR (switch subnet)",
      () => new ovn.LogicalSwitch("bad-sw", { nb, name: "bad-sw", subnet: "192.168.0.300/24" }),
      /bad-sw.*subnet: "192\.168\.0\.300\/24" is not an IPv4 network; accepted: an IPv4 network with host bits zero, e\.g\. 192\.168\.0\.0\/24/s,
    ],
    [
      "an invalid MAC (router port)",
      () =>
        new ovn.LogicalRouterPort("bad-lrp", {
          nb,
          router: "lr-x",
          name: "bad-lrp",
          mac: "00:00:00:00:ff",
          networks: ["192.168.0.1/24"],
        }),
      /bad-lrp.*mac: "00:00:00:00:ff" is not a MAC address; accepted: six hex octets/s,
    ],
    [
      "an invalid router port network",
      () =>
        new ovn.LogicalRouterPort("bad-net", {
          nb,
          router: "lr-x",
          name: "bad-net",
          mac: "00:00:00:00:ff:01",
          networks: ["192.168.0.1"],
        }),
      /bad-net.*networks.*e\.g\. 192\.168\.0\.1\/24/s,
    ],
    [
      "a malformed logical port address",
      () =>
        new ovn.LogicalSwitchPort("bad-lsp", {
          nb,
          switch: "sw-x",
          name: "bad-lsp",
          addresses: ["50:54:00:00:00:01 192.168.0"],
        }),
      /bad-lsp.*addresses.*"192\.168\.0" is not an IP address/s,
    ],
    [
      "an invalid value known only at deployment time",
      () =>
        new ovn.ChassisConfig("bad-chassis", {
          host: { remote: "unix:/nonexistent.sock" },
          encapType: pulumi.output(["geneve", "gre"]),
        }),
      /bad-chassis.*encapType.*unknown encapsulation "gre"; accepted: geneve, vxlan, stt/s,
    ],
  ])(
    "%s fails at preview, naming the resource and argument; nothing is written",
    async (_what, make, message) => {
      const before = await dump();
      const stack = await newStack(async () => {
        make();
      });
      const e = await expectError(stack.preview({ diff: true }));
      expect(e.message).toMatch(message);
      // The code the README lists, at the start of the reason the engine reports for the argument.
      expect(e.errors).toContainEqual(
        expect.stringMatching(/^bad-[a-z]+: .*has a problem: \[INVALID_INPUT\] \S/),
      );
      await expectFailure(stack.up());
      expect(await dump()).toBe(before);
      await stack.remove();
    },
  );

  it("a port on a switch that does not exist fails at create naming the switch; nothing is written", async () => {
    const before = await dump();
    const stack = await newStack(async () => {
      new ovn.LogicalSwitchPort("orphan", {
        nb,
        switch: "no-such-switch",
        name: "orphan",
        addresses: ["unknown"],
      });
    });
    const e = await expectError(stack.up());
    // The message Pulumi reports for the resource starts with the stable code.
    expect(e.messagesOf("orphan")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[PARENT_MISSING\\] ovn\\.LogicalSwitchPort "orphan" on OVN northbound database ${nb.remote}: `,
        ),
      ),
    ]);
    expect(e.message).toContain("logical switch no-such-switch does not exist");
    expect(await dump()).toBe(before);
    await stack.remove();
  });

  it("a second switch with a taken name fails at create; the first is untouched", async () => {
    const first = await newStack(async () => {
      new ovn.LogicalSwitch("sw-taken", { nb, name: "sw-taken", subnet: "10.1.0.0/24" });
    });
    await first.up();
    const before = await dump();
    const second = await newStack(async () => {
      new ovn.LogicalSwitch("sw-taken", { nb, name: "sw-taken", subnet: "10.2.0.0/24", adopt: true });
    });
    const e = await expectError(second.up());
    expect(e.messagesOf("sw-taken")).toEqual([
      expect.stringMatching(/^\[OWNED_ELSEWHERE\] ovn\.LogicalSwitch "sw-taken" on /),
    ]);
    expect(e.message).toMatch(
      /logical switch sw-taken already exists and belongs to "ovn-safety\/s\d+\/sw-taken"/,
    );
    expect(await dump()).toBe(before);
    await second.remove({ skipDestroy: true });
    await first.destroy();
    expect(await nbctl("--bare", "--columns=name", "find", "Logical_Switch", "name=sw-taken")).toBe("");
    await first.remove();
  });

  it("a switch made with ovn-nbctl is taken over only with adopt: true (foreign keys kept)", async () => {
    await nbctl("ls-add", "sw-hand", "--", "set", "logical_switch", "sw-hand", "external_ids:team=net");
    const mk = (adopt: boolean) => async () => {
      new ovn.LogicalSwitch("sw-hand", { nb, name: "sw-hand", subnet: "10.3.0.0/24", adopt });
    };
    const stack = await newStack(mk(false));
    const e = await expectError(stack.up());
    expect(e.messagesOf("sw-hand")).toEqual([
      expect.stringMatching(/^\[NAME_TAKEN\] ovn\.LogicalSwitch "sw-hand" on /),
    ]);
    expect(e.message).toContain('set "adopt: true"');
    expect(await nbctl("get", "logical_switch", "sw-hand", "other_config")).toBe("{}");
    stack.setProgram(mk(true));
    await stack.up();
    expect(await nbctl("get", "logical_switch", "sw-hand", "other_config:subnet")).toBe('"10.3.0.0/24"');
    expect(await nbctl("get", "logical_switch", "sw-hand", "external_ids:team")).toBe("net");
    await stack.destroy();
    expect(await nbctl("--bare", "--columns=name", "find", "Logical_Switch", "name=sw-hand")).toBe("");
    await stack.remove();
  });

  it("refuses to destroy a switch holding a port the stack does not own, naming it", async () => {
    const stack = await newStack(async () => {
      new ovn.LogicalSwitch("sw-own", { nb, name: "sw-own" });
    });
    await stack.up();
    await nbctl("lsp-add", "sw-own", "hand-port");
    const e = await expectError(stack.destroy());
    expect(e.messagesOf("sw-own")).toEqual([
      expect.stringMatching(/^\[FOREIGN_CHILDREN\] ovn\.LogicalSwitch "sw-own" on /),
    ]);
    expect(e.message).toContain("hand-port");
    expect(e.message).toMatch(/does not manage/);
    expect(await nbctl("lsp-list", "sw-own")).toMatch(/hand-port/);
    await nbctl("lsp-del", "hand-port");
    await stack.destroy();
    await stack.remove();
  });

  it("the report's set-connection: NB ptcp:6641 and SB ptcp:6642 with inactivity_probe=60000, others kept", async () => {
    const sbDb = { remote: sb.central!.sbRemote.unix };
    const sbctl = async (...args: string[]) =>
      (await execFileP("ovn-sbctl", [`--db=${sbDb.remote}`, "--timeout=20", ...args])).stdout.trim();
    await nbctl("set-connection", "ptcp:6699:127.0.0.1");
    const stack = await newStack(async () => {
      new ovn.NorthboundConnection("nb-conn", { nb, target: "ptcp:6641:0.0.0.0", inactivityProbe: 60000 });
      new ovn.SouthboundConnection("sb-conn", {
        sb: sbDb,
        target: "ptcp:6642:0.0.0.0",
        inactivityProbe: 60000,
      });
    });
    await stack.up();
    expect((await nbctl("get-connection")).split("\n").sort()).toEqual([
      "ptcp:6641:0.0.0.0",
      "ptcp:6699:127.0.0.1",
    ]);
    expect(await sbctl("get-connection")).toBe('read-write role="" ptcp:6642:0.0.0.0');
    for (const [ctl, target] of [
      [nbctl, "ptcp:6641:0.0.0.0"],
      [sbctl, "ptcp:6642:0.0.0.0"],
    ] as const) {
      expect(
        await ctl("--bare", "--columns=inactivity_probe", "find", "Connection", `target="${target}"`),
      ).toBe("60000");
    }
    await stack.destroy();
    expect(await nbctl("get-connection")).toBe("ptcp:6699:127.0.0.1");
    expect(await sbctl("get-connection")).toBe("");
    await nbctl("del-connection");
    await stack.remove();
  });

  it("waitForChassis: up returns once the chassis applied the change (hv_cfg caught up)", async () => {
    const stack = await newStack(async () => {
      const sw = new ovn.LogicalSwitch("sw-wait", { nb, name: "sw-wait", waitForChassis: true });
      new ovn.LogicalSwitchPort("p-wait", {
        nb,
        switch: sw.name,
        name: "p-wait",
        addresses: ["unknown"],
        waitForChassis: true,
      });
    });
    await stack.up();
    const nbCfg = Number(await nbctl("get", "NB_Global", ".", "nb_cfg"));
    const hvCfg = Number(await nbctl("get", "NB_Global", ".", "hv_cfg"));
    expect(nbCfg).toBeGreaterThan(0);
    expect(hvCfg).toBeGreaterThanOrEqual(nbCfg);
    await stack.destroy();
    await stack.remove();
  });
});
