/**
 * ovn.Meter, ovn.Qos and ovn.Acl's `meter`, declarations on the engine, against a real NB
 * ovsdb-server with ovn-northd: a meter with its bands (a changed band is a new Meter_Band row, the
 * others stay), QoS rules on a switch identified by direction+priority+match with a rule added by
 * hand with `ovn-nbctl qos-add` surviving update and delete, drift on refresh, adopt, the logical
 * flows ovn-northd makes of them, bad input refused before anything is written, and with `sb` a
 * match OVN's own parser refuses undone with OVN's message.
 */
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import { codeOf, createVia, nbGet, provider, startCentral, updateVia, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(60_000);

const METER = "ovn:Meter";
const QOS = "ovn:Qos";
const ACL = "ovn:Acl";
const owner = (name: string) => `proj/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  await central.nbctl("ls-add", "qos-sw1");
  for (const p of ["vm1", "vm2"]) await central.nbctl("lsp-add", "qos-sw1", p);
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const count = async (table: string) =>
  lines(await central.nbctl("--bare", "--columns=_uuid", "list", table)).length;
/** `ovn-nbctl qos-list` of a switch, one line per rule, sorted. */
const qosList = async (sw: string) => lines(await central.nbctl("qos-list", sw)).sort();
/** The Meter_Band rows of meter `name` as `rate/burst_size/action`, sorted. */
async function bands(name: string): Promise<string[]> {
  const uuids = (await nbGet(central, "Meter", name, "bands"))
    .replace(/[[\]]/g, "")
    .split(", ")
    .filter(Boolean);
  const band = async (u: string) =>
    (await Promise.all(["rate", "burst_size", "action"].map((c) => nbGet(central, "Meter_Band", u, c)))).join(
      "/",
    );
  return (await Promise.all(uuids.map(band))).sort();
}

describe("ovn:Meter", () => {
  it("creates the meter with its bands; a changed band is a new row, a kept band stays; drift shows on refresh", async () => {
    const inputs = {
      nb,
      name: "qos-m1",
      unit: "pktps",
      bands: [{ rate: 10, burstSize: 5 }],
      fair: true,
      externalIds: { use: "acl-log" },
      owner: owner("m1"),
    };
    const { id, outs } = await createVia(METER, inputs);
    expect(outs.bands).toEqual([{ action: "drop", rate: 10, burstSize: 5 }]);
    expect(await bands("qos-m1")).toEqual(["10/5/drop"]);
    expect(await nbGet(central, "Meter", "qos-m1", "unit")).toBe("pktps");
    expect(await nbGet(central, "Meter", "qos-m1", "fair")).toBe("true");
    expect(await nbGet(central, "Meter", "qos-m1", `external_ids:${OWNER_KEY}`)).toBe(owner("m1"));
    expect(await central.nbctl("meter-list")).toMatch(
      /qos-m1: \(fair\) bands:\s+drop: 10 pktps, 5 packet burst/,
    );

    // A second band joins; the first stays the same row.
    const band1 = await nbGet(central, "Meter", "qos-m1", "bands");
    const news = { ...inputs, bands: [{ rate: 10, burstSize: 5 }, { rate: 100 }] };
    const { diff, outs: outs2 } = await updateVia(METER, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs).toEqual(["bands"]);
    expect(await bands("qos-m1")).toEqual(["10/5/drop", "100/0/drop"]);
    expect(await nbGet(central, "Meter", "qos-m1", "bands")).toContain(band1.replace(/[[\]]/g, ""));

    // Drift: a band's rate changed by hand shows on refresh, and up brings it back.
    const u = (await nbGet(central, "Meter", "qos-m1", "bands")).replace(/[[\]]/g, "").split(", ");
    const hundred = (
      await Promise.all(
        u.map(async (x) => ((await nbGet(central, "Meter_Band", x, "rate")) === "100" ? x : "")),
      )
    ).find(Boolean)!;
    await central.nbctl("set", "Meter_Band", hundred, "rate=200");
    const r = await provider.handler(METER).read(id, outs2);
    expect(r.inputs?.bands).toHaveLength(2); // a set, in no particular order
    expect(r.inputs?.bands).toEqual(
      expect.arrayContaining([
        { action: "drop", rate: 10, burstSize: 5 },
        { action: "drop", rate: 200, burstSize: 0 },
      ]),
    );
    const checked = await provider.handler(METER).check(r.props!, { ...news, owner: owner("m1") });
    expect((await provider.handler(METER).diff(id, r.props!, checked.inputs)).diffs).toEqual(["bands"]);
    await provider.handler(METER).update(id, r.props!, checked.inputs);
    expect(await bands("qos-m1")).toEqual(["10/5/drop", "100/0/drop"]);

    await provider.handler(METER).delete(id, outs2);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Meter", "name=qos-m1")).toBe("");
  });

  it("a meter made by hand (meter-add) is refused (NAME_TAKEN) unless adopted", async () => {
    await central.nbctl("meter-add", "qos-hand", "drop", "500", "kbps", "50");
    const inputs = {
      nb,
      name: "qos-hand",
      unit: "kbps",
      bands: [{ rate: 500, burstSize: 50 }],
      owner: owner("h"),
    };
    expect(await codeOf(createVia(METER, inputs))).toBe("NAME_TAKEN");
    const { id, outs } = await createVia(METER, { ...inputs, adopt: true });
    expect(id).toBe(await nbGet(central, "Meter", "qos-hand", "_uuid"));
    expect(outs.bands).toEqual([{ action: "drop", rate: 500, burstSize: 50 }]);
    expect(await nbGet(central, "Meter", "qos-hand", `external_ids:${OWNER_KEY}`)).toBe(owner("h"));
  });

  it("bad input fails at check, naming the argument", async () => {
    const h = provider.handler(METER);
    const check = async (i: Record<string, unknown>) =>
      (
        await h.check(
          {},
          { nb, name: "qos-bad", unit: "kbps", bands: [{ rate: 1 }], owner: owner("b"), ...i },
        )
      ).failures;
    expect((await check({ unit: "mbps" })).map((f) => f.property)).toEqual(["unit"]);
    expect((await check({ bands: [] })).map((f) => f.property)).toEqual(["bands"]);
    expect((await check({ bands: [{ rate: 0 }] }))[0].property).toMatch(/^bands/);
    expect((await check({ bands: [{ rate: 10, action: "remark" }] }))[0].property).toMatch(/^bands/);
  });
});

describe("ovn:Qos", () => {
  it("on a switch: the row, its logical flows, an in-place update, and a rule added by hand surviving update and delete", async () => {
    await central.nbctl("qos-add", "qos-sw1", "to-lport", "50", "ip6", "dscp=8"); // by hand
    const inputs = {
      nb,
      switch: "qos-sw1",
      direction: "from-lport",
      priority: 100,
      match: 'inport == "vm1" && ip4',
      dscp: 46,
      bandwidth: { rate: 2000, burst: 200 },
      externalIds: { app: "voice" },
      owner: owner("q1"),
    };
    const { id, outs } = await createVia(QOS, inputs);
    expect(outs.dscp).toBe(46);
    expect(outs.bandwidth).toEqual({ rate: 2000, burst: 200 });
    expect(await nbGet(central, "QoS", id, `external_ids:${OWNER_KEY}`)).toBe(owner("q1"));
    expect(await qosList("qos-sw1")).toEqual([
      'from-lport   100 (inport == "vm1" && ip4) rate=2000 burst=200 dscp=46',
      "to-lport    50 (ip6) dscp=8",
    ]);
    await central.nbctl("--wait=sb", "sync");
    const flows = await central.sbctl("lflow-list", "qos-sw1");
    expect(flows).toContain("ip.dscp = 46");
    expect(flows).toContain("set_meter(2000, 200)");

    // The mark changes and the limit goes, in place; the hand rule stays.
    const news = { ...inputs, dscp: 10, bandwidth: undefined };
    const { diff, outs: outs2 } = await updateVia(QOS, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs.sort()).toEqual(["bandwidth", "dscp"]);
    expect(await qosList("qos-sw1")).toEqual([
      'from-lport   100 (inport == "vm1" && ip4) dscp=10',
      "to-lport    50 (ip6) dscp=8",
    ]);

    // Drift: a change by hand shows on refresh.
    await central.nbctl("set", "QoS", id, "action:dscp=12");
    const r = await provider.handler(QOS).read(id, outs2);
    expect(r.inputs?.dscp).toBe(12);
    expect((await provider.handler(QOS).diff(id, r.props!, { ...news, owner: owner("q1") })).diffs).toEqual([
      "dscp",
    ]);

    // A new match replaces the rule.
    const moved = await provider.handler(QOS).diff(id, outs2, { ...news, match: "ip4", owner: owner("q1") });
    expect(moved.replaces).toEqual(["match"]);

    await provider.handler(QOS).delete(id, outs2);
    expect(await qosList("qos-sw1")).toEqual(["to-lport    50 (ip6) dscp=8"]);
    expect((await provider.handler(QOS).read(id, outs2)).id).toBe("");
  });

  it("a rule added by hand with the same direction, priority and match is refused unless adopted", async () => {
    await central.nbctl("qos-add", "qos-sw1", "from-lport", "300", "ip4", "rate=100");
    const inputs = {
      nb,
      switch: "qos-sw1",
      direction: "from-lport",
      priority: 300,
      match: "ip4",
      dscp: 0,
      owner: owner("a"),
    };
    expect(await codeOf(createVia(QOS, inputs))).toBe("NAME_TAKEN");
    const { id, outs } = await createVia(QOS, { ...inputs, adopt: true });
    expect(await nbGet(central, "QoS", id, "action")).toBe("{dscp=0}");
    expect(await nbGet(central, "QoS", id, `external_ids:${OWNER_KEY}`)).toBe(owner("a"));
    // Adopted, the row is as declared: the limit the program does not state is gone.
    expect(await nbGet(central, "QoS", id, "bandwidth")).toBe("{}");
    expect((await provider.handler(QOS).read(id, outs)).inputs?.bandwidth).toBeUndefined();
  });

  it("a switch is not deleted while a rule added by hand hangs off it; the stack's own rules do not hold it", async () => {
    const sw = await createVia("ovn:LogicalSwitch", { nb, name: "qos-sw2", owner: owner("sw2") });
    await createVia(QOS, {
      nb,
      switch: "qos-sw2",
      direction: "to-lport",
      priority: 1,
      match: "ip4",
      dscp: 1,
      owner: owner("sw2-q"),
    });
    await central.nbctl("qos-add", "qos-sw2", "to-lport", "2", "ip6", "dscp=2"); // by hand
    expect(await codeOf(provider.handler("ovn:LogicalSwitch").delete(sw.id, sw.outs))).toBe(
      "FOREIGN_CHILDREN",
    );
    await central.nbctl("qos-del", "qos-sw2", "to-lport", "2", "ip6");
    await provider.handler("ovn:LogicalSwitch").delete(sw.id, sw.outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Logical_Switch", "name=qos-sw2")).toBe(
      "",
    );
  });

  it("bad input fails before anything is written", async () => {
    const before = await count("QoS");
    const h = provider.handler(QOS);
    const rule = {
      nb,
      switch: "qos-sw1",
      direction: "to-lport",
      priority: 10,
      match: "ip4",
      dscp: 4,
      owner: owner("b"),
    };
    const failures = async (i: Record<string, unknown>) => (await h.check({}, { ...rule, ...i })).failures;
    // At check (preview): a misspelled field, no action, values outside the columns' ranges.
    expect(await failures({ match: "ip4.sorc == 10.0.0.1" })).toEqual([
      { property: "match", reason: expect.stringMatching(/unknown field ip4\.sorc/) },
    ]);
    // Neither argument set: a failure of the resource (the engine shows no `value {<nil>}`), naming dscp.
    expect(await failures({ dscp: undefined })).toEqual([
      { property: "", reason: expect.stringMatching(/dscp: .*set dscp, bandwidth, or both/) },
    ]);
    expect((await failures({ dscp: 64 })).map((f) => f.property)).toEqual(["dscp"]);
    expect((await failures({ priority: 40000 })).map((f) => f.property)).toEqual(["priority"]);
    expect((await failures({ bandwidth: { rate: 0 } }))[0].property).toMatch(/^bandwidth/);
    expect((await failures({ bandwidth: { burst: 10 } }))[0].property).toMatch(/^bandwidth/);
    // At create (needs the database): an address set that does not exist, a missing switch.
    const missingSet = (await createVia(QOS, { ...rule, match: "ip4.src == $qos_nosuch" }).catch(
      (e: unknown) => e,
    )) as ResourceError;
    expect(missingSet).toBeInstanceOf(ResourceError);
    expect(missingSet.code).toBe("PARENT_MISSING");
    expect(missingSet.message).toMatch(/match: address set \$qos_nosuch/);
    expect(await codeOf(createVia(QOS, { ...rule, switch: "qos-none" }))).toBe("PARENT_MISSING");
    expect(await count("QoS")).toBe(before);
  });
});

describe("ovn:Qos with sb: OVN's own parser confirms the match", () => {
  it("a match only ovn-northd's flows show wrong (an IPv6 address set on ip4.src) is undone with OVN's message; a good one stays", async () => {
    await central.nbctl("create", "Address_Set", "name=qos_v6", 'addresses="fe80::1"');
    const sb = { remote: central.sb.unix };
    const rule = {
      nb,
      sb,
      switch: "qos-sw1",
      direction: "from-lport",
      priority: 700,
      dscp: 10,
      bandwidth: { rate: 500 },
      owner: owner("sb"),
    };
    const before = await count("QoS");
    const listed = await qosList("qos-sw1");
    // The preview check passes it: what $qos_v6 holds is only known to the database.
    expect(
      (await provider.handler(QOS).check({}, { ...rule, match: "ip4.src == $qos_v6" })).failures,
    ).toEqual([]);
    const e = (await createVia(QOS, { ...rule, match: "ip4.src == $qos_v6" }).catch(
      (x: unknown) => x,
    )) as ResourceError;
    expect(e).toBeInstanceOf(ResourceError);
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toMatch(
      /match: OVN cannot parse it: 128-bit constant is not compatible with 32-bit field ip4\.src\. \(the QoS rule was removed again\)$/,
    );
    // Nothing stays: no row, the switch's rules as before, and (after northd) no flow of the match.
    expect(await count("QoS")).toBe(before);
    expect(await qosList("qos-sw1")).toEqual(listed);
    await central.nbctl("--wait=sb", "sync");
    expect(await central.sbctl("lflow-list", "qos-sw1")).not.toContain("$qos_v6");

    // The same check passes a match OVN parses: the rule and its flows stay.
    const ok = await createVia(QOS, { ...rule, match: "ip6.src == $qos_v6" });
    expect(await count("QoS")).toBe(before + 1);
    const flows = await central.sbctl("lflow-list", "qos-sw1");
    expect(flows).toMatch(
      /ls_in_qos_mark.*priority=700.*match=\(ip6\.src == \$qos_v6\), action=\(ip\.dscp = 10; next;\)/,
    );
    expect(flows).toMatch(
      /ls_in_qos_meter.*priority=700.*match=\(ip6\.src == \$qos_v6\), action=\(set_meter\(500\); next;\)/,
    );
    await provider.handler(QOS).delete(ok.id, ok.outs);

    // Without sb the refused match is not seen: the rule is written and ovn-controller would ignore it.
    const blind = await createVia(QOS, { ...rule, sb: undefined, match: "ip4.src == $qos_v6" });
    expect(await count("QoS")).toBe(before + 1);
    await provider.handler(QOS).delete(blind.id, blind.outs);
    expect(await count("QoS")).toBe(before);
  });

  it("a match refused at preview never reaches the database: ip4 &&, tcp.dst == 99999, ip4.src == 1.2.3.4/33", async () => {
    const h = provider.handler(QOS);
    const rule = { nb, switch: "qos-sw1", direction: "to-lport", priority: 20, dscp: 4, owner: owner("pv") };
    const reasons = async (match: string) => (await h.check({}, { ...rule, match })).failures;
    expect(await reasons("ip4 &&")).toEqual([
      { property: "match", reason: expect.stringMatching(/match: a constant expected at the end/) },
    ]);
    expect(await reasons("tcp.dst == 99999")).toEqual([
      { property: "match", reason: expect.stringMatching(/tcp\.dst has 16 bits/) },
    ]);
    expect(await reasons("ip4.src == 1.2.3.4/33")).toEqual([
      { property: "match", reason: expect.stringMatching(/above 32/) },
    ]);
  });
});

describe("ovn:Acl meter", () => {
  it("a meter that does not exist fails before the write (PARENT_MISSING naming meter); an existing one is written", async () => {
    const before = await count("ACL");
    const rule = {
      nb,
      switch: "qos-sw1",
      direction: "to-lport",
      priority: 1000,
      match: "ip4",
      action: "allow",
      log: true,
      meter: "qos-acl-meter",
      owner: owner("acl"),
    };
    const e = (await createVia(ACL, rule).catch((x: unknown) => x)) as ResourceError;
    expect(e).toBeInstanceOf(ResourceError);
    expect(e.code).toBe("PARENT_MISSING");
    expect(e.message).toMatch(/meter: meter qos-acl-meter does not exist/);
    expect(await count("ACL")).toBe(before);

    await createVia(METER, {
      nb,
      name: "qos-acl-meter",
      unit: "pktps",
      bands: [{ rate: 5 }],
      owner: owner("am"),
    });
    const { id } = await createVia(ACL, rule);
    expect(await nbGet(central, "ACL", id, "meter")).toBe("qos-acl-meter");
    expect(await count("ACL")).toBe(before + 1);
  });
});
