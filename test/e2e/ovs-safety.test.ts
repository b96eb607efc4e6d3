/**
 * Bad input, ownership and adoption through the real Pulumi engine against a sandbox host:
 * mistakes fail at preview or create with a message naming the resource, argument and accepted
 * form, and nothing is written; rows the stack does not own are never changed or deleted.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { ovs } from "../../sdk";

jest.setTimeout(300_000);
const execFileP = promisify(execFile);

describe("OVS resources: bad input, ownership, adoption", () => {
  let sb: SandboxInfo;
  let remote: string;
  const vsctl = async (...args: string[]) =>
    (await execFileP("ovs-vsctl", [`--db=${remote}`, "--timeout=20", ...args])).stdout.trim();
  /** The configuration rows, to prove a failed operation wrote nothing (statistics excluded). */
  const dump = async () => {
    const out: string[] = [];
    for (const [table, cols] of [
      ["Bridge", "_uuid,name,ports,external_ids,fail_mode"],
      ["Port", "_uuid,name,tag,interfaces,external_ids"],
      ["Interface", "_uuid,name,type,options,external_ids"],
      ["Manager", "_uuid,target,external_ids"],
      ["Open_vSwitch", "bridges,manager_options,external_ids"],
    ]) {
      out.push(await vsctl("--format=json", `--columns=${cols}`, "list", table));
    }
    return out.join("\n");
  };

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-safety", hosts: 1, ovn: false });
    remote = sb.hosts[0].remotes.unix;
  });
  afterAll(async () => {
    await TestStack.removeAll();
    if (sb) await stopSandbox(sb);
  });

  async function expectFailure(op: Promise<unknown>): Promise<string> {
    return (await expectError(op)).message;
  }
  async function expectError(op: Promise<unknown>): Promise<PulumiOperationError> {
    const e = await op.then(
      () => undefined,
      (x) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    return e as PulumiOperationError;
  }

  it.each([
    ["an invalid VLAN tag", { tag: 4096 }, /tag.*0\.\.4095/],
    [
      "a malformed MAC",
      { interface: { type: "internal", mac: "50:54:00:zz:00:01" } },
      /interface\.mac.*not a MAC address/,
    ],
    [
      "a malformed IP",
      { interface: { type: "vxlan", options: { remote_ip: "172.29.101" } } },
      /remote_ip.*not an IP address/,
    ],
    [
      "an unknown interface type",
      { interface: { type: "vxlna" } },
      /unknown interface type "vxlna"; accepted: .*vxlan/,
    ],
  ])("%s fails at preview, naming the resource and argument", async (_what, extra, message) => {
    const before = await dump();
    const stack = await TestStack.create({
      project: "safety",
      stack: `bad${Math.random().toString(36).slice(2, 8)}`,
      program: async () => {
        new ovs.Port("bad-port", { host: { remote }, bridge: "br-phy", name: "p-bad", ...extra });
      },
    });
    const e = await expectError(stack.preview({ diff: true }));
    expect(e.message).toContain("bad-port");
    expect(e.message).toMatch(message);
    // The code the README lists, at the start of the reason the engine reports for the argument.
    expect(e.messagesOf("bad-port")).toContainEqual(
      expect.stringMatching(/has a problem: \[INVALID_INPUT\] \S/),
    );
    await expectFailure(stack.up());
    expect(await dump()).toBe(before);
    await stack.remove();
  });

  it("an invalid value known only at deployment time is caught by the provider's check", async () => {
    const before = await dump();
    const stack = await TestStack.create({
      project: "safety",
      stack: "late",
      program: async () => {
        // An Output: not known when the resource is constructed.
        new ovs.Port("late-port", {
          host: { remote },
          bridge: "br-phy",
          name: "p-late",
          tag: pulumi.output(5000),
        });
      },
    });
    const e = await expectError(stack.preview({ diff: true }));
    expect(e.message).toMatch(/tag/);
    expect(e.message).toMatch(/0\.\.4095/);
    expect(e.messagesOf("late-port")).toContainEqual(
      expect.stringMatching(/property tag .*has a problem: \[INVALID_INPUT\] /),
    );
    expect(await dump()).toBe(before);
    await stack.remove();
  });

  it("a port on a bridge that does not exist fails at create naming the bridge and host; nothing is written", async () => {
    const before = await dump();
    const stack = await TestStack.create({
      project: "safety",
      stack: "nobridge",
      program: async () => {
        new ovs.Port("orphan", { host: { remote }, bridge: "no-such-br", name: "p-orphan", tag: 10 });
      },
    });
    const e = await expectError(stack.up());
    // The message Pulumi reports for the resource starts with the stable code.
    expect(e.messagesOf("orphan")).toEqual([
      expect.stringMatching(new RegExp(`^\\[PARENT_MISSING\\] ovs\\.Port "p-orphan" on host ${remote}: `)),
    ]);
    expect(e.message).toContain("bridge no-such-br does not exist");
    expect(await dump()).toBe(before);
    await stack.remove();
  });

  it("refuses to destroy a bridge that holds a port the stack does not own, naming it", async () => {
    const stack = await TestStack.create({
      project: "safety",
      stack: "foreign",
      program: async () => {
        new ovs.Bridge("br-own", { host: { remote }, name: "br-own", datapathType: "netdev" });
      },
    });
    await stack.up();
    await vsctl("add-port", "br-own", "hand0", "--", "set", "interface", "hand0", "type=internal");
    const e = await expectError(stack.destroy());
    expect(e.messagesOf("br-own")).toEqual([
      expect.stringMatching(/^\[FOREIGN_CHILDREN\] ovs\.Bridge "br-own" on /),
    ]);
    expect(e.message).toContain("hand0");
    expect(e.message).toMatch(/does not manage/);
    expect(await vsctl("list-ports", "br-own")).toBe("hand0");
    await vsctl("del-port", "br-own", "hand0");
    await stack.destroy();
    expect(await vsctl("list-br")).toBe("br-phy");
    await stack.remove();
  });

  it("a bridge created by hand is not taken over without adopt, and is with adopt (keeping foreign keys)", async () => {
    await vsctl(
      "add-br",
      "br-hand",
      "--",
      "set",
      "bridge",
      "br-hand",
      "datapath_type=netdev",
      "external_ids:team=net",
    );
    const mk = (adopt: boolean) => async () => {
      new ovs.Bridge("br-hand", {
        host: { remote },
        name: "br-hand",
        datapathType: "netdev",
        failMode: "secure",
        externalIds: { purpose: "demo" },
        adopt,
      });
    };
    const stack = await TestStack.create({ project: "safety", stack: "adopt", program: mk(false) });
    const e = await expectError(stack.up());
    expect(e.messagesOf("br-hand")).toEqual([
      expect.stringMatching(/^\[NAME_TAKEN\] ovs\.Bridge "br-hand" on /),
    ]);
    expect(e.message).toContain("adopt: true");
    expect(await vsctl("get", "bridge", "br-hand", "fail_mode")).toBe("[]");

    stack.setProgram(mk(true));
    await stack.up();
    expect(await vsctl("get", "bridge", "br-hand", "fail_mode")).toBe("secure");
    expect(await vsctl("get", "bridge", "br-hand", "external_ids:team")).toBe("net");
    expect(await vsctl("get", "bridge", "br-hand", "external_ids:purpose")).toBe("demo");
    expect(await vsctl("get", "bridge", "br-hand", "external_ids:pulumi-ovs-owner")).toBe(
      '"safety/adopt/br-hand"',
    );

    // Another stack cannot take it, even with adopt.
    const other = await TestStack.create({ project: "safety", stack: "thief", program: mk(true) });
    const e2 = await expectError(other.up());
    expect(e2.messagesOf("br-hand")).toEqual([
      expect.stringMatching(/^\[OWNED_ELSEWHERE\] ovs\.Bridge "br-hand" on /),
    ]);
    expect(e2.message).toContain("safety/adopt/br-hand");
    await other.remove({ skipDestroy: true });

    await stack.destroy();
    expect(await vsctl("list-br")).toBe("br-phy");
    await stack.remove();
  });

  it("manages one OVSDB manager target and leaves others alone", async () => {
    await vsctl(
      "add",
      "Open_vSwitch",
      ".",
      "manager_options",
      "@m",
      "--",
      "--id=@m",
      "create",
      "Manager",
      'target="ptcp:16641:127.0.0.1"',
    );
    const stack = await TestStack.create({
      project: "safety",
      stack: "manager",
      program: async () => {
        new ovs.Manager("remote-access", {
          host: { remote },
          target: "ptcp:16640:127.0.0.1",
          inactivityProbe: 60000,
        });
      },
    });
    await stack.up();
    expect((await vsctl("get-manager")).split("\n").sort()).toEqual([
      "ptcp:16640:127.0.0.1",
      "ptcp:16641:127.0.0.1",
    ]);
    expect(await vsctl("get", "Manager", "ptcp:16640:127.0.0.1", "inactivity_probe")).toBe("60000");
    await stack.destroy();
    expect(await vsctl("get-manager")).toBe("ptcp:16641:127.0.0.1");
    await stack.remove();
  });
});
