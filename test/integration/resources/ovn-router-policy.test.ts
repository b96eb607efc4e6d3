/**
 * ovn.LogicalRouterPolicy (issue 12), a declaration on the engine, against a real NB ovsdb-server
 * with ovn-northd: the row as `ovn-nbctl lr-policy-list` shows it and the `lr_in_policy` flows
 * ovn-northd makes of it, an in-place update, drift on refresh, a policy added by hand with
 * `lr-policy-add` surviving update and delete, the same priority and match added by hand refused
 * unless adopted, a router not deleted under a hand-added policy, bad input refused before anything
 * is written, and with `sb` a match OVN's own parser refuses undone with OVN's message.
 */
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import {
  codeOf,
  createVia,
  errorOf,
  nbGet,
  provider,
  startCentral,
  updateVia,
  type OvnCentral,
} from "./ovn-fixtures";

jest.setTimeout(60_000);

const POLICY = "ovn:LogicalRouterPolicy";
const owner = (name: string) => `proj/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  await central.nbctl("lr-add", "pol-lr1");
  await central.nbctl("lrp-add", "pol-lr1", "pol-lr1-a", "0a:00:00:00:01:01", "10.0.1.1/24");
  await central.nbctl("lrp-add", "pol-lr1", "pol-lr1-b", "0a:00:00:00:02:01", "10.0.2.1/24");
  await central.nbctl("lrp-add", "pol-lr1", "pol-lr1-c", "0a:00:00:00:03:01", "10.0.3.1/24");
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim().replace(/\s+/g, " "))
    .filter(Boolean);
const count = async () =>
  lines(await central.nbctl("--bare", "--columns=_uuid", "list", "Logical_Router_Policy")).length;
/** `ovn-nbctl lr-policy-list` of a router, one line per policy (spaces collapsed), heading left out. */
const policyList = async (lr: string) =>
  lines(await central.nbctl("lr-policy-list", lr)).filter((l) => l !== "Routing Policies");
/** The `lr_in_policy` flows of a router, after ovn-northd caught up. */
async function policyFlows(lr: string): Promise<string[]> {
  await central.nbctl("--wait=sb", "sync");
  return lines(await central.sbctl("lflow-list", lr)).filter((l) => l.includes("lr_in_policy"));
}

describe("ovn:LogicalRouterPolicy", () => {
  it("reroute: the row, its flow, an in-place update to drop, drift on refresh; a hand-added policy survives", async () => {
    await central.nbctl("lr-policy-add", "pol-lr1", "50", "ip6", "allow"); // by hand
    const inputs = {
      nb,
      sb: { remote: central.sb.unix },
      router: "pol-lr1",
      priority: 100,
      match: "ip4.src == 10.0.1.0/24 && ip4.dst == 10.0.2.30",
      action: "reroute",
      nexthops: ["10.0.3.2"],
      options: { pkt_mark: "7" },
      externalIds: { app: "fw" },
      owner: owner("p1"),
    };
    const { id, outs } = await createVia(POLICY, inputs);
    expect(outs.uuid).toBe(id);
    expect(outs.nexthops).toEqual(["10.0.3.2"]);
    expect(await nbGet(central, "Logical_Router_Policy", id, `external_ids:${OWNER_KEY}`)).toBe(owner("p1"));
    // The nexthops column, not the deprecated nexthop.
    expect(await nbGet(central, "Logical_Router_Policy", id, "nexthop")).toBe("[]");
    expect(await policyList("pol-lr1")).toEqual([
      "100 ip4.src == 10.0.1.0/24 && ip4.dst == 10.0.2.30 reroute 10.0.3.2 pkt_mark=7",
      "50 ip6 allow",
    ]);
    const flows = await policyFlows("pol-lr1");
    expect(flows).toContainEqual(
      expect.stringMatching(
        /priority=100 , match=\(ip4\.src == 10\.0\.1\.0\/24 && ip4\.dst == 10\.0\.2\.30\), action=\(pkt\.mark = 7; reg0 = 10\.0\.3\.2; .*outport = "pol-lr1-c";/,
      ),
    );

    // Drop instead, in place: the next hops and the mark go; the hand policy stays.
    const news = { ...inputs, action: "drop", nexthops: undefined, options: undefined };
    const { diff, outs: outs2 } = await updateVia(POLICY, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs.sort()).toEqual(["action", "nexthops", "options"]);
    expect(outs2.uuid).toBe(id);
    expect(await policyList("pol-lr1")).toEqual([
      "100 ip4.src == 10.0.1.0/24 && ip4.dst == 10.0.2.30 drop",
      "50 ip6 allow",
    ]);
    expect(await policyFlows("pol-lr1")).toContainEqual(
      expect.stringMatching(
        /priority=100 , match=\(ip4\.src == 10\.0\.1\.0\/24 && ip4\.dst == 10\.0\.2\.30\), action=\(drop;\)/,
      ),
    );

    // Drift: the action changed by hand shows on refresh.
    await central.nbctl("set", "Logical_Router_Policy", id, "action=allow");
    const r = await provider.handler(POLICY).read(id, outs2);
    expect(r.inputs?.action).toBe("allow");
    expect(
      (await provider.handler(POLICY).diff(id, r.props!, { ...news, owner: owner("p1") })).diffs,
    ).toEqual(["action"]);

    await provider.handler(POLICY).delete(id, outs2);
    expect(await policyList("pol-lr1")).toEqual(["50 ip6 allow"]);
    expect((await provider.handler(POLICY).read(id, outs2)).id).toBe("");
    await central.nbctl("lr-policy-del", "pol-lr1", "50", "ip6");
  });

  it("a policy added by hand with the same priority and match refuses the create (NAME_TAKEN) unless adopted", async () => {
    await central.nbctl("lr-policy-add", "pol-lr1", "300", "ip4.dst == 10.0.2.40", "allow", "pkt_mark=3");
    const inputs = {
      nb,
      router: "pol-lr1",
      priority: 300,
      match: "ip4.dst == 10.0.2.40",
      action: "drop",
      owner: owner("a"),
    };
    const before = await count();
    const e = await errorOf(createVia(POLICY, inputs));
    expect(e.code).toBe("NAME_TAKEN");
    expect(e.message).toMatch(/router policy 300 "ip4\.dst == 10\.0\.2\.40"/);
    expect(e.message).toMatch(/adopt/);
    expect(await count()).toBe(before);
    expect(await policyList("pol-lr1")).toEqual(["300 ip4.dst == 10.0.2.40 allow pkt_mark=3"]);

    const { id, outs } = await createVia(POLICY, { ...inputs, adopt: true });
    expect(await count()).toBe(before);
    expect(await nbGet(central, "Logical_Router_Policy", id, `external_ids:${OWNER_KEY}`)).toBe(owner("a"));
    // Adopted, the row is as declared: the action given, the option the program does not state kept
    // (options are managed by key).
    expect(await policyList("pol-lr1")).toEqual(["300 ip4.dst == 10.0.2.40 drop pkt_mark=3"]);
    await provider.handler(POLICY).delete(id, outs);
    expect(await policyList("pol-lr1")).toEqual([]);
  });

  it("a router is not deleted while a policy added by hand hangs off it; the stack's own policies do not hold it", async () => {
    const lr = await createVia("ovn:LogicalRouter", { nb, name: "pol-lr2", owner: owner("lr2") });
    await createVia(POLICY, {
      nb,
      router: "pol-lr2",
      priority: 10,
      match: "ip4",
      action: "allow",
      owner: owner("lr2-p"),
    });
    await central.nbctl("lr-policy-add", "pol-lr2", "20", "ip4.dst == 10.9.9.9", "drop"); // by hand
    const e = await errorOf(provider.handler("ovn:LogicalRouter").delete(lr.id, lr.outs));
    expect(e.code).toBe("FOREIGN_CHILDREN");
    expect(e.message).toMatch(/router polic/);
    expect(e.message).toContain("ip4.dst == 10.9.9.9");
    await central.nbctl("lr-policy-del", "pol-lr2", "20", "ip4.dst == 10.9.9.9");
    await provider.handler("ovn:LogicalRouter").delete(lr.id, lr.outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Logical_Router", "name=pol-lr2")).toBe(
      "",
    );
  });

  it("bad input fails before anything is written", async () => {
    const before = await count();
    const h = provider.handler(POLICY);
    const policy = { nb, router: "pol-lr1", priority: 10, match: "ip4", action: "drop", owner: owner("b") };
    const failures = async (i: Record<string, unknown>) => (await h.check({}, { ...policy, ...i })).failures;
    // At check (preview).
    expect((await failures({ match: "ip4.dst = 10.0.0.1 &&" })).map((f) => f.property)).toEqual(["match"]);
    expect(await failures({ action: "reroute" })).toEqual([
      { property: "", reason: expect.stringMatching(/nexthops: action "reroute" needs nexthops/) },
    ]);
    expect((await failures({ nexthops: ["10.0.3.2"] })).map((f) => f.property)).toEqual(["nexthops"]);
    // At create (needs the database): an address set that does not exist, a missing router.
    const missingSet = await errorOf(createVia(POLICY, { ...policy, match: "ip4.dst == $pol_nosuch" }));
    expect(missingSet).toBeInstanceOf(ResourceError);
    expect(missingSet.code).toBe("PARENT_MISSING");
    expect(missingSet.message).toMatch(/match: address set \$pol_nosuch/);
    expect(await codeOf(createVia(POLICY, { ...policy, router: "pol-none" }))).toBe("PARENT_MISSING");
    expect(await count()).toBe(before);
  });
});

describe("ovn:LogicalRouterPolicy naming an address set", () => {
  it("the address set is not deleted while a policy's match names it (STILL_REFERENCED naming the policy)", async () => {
    const set = await createVia("ovn:AddressSet", {
      nb,
      name: "pol_dst",
      addresses: ["10.0.2.50"],
      owner: owner("set"),
    });
    const p = await createVia(POLICY, {
      nb,
      router: "pol-lr1",
      priority: 400,
      match: "ip4.dst == $pol_dst",
      action: "drop",
      owner: owner("set-p"),
    });
    const e = await errorOf(provider.handler("ovn:AddressSet").delete(set.id, set.outs));
    expect(e.code).toBe("STILL_REFERENCED");
    expect(e.message).toContain('router policy 400 "ip4.dst == $pol_dst" on logical router pol-lr1');
    await provider.handler(POLICY).delete(p.id, p.outs);
    await provider.handler("ovn:AddressSet").delete(set.id, set.outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Address_Set", "name=pol_dst")).toBe("");
  });
});

describe("ovn:LogicalRouterPolicy with sb: OVN's own parser confirms the match", () => {
  it("a match only ovn-northd's flows show wrong (an IPv6 address set on ip4.dst) is undone with OVN's message", async () => {
    await central.nbctl("create", "Address_Set", "name=pol_v6", 'addresses="fe80::1"');
    const rule = {
      nb,
      sb: { remote: central.sb.unix },
      router: "pol-lr1",
      priority: 700,
      action: "drop",
      owner: owner("sb"),
    };
    const before = await count();
    expect(
      (await provider.handler(POLICY).check({}, { ...rule, match: "ip4.dst == $pol_v6" })).failures,
    ).toEqual([]);
    const e = await errorOf(createVia(POLICY, { ...rule, match: "ip4.dst == $pol_v6" }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toMatch(
      /match: OVN cannot parse it: 128-bit constant is not compatible with 32-bit field ip4\.dst\. \(the router policy was removed again\)$/,
    );
    expect(await count()).toBe(before);
    expect((await policyFlows("pol-lr1")).join("\n")).not.toContain("$pol_v6");

    const ok = await createVia(POLICY, { ...rule, match: "ip6.dst == $pol_v6" });
    expect(await count()).toBe(before + 1);
    expect(await policyFlows("pol-lr1")).toContainEqual(
      expect.stringMatching(/priority=700 , match=\(ip6\.dst == \$pol_v6\), action=\(drop;\)/),
    );
    await provider.handler(POLICY).delete(ok.id, ok.outs);
    expect(await count()).toBe(before);
  });
});
