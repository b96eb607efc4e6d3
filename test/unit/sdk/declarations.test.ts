/**
 * Issue 12, a row declared twice: the registry of one run (sdk/declarations.ts) and what the SDK
 * registers for the resources of a run that declares a row twice, through Pulumi's mocks: the
 * provider text of every resource of that run refuses it at check, with the duplicate's message for
 * the two of the pair; another run (another mock monitor, as another stack or up is) starts empty.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs } from "../../../sdk";
import { Declarations, duplicateMessage } from "../../../sdk/declarations";
import { providerFor, refusingProvider } from "../../../sdk/shim";

const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };
const host = { remote: "unix:/run/openvswitch/db.sock" };

describe("Declarations (one run's registry)", () => {
  const id = { key: "k", text: "name sw0 on nb unix:/x" };

  it("refuses both resources of a pair, naming both, and every other resource of the run", () => {
    const d = new Declarations();
    d.declare("ovn.LogicalSwitch", "a", id);
    d.declare("ovn.LogicalSwitch", "other", { key: "k2", text: "name sw1" });
    expect(d.refusal("ovn.LogicalSwitch", "a", "name")).toBeUndefined();
    d.declare("ovn.LogicalSwitch", "b", id);
    const message =
      '[DUPLICATE] ovn.LogicalSwitch "b" declares the same row as "a": name sw0 on nb unix:/x; declare each row once';
    expect(d.refusal("ovn.LogicalSwitch", "a", "name")).toEqual({ property: "name", reason: message });
    expect(d.refusal("ovn.LogicalSwitch", "b", "name")).toEqual({ property: "name", reason: message });
    expect(d.refusal("ovn.LogicalSwitch", "other", "name")?.reason).toBe(
      '[DUPLICATE] not applied: ovn.LogicalSwitch "b" declares the same row as "a": name sw0 on nb unix:/x; declare each row once',
    );
    // A resource of another type with the name of one of the pair is not one of the pair.
    expect(d.refusal("ovn.LogicalRouter", "a", "name")?.reason).toMatch(/^\[DUPLICATE\] not applied: /);
  });

  it("a third declaration of the row names the first; one resource recorded twice is no duplicate", () => {
    const d = new Declarations();
    d.declare("ovs.Bridge", "a", id);
    d.declare("ovs.Bridge", "a", id);
    expect(d.refusal("ovs.Bridge", "a", "name")).toBeUndefined();
    d.declare("ovs.Bridge", "b", id);
    d.declare("ovs.Bridge", "c", id);
    expect(d.refusal("ovs.Bridge", "c", "name")?.reason).toMatch(/"c" declares the same row as "a"/);
    expect(d.refusal("ovs.Bridge", "a", "name")?.reason).toMatch(/"b" declares the same row as "a"/);
  });

  it("says flow for a flow", () => {
    const f = (name: string) => ({ label: "ovs.Flow", name });
    expect(duplicateMessage(f("f2"), f("f1"), { key: "", text: "bridge br0" }, "flow")).toBe(
      '[DUPLICATE] ovs.Flow "f2" declares the same flow as "f1": bridge br0; declare each flow once',
    );
  });
});

describe("what a run registers (mocks)", () => {
  /** name → the `__provider` text the engine received. */
  let registered: Map<string, string>;

  /** Runs `program`; in a preview (`dryRun`) the resources' outputs are unknown (a create's). */
  async function run(program: () => pulumi.CustomResource[], dryRun = false): Promise<void> {
    registered = new Map();
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.set(args.name, args.inputs.__provider as string);
          return { id: `${args.name}-id`, state: dryRun ? {} : args.inputs };
        },
        call: () => ({}),
      },
      "dup-test",
      "unit",
      dryRun,
    );
    const made = program();
    await Promise.all(made.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
  }

  it("a run without duplicates registers every resource with its provider", async () => {
    await run(() => [
      new ovn.LogicalSwitch("sw-a", { nb, name: "sw0" }),
      new ovn.LogicalRouter("lr-a", { nb, name: "sw0" }), // another table: another row
      new ovs.Bridge("br-1", { host, name: "br0" }),
      new ovs.Bridge("br-2", { host: { remote: "tcp:10.0.0.2:6640" }, name: "br0" }),
    ]);
    expect(registered.get("sw-a")).toBe(providerFor("ovn:LogicalSwitch"));
    expect(registered.get("br-2")).toBe(providerFor("ovs:Bridge"));
  });

  it("a run declaring a row twice registers every resource with a provider that refuses it", async () => {
    await run(() => {
      const lr = new ovn.LogicalRouter("lr0", { nb, name: "lr0" });
      const nat = (name: string, logicalIp: string) =>
        new ovn.LogicalRouterNat(name, {
          nb,
          router: lr.name,
          type: "dnat_and_snat",
          externalIp: "172.16.0.10",
          logicalIp,
        });
      return [lr, nat("nat-a", "10.0.0.5"), nat("nat-b", "10.0.0.5/32")];
    });
    const reason =
      '[DUPLICATE] ovn.LogicalRouterNat "nat-b" declares the same row as "nat-a": router lr0, type dnat_and_snat, ' +
      `externalIp 172.16.0.10, logicalIp 10.0.0.5 on nb ${nb.remote}; declare each row once`;
    expect(registered.get("nat-a")).toBe(refusingProvider({ property: "router", reason }));
    expect(registered.get("nat-b")).toBe(refusingProvider({ property: "router", reason }));
    // lr0 was let through before its children's identities were known (its name is their input).
    expect(registered.get("lr0")).toBe(providerFor("ovn:LogicalRouter"));
  });

  it("values unknown at preview are not compared (the rest is)", async () => {
    await run(() => {
      const lr = new ovn.LogicalRouter("lr0", { nb, name: "lr0" });
      const nat = (name: string) =>
        new ovn.LogicalRouterNat(name, {
          nb,
          router: lr.name,
          type: "snat",
          externalIp: "172.16.0.1",
          logicalIp: "10.0.0.0/24",
        });
      return [lr, nat("nat-a"), nat("nat-b"), new ovn.LogicalSwitch("sw-1", { nb, name: "sw9" })];
    }, true);
    expect(registered.get("nat-b")).toBe(providerFor("ovn:LogicalRouterNat"));
    await run(
      () => [
        new ovn.LogicalSwitch("sw-1", { nb, name: "sw9" }),
        new ovn.LogicalSwitch("sw-2", { nb, name: "sw9" }),
      ],
      true,
    );
    expect(registered.get("sw-2")).toBe(
      refusingProvider({
        property: "name",
        reason: `[DUPLICATE] ovn.LogicalSwitch "sw-2" declares the same row as "sw-1": name sw9 on nb ${nb.remote}; declare each row once`,
      }),
    );
  });

  it("a collection's members share rows' identities with the singular form and with each other", async () => {
    await run(() => {
      const sw = new ovn.LogicalSwitch("sw", { nb, name: "sw5" });
      return [
        sw,
        new ovn.LogicalSwitchPort("single", { nb, switch: sw.name, name: "p3" }),
        new ovn.LogicalSwitchPorts("many", { nb, switch: sw.name, ports: { p1: {}, p2: {}, p3: {} } }),
      ];
    });
    const reason =
      '[DUPLICATE] ovn.LogicalSwitchPorts "many" ports["p3"] declares the same row as ovn.LogicalSwitchPort ' +
      `"single": name p3 on nb ${nb.remote}; declare each row once`;
    expect(registered.get("many")).toBe(refusingProvider({ property: "ports", reason }));
    expect(registered.get("single")).toBe(refusingProvider({ property: "ports", reason }));

    await run(() => {
      const rule = { direction: "to-lport", priority: 100, match: "ip4", action: "drop" } as const;
      return [
        new ovn.Acls("rules", { nb, portGroup: "pg", acls: { a: rule, b: { ...rule, match: "ip4 " } } }),
      ];
    });
    expect(registered.get("rules")).toMatch(
      /ovn\.Acls \\"rules\\" acls\[\\"b\\"\] declares the same row as \\"rules\\" acls\[\\"a\\"\]/,
    );

    // Flows: ovs-ofctl reads a match's fields in any order, with commas or spaces between them.
    await run(() => [
      new ovs.Flows("flows", {
        host,
        bridge: "br0",
        flows: {
          x: { match: "ip,nw_dst=10.0.0.1", actions: "drop" },
          y: { match: "nw_dst=10.0.0.1, ip", actions: "NORMAL" },
        },
      }),
    ]);
    expect(registered.get("flows")).toMatch(
      /ovs\.Flows \\"flows\\" flows\[\\"y\\"\] declares the same flow as \\"flows\\" flows\[\\"x\\"\]/,
    );

    await run(() => [
      new ovn.LogicalSwitchPorts("x", { nb, switch: "swx", ports: { q1: {}, q2: {} } }),
      new ovn.LogicalSwitchPort("y", { nb, switch: "swx", name: "q3" }),
    ]);
    expect(registered.get("x")).toBe(providerFor("ovn:LogicalSwitchPorts"));
  });

  it("the next run starts with an empty registry", async () => {
    // sw0 on this nb was declared by "sw-a" in the first run: no duplicate in this one.
    await run(() => [new ovn.LogicalSwitch("sw-again", { nb, name: "sw0" })]);
    expect(registered.get("sw-again")).toBe(providerFor("ovn:LogicalSwitch"));
  });

  it("the refusing provider fails check on the property, with the reason", async () => {
    const text = refusingProvider({ property: "name", reason: "[DUPLICATE] x" });
    const mod = {
      exports: {} as { handler?: () => { check: (o: unknown, n: unknown) => Promise<unknown> } },
    };
    new Function("exports", "require", "module", text)(mod.exports, require, mod);
    await expect(mod.exports.handler!().check({}, { name: "sw0" })).resolves.toEqual({
      inputs: { name: "sw0" },
      failures: [{ property: "name", reason: "[DUPLICATE] x" }],
    });
  });
});
