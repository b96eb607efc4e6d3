/**
 * Collection forms (ovn.LogicalSwitchPorts, ovn.Acls, ovs.Ports) through the provider handlers,
 * against real ovsdb-servers: every member a row with its own owner marker, the members' writes in
 * one transaction (one member refused: nothing written), per-member update, drift, adoption and
 * delete, foreign rows and singular resources on the same parent left alone.
 */
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import {
  codeOf,
  createVia,
  nbGet,
  provider,
  startCentral,
  startVswitchDb,
  updateVia,
  type OvnCentral,
  type Props,
} from "./ovn-fixtures";

jest.setTimeout(60_000);

const owner = (name: string) => `proj/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral();
  nb = { remote: central.nb.unix };
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

async function failure(p: Promise<unknown>): Promise<ResourceError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ResourceError);
  return e as ResourceError;
}

const ports = (n: number, from = 0): Record<string, Props> =>
  Object.fromEntries(
    Array.from({ length: n }, (_, k) => [
      `p${from + k}`,
      { addresses: [`0a:00:00:00:01:${(from + k).toString(16).padStart(2, "0")} 10.1.0.${from + k + 10}`] },
    ]),
  );

async function portNames(sw: string): Promise<string[]> {
  const out = await central.nbctl("lsp-list", sw);
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => /\((.*)\)/.exec(l)![1])
    .sort();
}

describe("ovn:LogicalSwitchPorts", () => {
  const type = "ovn:LogicalSwitchPorts";

  beforeAll(async () => {
    await createVia("ovn:LogicalSwitch", { nb, name: "c-sw", owner: owner("c-sw") });
  });

  it("creates every member with its own owner marker; refresh matches; update, add and remove per member", async () => {
    const inputs = { nb, switch: "c-sw", ports: ports(20), owner: owner("web") };
    const { id, outs } = await createVia(type, inputs);
    expect(await portNames("c-sw")).toEqual(Object.keys(ports(20)).sort());
    const uuids = outs.uuids as Record<string, string>;
    expect(Object.keys(uuids)).toHaveLength(20);
    expect(await nbGet(central, "Logical_Switch_Port", "p3", `external_ids:${OWNER_KEY}`)).toBe(
      'proj/dev/web[\\"p3\\"]',
    );
    expect(await nbGet(central, "Logical_Switch_Port", "p3", "_uuid")).toBe(uuids.p3);

    // A port of the same switch that no stack manages, and a singular port of the stack.
    await central.nbctl("lsp-add", "c-sw", "foreign");
    await createVia("ovn:LogicalSwitchPort", { nb, switch: "c-sw", name: "single", owner: owner("single") });

    const h = provider.handler(type);
    const fresh = await h.read(id, outs);
    expect((await h.diff(id, fresh.props!, inputs)).changes).toBe(false);

    // Drift in one member: refresh shows it in that member only.
    await central.nbctl("lsp-set-addresses", "p5", "0a:00:00:00:09:09 10.1.0.99");
    await central.nbctl("lsp-del", "p6");
    const drifted = await h.read(id, outs);
    const read = drifted.inputs!.ports as Record<string, Props>;
    expect(read.p5.addresses).toEqual(["0a:00:00:00:09:09 10.1.0.99"]);
    expect(read.p6).toBeUndefined();
    expect(read.p4).toEqual(ports(20).p4);

    // Update: p5 back, p6 made again, p0 removed, p20 added, p1 changed.
    const next = { ...ports(20, 1), ...ports(1, 20) } as Record<string, Props>;
    next.p1 = { addresses: ["0a:00:00:00:07:01 10.1.0.201"] };
    const news = { ...inputs, ports: next };
    const { diff, outs: outs2 } = await updateVia(type, id, drifted.props!, news);
    expect(diff.replaces).toEqual([]);
    expect(await portNames("c-sw")).toEqual([...Object.keys(next), "foreign", "single"].sort());
    expect(await nbGet(central, "Logical_Switch_Port", "p1", "addresses")).toBe(
      '["0a:00:00:00:07:01 10.1.0.201"]',
    );
    expect(await nbGet(central, "Logical_Switch_Port", "p5", "addresses")).toBe(
      '["0a:00:00:00:01:05 10.1.0.15"]',
    );
    expect(Object.keys(outs2.uuids as object).sort()).toEqual(Object.keys(next).sort());

    await h.delete(id, outs2);
    expect(await portNames("c-sw")).toEqual(["foreign", "single"]);
    await central.nbctl("lsp-del", "foreign");
  });

  it("members swap addresses, and a renamed member keeps its MAC, in one update; a port outside still blocks", async () => {
    const base = { nb, switch: "c-sw", owner: owner("swap") };
    const a = "0a:00:00:00:0a:01 10.1.9.1";
    const b = "0a:00:00:00:0a:02 10.1.9.2";
    const { id, outs } = await createVia(type, {
      ...base,
      ports: { "s-a": { addresses: [a] }, "s-b": { addresses: [b] } },
    });
    const { outs: swapped } = await updateVia(type, id, outs, {
      ...base,
      ports: { "s-a": { addresses: [b] }, "s-b": { addresses: [a] } },
    });
    expect(await nbGet(central, "Logical_Switch_Port", "s-a", "addresses")).toBe(`["${b}"]`);
    expect(await nbGet(central, "Logical_Switch_Port", "s-b", "addresses")).toBe(`["${a}"]`);
    // s-b renamed s-c, same MAC, another IP.
    const { outs: renamed } = await updateVia(type, id, swapped, {
      ...base,
      ports: { "s-a": { addresses: [b] }, "s-c": { addresses: ["0a:00:00:00:0a:01 10.1.9.3"] } },
    });
    expect(await portNames("c-sw")).toEqual(expect.arrayContaining(["s-a", "s-c"]));
    expect(await portNames("c-sw")).not.toContain("s-b");
    // A port outside the collection with a member's MAC still blocks a member that takes it.
    await central.nbctl(
      "lsp-add",
      "c-sw",
      "s-hand",
      "--",
      "lsp-set-addresses",
      "s-hand",
      "0a:00:00:00:0a:09",
    );
    const e = await codeOf(
      updateVia(type, id, renamed, {
        ...base,
        ports: {
          "s-a": { addresses: ["0a:00:00:00:0a:09 10.1.9.9"] },
          "s-c": { addresses: ["0a:00:00:00:0a:01 10.1.9.3"] },
        },
      }),
    );
    expect(e).toBe("ADDRESS_IN_USE");
    expect(await nbGet(central, "Logical_Switch_Port", "s-a", "addresses")).toBe(`["${b}"]`);
    await provider.handler(type).delete(id, renamed);
    await central.nbctl("lsp-del", "s-hand");
  });

  it("writes nothing when one member is refused (one transaction), and names the member", async () => {
    await central.nbctl("lsp-add", "c-sw", "taken");
    const members = { ...ports(5, 40), taken: { addresses: ["0a:00:00:00:02:01 10.1.0.250"] } };
    const e = await failure(createVia(type, { nb, switch: "c-sw", ports: members, owner: owner("t") }));
    expect(e.code).toBe("NAME_TAKEN");
    expect(e.message).toContain('ports["taken"]');
    expect(await portNames("c-sw")).toEqual(["single", "taken"]);
  });

  it("adopts the members that say adopt, and only those", async () => {
    const { id, outs } = await createVia(type, {
      nb,
      switch: "c-sw",
      ports: { taken: { adopt: true, addresses: ["0a:00:00:00:02:02 10.1.0.251"] }, fresh: {} },
      owner: owner("adopting"),
    });
    expect(await nbGet(central, "Logical_Switch_Port", "taken", `external_ids:${OWNER_KEY}`)).toBe(
      'proj/dev/adopting[\\"taken\\"]',
    );
    await provider.handler(type).delete(id, outs);
    expect(await portNames("c-sw")).toEqual(["single"]);
  });

  it("takes a port over from a singular resource of the same stack (a move), whose delete then leaves it", async () => {
    const single = await createVia("ovn:LogicalSwitchPort", {
      nb,
      switch: "c-sw",
      name: "mv",
      addresses: ["0a:00:00:00:03:01 10.1.0.240"],
      owner: owner("mv"),
    });
    const { id, outs } = await createVia(type, {
      nb,
      switch: "c-sw",
      ports: { mv: { addresses: ["0a:00:00:00:03:01 10.1.0.240"] } },
      owner: owner("moved"),
    });
    expect(await nbGet(central, "Logical_Switch_Port", "mv", `external_ids:${OWNER_KEY}`)).toBe(
      'proj/dev/moved[\\"mv\\"]',
    );
    await provider.handler("ovn:LogicalSwitchPort").delete(single.id, single.outs);
    expect(await portNames("c-sw")).toContain("mv");
    // Another stack cannot take it.
    const e = await failure(
      createVia(type, { nb, switch: "c-sw", ports: { mv: {} }, owner: "proj/prod/thief" }),
    );
    expect(e.code).toBe("OWNED_ELSEWHERE");
    await provider.handler(type).delete(id, outs);
    expect(await portNames("c-sw")).not.toContain("mv");
  });

  it.each(["the taker first", "the giver first", "both at once"] as const)(
    "moves a port between two collections of the stack in one up (%s): the row stays, held by the taker",
    async (order) => {
      const port = `mv2-${order.split(" ")[1]}`;
      const member = { [port]: { addresses: ["0a:00:00:00:03:02 10.1.0.241"] } };
      const base = { nb, switch: "c-sw" };
      const giver = await createVia(type, {
        ...base,
        ports: { ...member, keep: {} },
        owner: owner(`g-${port}`),
      });
      const uuid = (giver.outs.uuids as Record<string, string>)[port];
      // In one `up` the engine updates the giver (the port leaves its map) and creates the taker
      // (the port enters its map), in either order or at once.
      const take = () => createVia(type, { ...base, ports: member, owner: owner(`t-${port}`) });
      const give = () =>
        updateVia(type, giver.id, giver.outs, { ...base, ports: { keep: {} }, owner: owner(`g-${port}`) });
      let taken: { id: string; outs: Props };
      if (order === "the taker first") {
        taken = await take();
        await give();
      } else if (order === "the giver first") {
        await give();
        taken = await take();
      } else {
        [taken] = await Promise.all([take(), give()]);
      }
      const got = (taken.outs.uuids as Record<string, string>)[port];
      expect(await nbGet(central, "Logical_Switch_Port", port, "_uuid")).toBe(got);
      expect(await nbGet(central, "Logical_Switch_Port", port, `external_ids:${OWNER_KEY}`)).toBe(
        `proj/dev/t-${port}[\\"${port}\\"]`,
      );
      // Taken over (same row) unless the giver deleted it first (then made anew).
      if (order === "the taker first") expect(got).toBe(uuid);
      await provider.handler(type).delete(taken.id, taken.outs);
      expect(await portNames("c-sw")).not.toContain(port);
    },
  );

  it("refuses bad member input at check, naming the member path", async () => {
    const h = provider.handler(type);
    const r = await h.check(
      {},
      { nb, switch: "c-sw", ports: { ok: {}, bad: { addresses: ["not an address"] } }, owner: owner("b") },
    );
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.failures[0].reason).toMatch(/^\[INVALID_INPUT\] ports\["bad"\]\.addresses/);
    const u = await h.check({}, { nb, switch: "c-sw", ports: { x: { nmae: "y" } }, owner: owner("b") });
    expect(u.failures.map((f) => f.reason).join()).toMatch(/ports\["x"\].*nmae/);
    // A key is the port's name, checked as the singular checks a name.
    const k = await h.check({}, { nb, switch: "c-sw", ports: { "a b": {}, ok: {} }, owner: owner("b") });
    expect(k.failures.map((f) => f.reason)).toEqual([
      expect.stringMatching(/^\[INVALID_INPUT\] ports\["a b"\]: the key is the logical switch port's name: /),
    ]);
  });
});

describe("ovn:Acls", () => {
  const type = "ovn:Acls";

  it("creates many rules on one port group in one transaction and deletes only them", async () => {
    await createVia("ovn:PortGroup", { nb, name: "pg_c", owner: owner("pg") });
    await central.nbctl("acl-add", "pg_c", "to-lport", "100", "ip4", "drop");
    const acls = Object.fromEntries(
      Array.from({ length: 12 }, (_, k) => [
        `rule-${k}`,
        {
          direction: "to-lport",
          priority: 1000 + k,
          match: `outport == @pg_c && tcp.dst == ${8000 + k}`,
          action: "allow-related",
        },
      ]),
    );
    const { id, outs } = await createVia(type, { nb, portGroup: "pg_c", acls, owner: owner("rules") });
    const list = await central.nbctl("acl-list", "pg_c");
    expect(list.split("\n").filter(Boolean)).toHaveLength(13);
    const h = provider.handler(type);
    const fresh = await h.read(id, outs);
    expect(
      (await h.diff(id, fresh.props!, { nb, portGroup: "pg_c", acls, owner: owner("rules") })).changes,
    ).toBe(false);
    // A new match is a new row: rule-0 replaced, in place for the others.
    const next = { ...acls, "rule-0": { ...acls["rule-0"], match: "outport == @pg_c && tcp.dst == 9999" } };
    const { outs: outs2 } = await updateVia(type, id, fresh.props!, {
      nb,
      portGroup: "pg_c",
      acls: next,
      owner: owner("rules"),
    });
    expect(await central.nbctl("acl-list", "pg_c")).toContain("tcp.dst == 9999");
    expect(await central.nbctl("acl-list", "pg_c")).not.toContain("tcp.dst == 8000");
    await h.delete(id, outs2);
    const left = (await central.nbctl("acl-list", "pg_c")).split("\n").filter(Boolean);
    expect(left).toHaveLength(1);
    expect(left[0]).toContain("drop");
  });
  it("a rule moved to a new label in one update stays (the old label's delete leaves it)", async () => {
    await createVia("ovn:PortGroup", { nb, name: "pg_l", owner: owner("pg-l") });
    const rule = {
      direction: "to-lport",
      priority: 200,
      match: "outport == @pg_l && ip4.src == 10.4.0.1",
      action: "drop",
    };
    const base = { nb, portGroup: "pg_l", owner: owner("labels") };
    const { id, outs } = await createVia(type, { ...base, acls: { a: rule } });
    const { outs: after } = await updateVia(type, id, outs, { ...base, acls: { b: rule } });
    const list = (await central.nbctl("acl-list", "pg_l")).split("\n").filter(Boolean);
    expect(list).toHaveLength(1);
    expect(list[0]).toContain("ip4.src == 10.4.0.1");
    const uuid = (after.uuids as Record<string, string>).b;
    expect(await central.nbctl("get", "ACL", uuid, `external_ids:${OWNER_KEY}`)).toContain('labels[\\"b\\"]');
    await provider.handler(type).delete(id, after);
    expect((await central.nbctl("acl-list", "pg_l")).trim()).toBe("");
  });

  it("a member whose match spells a rule added by hand differently is that rule: refused, or adopted", async () => {
    await createVia("ovn:PortGroup", { nb, name: "pg_s", owner: owner("pg-s") });
    await central.nbctl("acl-add", "pg_s", "to-lport", "300", "outport==@pg_s&&ip4.src==10.6.0.1", "drop");
    const rule = {
      direction: "to-lport",
      priority: 300,
      match: "outport == @pg_s && ip4.src == 10.6.0.1",
      action: "drop",
    };
    const base = { nb, portGroup: "pg_s", owner: owner("spelled") };
    const refused = await codeOf(createVia(type, { ...base, acls: { r: rule } }));
    expect(refused).toBe("NAME_TAKEN");
    expect((await central.nbctl("acl-list", "pg_s")).split("\n").filter(Boolean)).toHaveLength(1);
    const { outs } = await createVia(type, { ...base, acls: { r: { ...rule, adopt: true } } });
    expect((await central.nbctl("acl-list", "pg_s")).split("\n").filter(Boolean)).toHaveLength(1);
    const uuid = (outs.uuids as Record<string, string>).r;
    expect(await central.nbctl("get", "ACL", uuid, `external_ids:${OWNER_KEY}`)).toContain(
      'spelled[\\"r\\"]',
    );
  });
});

describe("ovs:Ports", () => {
  it("creates a bridge's ports with their interfaces and returns uuids by name", async () => {
    const db = await startVswitchDb();
    try {
      const host = { remote: db.unix };
      await createVia("ovs:Bridge", { host, name: "br-c", datapathType: "netdev", owner: owner("br") });
      const members = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`c${k}`, { tag: 100 + k }]));
      const inputs = { host, bridge: "br-c", ports: members, owner: owner("ps") };
      const { id, outs } = await createVia("ovs:Ports", inputs);
      expect(Object.keys(outs.uuids as object)).toHaveLength(10);
      expect(Object.keys(outs.interfaceUuid as object)).toHaveLength(10);
      const tag = await db.tool("ovs-vsctl", ["get", "Port", "c7", "tag"]);
      expect(tag.trim()).toBe("107");
      const h = provider.handler("ovs:Ports");
      await h.delete(id, outs);
      const left = await db.tool("ovs-vsctl", ["list-ports", "br-c"]);
      expect(left.trim()).toBe("");
    } finally {
      await provider.closeAll();
      await db.stop();
    }
  });
});
