/**
 * Issue 11 review, through the real Pulumi engine against an OVN northbound database: the order in
 * which it changes address sets, port groups and the ACLs whose matches name them. Renaming a set
 * or a group replaces it, and ACLs whose match is built from the name output are replaced with it
 * (nothing left naming the old names); a rule with a literal match deleted in the same run as the
 * set it names does not hold the destroy up; a set the program drops while a rule still names it
 * literally is refused (STILL_REFERENCED, the rule named) and stays.
 */
import * as pulumi from "@pulumi/pulumi";
import { startCentral, type OvnCentral } from "../../sandbox/central";
import { TestStack, PulumiOperationError } from "./harness/pulumi";
import { ovn } from "../../sdk";

jest.setTimeout(300_000);

describe("ACL matches and the sets and groups they name, through the engine", () => {
  let central: OvnCentral;
  let nb: { remote: string };
  const nbctl = (...args: string[]) => central.nbctl(...args).then((s) => s.trim());
  const names = async (table: string) =>
    (await nbctl("--bare", "--columns=name", "list", table)).split("\n").filter(Boolean).sort();
  const matches = async () =>
    (await nbctl("--bare", "--columns=match", "list", "ACL")).split("\n").filter(Boolean).sort();
  let n = 0;
  const newStack = (program: () => Promise<void>) =>
    TestStack.create({ project: "ovn-acl-refs", stack: `s${++n}`, program });

  beforeAll(async () => {
    central = await startCentral();
    nb = { remote: central.nb.unix };
  });
  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    await central?.stop();
  });

  it("renaming a set and a group replaces them and the rules built from their names; the old rows go", async () => {
    const program = (v: string) => async () => {
      const sw = new ovn.LogicalSwitch("sw", { nb, name: "refs-sw" });
      const p = new ovn.LogicalSwitchPort("p", { nb, switch: sw.name, name: "refs-p1" });
      const admins = new ovn.AddressSet("admins", { nb, name: `admins_${v}`, addresses: ["10.0.0.5"] });
      const web = new ovn.PortGroup("web", { nb, name: `web_${v}`, ports: [p.name] });
      const acl = { nb, direction: "to-lport" as const, priority: 1000, action: "allow-related" as const };
      new ovn.Acl("web-ssh", {
        ...acl,
        portGroup: web.name,
        match: pulumi.interpolate`outport == @${web.name} && ip4.src == $${admins.name} && tcp.dst == 22`,
      });
      new ovn.Acl("from-web", {
        ...acl,
        switch: sw.name,
        match: pulumi.interpolate`ip4.src == $${web.name}_ip4`,
      });
    };
    const stack = await newStack(program("a"));
    await stack.up();
    stack.setProgram(program("b"));
    const p = await stack.preview();
    expect(p.summary).toMatchObject({ replace: 4, create: 0, delete: 0 });
    await stack.up();
    expect(await names("Address_Set")).toEqual(["admins_b"]);
    expect(await names("Port_Group")).toEqual(["web_b"]);
    expect(await matches()).toEqual([
      "ip4.src == $web_b_ip4",
      "outport == @web_b && ip4.src == $admins_b && tcp.dst == 22",
    ]);
    await stack.up({ expectNoChanges: true, refresh: true });
    await stack.destroy();
    expect([await names("Address_Set"), await names("Port_Group"), await matches()]).toEqual([[], [], []]);
  });

  it("a rule with a literal match goes in the same destroy as the set it names: the destroy completes", async () => {
    const stack = await newStack(async () => {
      const sw = new ovn.LogicalSwitch("sw", { nb, name: "lit-sw" });
      new ovn.AddressSet("lit", { nb, name: "lit_set", addresses: ["10.0.0.0/24"] });
      new ovn.Acl("lit-rule", {
        nb,
        switch: sw.name,
        direction: "from-lport",
        priority: 100,
        match: "ip4.dst == $lit_set", // a literal: Pulumi sees no order between the two
        action: "drop",
      });
    });
    await stack.up();
    await stack.destroy();
    expect([await names("Address_Set"), await matches()]).toEqual([[], []]);
  });

  it("a set dropped from the program while a kept rule names it literally is refused and stays", async () => {
    const program = (withSet: boolean, withRule: boolean) => async () => {
      const sw = new ovn.LogicalSwitch("sw", { nb, name: "keep-sw" });
      if (withSet) new ovn.AddressSet("kept", { nb, name: "kept_set", addresses: ["10.1.0.0/24"] });
      if (withRule) {
        new ovn.Acl("kept-rule", {
          nb,
          switch: sw.name,
          direction: "to-lport",
          priority: 200,
          match: "ip4.src == $kept_set",
          action: "drop",
        });
      }
    };
    const stack = await newStack(program(true, true));
    await stack.up();
    stack.setProgram(program(false, true));
    const e = await stack.up().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(PulumiOperationError);
    expect((e as PulumiOperationError).errors).toContainEqual(
      expect.stringMatching(
        /^kept: \[STILL_REFERENCED\] .*address set kept_set is still named by the match of a rule: ACL to-lport 200 "ip4\.src == \$kept_set" on logical switch keep-sw \(managed by ovn-acl-refs\/s\d+\/kept-rule\)/,
      ),
    );
    expect(await names("Address_Set")).toEqual(["kept_set"]);
    // Without the rule too, the set goes.
    stack.setProgram(program(false, false));
    await stack.up();
    expect(await names("Address_Set")).toEqual([]);
    await stack.destroy();
  });
});
