/**
 * ovn.PortGroup and ovn.Acl, declarations on the engine, against a real NB ovsdb-server with
 * ovn-northd: group membership owned port by port (a port added by hand survives), ACLs on a switch
 * and on a port group identified by direction+priority+match, a rule added by hand with `ovn-nbctl
 * acl-add` surviving update and delete, drift on refresh, adopt, and bad input refused before
 * anything is written. Rows checked with ovn-nbctl; logical flows with ovn-sbctl.
 */
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import { codeOf, createVia, nbGet, provider, startCentral, updateVia, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(60_000);

const PG = "ovn:PortGroup";
const ACL = "ovn:Acl";
const owner = (name: string) => `proj/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  // Two switches with two ports each, made by hand (the group spans both switches).
  for (const [sw, ports] of [
    ["acl-sw1", ["web1", "db1"]],
    ["acl-sw2", ["web2", "db2"]],
  ] as const) {
    await central.nbctl("ls-add", sw);
    for (const p of ports) await central.nbctl("lsp-add", sw, p);
  }
  await central.nbctl("lsp-add", "acl-sw1", "hand1");
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const uuidOfPort = (name: string) => nbGet(central, "Logical_Switch_Port", name, "_uuid");
/** The names of the ports of group `pg`, sorted. */
async function members(pg: string): Promise<string[]> {
  const uuids = (await nbGet(central, "Port_Group", pg, "ports"))
    .replace(/[[\]]/g, "")
    .split(", ")
    .filter(Boolean);
  const names = await Promise.all(uuids.map((u) => nbGet(central, "Logical_Switch_Port", u, "name")));
  return names.sort();
}
/** `ovn-nbctl acl-list` of a switch or port group, one line per rule. */
const aclList = async (parent: string) =>
  (await central.nbctl("acl-list", parent))
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim());
const aclCount = async () =>
  (await central.nbctl("--bare", "--columns=_uuid", "list", "ACL")).split("\n").filter(Boolean).length;

describe("ovn:PortGroup", () => {
  it("creates the group with ports on two switches; ports are owned one by one: a port added by hand survives", async () => {
    const inputs = {
      nb,
      name: "pg_web",
      ports: ["web2", "web1", "web1"],
      externalIds: { tier: "web" },
      owner: owner("web"),
    };
    const { id, outs } = await createVia(PG, inputs);
    expect(outs.ports).toEqual(["web1", "web2"]);
    expect(await members("pg_web")).toEqual(["web1", "web2"]);
    expect(await nbGet(central, "Port_Group", "pg_web", `external_ids:${OWNER_KEY}`)).toBe(owner("web"));

    // Someone adds a port by hand; the resource drops web2 and lists db2.
    await central.nbctl("add", "Port_Group", "pg_web", "ports", await uuidOfPort("hand1"));
    const news = { ...inputs, ports: ["web1", "db2"] };
    const { diff, outs: outs2 } = await updateVia(PG, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs).toEqual(["ports"]);
    expect(await members("pg_web")).toEqual(["db2", "hand1", "web1"]);

    // Refresh shows the managed ports only; a managed port removed by hand is drift.
    let r = await provider.handler(PG).read(id, outs2);
    expect(r.inputs?.ports).toEqual(["db2", "web1"]);
    await central.nbctl("remove", "Port_Group", "pg_web", "ports", await uuidOfPort("db2"));
    r = await provider.handler(PG).read(id, outs2);
    expect(r.inputs?.ports).toEqual(["web1"]);
    expect((await provider.handler(PG).diff(id, r.props!, { ...news, owner: owner("web") })).diffs).toEqual([
      "ports",
    ]);

    // An up brings it back; the hand-added port is still there.
    await updateVia(PG, id, r.props!, news);
    expect(await members("pg_web")).toEqual(["db2", "hand1", "web1"]);
  });

  it("a port that does not exist fails before anything is written (PARENT_MISSING naming it)", async () => {
    const e = await createVia(PG, {
      nb,
      name: "pg_bad",
      ports: ["web1", "nosuch"],
      owner: owner("bad"),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResourceError);
    expect((e as ResourceError).code).toBe("PARENT_MISSING");
    expect((e as Error).message).toMatch(/ports: logical switch port nosuch does not exist/);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Port_Group", "name=pg_bad")).toBe("");
  });

  it("a group made by hand is refused (NAME_TAKEN) unless adopted; adopt keeps the ports it had", async () => {
    await central.nbctl("pg-add", "pg_hand", "db1");
    expect(await codeOf(createVia(PG, { nb, name: "pg_hand", ports: ["web1"], owner: owner("h") }))).toBe(
      "NAME_TAKEN",
    );
    expect(await members("pg_hand")).toEqual(["db1"]);
    const { id } = await createVia(PG, {
      nb,
      name: "pg_hand",
      ports: ["web1"],
      adopt: true,
      owner: owner("h"),
    });
    expect(id).toBe(await nbGet(central, "Port_Group", "pg_hand", "_uuid"));
    expect(await members("pg_hand")).toEqual(["db1", "web1"]);
  });
});

describe("ovn:Acl", () => {
  const rule = { direction: "to-lport", priority: 1000, action: "allow-related" };

  it("on a switch: the row, its logical flows, an in-place update, and a rule added by hand surviving update and delete", async () => {
    await central.nbctl("acl-add", "acl-sw1", "to-lport", "900", "ip4", "drop"); // by hand
    const inputs = {
      ...rule,
      nb,
      switch: "acl-sw1",
      match: 'outport == "db1" && tcp.dst == 5432',
      name: "db-5432",
      log: true,
      severity: "info",
      options: { "apply-after-lb": "true" },
      owner: owner("db"),
    };
    const { id, outs } = await createVia(ACL, inputs);
    expect(await nbGet(central, "ACL", id, "match")).toBe('outport == \\"db1\\" && tcp.dst == 5432');
    expect(await nbGet(central, "ACL", id, "name")).toBe("db-5432");
    expect(await nbGet(central, "ACL", id, "log")).toBe("true");
    expect(await nbGet(central, "ACL", id, "options:apply-after-lb")).toBe("true");
    expect(await nbGet(central, "ACL", id, `external_ids:${OWNER_KEY}`)).toBe(owner("db"));
    expect((await aclList("acl-sw1")).sort()).toEqual([
      "to-lport   900 (ip4) drop",
      'to-lport  1000 (outport == "db1" && tcp.dst == 5432) allow-related log(name=db-5432,severity=info) [after-lb]',
    ]);
    await central.nbctl("--wait=sb", "sync");
    expect(await central.sbctl("lflow-list", "acl-sw1")).toContain('outport == "db1" && tcp.dst == 5432');

    // The action changes in place; the hand rule stays.
    const news = { ...inputs, action: "allow", log: false };
    const { diff, outs: outs2 } = await updateVia(ACL, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs.sort()).toEqual(["action", "log"]);
    expect(await nbGet(central, "ACL", id, "action")).toBe("allow");
    expect(await aclList("acl-sw1")).toHaveLength(2);

    // Drift: a change by hand shows on refresh.
    await central.nbctl("set", "ACL", id, "action=drop");
    const r = await provider.handler(ACL).read(id, outs2);
    expect(r.inputs?.action).toBe("drop");
    expect((await provider.handler(ACL).diff(id, r.props!, { ...news, owner: owner("db") })).diffs).toEqual([
      "action",
    ]);

    await provider.handler(ACL).delete(id, outs2);
    expect(await aclList("acl-sw1")).toEqual(["to-lport   900 (ip4) drop"]);
    expect((await provider.handler(ACL).read(id, outs2)).id).toBe("");
  });

  it("a rule added by hand with the same direction, priority and match is refused unless adopted", async () => {
    await central.nbctl("acl-add", "acl-sw2", "from-lport", "100", "ip6", "drop");
    const inputs = {
      ...rule,
      nb,
      direction: "from-lport",
      priority: 100,
      switch: "acl-sw2",
      match: "ip6",
      action: "allow",
      owner: owner("a"),
    };
    expect(await codeOf(createVia(ACL, inputs))).toBe("NAME_TAKEN");
    expect(await aclList("acl-sw2")).toEqual(["from-lport   100 (ip6) drop"]);
    const { id } = await createVia(ACL, { ...inputs, adopt: true });
    expect(await aclList("acl-sw2")).toEqual(["from-lport   100 (ip6) allow"]);
    expect(await nbGet(central, "ACL", id, `external_ids:${OWNER_KEY}`)).toBe(owner("a"));
  });

  it("a rule added by hand is the same rule when its match is spelled differently (OVN's tokens compared)", async () => {
    await central.nbctl("acl-add", "acl-sw2", "to-lport", "300", "ip4.src==10.6.0.1", "drop");
    const hand = (await central.nbctl("--bare", "--columns=_uuid", "find", "ACL", "priority=300")).trim();
    const before = await aclCount();
    const inputs = {
      ...rule,
      nb,
      direction: "to-lport",
      priority: 300,
      switch: "acl-sw2",
      match: "ip4.src  ==  10.6.0.1 ",
      action: "drop",
      owner: owner("spelled"),
    };
    expect(await codeOf(createVia(ACL, inputs))).toBe("NAME_TAKEN");
    expect(await aclCount()).toBe(before);
    const { id, outs } = await createVia(ACL, { ...inputs, adopt: true });
    expect(id).toBe(hand);
    expect(await aclCount()).toBe(before);
    expect(await nbGet(central, "ACL", id, `external_ids:${OWNER_KEY}`)).toBe(owner("spelled"));
    // Two rows made by hand that are one rule: adopt takes neither (the other would stay in force).
    await central.nbctl("acl-add", "acl-sw2", "to-lport", "301", "ip4.src==10.6.0.2", "drop");
    await central.nbctl(
      "--",
      "--id=@a",
      "create",
      "ACL",
      "direction=to-lport",
      "priority=301",
      'match="ip4.src == 10.6.0.2"',
      "action=drop",
      "--",
      "add",
      "Logical_Switch",
      "acl-sw2",
      "acls",
      "@a",
    );
    const twins = await aclCount();
    const e = await codeOf(
      createVia(ACL, {
        ...inputs,
        adopt: true,
        priority: 301,
        match: "ip4.src == 10.6.0.2",
        owner: owner("twins"),
      }),
    );
    expect(e).toBe("NAME_TAKEN");
    expect(await aclCount()).toBe(twins);
    // Respelling the match in the program is no change: nothing to update or replace.
    const respelled = { ...inputs, adopt: true, match: "ip4.src==10.6.0.1" };
    expect(await provider.handler(ACL).diff(id, outs, respelled)).toMatchObject({ changes: false });
  });

  it("on a port group with an address set: flows on every switch of its ports; the group is not deleted while a rule added by hand hangs off it", async () => {
    await createVia("ovn:AddressSet", {
      nb,
      name: "acl_admins",
      addresses: ["10.9.0.0/24"],
      owner: owner("adm"),
    });
    const pg = await createVia(PG, { nb, name: "pg_db", ports: ["db1", "db2"], owner: owner("pgdb") });
    const { id, outs } = await createVia(ACL, {
      ...rule,
      nb,
      portGroup: "pg_db",
      match: "outport == @pg_db && ip4.src == $acl_admins && tcp.dst == 22",
      owner: owner("ssh"),
    });
    expect(await aclList("pg_db")).toEqual([
      "to-lport  1000 (outport == @pg_db && ip4.src == $acl_admins && tcp.dst == 22) allow-related",
    ]);
    await central.nbctl("--wait=sb", "sync");
    for (const sw of ["acl-sw1", "acl-sw2"]) {
      expect(await central.sbctl("lflow-list", sw)).toContain("outport == @pg_db && ip4.src == $acl_admins");
    }

    await central.nbctl("acl-add", "pg_db", "to-lport", "800", "outport == @pg_db && ip4", "drop"); // by hand
    await provider.handler(ACL).delete(id, outs);
    expect(await aclList("pg_db")).toEqual(["to-lport   800 (outport == @pg_db && ip4) drop"]);
    expect(await codeOf(provider.handler(PG).delete(pg.id, pg.outs))).toBe("FOREIGN_CHILDREN");
    expect(await nbGet(central, "Port_Group", "pg_db", "_uuid")).toBe(pg.id);
    await central.nbctl("acl-del", "pg_db");
    await provider.handler(PG).delete(pg.id, pg.outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Port_Group", "name=pg_db")).toBe("");
  });

  it("with sb, a match only OVN's parser refuses (a type error) is undone and fails with OVN's message", async () => {
    const before = await aclCount();
    const sb = { remote: central.sb.unix };
    // IPv6 addresses compared with ip4.src: only the database knows what the set holds.
    await central.nbctl("create", "Address_Set", "name=acl_v6", 'addresses="fe80::1"');
    const inputs = {
      ...rule,
      nb,
      switch: "acl-sw1",
      priority: 1500,
      match: "ip4.src == $acl_v6",
      owner: owner("typed"),
    };
    const e = (await createVia(ACL, { ...inputs, sb }).catch((x: unknown) => x)) as ResourceError;
    expect(e).toBeInstanceOf(ResourceError);
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toMatch(
      /match: OVN cannot parse it: 128-bit constant is not compatible with 32-bit field ip4\.src/,
    );
    expect(await aclCount()).toBe(before);
    // A match OVN parses passes the same check.
    const ok = await createVia(ACL, { ...inputs, match: 'inport == "web1" && ip4', sb });
    expect(await aclCount()).toBe(before + 1);
    await provider.handler(ACL).delete(ok.id, ok.outs);
    // Without sb the type error is not seen (ovn-northd copies matches as they are).
    const blind = await createVia(ACL, inputs);
    expect(await aclCount()).toBe(before + 1);
    await provider.handler(ACL).delete(blind.id, blind.outs);
  });

  it("a switch is not deleted while a rule added by hand hangs off it; the stack's own rules do not hold it", async () => {
    const sw = await createVia("ovn:LogicalSwitch", { nb, name: "acl-sw3", owner: owner("sw3") });
    await createVia(ACL, { ...rule, nb, switch: "acl-sw3", match: "ip4", owner: owner("sw3-acl") });
    await central.nbctl("acl-add", "acl-sw3", "from-lport", "10", "ip6", "drop"); // by hand
    expect(await codeOf(provider.handler("ovn:LogicalSwitch").delete(sw.id, sw.outs))).toBe(
      "FOREIGN_CHILDREN",
    );
    expect(await aclList("acl-sw3")).toHaveLength(2);
    await central.nbctl("acl-del", "acl-sw3", "from-lport", "10", "ip6");
    await provider.handler("ovn:LogicalSwitch").delete(sw.id, sw.outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Logical_Switch", "name=acl-sw3")).toBe(
      "",
    );
  });

  it("bad input fails before anything is written", async () => {
    const before = await aclCount();
    const h = provider.handler(ACL);
    // At check (preview): a misspelled field, both parents.
    const bad = await h.check(
      {},
      { ...rule, nb, switch: "acl-sw1", match: "ip4.sorc == 10.0.0.1", owner: owner("b") },
    );
    expect(bad.failures).toEqual([
      { property: "match", reason: expect.stringMatching(/unknown field ip4\.sorc/) },
    ]);
    const both = await h.check(
      {},
      { ...rule, nb, switch: "acl-sw1", portGroup: "pg_web", match: "ip4", owner: owner("b") },
    );
    expect(both.failures.map((f) => f.property)).toEqual(["portGroup"]);
    // At create (needs the database): a set or group that does not exist, a missing parent, an action
    // this schema does not know.
    const fails = (i: Record<string, unknown>) =>
      createVia(ACL, { ...rule, nb, owner: owner("b"), ...i }).catch((e: unknown) => e);
    const missingSet = await fails({ switch: "acl-sw1", match: "ip4.src == $nosuch && outport == @nogroup" });
    expect(missingSet).toBeInstanceOf(ResourceError);
    expect((missingSet as ResourceError).code).toBe("PARENT_MISSING");
    expect((missingSet as Error).message).toMatch(/match: address set \$nosuch .*port group @nogroup/);
    expect(((await fails({ portGroup: "pg_none", match: "ip4" })) as ResourceError).code).toBe(
      "PARENT_MISSING",
    );
    const pass = (await fails({ switch: "acl-sw1", match: "ip4", action: "pass" })) as ResourceError;
    expect(pass.code).toBe("INVALID_INPUT");
    expect(pass.message).toMatch(/action: .*"pass"/);
    expect(await aclCount()).toBe(before);
    // A port group's own address sets ($pg_ip4) count as existing.
    const ok = await createVia(ACL, {
      ...rule,
      nb,
      switch: "acl-sw1",
      match: "ip4.src == $pg_web_ip4",
      owner: owner("ok"),
    });
    expect(await nbGet(central, "ACL", ok.id, "match")).toBe("ip4.src == $pg_web_ip4");
  });
});
