/**
 * ovn.AddressSet, a resource that is only a declaration: its whole lifecycle (guarded create,
 * adopt, update of columns and managed keys, refresh, owner-checked delete) comes from the
 * engine. Against a real NB ovsdb-server with ovn-northd; rows checked with ovn-nbctl, and a
 * match using the set checked by ovn-northd's logical flows.
 */
import { INSTANCE_KEY, OWNER_KEY } from "../../../provider/resources/common";
import { codeOf, createVia, nbGet, provider, startCentral, updateVia, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(60_000);

const type = "ovn:AddressSet";
const owner = (name: string) => `proj/dev/${name}`;

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

const addresses = async (name: string) =>
  (await nbGet(central, "Address_Set", name, "addresses"))
    .replace(/[[\]"]/g, "")
    .split(", ")
    .filter(Boolean);

describe("ovn:AddressSet", () => {
  it("creates the set with canonical addresses, the owner marker and the instance token", async () => {
    const { id, outs } = await createVia(type, {
      nb,
      name: "as_web",
      addresses: ["10.0.0.5", "10.1.0.0/16", "10.0.0.5", "FD00::1/128", "fd00:1::/64"],
      externalIds: { team: "net" },
      owner: owner("web"),
    });
    expect(outs.uuid).toBe(id);
    expect(outs.addresses).toEqual(["10.0.0.5", "10.1.0.0/16", "fd00:1::/64", "fd00::1"]);
    expect((await addresses("as_web")).sort()).toEqual(["10.0.0.5", "10.1.0.0/16", "fd00:1::/64", "fd00::1"]);
    expect(await nbGet(central, "Address_Set", "as_web", `external_ids:${OWNER_KEY}`)).toBe(owner("web"));
    expect(await nbGet(central, "Address_Set", "as_web", `external_ids:${INSTANCE_KEY}`)).toBe(outs.instance);
    expect(await nbGet(central, "Address_Set", "as_web", "external_ids:team")).toBe("net");
  });

  it("a match using $name is accepted by ovn-northd (an ACL on a switch becomes logical flows)", async () => {
    await central.nbctl("ls-add", "as-sw");
    await central.nbctl("acl-add", "as-sw", "to-lport", "1001", "ip4.src == $as_web", "drop");
    await central.nbctl("--wait=sb", "sync");
    const flows = await central.sbctl("lflow-list", "as-sw");
    expect(flows).toMatch(/ip4\.src == \$as_web/);
    await central.nbctl("ls-del", "as-sw");
  });

  it("refuses a taken name (NAME_TAKEN, OWNED_ELSEWHERE) and writes nothing; adopt takes an unowned set over", async () => {
    await central.nbctl(
      "create",
      "Address_Set",
      "name=as_hand",
      'addresses="10.9.0.1"',
      "external_ids:keep=1",
    );
    expect(
      await codeOf(createVia(type, { nb, name: "as_hand", addresses: ["10.9.0.2"], owner: owner("h") })),
    ).toBe("NAME_TAKEN");
    expect(await addresses("as_hand")).toEqual(["10.9.0.1"]);
    expect(await codeOf(createVia(type, { nb, name: "as_web", owner: "other/stack/web" }))).toBe(
      "OWNED_ELSEWHERE",
    );

    const { id } = await createVia(type, {
      nb,
      name: "as_hand",
      addresses: ["10.9.0.2"],
      adopt: true,
      owner: owner("h"),
    });
    expect(id).toBe(await nbGet(central, "Address_Set", "as_hand", "_uuid"));
    expect(await addresses("as_hand")).toEqual(["10.9.0.2"]);
    expect(await nbGet(central, "Address_Set", "as_hand", "external_ids:keep")).toBe("1");
  });

  it("updates in place, leaves foreign keys alone, refresh shows drift, a rename is guarded", async () => {
    const inputs = { nb, name: "as_u", addresses: ["10.2.0.1"], externalIds: { a: "1" }, owner: owner("u") };
    const { id, outs } = await createVia(type, inputs);
    await central.nbctl("set", "Address_Set", "as_u", "external_ids:foreign=x");
    const news = { ...inputs, addresses: ["10.2.0.2", "10.2.0.3"], externalIds: { b: "2" } };
    const { diff, outs: outs2 } = await updateVia(type, id, outs, news);
    expect(diff.replaces).toEqual([]);
    expect(diff.diffs.sort()).toEqual(["addresses", "externalIds"]);
    expect((await addresses("as_u")).sort()).toEqual(["10.2.0.2", "10.2.0.3"]);
    const ids = await nbGet(central, "Address_Set", "as_u", "external_ids");
    expect(ids).toContain("foreign=x");
    expect(ids).toContain('b="2"');
    expect(ids).not.toContain('a="1"');

    await central.nbctl("add", "Address_Set", "as_u", "addresses", '"10.2.0.9"');
    const r = await provider.handler(type).read(id, outs2);
    expect(r.inputs?.addresses).toEqual(expect.arrayContaining(["10.2.0.9"]));
    const d = await provider.handler(type).diff(id, r.props!, { ...news, owner: owner("u") });
    expect(d.diffs).toEqual(["addresses"]);

    // A rename onto a name another row holds is refused without writing.
    expect(await codeOf(updateVia(type, id, outs2, { ...news, name: "as_hand" }))).toBe("NAME_TAKEN");
    expect(await nbGet(central, "Address_Set", "as_u", "_uuid")).toBe(id);
  });

  it("deletes only what this instance holds; a set deleted by hand reads as gone", async () => {
    const { id, outs } = await createVia(type, { nb, name: "as_d", owner: owner("d") });
    await provider.handler(type).delete(id, outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Address_Set", "name=as_d")).toBe("");

    // Another stack's set and an unowned one are never deleted.
    const hand = await nbGet(central, "Address_Set", "as_web", "_uuid");
    await provider.handler(type).delete(hand, { nb, name: "as_web", owner: owner("someone-else") });
    expect(await nbGet(central, "Address_Set", "as_web", "_uuid")).toBe(hand);

    const g = await createVia(type, { nb, name: "as_gone", owner: owner("g") });
    await central.nbctl("destroy", "Address_Set", g.id);
    expect((await provider.handler(type).read(g.id, g.outs)).id).toBe("");
  });

  it("rejects bad input at check time with the argument and the accepted form", async () => {
    const r = await provider.handler(type).check(
      {},
      {
        nb,
        name: "9bad-name",
        addresses: ["10.0.0.1/24", "not-an-ip"],
        owner: owner("bad"),
      },
    );
    const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(byProp.name).toMatch(/^\[INVALID_INPUT\] name: accepted letters/);
    // Elements go as the argument (the engine shows a top-level argument's value), named in the reason.
    const addresses = r.failures.filter((f) => f.property === "addresses").map((f) => f.reason);
    expect(addresses).toEqual([
      expect.stringMatching(/addresses\[0\]: .*host bits set \(the network is 10\.0\.0\.0\/24\)/),
      expect.stringMatching(/addresses\[1\]: .*not a prefix/),
    ]);
  });
});
