/**
 * OVN logical resources (switches, ports, routers, router ports, routes, NAT) through the provider
 * handlers, against real NB/SB ovsdb-servers with ovn-northd; rows checked with ovn-nbctl, logical
 * flows with ovn-trace.
 */
import { ResourceError } from "../../../provider/errors";
import { OvsdbClient } from "../../../provider/ovsdb/client";
import { planSwitchCreate } from "../../../provider/resources/ovn/logical-switch";
import { INSTANCE_KEY, OWNER_KEY } from "../../../provider/resources/common";
import {
  createVia,
  nbGet,
  provider,
  run,
  startCentral,
  updateVia,
  type OvnCentral,
  type Props,
} from "./ovn-fixtures";

jest.setTimeout(60_000);

const OWNER = "proj/dev";
const owner = (name: string) => `${OWNER}/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

async function expectCode(p: Promise<unknown>, code: string): Promise<ResourceError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ResourceError);
  expect((e as ResourceError).code).toBe(code);
  return e as ResourceError;
}

async function count(table: string, where: string[] = []): Promise<number> {
  const out = await central.nbctl("--bare", "--columns=_uuid", "find", table, ...where);
  return out.split("\n").filter((l) => l.trim()).length;
}

describe("ovn:LogicalSwitch", () => {
  const type = "ovn:LogicalSwitch";

  it("creates a switch with IPAM settings, owner marker and external_ids", async () => {
    const { id, outs } = await createVia(type, {
      nb,
      name: "ls-a",
      subnet: "192.168.10.0/24",
      excludeIps: ["192.168.10.2..192.168.10.9"],
      ipv6Prefix: "fd00:10::/64",
      externalIds: { team: "net" },
      owner: owner("ls-a"),
    });
    expect(outs.uuid).toBe(id);
    expect(outs.ipv6Prefix).toBe("fd00:10::");
    expect(await nbGet(central, "Logical_Switch", "ls-a", "other_config:subnet")).toBe("192.168.10.0/24");
    expect(await nbGet(central, "Logical_Switch", "ls-a", "other_config:exclude_ips")).toBe(
      "192.168.10.2..192.168.10.9",
    );
    expect(await nbGet(central, "Logical_Switch", "ls-a", "other_config:ipv6_prefix")).toBe("fd00:10::");
    expect(await nbGet(central, "Logical_Switch", "ls-a", `external_ids:${OWNER_KEY}`)).toBe(owner("ls-a"));
    expect(await nbGet(central, "Logical_Switch", "ls-a", "external_ids:team")).toBe("net");
  });

  it("refuses a second switch with a taken name and writes nothing", async () => {
    const before = await count("Logical_Switch");
    const e = await expectCode(
      createVia(type, { nb, name: "ls-a", owner: "other/stack/ls-a" }),
      "OWNED_ELSEWHERE",
    );
    expect(e.message).toContain("ls-a");
    await central.nbctl("ls-add", "ls-foreign");
    const e2 = await expectCode(createVia(type, { nb, name: "ls-foreign", owner: owner("x") }), "NAME_TAKEN");
    expect(e2.message).toContain("adopt: true");
    expect(await count("Logical_Switch")).toBe(before + 1);
  });

  it("guards the insert: the planned transaction fails when the name was taken since the lookup", async () => {
    await central.nbctl("ls-add", "ls-race");
    const c = await OvsdbClient.connect(central.nb.unix);
    try {
      await expect(
        c.transact("OVN_Northbound", planSwitchCreate({ nb, name: "ls-race", owner: owner("r") } as never)),
      ).rejects.toMatchObject({ error: "timed out" });
    } finally {
      c.close();
    }
    expect(await count("Logical_Switch", ["name=ls-race"])).toBe(1);
  });

  it("adopts an unmanaged switch with adopt: true", async () => {
    await central.nbctl(
      "ls-add",
      "ls-adopt",
      "--",
      "set",
      "logical_switch",
      "ls-adopt",
      "other_config:foo=bar",
    );
    const { id } = await createVia(type, {
      nb,
      name: "ls-adopt",
      subnet: "10.9.0.0/24",
      adopt: true,
      owner: owner("ad"),
    });
    expect(id).toBe(await nbGet(central, "Logical_Switch", "ls-adopt", "_uuid"));
    expect(await nbGet(central, "Logical_Switch", "ls-adopt", "other_config:subnet")).toBe("10.9.0.0/24");
    expect(await nbGet(central, "Logical_Switch", "ls-adopt", "other_config:foo")).toBe("bar");
  });

  it("updates in place, leaves foreign keys alone, and refresh shows drift", async () => {
    const inputs = {
      nb,
      name: "ls-u",
      subnet: "10.1.0.0/24",
      otherConfig: { mcast_snoop: "true" },
      owner: owner("u"),
    };
    const { id, outs } = await createVia(type, inputs);
    await central.nbctl("set", "logical_switch", "ls-u", "other_config:foreign=1");
    const news = { ...inputs, subnet: "10.2.0.0/24", otherConfig: {} };
    const { diff, outs: outs2 } = await updateVia(type, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs.sort()).toEqual(["otherConfig", "subnet"]);
    expect(await nbGet(central, "Logical_Switch", "ls-u", "other_config")).toBe(
      '{foreign="1", subnet="10.2.0.0/24"}',
    );

    await central.nbctl("set", "logical_switch", "ls-u", "other_config:subnet=10.3.0.0/24");
    const r = await provider.handler(type).read(id, outs2);
    expect(r.inputs?.subnet).toBe("10.3.0.0/24");
    const d = await provider.handler(type).diff(id, r.props!, { ...news, owner: owner("u") });
    expect(d.diffs).toEqual(["subnet"]);
  });

  it("rejects bad input at check time with the argument and the accepted form", async () => {
    const h = provider.handler(type);
    const r = await h.check(
      {},
      { nb, name: "bad", subnet: "192.168.0.1/24", excludeIps: ["10.0.0.1"], owner: "o/s/r" },
    );
    const props = r.failures.map((f) => f.property);
    expect(props).toContain("subnet");
    expect(r.failures.find((f) => f.property === "subnet")!.reason).toMatch(/192\.168\.0\.0\/24/);
  });

  it("deletes an owned switch, refuses one with foreign ports, never touches unowned ones", async () => {
    const { id, outs } = await createVia(type, { nb, name: "ls-d", owner: owner("d") });
    await central.nbctl("lsp-add", "ls-d", "foreign-port");
    await expectCode(provider.handler(type).delete(id, outs), "FOREIGN_CHILDREN");
    await central.nbctl("lsp-del", "foreign-port");
    await provider.handler(type).delete(id, outs);
    expect(await count("Logical_Switch", ["name=ls-d"])).toBe(0);

    const foreignId = await nbGet(central, "Logical_Switch", "ls-foreign", "_uuid");
    await provider.handler(type).delete(foreignId, { nb, name: "ls-foreign", owner: owner("x") });
    expect(await count("Logical_Switch", ["name=ls-foreign"])).toBe(1);
  });
});

describe("ovn:LogicalSwitchPort", () => {
  const type = "ovn:LogicalSwitchPort";
  let swId: string;

  beforeAll(async () => {
    ({ id: swId } = await createVia("ovn:LogicalSwitch", {
      nb,
      name: "ls-p",
      subnet: "192.168.20.0/24",
      excludeIps: ["192.168.20.2..192.168.20.10"],
      owner: owner("ls-p"),
    }));
  });

  it("creates a port with static addresses and port security", async () => {
    const { outs } = await createVia(type, {
      nb,
      switch: "ls-p",
      name: "p-static",
      addresses: ["50:54:00:00:00:01 192.168.20.11"],
      portSecurity: ["50:54:00:00:00:01 192.168.20.11"],
      owner: owner("p-static"),
    });
    expect(outs.dynamicAddresses).toBeNull();
    expect((await central.nbctl("lsp-get-addresses", "p-static")).trim()).toBe(
      "50:54:00:00:00:01 192.168.20.11",
    );
    expect((await central.nbctl("lsp-get-port-security", "p-static")).trim()).toBe(
      "50:54:00:00:00:01 192.168.20.11",
    );
    expect((await central.nbctl("lsp-get-ls", "p-static")).trim()).toMatch(/\(ls-p\)$/);
  });

  it("waits for ovn-northd's dynamic address, outside excludeIps and the static one", async () => {
    const { outs } = await createVia(type, {
      nb,
      switch: "ls-p",
      name: "p-dyn",
      addresses: ["dynamic"],
      owner: owner("p-dyn"),
    });
    expect(outs.dynamicAddresses).toMatch(/^[0-9a-f:]{17} 192\.168\.20\.\d+$/);
    const ip = outs.dynamicIpv4 as string;
    const last = Number(ip.split(".")[3]);
    expect(last).toBeGreaterThan(11);
    expect(outs.dynamicMac).toBe((outs.dynamicAddresses as string).split(" ")[0]);

    const { outs: o2 } = await createVia(type, {
      nb,
      switch: "ls-p",
      name: "p-dyn-mac",
      addresses: ["0a:00:00:00:00:42 dynamic"],
      owner: owner("p-dyn-mac"),
    });
    expect(o2.dynamicMac).toBe("0a:00:00:00:00:42");
    expect(o2.dynamicIpv4).not.toBe(ip);
  });

  it("refuses a static address another port has (assigned or static), naming it, and writes nothing", async () => {
    const taken = (await central.nbctl("get", "logical_switch_port", "p-dyn", "dynamic_addresses"))
      .trim()
      .replace(/"/g, "")
      .split(" ")[1];
    expect(taken).toMatch(/^192\.168\.20\.\d+$/);
    const before = await count("Logical_Switch_Port");
    const e = await expectCode(
      createVia(type, {
        nb,
        switch: "ls-p",
        name: "p-clash",
        addresses: [`50:54:00:00:00:77 ${taken}`],
        owner: owner("p-clash"),
      }),
      "ADDRESS_IN_USE",
    );
    expect(e.message).toContain(`${taken} (assigned by ovn-northd to port p-dyn)`);
    expect(e.message).toContain("excludeIps");
    const e2 = await expectCode(
      createVia(type, {
        nb,
        switch: "ls-p",
        name: "p-clash",
        addresses: ["50:54:00:00:00:78 192.168.20.11"],
        owner: owner("p-clash"),
      }),
      "ADDRESS_IN_USE",
    );
    expect(e2.message).toContain("192.168.20.11 (static on port p-static)");
    // A MAC is an address too: p-static's, in another case, and the one ovn-northd gave p-dyn.
    const e4 = await expectCode(
      createVia(type, {
        nb,
        switch: "ls-p",
        name: "p-clash",
        addresses: ["50:54:00:00:00:01 192.168.20.240"],
        owner: owner("p-clash"),
      }),
      "ADDRESS_IN_USE",
    );
    expect(e4.message).toContain("50:54:00:00:00:01 (static on port p-static)");
    const dynMac = (await central.nbctl("get", "logical_switch_port", "p-dyn", "dynamic_addresses"))
      .replace(/"/g, "")
      .trim()
      .split(" ")[0];
    const e5 = await expectCode(
      createVia(type, {
        nb,
        switch: "ls-p",
        name: "p-clash",
        addresses: [`${dynMac.toUpperCase()} 192.168.20.241`],
        owner: owner("p-clash"),
      }),
      "ADDRESS_IN_USE",
    );
    expect(e5.message).toContain(`${dynMac} (assigned by ovn-northd to port p-dyn)`);
    expect(await count("Logical_Switch_Port")).toBe(before);
    // Changing an existing port's addresses to a taken one is refused the same way.
    const free = {
      nb,
      switch: "ls-p",
      name: "p-free",
      addresses: ["50:54:00:00:00:79 192.168.20.250"],
      owner: owner("p-free"),
    };
    const { id, outs } = await createVia(type, free);
    await expectCode(
      updateVia(type, id, outs, { ...free, addresses: ["50:54:00:00:00:79 192.168.20.11"] }),
      "ADDRESS_IN_USE",
    );
    expect((await central.nbctl("lsp-get-addresses", "p-free")).trim()).toBe(
      "50:54:00:00:00:79 192.168.20.250",
    );
    // A port made later with p-free's MAC does not block p-free's own update that keeps it.
    await central.nbctl(
      "lsp-add",
      "ls-p",
      "p-later",
      "--",
      "lsp-set-addresses",
      "p-later",
      "50:54:00:00:00:79",
    );
    await updateVia(type, id, outs, {
      ...free,
      addresses: ["50:54:00:00:00:79 192.168.20.250 fd00::250"],
    });
    expect((await central.nbctl("lsp-get-addresses", "p-free")).trim()).toBe(
      "50:54:00:00:00:79 192.168.20.250 fd00::250",
    );
    await central.nbctl("lsp-del", "p-later");
    // So is moving it to a switch where its address is taken.
    await central.nbctl("ls-add", "ls-clash", "--", "lsp-add", "ls-clash", "q-static");
    await central.nbctl("lsp-set-addresses", "q-static", "50:54:00:00:00:80 192.168.20.250");
    const e3 = await expectCode(updateVia(type, id, outs, { ...free, switch: "ls-clash" }), "ADDRESS_IN_USE");
    expect(e3.message).toContain("192.168.20.250 (static on port q-static)");
    expect((await central.nbctl("lsp-get-ls", "p-free")).trim()).toMatch(/\(ls-p\)$/);
    await central.nbctl("ls-del", "ls-clash");
    await provider.handler(type).delete(id, outs);
  });

  it("fails on a missing switch and writes nothing", async () => {
    const before = await count("Logical_Switch_Port");
    const e = await expectCode(
      createVia(type, { nb, switch: "no-such-switch", name: "p-orphan", owner: owner("p-orphan") }),
      "PARENT_MISSING",
    );
    expect(e.message).toContain("no-such-switch");
    expect(await count("Logical_Switch_Port")).toBe(before);
  });

  it("rejects bad addresses, a router address on a VIF, and a tagRequest without parentName", async () => {
    const h = provider.handler(type);
    const r = await h.check(
      {},
      {
        nb,
        switch: "ls-p",
        name: "x",
        addresses: ["50:54:00:00:00:zz 192.168.0.2", "router"],
        tagRequest: 5,
        owner: "o/s/x",
      },
    );
    // The element is named in the reason: the engine shows a top-level argument's value only.
    expect(r.failures).toContainEqual({
      property: "addresses",
      reason: expect.stringMatching(/^\[INVALID_INPUT\] addresses\[0\]: /),
    });
    const r2 = await h.check(
      {},
      { nb, switch: "ls-p", name: "x", addresses: ["router"], tagRequest: 5, owner: "o/s/x" },
    );
    expect(r2.failures.map((f) => f.property).sort()).toEqual(["addresses", "tagRequest"]);
    // The name before the rename fails, naming the new one, instead of being dropped.
    const r3 = await h.check(
      {},
      { nb, switch: "ls-p", name: "x", parentName: "vm1", tag: 5, owner: "o/s/x" },
    );
    expect(r3.failures).toEqual([
      {
        property: "tag",
        reason: "[INVALID_INPUT] tag was renamed tagRequest (column Logical_Switch_Port.tag_request)",
      },
    ]);
  });

  it("creates a container port (parentName + tagRequest), updates in place, moves between switches, deletes", async () => {
    await createVia(type, { nb, switch: "ls-p", name: "vm1", addresses: ["unknown"], owner: owner("vm1") });
    const inputs: Props = {
      nb,
      switch: "ls-p",
      name: "c1",
      parentName: "vm1",
      tagRequest: 42,
      addresses: ["50:54:00:00:00:42 192.168.20.42"],
      enabled: true,
      owner: owner("c1"),
    };
    const { id, outs } = await createVia(type, inputs);
    expect(await nbGet(central, "Logical_Switch_Port", "c1", "tag_request")).toBe("42");
    expect(await nbGet(central, "Logical_Switch_Port", "c1", "parent_name")).toBe("vm1");

    await createVia("ovn:LogicalSwitch", { nb, name: "ls-p2", owner: owner("ls-p2") });
    const news = { ...inputs, switch: "ls-p2", enabled: false, externalIds: { app: "db" } };
    const { diff, outs: o2 } = await updateVia(type, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect((await central.nbctl("lsp-get-ls", "c1")).trim()).toMatch(/\(ls-p2\)$/);
    expect(await nbGet(central, "Logical_Switch_Port", "c1", "enabled")).toBe("false");
    expect(o2.uuid).toBe(id);

    const read = await provider.handler(type).read(id, o2);
    expect(read.inputs).toMatchObject({
      switch: "ls-p2",
      enabled: false,
      tagRequest: 42,
      externalIds: { app: "db" },
    });
    expect(read.props).toMatchObject({ tagRequest: 42, tag: 42 }); // ovn-northd copies the request
    expect((await provider.handler(type).diff(id, read.props!, news)).changes).toBe(false);

    await provider.handler(type).delete(id, o2);
    expect(await count("Logical_Switch_Port", ["name=c1"])).toBe(0);
    void swId;
  });

  it("works on state written before tag was renamed tagRequest and assignedTag tag: no change, no replacement", async () => {
    const h = provider.handler(type);
    const inputs: Props = {
      nb,
      switch: "ls-p",
      name: "c2",
      parentName: "vm1",
      tagRequest: 43,
      owner: owner("c2"),
    };
    const { id, outs } = await createVia(type, inputs);
    await central.nbctl("--wait=sb", "sync"); // ovn-northd has copied tag_request into tag
    const { tagRequest, tag, ...rest } = outs;
    const old: Props = { ...rest, tag: tagRequest, assignedTag: tag }; // as the earlier release wrote it

    expect(await h.diff(id, old, inputs)).toMatchObject({ changes: false, replaces: [] });
    expect((await h.diff(id, old, { ...inputs, tagRequest: 44 })).diffs).toEqual(["tagRequest"]);
    const read = await h.read(id, old);
    expect(read.props).toMatchObject({ tagRequest: 43, tag: 43 });
    expect(read.props).not.toHaveProperty("assignedTag");
    expect(read.inputs).toMatchObject({ tagRequest: 43 });
    expect(read.inputs).not.toHaveProperty("tag");

    const { outs: o2 } = await h.update(id, old, { ...inputs, tagRequest: 44 });
    expect(o2).toMatchObject({ tagRequest: 44 });
    expect(o2).not.toHaveProperty("assignedTag");
    expect(await nbGet(central, "Logical_Switch_Port", "c2", "tag_request")).toBe("44");

    await h.delete(id, old);
    expect(await count("Logical_Switch_Port", ["name=c2"])).toBe(0);
  });
});

describe("ovn:LogicalRouter and LogicalRouterPort: the field report topology", () => {
  const lrps: { id: string; outs: Props }[] = [];

  beforeAll(async () => {
    for (const [sw, port, addr] of [
      ["sw0", "sw0-port1", "50:54:00:00:00:01 192.168.0.2"],
      ["sw1", "sw1-port1", "50:54:00:00:00:03 11.0.0.2"],
    ]) {
      await createVia("ovn:LogicalSwitch", { nb, name: sw, owner: owner(sw) });
      await createVia("ovn:LogicalSwitchPort", {
        nb,
        switch: sw,
        name: port,
        addresses: [addr],
        owner: owner(port),
      });
    }
    await createVia("ovn:LogicalRouter", { nb, name: "lr0", owner: owner("lr0") });
    for (const [name, mac, net, sw] of [
      ["lrp0", "00:00:00:00:ff:01", "192.168.0.1/24", "sw0"],
      ["lrp1", "00:00:00:00:ff:02", "11.0.0.1/24", "sw1"],
    ]) {
      lrps.push(
        await createVia("ovn:LogicalRouterPort", {
          nb,
          router: "lr0",
          name,
          mac,
          networks: [net],
          switch: sw,
          switchPortAddresses: [mac],
          waitForChassis: true,
          owner: owner(name),
        }),
      );
    }
  });

  it("matches the field report's ovn-nbctl show", async () => {
    const show = await central.nbctl("show");
    const block = (name: string) => {
      const lines = show.split("\n");
      const start = lines.findIndex((l) => l.includes(`(${name})`));
      const end = lines.findIndex((l, n) => n > start && /^(switch|router) /.test(l));
      return lines.slice(start, end < 0 ? undefined : end).join("\n");
    };
    expect(block("sw0")).toContain(
      'port lrp0-attachment\n        type: router\n        addresses: ["00:00:00:00:ff:01"]',
    );
    expect(block("sw0")).toContain('port sw0-port1\n        addresses: ["50:54:00:00:00:01 192.168.0.2"]');
    expect(block("sw1")).toContain('port sw1-port1\n        addresses: ["50:54:00:00:00:03 11.0.0.2"]');
    expect(block("lr0")).toContain(
      'port lrp0\n        mac: "00:00:00:00:ff:01"\n        networks: ["192.168.0.1/24"]',
    );
    expect(block("lr0")).toContain(
      'port lrp1\n        mac: "00:00:00:00:ff:02"\n        networks: ["11.0.0.1/24"]',
    );
    expect(lrps[0].outs.switchPortUuid).toBe(
      await nbGet(central, "Logical_Switch_Port", "lrp0-attachment", "_uuid"),
    );
  });

  it("ovn-trace --minimal routes sw0-port1 → 11.0.0.2 out of sw1-port1 with ttl decremented", async () => {
    const out = await run("ovn-trace", [
      `--db=${central.sb.unix}`,
      "--minimal",
      "sw0",
      'inport == "sw0-port1" && eth.src == 50:54:00:00:00:01 && ip4.src == 192.168.0.2 && eth.dst == 00:00:00:00:ff:01 && ip4.dst == 11.0.0.2 && ip.ttl == 64',
    ]);
    expect(out.replace(/\s+/g, " ")).toContain(
      'ip.ttl--; eth.src = 00:00:00:00:ff:02; eth.dst = 50:54:00:00:00:03; output("sw1-port1");',
    );
  });

  it("updates networks and gateway chassis in place and keeps the attachment in step", async () => {
    const [lrp1] = [lrps[1]];
    const news = {
      ...lrp1.outs,
      networks: ["11.0.0.1/24", "fd11::1/64"],
      gatewayChassis: ["gw1", { chassis: "gw2", priority: 5 }],
      switchPortAddresses: undefined,
    };
    delete (news as Props).uuid;
    delete (news as Props).switchPortUuid;
    const { diff, outs } = await updateVia("ovn:LogicalRouterPort", lrp1.id, lrp1.outs, news);
    expect(diff.replaces).toEqual([]);
    const gws = (await central.nbctl("lrp-get-gateway-chassis", "lrp1")).trim().split("\n");
    expect(gws.map((l) => l.trim().split(/\s+/))).toEqual([
      ["lrp1-gw2", "5"],
      ["lrp1-gw1", "2"],
    ]);
    expect(await nbGet(central, "Logical_Router_Port", "lrp1", "networks")).toBe(
      '["11.0.0.1/24", "fd11::1/64"]',
    );
    expect(await nbGet(central, "Logical_Switch_Port", "lrp1-attachment", "addresses")).toBe("[router]");
    const read = await provider.handler("ovn:LogicalRouterPort").read(lrp1.id, outs);
    expect(read.inputs).toMatchObject({
      switch: "sw1",
      gatewayChassis: [
        { chassis: "gw1", priority: 2 },
        { chassis: "gw2", priority: 5 },
      ],
    });
    expect(
      (
        await provider.handler("ovn:LogicalRouterPort").diff(lrp1.id, read.props!, {
          ...news,
          gatewayChassis: [
            { chassis: "gw1", priority: 2 },
            { chassis: "gw2", priority: 5 },
          ],
        })
      ).changes,
    ).toBe(false);
    lrps[1] = { id: lrp1.id, outs };
  });

  it("switchPortOptions: set on the switch-side port in place, foreign keys kept, drift refreshed, removed", async () => {
    const h = provider.handler("ovn:LogicalRouterPort");
    const att = "lrp0-attachment";
    const opts = async () => (await central.nbctl("get", "Logical_Switch_Port", att, "options")).trim();
    const inputs = (outs: Props, more: Props) => {
      const n = { ...outs, ...more };
      delete n.uuid;
      delete n.switchPortUuid;
      return n;
    };
    let cur = lrps[0];
    const set = await updateVia(
      "ovn:LogicalRouterPort",
      cur.id,
      cur.outs,
      inputs(cur.outs, {
        switchPortOptions: { "nat-addresses": "router" },
      }),
    );
    expect(set.diff).toMatchObject({ changes: true, replaces: [], diffs: ["switchPortOptions"] });
    expect(await opts()).toBe("{nat-addresses=router, router-port=lrp0}");
    cur = { id: cur.id, outs: set.outs };

    await central.nbctl(
      "set",
      "Logical_Switch_Port",
      att,
      "options:foreign=x",
      "options:nat-addresses=10.0.0.9",
    );
    const read = await h.read(cur.id, cur.outs);
    expect(read.inputs?.switchPortOptions).toEqual({ "nat-addresses": "10.0.0.9" }); // drift, foreign key not read
    const drift = await h.diff(cur.id, read.props!, inputs(cur.outs, {}));
    expect(drift).toMatchObject({ changes: true, replaces: [], diffs: ["switchPortOptions"] });

    const back = await updateVia("ovn:LogicalRouterPort", cur.id, read.props!, inputs(cur.outs, {}));
    expect(await opts()).toBe("{foreign=x, nat-addresses=router, router-port=lrp0}");
    cur = { id: cur.id, outs: back.outs };

    const unset = await updateVia(
      "ovn:LogicalRouterPort",
      cur.id,
      cur.outs,
      inputs(cur.outs, {
        switchPortOptions: undefined,
      }),
    );
    expect(unset.diff.replaces).toEqual([]);
    expect(await opts()).toBe("{foreign=x, router-port=lrp0}");
    lrps[0] = { id: cur.id, outs: unset.outs };
  });

  it("static routes and NAT rules: create, list, update, delete", async () => {
    const route = await createVia("ovn:LogicalRouterStaticRoute", {
      nb,
      router: "lr0",
      ipPrefix: "10.99.0.0/16",
      nexthop: "11.0.0.254",
      owner: owner("r1"),
    });
    expect(await central.nbctl("lr-route-list", "lr0")).toMatch(/10\.99\.0\.0\/16\s+11\.0\.0\.254 dst-ip/);
    const dup = await createVia("ovn:LogicalRouterStaticRoute", {
      nb,
      router: "lr0",
      ipPrefix: "10.99.0.0/16",
      nexthop: "11.0.0.254",
      owner: "other/stack/r1",
    }).catch((e: unknown) => e);
    expect((dup as ResourceError).code).toBe("OWNED_ELSEWHERE");

    const snat = await createVia("ovn:LogicalRouterNat", {
      nb,
      router: "lr0",
      type: "snat",
      externalIp: "11.0.0.100",
      logicalIp: "192.168.0.0/24",
      owner: owner("snat"),
    });
    const fip = await createVia("ovn:LogicalRouterNat", {
      nb,
      router: "lr0",
      type: "dnat_and_snat",
      externalIp: "11.0.0.101",
      logicalIp: "192.168.0.2",
      owner: owner("fip"),
    });
    const nats = await central.nbctl("lr-nat-list", "lr0");
    expect(nats).toMatch(/snat\s+11\.0\.0\.100\s+192\.168\.0\.0\/24/);
    expect(nats).toMatch(/dnat_and_snat\s+11\.0\.0\.101\s+192\.168\.0\.2/);

    const { diff } = await updateVia("ovn:LogicalRouterNat", fip.id, fip.outs, {
      ...fip.outs,
      externalPortRange: "1024-2048",
      uuid: undefined,
    });
    expect(diff.replaces).toEqual([]);
    expect(await nbGet(central, "NAT", fip.id, "external_port_range")).toBe("1024-2048");

    for (const [t, r] of [
      ["ovn:LogicalRouterStaticRoute", route],
      ["ovn:LogicalRouterNat", snat],
      ["ovn:LogicalRouterNat", fip],
    ] as const) {
      await provider.handler(t).delete(r.id, r.outs);
    }
    expect((await central.nbctl("lr-route-list", "lr0")).trim()).toBe("");
    expect((await central.nbctl("lr-nat-list", "lr0")).trim()).toBe("");
  });

  it("router delete refuses foreign children; router port delete removes the attachment", async () => {
    const lr0 = await nbGet(central, "Logical_Router", "lr0", "_uuid");
    // The router's state as its create left it: the owner marker and the instance token it wrote.
    const lr0State = {
      nb,
      name: "lr0",
      owner: owner("lr0"),
      instance: await nbGet(central, "Logical_Router", "lr0", `external_ids:${INSTANCE_KEY}`),
    };
    await central.nbctl("lr-route-add", "lr0", "10.50.0.0/16", "11.0.0.1");
    await expectCode(provider.handler("ovn:LogicalRouter").delete(lr0, lr0State), "FOREIGN_CHILDREN");
    await central.nbctl("lr-route-del", "lr0", "10.50.0.0/16");
    for (const l of lrps) await provider.handler("ovn:LogicalRouterPort").delete(l.id, l.outs);
    expect(await count("Logical_Switch_Port", ["name=lrp0-attachment"])).toBe(0);
    expect(await count("Logical_Router_Port")).toBe(0);
    expect(await count("Gateway_Chassis")).toBe(0);
    await provider.handler("ovn:LogicalRouter").delete(lr0, lr0State);
    expect(await count("Logical_Router", ["name=lr0"])).toBe(0);
  });
});

describe("a route made by hand with ovn-nbctl", () => {
  it("is refused with NAME_TAKEN when the program spells its IPv4-mapped IPv6 differently (not duplicated)", async () => {
    await central.nbctl("lr-add", "lr-mapped");
    await central.nbctl("lr-route-add", "lr-mapped", "::FFFF:10.0.0.0/104", "::FFFF:10.0.0.1");
    await expectCode(
      createVia("ovn:LogicalRouterStaticRoute", {
        nb,
        router: "lr-mapped",
        ipPrefix: "::ffff:a00:0/104",
        nexthop: "::ffff:a00:1",
        owner: owner("mapped-route"),
      }),
      "NAME_TAKEN",
    );
    expect(await count("Logical_Router_Static_Route")).toBe(1);
    await central.nbctl("lr-del", "lr-mapped");
  });
});

describe("waitForChassis", () => {
  it("returns once hv_cfg caught up (no chassis: at once)", async () => {
    const t0 = Date.now();
    await createVia("ovn:LogicalSwitch", { nb, name: "ls-wait", waitForChassis: true, owner: owner("w") });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const nbCfg = Number(await nbGet(central, "NB_Global", ".", "nb_cfg"));
    const hvCfg = Number(await nbGet(central, "NB_Global", ".", "hv_cfg"));
    expect(hvCfg).toBeGreaterThanOrEqual(nbCfg);
  });

  it("fails with a clear message when a chassis does not catch up", async () => {
    await central.sbctl("chassis-add", "stuck", "geneve", "10.255.0.1");
    await central.sbctl("create", "Chassis_Private", "name=stuck", "nb_cfg=0");
    try {
      const e = await expectCode(
        createVia("ovn:LogicalSwitch", {
          nb,
          name: "ls-wait2",
          waitForChassis: true,
          waitTimeoutSeconds: 1,
          owner: owner("w2"),
        }),
        "NOT_APPLIED",
      );
      expect(e.message).toMatch(/did not apply it within 1 s/);
      // The row was written (like ovn-nbctl --wait=hv after its timeout): a later run adopts it as ours.
      expect(await count("Logical_Switch", ["name=ls-wait2"])).toBe(1);
    } finally {
      await central.sbctl("chassis-del", "stuck");
      await central.sbctl("--all", "destroy", "Chassis_Private");
    }
  });
});
