/**
 * Issue 11 review of ovn.Meter / ovn.Qos against a real NB ovsdb-server with ovn-northd: a meter's
 * bands can be changed in every way (the only band, all bands, a band changed by hand put back,
 * adopt with another band: ovsdb-server checks `Meter.bands` holds at least one band after each
 * mutation); a meter an ACL still names in `meter` is not deleted (STILL_REFERENCED), unless the
 * stack's own ACL goes in the same run, and a rename replaces it; a misspelled band field is refused
 * before anything is written; NAME_TAKEN for a QoS rule says what identifies it.
 */
import { SAME_RUN_WAIT_MS } from "../../../provider/engine/users";
import {
  createVia,
  errorOf,
  nbGet,
  provider,
  startCentral,
  updateVia,
  type OvnCentral,
} from "./ovn-fixtures";

jest.setTimeout(60_000);

const METER = "ovn:Meter";
const ACL = "ovn:Acl";
const QOS = "ovn:Qos";
const owner = (name: string) => `mrev/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  await central.nbctl("ls-add", "mrev-sw");
  await central.nbctl("lsp-add", "mrev-sw", "mp1");
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const uuidsIn = (s: string) => s.replace(/[[\]]/g, "").split(", ").filter(Boolean);
/** The Meter_Band rows of meter `name` as `rate/burst_size`, sorted. */
async function bands(name: string): Promise<string[]> {
  const uuids = uuidsIn(await nbGet(central, "Meter", name, "bands"));
  const band = async (u: string) =>
    `${await nbGet(central, "Meter_Band", u, "rate")}/${await nbGet(central, "Meter_Band", u, "burst_size")}`;
  return (await Promise.all(uuids.map(band))).sort();
}
const exists = async (table: string, name: string) =>
  (await central.nbctl("--bare", "--columns=name", "find", table, `name=${name}`)) !== "";
const meter = (name: string, b: object[]) => ({ nb, name, unit: "kbps", bands: b, owner: owner(name) });

describe("a meter's bands change in every way", () => {
  it("the only band changes: a new Meter_Band row replaces it", async () => {
    const m = await createVia(METER, meter("mrev-one", [{ rate: 100 }]));
    const before = await nbGet(central, "Meter", "mrev-one", "bands");
    const { diff, outs } = await updateVia(
      METER,
      m.id,
      m.outs,
      meter("mrev-one", [{ rate: 200, burstSize: 20 }]),
    );
    expect(diff.replaces).toEqual([]);
    expect(await bands("mrev-one")).toEqual(["200/20"]);
    expect(await nbGet(central, "Meter", "mrev-one", "bands")).not.toBe(before);
    expect(await central.nbctl("--bare", "--columns=_uuid", "list", "Meter_Band")).not.toContain(
      uuidsIn(before)[0],
    );
    await provider.handler(METER).delete(m.id, outs);
  });

  it("every band of a two-band meter changes", async () => {
    const m = await createVia(METER, meter("mrev-two", [{ rate: 10 }, { rate: 20 }]));
    const { outs } = await updateVia(
      METER,
      m.id,
      m.outs,
      meter("mrev-two", [{ rate: 30 }, { rate: 40, burstSize: 4 }]),
    );
    expect(await bands("mrev-two")).toEqual(["30/0", "40/4"]);
    const fewer = await updateVia(METER, m.id, outs, meter("mrev-two", [{ rate: 50 }]));
    expect(await bands("mrev-two")).toEqual(["50/0"]);
    await provider.handler(METER).delete(m.id, fewer.outs);
  });

  it("the only band changed by hand is put back by up", async () => {
    const inputs = meter("mrev-drift", [{ rate: 300 }]);
    const m = await createVia(METER, inputs);
    await central.nbctl(
      "set",
      "Meter_Band",
      uuidsIn(await nbGet(central, "Meter", "mrev-drift", "bands"))[0],
      "rate=999",
    );
    const h = provider.handler(METER);
    const r = await h.read(m.id, m.outs);
    expect(r.inputs?.bands).toEqual([{ action: "drop", rate: 999, burstSize: 0 }]);
    const checked = await h.check(r.props!, inputs);
    await h.update(m.id, r.props!, checked.inputs);
    expect(await bands("mrev-drift")).toEqual(["300/0"]);
    await h.delete(m.id, m.outs);
  });

  it("a replacement (up --replace: the same resource created again) with another band", async () => {
    const m = await createVia(METER, meter("mrev-repl", [{ rate: 70 }]));
    const again = await createVia(METER, meter("mrev-repl", [{ rate: 80, burstSize: 8 }]));
    expect(again.id).toBe(m.id);
    expect(await bands("mrev-repl")).toEqual(["80/8"]);
    await provider.handler(METER).delete(again.id, again.outs);
    expect(await exists("Meter", "mrev-repl")).toBe(false);
  });

  it("adopting a hand-made meter whose band differs", async () => {
    await central.nbctl("meter-add", "mrev-hand", "drop", "500", "kbps", "50");
    const m = await createVia(METER, { ...meter("mrev-hand", [{ rate: 600 }]), adopt: true });
    expect(m.outs.bands).toEqual([{ action: "drop", rate: 600, burstSize: 0 }]);
    expect(await bands("mrev-hand")).toEqual(["600/0"]);
    await provider.handler(METER).delete(m.id, m.outs);
  });

  it("a misspelled band field is refused at check and at create, before anything is written", async () => {
    const inputs = meter("mrev-typo", [{ rate: 10, burstsize: 5 }]);
    const checked = await provider.handler(METER).check({}, inputs);
    expect(checked.failures).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("bands[0].burstsize: unknown field") }),
    ]);
    const e = await errorOf(provider.handler(METER).create(inputs));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("accepted: action, rate, burstSize");
    expect(await exists("Meter", "mrev-typo")).toBe(false);
  });
});

describe("a meter an ACL names in `meter` is not deleted", () => {
  it("an ACL added by hand (acl-add --meter): refused at once, naming the ACL; deleted once it goes", async () => {
    const m = await createVia(METER, meter("mrev-log", [{ rate: 10 }]));
    await central.nbctl("--log", "--meter=mrev-log", "acl-add", "mrev-sw", "to-lport", "1300", "ip4", "drop");
    const t0 = Date.now();
    const e = await errorOf(provider.handler(METER).delete(m.id, m.outs));
    expect(Date.now() - t0).toBeLessThan(SAME_RUN_WAIT_MS);
    expect(e.code).toBe("STILL_REFERENCED");
    expect(e.message).toContain(
      "meter mrev-log is still named by the `meter` of a rule: ACL to-lport 1300 ip4 on logical switch mrev-sw (not managed by pulumi-ovs)",
    );
    expect(e.message).toContain("naming a meter that does not exist");
    expect(e.message).toContain("meter: m.name");
    expect(await exists("Meter", "mrev-log")).toBe(true);
    await central.nbctl("acl-del", "mrev-sw", "to-lport", "1300", "ip4");
    await provider.handler(METER).delete(m.id, m.outs);
    expect(await exists("Meter", "mrev-log")).toBe(false);
  });

  it("the stack's own ACL deleted in the same run: the meter waits for it, then goes", async () => {
    const m = await createVia(METER, meter("mrev-same", [{ rate: 10 }]));
    const acl = await createVia(ACL, {
      nb,
      switch: "mrev-sw",
      direction: "from-lport",
      priority: 1301,
      match: "ip4",
      action: "drop",
      log: true,
      meter: "mrev-same",
      owner: owner("acl-same"),
    });
    const gone = provider.handler(METER).delete(m.id, m.outs);
    await new Promise((r) => setTimeout(r, 300));
    await provider.handler(ACL).delete(acl.id, acl.outs);
    await gone;
    expect(await exists("Meter", "mrev-same")).toBe(false);
  });

  it("a rename replaces the meter (the old one stays while named)", async () => {
    const m = await createVia(METER, meter("mrev-old", [{ rate: 10 }]));
    const d = await provider.handler(METER).diff(m.id, m.outs, { ...meter("mrev-new", [{ rate: 10 }]) });
    expect(d.replaces).toEqual(["name"]);
    await provider.handler(METER).delete(m.id, m.outs);
  });
});

it("NAME_TAKEN for a QoS rule made by hand names what identifies it, not a name", async () => {
  await central.nbctl("qos-add", "mrev-sw", "from-lport", "310", "ip4", "dscp=8");
  const e = await errorOf(
    createVia(QOS, {
      nb,
      switch: "mrev-sw",
      direction: "from-lport",
      priority: 310,
      match: "ip4",
      dscp: 10,
      owner: owner("q"),
    }),
  );
  expect(e.code).toBe("NAME_TAKEN");
  expect(e.message).toContain(
    "or change its direction, priority or match (they identify a QoS rule on its logical switch)",
  );
  expect(e.message).not.toContain("another name");
});
