/**
 * ovn.DhcpOptions, ovn.Dns and ovn.LogicalSwitchPort `dhcpv4Options` / `dhcpv6Options`, against a real NB
 * ovsdb-server with ovn-northd: a row found by its owner marker (rows others made for the same cidr
 * left alone, `adopt` by cidr), the port's reference and northd's DHCP flows for it, drift on
 * refresh, and bad input (an option OVN does not support, at preview and, with `sb`, against what
 * northd publishes; a reference to no row) refused with nothing written.
 */
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import { BUILTIN } from "../../../provider/resources/ovn/dhcp-options";
import { SAME_RUN_WAIT_MS } from "../../../provider/engine/users";
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

const DHCP = "ovn:DhcpOptions";
const LSP = "ovn:LogicalSwitchPort";
const owner = (name: string) => `proj/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };
let sb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  sb = { remote: central.sb.unix };
  await central.nbctl("ls-add", "dhcp-sw");
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

const V4 = { server_id: "10.5.0.1", server_mac: "0a:05:00:00:00:01", lease_time: "3600", router: "10.5.0.1" };
/** The uuids of the DHCP_Options rows, sorted. */
const dhcpRows = async () =>
  (await central.nbctl("--bare", "--columns=_uuid", "list", "DHCP_Options"))
    .split("\n")
    .filter(Boolean)
    .sort();

describe("ovn:DhcpOptions", () => {
  it("creates the row (uuid output), a port references it, ovn-northd makes its DHCP flows; update in place keeps keys set by hand", async () => {
    const inputs = { nb, cidr: "10.5.0.0/24", options: V4, externalIds: { net: "a" }, owner: owner("opts") };
    const { id, outs } = await createVia(DHCP, inputs);
    expect(outs.uuid).toBe(id);
    expect(await nbGet(central, "DHCP_Options", id, "cidr")).toBe("10.5.0.0/24");
    expect(await nbGet(central, "DHCP_Options", id, "options:lease_time")).toBe("3600");
    expect(await nbGet(central, "DHCP_Options", id, `external_ids:${OWNER_KEY}`)).toBe(owner("opts"));

    const port = {
      nb,
      switch: "dhcp-sw",
      name: "dhcp-p1",
      addresses: ["0a:05:00:00:00:02 10.5.0.2"],
      dhcpv4Options: id.toUpperCase(), // canonical: lower case
      owner: owner("p1"),
    };
    const p = await createVia(LSP, port);
    expect(p.outs.dhcpv4Options).toBe(id);
    expect(await nbGet(central, "Logical_Switch_Port", "dhcp-p1", "dhcpv4_options")).toBe(id);
    await central.nbctl("--wait=sb", "sync");
    const flows = await central.sbctl("lflow-list", "dhcp-sw");
    expect(flows).toContain("put_dhcp_opts(offerip = 10.5.0.2,");
    expect(flows).toContain("router = 10.5.0.1");

    // An option set by hand survives an update that changes the resource's own options.
    await central.nbctl("set", "DHCP_Options", id, "options:ntp_server=10.5.0.9");
    const news = { ...inputs, options: { ...V4, lease_time: "600", mtu: "1400" } };
    const { diff, outs: outs2 } = await updateVia(DHCP, id, outs, news);
    expect(diff).toMatchObject({ replaces: [], diffs: ["options"] });
    expect(await nbGet(central, "DHCP_Options", id, "options:lease_time")).toBe("600");
    expect(await nbGet(central, "DHCP_Options", id, "options:mtu")).toBe("1400");
    expect(await nbGet(central, "DHCP_Options", id, "options:ntp_server")).toBe("10.5.0.9");

    // Drift: a managed option changed by hand reads back as changed; a hand-set key is not claimed.
    await central.nbctl("set", "DHCP_Options", id, "options:mtu=1300");
    const r = await provider.handler(DHCP).read(id, outs2);
    expect(r.inputs?.options).toEqual({ ...V4, lease_time: "600", mtu: "1300" });

    // A port outside the stack references the row: the delete is refused naming it, nothing changes.
    await central.nbctl(
      "lsp-add",
      "dhcp-sw",
      "dhcp-hand",
      "--",
      "set",
      "Logical_Switch_Port",
      "dhcp-hand",
      `dhcpv6_options=${id}`,
    );
    const t0 = Date.now();
    const refused = await errorOf(provider.handler(DHCP).delete(id, outs2));
    expect(Date.now() - t0).toBeLessThan(SAME_RUN_WAIT_MS); // not all the stack's ports: nothing to wait for
    expect(refused.code).toBe("STILL_REFERENCED");
    expect(refused.message).toMatch(/dhcp-hand \(dhcpv6_options, not managed by pulumi-ovs\)/);
    expect(refused.message).toMatch(/dhcp-p1 \(dhcpv4_options, managed by proj\/dev\/p1\)/);
    expect(await dhcpRows()).toContain(id);
    expect(await nbGet(central, "Logical_Switch_Port", "dhcp-hand", "dhcpv6_options")).toBe(id);
    await central.nbctl("lsp-del", "dhcp-hand");

    // Only the stack's own port left: it is waited for (deleted in the same run), then the delete goes.
    const deleting = provider.handler(DHCP).delete(id, outs2);
    await new Promise((r) => setTimeout(r, 500));
    await provider.handler(LSP).delete(p.id, p.outs);
    await deleting;
    expect(await dhcpRows()).not.toContain(id);
  });

  it("is found by its marker: a row made by hand for the same cidr is left alone, an interrupted create takes its own row back", async () => {
    const hand = (await central.nbctl("create", "DHCP_Options", "cidr=10.6.0.0/24")).trim();
    const inputs = { nb, cidr: "10.6.0.0/24", options: V4, owner: owner("mine") };
    const first = await createVia(DHCP, inputs);
    expect(first.id).not.toBe(hand);
    // The same resource created again (an interrupted create, or a replacement) takes its row back.
    const again = await createVia(DHCP, inputs);
    expect(again.id).toBe(first.id);
    expect((await dhcpRows()).filter((u) => u === hand || u === first.id)).toHaveLength(2);
    await provider.handler(DHCP).delete(again.id, again.outs);
    expect(await dhcpRows()).toContain(hand);
    expect(await dhcpRows()).not.toContain(first.id);

    // adopt takes over the one row no stack manages with that cidr, keeping the keys it had.
    await central.nbctl("dhcp-options-set-options", hand, "server_id=10.6.0.1", "ntp_server=10.6.0.9");
    const adopted = await createVia(DHCP, { ...inputs, adopt: true, owner: owner("adopter") });
    expect(adopted.id).toBe(hand);
    expect(await nbGet(central, "DHCP_Options", hand, `external_ids:${OWNER_KEY}`)).toBe(owner("adopter"));
    expect(await nbGet(central, "DHCP_Options", hand, "options:ntp_server")).toBe("10.6.0.9");
    expect(await nbGet(central, "DHCP_Options", hand, "options:server_mac")).toBe(V4.server_mac);
    await provider.handler(DHCP).delete(adopted.id, adopted.outs);
    expect(await dhcpRows()).not.toContain(hand);
  });

  it("an option OVN does not support fails at preview naming options and the key, listing the accepted ones; nothing is written", async () => {
    const before = await dhcpRows();
    const bad = { nb, cidr: "10.7.0.0/24", options: { ...V4, lease_tme: "60" }, owner: owner("bad") };
    const r = await provider.handler(DHCP).check({}, bad);
    expect(r.failures).toHaveLength(1);
    // The engine shows a check failure on its top-level argument; the key leads the reason.
    expect(r.failures[0].property).toBe("options");
    expect(r.failures[0].reason).toMatch(/^\[INVALID_INPUT\] options\.lease_tme/);
    expect(r.failures[0].reason).toContain("not a DHCPv4 option");
    expect(r.failures[0].reason).toContain("lease_time");
    // Wrong values and missing mandatory options, too.
    const r2 = await provider.handler(DHCP).check(
      {},
      {
        ...bad,
        options: { server_id: "10.7.0.1", lease_time: "1h", domain_name: "example.org" },
      },
    );
    expect(r2.failures.map((f) => f.property)).toEqual(["options", "options", "options"]);
    const reasons = r2.failures.map((f) => f.reason);
    expect(reasons.filter((x) => x.startsWith("[INVALID_INPUT] options.domain_name"))).toHaveLength(1);
    expect(reasons.filter((x) => x.startsWith("[INVALID_INPUT] options.lease_time"))).toHaveLength(1);
    expect(reasons.filter((x) => x.includes("server_mac"))).toHaveLength(1); // the mandatory one left out
    await expect(createVia(DHCP, bad)).rejects.toThrow(/options\.lease_tme/);
    expect(await dhcpRows()).toEqual(before);
  });

  it("the options checked at preview are those this ovn-northd publishes (but the ones it fills in itself)", async () => {
    const published = async (table: string) =>
      Object.fromEntries(
        (await central.sbctl("--bare", "--columns=name,type", "--format=csv", "--no-headings", "list", table))
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split(","))
          .filter(([name]) => name !== "offerip" && name !== "ia_addr"),
      );
    expect(await published("DHCP_Options")).toEqual(BUILTIN[4]);
    expect(await published("DHCPv6_Options")).toEqual(BUILTIN[6]);
  });

  it("with sb, option names are checked against what ovn-northd publishes before anything is written", async () => {
    const before = await dhcpRows();
    const inputs = { nb, sb, cidr: "10.8.0.0/24", options: { ...V4, foo_bar: "1" }, owner: owner("sb") };
    // At preview only the mandatory options are checked (the names need the database).
    expect((await provider.handler(DHCP).check({}, inputs)).failures).toEqual([]);
    const e = (await createVia(DHCP, inputs).catch((x: unknown) => x)) as ResourceError;
    expect(e).toBeInstanceOf(ResourceError);
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("options.foo_bar");
    expect(e.message).toContain("DHCP_Options");
    expect(await dhcpRows()).toEqual(before);

    // An unreachable sb is blamed on sb and its remote, not on the northbound database.
    const gone = { remote: `unix:${central.sb.unix.replace(/^unix:/, "")}.gone` };
    const u = await errorOf(createVia(DHCP, { ...inputs, sb: gone, options: V4 }));
    expect(u.code).toBe("UNREACHABLE");
    expect(u.message).toContain(`sb: the OVN southbound database ${gone.remote} cannot be reached`);
    expect(await dhcpRows()).toEqual(before);

    // DHCPv6: names from DHCPv6_Options; server_id is a MAC.
    const v6 = { nb, sb, cidr: "fd05::/64", options: { server_id: "0a:05:00:00:00:01" }, owner: owner("v6") };
    const ok = await createVia(DHCP, v6);
    expect(await nbGet(central, "DHCP_Options", ok.id, "cidr")).toBe("fd05::/64");
    await expect(
      createVia(DHCP, {
        ...v6,
        options: { server_id: "0a:05:00:00:00:01", router: "fd05::1" },
        owner: owner("v6b"),
      }),
    ).rejects.toThrow(/options\.router.*DHCPv6_Options/);
    await provider.handler(DHCP).delete(ok.id, ok.outs);
  });
});

describe("ovn:LogicalSwitchPort dhcpv4Options / dhcpv6Options", () => {
  it("a cidr of the other IP family is refused while a port uses the row for the old one; without ports it changes in place", async () => {
    const inputs = { nb, cidr: "10.12.0.0/24", options: V4, owner: owner("fam") };
    const o = await createVia(DHCP, inputs);
    const port = { nb, switch: "dhcp-sw", name: "dhcp-fam", dhcpv4Options: o.id, owner: owner("fam-p") };
    const p = await createVia(LSP, port);
    const v6 = { ...inputs, cidr: "fd12::/64", options: { server_id: "0a:05:00:00:00:01" } };
    const e = await errorOf(updateVia(DHCP, o.id, o.outs, v6));
    expect(e.code).toBe("STILL_REFERENCED");
    expect(e.message).toContain(
      "cidr: fd12::/64 is an IPv6 network, but logical switch port dhcp-fam (dhcpv4_options",
    );
    expect(await nbGet(central, "DHCP_Options", o.id, "cidr")).toBe("10.12.0.0/24");
    await provider.handler(LSP).delete(p.id, p.outs);
    const u = await updateVia(DHCP, o.id, o.outs, v6);
    expect(u.outs.uuid).toBe(o.id);
    expect(await nbGet(central, "DHCP_Options", o.id, "cidr")).toBe("fd12::/64");
    await provider.handler(DHCP).delete(o.id, u.outs);
  });

  it("a uuid of no DHCP_Options row, or of the other IP version, is refused before anything is written", async () => {
    const port = {
      nb,
      switch: "dhcp-sw",
      name: "dhcp-p2",
      addresses: ["0a:05:00:00:00:03 10.5.0.3"],
      dhcpv4Options: "12345678-1234-1234-1234-123456789abc",
      owner: owner("p2"),
    };
    expect(await codeOf(createVia(LSP, port))).toBe("PARENT_MISSING");
    const v6 = await createVia(DHCP, {
      nb,
      cidr: "fd06::/64",
      options: { server_id: "0a:05:00:00:00:01" },
      owner: owner("v6port"),
    });
    expect(await codeOf(createVia(LSP, { ...port, dhcpv4Options: v6.id }))).toBe("INVALID_INPUT");
    expect(
      (await central.nbctl("--bare", "--columns=name", "find", "Logical_Switch_Port", "name=dhcp-p2")).trim(),
    ).toBe("");
    // Not a uuid at all: refused at preview.
    const r = await provider.handler(LSP).check({}, { ...port, dhcpv4Options: "opts" });
    expect(r.failures.map((f) => f.property)).toEqual(["dhcpv4Options"]);

    // The right version is written; a change by hand shows as drift.
    const p = await createVia(LSP, { ...port, dhcpv4Options: undefined, dhcpv6Options: v6.id });
    expect(await nbGet(central, "Logical_Switch_Port", "dhcp-p2", "dhcpv6_options")).toBe(v6.id);
    await central.nbctl("clear", "Logical_Switch_Port", "dhcp-p2", "dhcpv6_options");
    expect((await provider.handler(LSP).read(p.id, p.outs)).inputs?.dhcpv6Options).toBeUndefined();
    await provider.handler(LSP).delete(p.id, p.outs);
    await provider.handler(DHCP).delete(v6.id, v6.outs);
  });
});

describe("ovn:Dns", () => {
  const DNS = "ovn:Dns";
  /** The uuids in a switch's dns_records, sorted. */
  const onSwitch = async (sw: string) =>
    (await nbGet(central, "Logical_Switch", sw, "dns_records"))
      .replace(/[[\]]/g, "")
      .split(", ")
      .filter(Boolean)
      .sort();
  const dnsRows = async () =>
    (await central.nbctl("--bare", "--columns=_uuid", "list", "DNS")).split("\n").filter(Boolean).sort();

  it("creates the records attached to switches; other DNS rows on a switch stay; update, drift and delete own only its attachments", async () => {
    await central.nbctl("ls-add", "dns-sw1");
    await central.nbctl("ls-add", "dns-sw2");
    const hand = (await central.nbctl("create", "DNS", 'records={"hand.example.org"="10.9.0.9"}')).trim();
    await central.nbctl("add", "Logical_Switch", "dns-sw1", "dns_records", hand);

    const inputs = {
      nb,
      records: { "Web.Example.org": ["fd09::5", "10.9.0.5"], "db.example.org": ["10.9.0.6"] },
      switches: ["dns-sw1", "dns-sw2"],
      owner: owner("dns"),
    };
    const { id, outs } = await createVia(DNS, inputs);
    expect(outs.records).toEqual({
      "web.example.org": ["10.9.0.5", "fd09::5"],
      "db.example.org": ["10.9.0.6"],
    });
    expect(await nbGet(central, "DNS", id, "records")).toBe(
      '{db.example.org="10.9.0.6", web.example.org="10.9.0.5 fd09::5"}',
    );
    expect(await onSwitch("dns-sw1")).toEqual([hand, id].sort());
    expect(await onSwitch("dns-sw2")).toEqual([id]);
    await central.nbctl("--wait=sb", "sync");
    expect(await central.sbctl("--bare", "--columns=records", "list", "DNS")).toContain("10.9.0.5 fd09::5");

    // Update: one switch fewer, other records; the hand-made row keeps its switch.
    const news = { ...inputs, records: { "web.example.org": ["10.9.0.7"] }, switches: ["dns-sw2"] };
    const { diff, outs: outs2 } = await updateVia(DNS, id, outs, news);
    expect(diff).toMatchObject({ replaces: [], diffs: ["records", "switches"] });
    expect(await onSwitch("dns-sw1")).toEqual([hand]);
    expect(await onSwitch("dns-sw2")).toEqual([id]);
    expect(await nbGet(central, "DNS", id, "records")).toBe('{web.example.org="10.9.0.7"}');

    // Drift: a record changed and the attachment removed by hand.
    await central.nbctl("set", "DNS", id, 'records:"web.example.org"="10.9.0.8"');
    await central.nbctl("remove", "Logical_Switch", "dns-sw2", "dns_records", id);
    const r = await provider.handler(DNS).read(id, outs2);
    expect(r.inputs?.records).toEqual({ "web.example.org": ["10.9.0.8"] });
    expect(r.inputs?.switches ?? []).toEqual([]);
    await updateVia(DNS, id, r.props!, news);
    expect(await onSwitch("dns-sw2")).toEqual([id]);

    await provider.handler(DNS).delete(id, outs2);
    expect(await dnsRows()).toEqual([hand]);
    expect(await onSwitch("dns-sw1")).toEqual([hand]);
    expect(await onSwitch("dns-sw2")).toEqual([]);
  });

  it("a switch that does not exist is refused before anything is written; a bad address at preview", async () => {
    const before = await dnsRows();
    const inputs = {
      nb,
      records: { "x.example.org": ["10.9.1.1"] },
      switches: ["dns-nope"],
      owner: owner("dns2"),
    };
    expect(await codeOf(createVia(DNS, inputs))).toBe("PARENT_MISSING");
    expect(await dnsRows()).toEqual(before);
    const r = await provider.handler(DNS).check({}, { ...inputs, records: { "x.example.org": ["10.9.1"] } });
    expect(r.failures.map((f) => f.property)).toEqual(["records"]);
    expect(r.failures[0].reason).toMatch(/^\[INVALID_INPUT\] records\.x\.example\.org\[0\]/);
  });
});
