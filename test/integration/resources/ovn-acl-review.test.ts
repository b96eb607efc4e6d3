/**
 * Issue 11 review of ovn.AddressSet / ovn.PortGroup / ovn.Acl against a real NB ovsdb-server with
 * ovn-northd: a set or group an ACL's or a QoS rule's match still names is not deleted (STILL_REFERENCED, the rules
 * named), unless the stack's own rule goes in the same run; a group holding ports others added is
 * not deleted (FOREIGN_CHILDREN, the ports named); hand-made rules named by direction, priority and
 * match; the `sb` check of an ACL on a group without ports (no flows) completes.
 */
import { SAME_RUN_WAIT_MS } from "../../../provider/engine/users";
import { createVia, errorOf, provider, startCentral, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(60_000);

const AS = "ovn:AddressSet";
const PG = "ovn:PortGroup";
const ACL = "ovn:Acl";
const owner = (name: string) => `rev/dev/${name}`;
const rule = { direction: "to-lport", priority: 1000, action: "allow-related" };

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  await central.nbctl("ls-add", "rev-sw");
  for (const p of ["rp1", "rp2", "rhand"]) await central.nbctl("lsp-add", "rev-sw", p);
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const exists = async (table: string, name: string) =>
  (await central.nbctl("--bare", "--columns=name", "find", table, `name=${name}`)) !== "";

describe("a set or group an ACL match names is not deleted", () => {
  it("an address set named by a rule added by hand: refused at once, the rule named with its switch", async () => {
    const set = await createVia(AS, {
      nb,
      name: "rev_admins",
      addresses: ["10.1.0.0/24"],
      owner: owner("adm"),
    });
    await central.nbctl(
      "acl-add",
      "rev-sw",
      "to-lport",
      "1200",
      "ip4.src == $rev_admins && tcp.dst == 22",
      "allow",
    );
    const t0 = Date.now();
    const e = await errorOf(provider.handler(AS).delete(set.id, set.outs));
    expect(Date.now() - t0).toBeLessThan(SAME_RUN_WAIT_MS); // not the stack's rule: nothing to wait for
    expect(e.code).toBe("STILL_REFERENCED");
    expect(e.message).toContain(
      'address set rev_admins is still named by the match of a rule: ACL to-lport 1200 "ip4.src == $rev_admins && tcp.dst == 22" on logical switch rev-sw (not managed by pulumi-ovs)',
    );
    expect(e.message).toMatch(/^\[STILL_REFERENCED\] ovn\.AddressSet "rev_admins" on /);
    expect(e.message).toContain("pulumi.interpolate`ip4.src == $${set.name}`");
    expect(await exists("Address_Set", "rev_admins")).toBe(true);
    await central.nbctl("acl-del", "rev-sw", "to-lport", "1200", "ip4.src == $rev_admins && tcp.dst == 22");
    await provider.handler(AS).delete(set.id, set.outs);
    expect(await exists("Address_Set", "rev_admins")).toBe(false);
  });

  it("an address set named by a QoS rule added by hand: refused, the QoS rule named", async () => {
    const set = await createVia(AS, { nb, name: "rev_qos", addresses: ["10.2.0.0/24"], owner: owner("q") });
    await central.nbctl("qos-add", "rev-sw", "from-lport", "300", "ip4.dst == $rev_qos", "dscp=10");
    const e = await errorOf(provider.handler(AS).delete(set.id, set.outs));
    expect(e.code).toBe("STILL_REFERENCED");
    expect(e.message).toContain(
      'address set rev_qos is still named by the match of a rule: QoS rule from-lport 300 "ip4.dst == $rev_qos" on logical switch rev-sw (not managed by pulumi-ovs)',
    );
    expect(await exists("Address_Set", "rev_qos")).toBe(true);
    await central.nbctl("qos-del", "rev-sw", "from-lport", "300", "ip4.dst == $rev_qos");
    await provider.handler(AS).delete(set.id, set.outs);
    expect(await exists("Address_Set", "rev_qos")).toBe(false);
  });

  it("a port group named as $group_ip4 by the stack's rule on a switch: waited for when that rule goes in the same run", async () => {
    const pg = await createVia(PG, { nb, name: "rev_web", ports: ["rp1"], owner: owner("web") });
    const acl = await createVia(ACL, {
      ...rule,
      nb,
      switch: "rev-sw",
      match: "ip4.src == $rev_web_ip4 && tcp.dst == 5432", // a literal: Pulumi sees no order
      owner: owner("from-web"),
    });
    // Both deleted in the same run, the group first: it waits for the rule, then goes.
    const groupGone = provider.handler(PG).delete(pg.id, pg.outs);
    await new Promise((r) => setTimeout(r, 300));
    await provider.handler(ACL).delete(acl.id, acl.outs);
    await groupGone;
    expect(await exists("Port_Group", "rev_web")).toBe(false);
  });

  it("the stack's rule that stays: refused after the wait, naming the rule, its parent and its owner", async () => {
    const pg = await createVia(PG, { nb, name: "rev_db", ports: ["rp2"], owner: owner("db") });
    const other = await createVia(PG, { nb, name: "rev_app", ports: ["rp1"], owner: owner("app") });
    const acl = await createVia(ACL, {
      ...rule,
      nb,
      portGroup: "rev_app",
      match: "outport == @rev_app && ip4.src == $rev_db_ip4",
      owner: owner("app-from-db"),
    });
    const t0 = Date.now();
    const e = await errorOf(provider.handler(PG).delete(pg.id, pg.outs));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(SAME_RUN_WAIT_MS - 200);
    expect(e.code).toBe("STILL_REFERENCED");
    expect(e.message).toContain(
      'port group rev_db is still named by the match of a rule: ACL to-lport 1000 "outport == @rev_app && ip4.src == $rev_db_ip4" on port group rev_app (managed by rev/dev/app-from-db)',
    );
    expect(e.message).toContain("pulumi.interpolate`outport == @${group.name}`");
    expect(await exists("Port_Group", "rev_db")).toBe(true);
    // The group's own rules naming it (@rev_app) go with it: they do not hold it.
    await provider.handler(ACL).delete(acl.id, acl.outs);
    await provider.handler(PG).delete(pg.id, pg.outs);
    const own = await createVia(ACL, {
      ...rule,
      nb,
      portGroup: "rev_app",
      match: "outport == @rev_app",
      owner: owner("own"),
    });
    expect(own.id).toBeTruthy();
    await provider.handler(PG).delete(other.id, other.outs);
    expect(await exists("Port_Group", "rev_app")).toBe(false);
    expect(await exists("Port_Group", "rev_db")).toBe(false);
  });
});

describe("a port group holding what others added is not deleted", () => {
  it("a port added by hand: FOREIGN_CHILDREN naming it; a rule added by hand named by direction, priority and match", async () => {
    const pg = await createVia(PG, { nb, name: "rev_hand", ports: ["rp1"], owner: owner("hand") });
    await central.nbctl("pg-set-ports", "rev_hand", "rp1", "rhand");
    await central.nbctl(
      "acl-add",
      "rev_hand",
      "from-lport",
      "700",
      "inport == @rev_hand && ip4.dst == 10.0.0.1",
      "drop",
    );
    const e = await errorOf(provider.handler(PG).delete(pg.id, pg.outs));
    expect(e.code).toBe("FOREIGN_CHILDREN");
    expect(e.message).toContain('ACL from-lport 700 "inport == @rev_hand && ip4.dst == 10.0.0.1"');
    expect(e.message).toContain("members others added: logical switch port rhand");
    expect(e.message).not.toContain("rp1");
    await central.nbctl("acl-del", "rev_hand");
    expect((await errorOf(provider.handler(PG).delete(pg.id, pg.outs))).code).toBe("FOREIGN_CHILDREN");
    expect(await exists("Port_Group", "rev_hand")).toBe(true);
    await central.nbctl("pg-set-ports", "rev_hand", "rp1");
    await provider.handler(PG).delete(pg.id, pg.outs);
    expect(await exists("Port_Group", "rev_hand")).toBe(false);
    // The ports themselves are never touched.
    expect(await exists("Logical_Switch_Port", "rhand")).toBe(true);
  });
});

describe("the sb check of an ACL on a port group without ports", () => {
  it("completes: ovn-northd makes no flows, so create waits for ovn-northd only and the rule is written", async () => {
    const pg = await createVia(PG, { nb, name: "rev_empty", owner: owner("empty") });
    const t0 = Date.now();
    const acl = await createVia(ACL, {
      ...rule,
      nb,
      sb: { remote: central.sb.unix },
      portGroup: "rev_empty",
      match: "outport == @rev_empty && tcp.dst == 80",
      owner: owner("empty-acl"),
    });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(await central.nbctl("acl-list", "rev_empty")).toContain("outport == @rev_empty && tcp.dst == 80");
    await central.nbctl("--wait=sb", "sync");
    expect(await central.sbctl("lflow-list")).not.toContain("rev_empty");
    // Once the group has a port, ovn-northd makes its flows.
    await central.nbctl("--wait=sb", "pg-set-ports", "rev_empty", "rp2");
    expect(await central.sbctl("lflow-list", "rev-sw")).toContain("outport == @rev_empty && tcp.dst == 80");
    await central.nbctl("clear", "Port_Group", "rev_empty", "ports");
    await provider.handler(ACL).delete(acl.id, acl.outs);
    await provider.handler(PG).delete(pg.id, pg.outs);
  });
});
