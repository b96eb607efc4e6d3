/**
 * ovn.LoadBalancer, a declaration on the engine, against a real NB ovsdb-server with ovn-northd:
 * the row with its VIPs, health check rows and ip_port_mappings; attachments to switches and a
 * router owned one by one (a load balancer attached by hand to the same switch survives attach,
 * detach and delete); an attachment removed by hand shows as drift on refresh and comes back with an
 * update; bad input (a VIP without port whose backends have one, a missing switch) writes nothing.
 * Rows checked with ovn-nbctl; ovn-northd's view with `ovn-sbctl`.
 */
import { ResourceError } from "../../../provider/errors";
import { OWNER_KEY } from "../../../provider/resources/common";
import { codeOf, createVia, nbGet, provider, startCentral, updateVia, type OvnCentral } from "./ovn-fixtures";

jest.setTimeout(60_000);

const LB = "ovn:LoadBalancer";
const owner = (name: string) => `proj/dev/${name}`;

let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
  for (const sw of ["lb-sw1", "lb-sw2", "lb-sw3"]) await central.nbctl("ls-add", sw);
  await central.nbctl("lsp-add", "lb-sw1", "web1");
  await central.nbctl("lr-add", "lb-lr");
  // A load balancer of someone else, on the same switch.
  await central.nbctl("lb-add", "foreign", "10.9.9.9:80", "10.9.1.1:80");
  await central.nbctl("ls-lb-add", "lb-sw1", "foreign");
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

/** The names of the load balancers a switch or router holds, sorted. */
async function lbsOf(table: "Logical_Switch" | "Logical_Router", name: string): Promise<string[]> {
  const uuids = (await nbGet(central, table, name, "load_balancer"))
    .replace(/[[\]]/g, "")
    .split(", ")
    .filter(Boolean);
  return (await Promise.all(uuids.map((u) => nbGet(central, "Load_Balancer", u, "name")))).sort();
}
const lbCount = async () =>
  (await central.nbctl("--bare", "--columns=_uuid", "list", "Load_Balancer")).split("\n").filter(Boolean)
    .length;

describe("ovn:LoadBalancer", () => {
  const base = {
    name: "web",
    vips: { "10.0.0.10:80": ["10.0.1.3:8080", "10.0.1.2:8080"], "[FD00::10]:443": ["[fd00:0::2]:443"] },
    protocol: "tcp",
    switches: ["lb-sw1", "lb-sw2"],
    routers: ["lb-lr"],
    healthChecks: [{ vip: "10.0.0.10:80", interval: 2, timeout: 1, failureCount: 2 }],
    ipPortMappings: { "10.0.1.2": "web1:10.0.1.254", "10.0.1.3": "web1:10.0.1.254" },
    owner: owner("web"),
  };
  let inputs: typeof base & { nb: { remote: string } };
  beforeAll(() => {
    inputs = { ...base, nb };
  });
  let id: string;
  let outs: Record<string, unknown>;

  it("creates the row with canonical VIPs, its health check and mappings, attached in the same transaction", async () => {
    ({ id, outs } = await createVia(LB, inputs));
    expect(await nbGet(central, "Load_Balancer", "web", "vips")).toBe(
      '{"10.0.0.10:80"="10.0.1.2:8080,10.0.1.3:8080", "[fd00::10]:443"="[fd00::2]:443"}',
    );
    expect(await nbGet(central, "Load_Balancer", "web", `external_ids:${OWNER_KEY}`)).toBe(owner("web"));
    expect(await nbGet(central, "Load_Balancer", "web", "ip_port_mappings")).toBe(
      '{"10.0.1.2"="web1:10.0.1.254", "10.0.1.3"="web1:10.0.1.254"}',
    );
    const hc = (await central.nbctl("--bare", "--columns=vip,options", "list", "Load_Balancer_Health_Check"))
      .split("\n")
      .filter(Boolean);
    expect(hc).toEqual(["10.0.0.10:80", "failure_count=2 interval=2 timeout=1"]);
    expect(await lbsOf("Logical_Switch", "lb-sw1")).toEqual(["foreign", "web"]);
    expect(await lbsOf("Logical_Switch", "lb-sw2")).toEqual(["web"]);
    expect(await lbsOf("Logical_Router", "lb-lr")).toEqual(["web"]);
    expect(outs.vips).toEqual({
      "10.0.0.10:80": ["10.0.1.2:8080", "10.0.1.3:8080"],
      "[fd00::10]:443": ["[fd00::2]:443"],
    });
    // ovn-northd publishes it to the southbound database for the switches and the router.
    await central.nbctl("--wait=sb", "sync");
    expect(
      (await central.sbctl("--bare", "--columns=name", "find", "Load_Balancer", "name=web")).trim(),
    ).toBe("web");
  });

  it("ovn-northd takes up the health check: a service monitor per backend, and it answers ARP for the probes' source", async () => {
    await central.nbctl("--wait=sb", "sync");
    const monitors = (
      await central.sbctl("--bare", "--columns=ip,port,logical_port", "list", "Service_Monitor")
    )
      .split("\n\n")
      .map((r) => r.trim().split("\n").join(" "))
      .sort();
    expect(monitors).toEqual(["10.0.1.2 8080 web1", "10.0.1.3 8080 web1"]);
    expect(await central.sbctl("lflow-list", "lb-sw1")).toMatch(/arp\.tpa == 10\.0\.1\.254 && arp\.op == 1/);
    expect(await nbGet(central, "NB_Global", ".", "options:svc_monitor_mac")).toMatch(
      /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/,
    );
  });

  it("ovn-northd monitors no backend of an IPv6 VIP (why check refuses such a health check)", async () => {
    await central.nbctl("lsp-add", "lb-sw1", "web6");
    await central.nbctl("lsp-set-addresses", "web6", "00:00:00:00:00:66 fd00::2");
    await central.nbctl("lb-add", "v6hand", "[fd00::10]:80", "[fd00::2]:80");
    await central.nbctl("ls-lb-add", "lb-sw1", "v6hand");
    await central.nbctl("set", "Load_Balancer", "v6hand", 'ip_port_mappings:"fd00::2"="web6:[fd00::fe]"');
    await central.nbctl(
      "--id=@h",
      "create",
      "Load_Balancer_Health_Check",
      'vip="[fd00::10]:80"',
      "--",
      "add",
      "Load_Balancer",
      "v6hand",
      "health_check",
      "@h",
    );
    await central.nbctl("--wait=sb", "sync");
    const ips = (await central.sbctl("--bare", "--columns=ip", "list", "Service_Monitor"))
      .split("\n")
      .filter(Boolean);
    expect(ips.sort()).toEqual(["10.0.1.2", "10.0.1.3"]); // the IPv4 VIP's backends only
    const r = await provider.handler(LB).check(
      {},
      {
        nb,
        name: "v6",
        vips: { "[fd00::10]:80": ["[fd00::2]:80"] },
        healthChecks: [{ vip: "[fd00::10]:80" }],
        ipPortMappings: { "fd00::2": "web6:[fd00::fe]" },
        owner: owner("v6"),
      },
    );
    expect(r.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/IPv6 VIP: ovn-northd monitors/)]);
    await central.nbctl("ls-lb-del", "lb-sw1", "v6hand");
    await central.nbctl("lb-del", "v6hand");
    await central.nbctl("lsp-del", "web6");
  });

  it("a second read of the same inputs changes nothing", async () => {
    const r = await provider.handler(LB).read(id, outs);
    expect((await provider.handler(LB).diff(id, r.props!, inputs)).changes).toBe(false);
  });

  it("moving from lb-sw2 to lb-sw3 detaches only this load balancer; the foreign one stays on lb-sw1", async () => {
    await central.nbctl("ls-lb-add", "lb-sw2", "foreign"); // someone attaches theirs to lb-sw2 too
    const news = { ...inputs, switches: ["lb-sw1", "lb-sw3"] };
    const { diff, outs: outs2 } = await updateVia(LB, id, outs, news);
    expect(diff).toMatchObject({ replaces: [], diffs: ["switches"] });
    expect(await lbsOf("Logical_Switch", "lb-sw1")).toEqual(["foreign", "web"]);
    expect(await lbsOf("Logical_Switch", "lb-sw2")).toEqual(["foreign"]);
    expect(await lbsOf("Logical_Switch", "lb-sw3")).toEqual(["web"]);
    outs = outs2;
  });

  it("an attachment removed by hand is drift on refresh; an update attaches it again", async () => {
    await central.nbctl("ls-lb-del", "lb-sw3", "web");
    const r = await provider.handler(LB).read(id, outs);
    expect(r.inputs?.switches).toEqual(["lb-sw1"]);
    const news = { ...inputs, switches: ["lb-sw1", "lb-sw3"] };
    expect((await provider.handler(LB).diff(id, r.props!, news)).diffs).toEqual(["switches"]);
    await updateVia(LB, id, r.props!, news);
    expect(await lbsOf("Logical_Switch", "lb-sw3")).toEqual(["web"]);
  });

  it("a health check's interval changes in place (same row); dropping it removes the row", async () => {
    const hcBefore = await central.nbctl("--bare", "--columns=_uuid", "list", "Load_Balancer_Health_Check");
    const news = {
      ...inputs,
      switches: ["lb-sw1", "lb-sw3"],
      healthChecks: [{ vip: "10.0.0.10:80", interval: 7 }],
    };
    const { outs: o2 } = await updateVia(LB, id, outs, news);
    expect(await central.nbctl("--bare", "--columns=_uuid", "list", "Load_Balancer_Health_Check")).toBe(
      hcBefore,
    );
    expect(
      (await central.nbctl("--bare", "--columns=options", "list", "Load_Balancer_Health_Check")).trim(),
    ).toBe("interval=7");
    const { outs: o3 } = await updateVia(LB, id, o2, { ...news, healthChecks: undefined });
    expect(await central.nbctl("--bare", "--columns=_uuid", "list", "Load_Balancer_Health_Check")).toBe("");
    outs = o3;
  });

  it("bad input writes nothing: a VIP without port whose backends have one; a switch that does not exist", async () => {
    const before = await lbCount();
    const checked = await provider.handler(LB).check(
      {},
      {
        nb,
        name: "bad",
        vips: { "10.0.0.20": ["10.0.1.2:80"] },
        owner: owner("bad"),
      },
    );
    expect(checked.failures).toEqual([
      {
        property: "vips",
        reason: expect.stringMatching(/VIP 10\.0\.0\.20 has no port, backend 10\.0\.1\.2:80 has one/),
      },
    ]);
    const e = await createVia(LB, {
      nb,
      name: "bad",
      vips: { "10.0.0.20:80": ["10.0.1.2:80"] },
      switches: ["lb-sw1", "nosuch1", "nosuch2"],
      routers: ["nosuch3"],
      owner: owner("bad"),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResourceError);
    expect((e as ResourceError).code).toBe("PARENT_MISSING");
    // Both arguments in one message, each with the output that orders the creation.
    expect((e as Error).message).toMatch(
      /switches: logical switch nosuch1, nosuch2 does not exist; create it first \(ovn\.LogicalSwitch\) or pass its name as an output \(e\.g\. logicalSwitch\.name\).*; routers: logical router nosuch3 does not exist.*\(e\.g\. logicalRouter\.name\)/,
    );
    expect(await lbCount()).toBe(before);
    expect(await lbsOf("Logical_Switch", "lb-sw1")).toEqual(["foreign", "web"]);
  });

  it("a load balancer made by hand is refused (NAME_TAKEN) unless adopted; adopt keeps its attachments", async () => {
    await central.nbctl("lb-add", "hand", "10.0.0.30:80", "10.0.1.2:80");
    await central.nbctl("ls-lb-add", "lb-sw2", "hand");
    const hand = {
      nb,
      name: "hand",
      vips: { "10.0.0.30:80": ["10.0.1.2:80"] },
      switches: ["lb-sw3"],
      owner: owner("h"),
    };
    expect(await codeOf(createVia(LB, hand))).toBe("NAME_TAKEN");
    expect(await lbsOf("Logical_Switch", "lb-sw3")).toEqual(["web"]);
    const { id: handId, outs: handOuts } = await createVia(LB, { ...hand, adopt: true });
    expect(handId).toBe(await nbGet(central, "Load_Balancer", "hand", "_uuid"));
    expect(await lbsOf("Logical_Switch", "lb-sw2")).toEqual(["foreign", "hand"]);
    expect(await lbsOf("Logical_Switch", "lb-sw3")).toEqual(["hand", "web"]);
    await provider.handler(LB).delete(handId, handOuts);
    expect(await lbsOf("Logical_Switch", "lb-sw2")).toEqual(["foreign"]);
  });

  it("a load balancer without vips is created; vips added, then left out, empty the column again", async () => {
    const bare = { nb, name: "bare", owner: owner("bare") };
    const { id: bareId, outs: o1 } = await createVia(LB, bare);
    expect(await nbGet(central, "Load_Balancer", "bare", "vips")).toBe("{}");
    const withVips = { ...bare, vips: { "10.0.0.40:80": ["10.0.1.2:80"] } };
    const { outs: o2 } = await updateVia(LB, bareId, o1, withVips);
    expect(await nbGet(central, "Load_Balancer", "bare", "vips")).toBe('{"10.0.0.40:80"="10.0.1.2:80"}');
    const { diff, outs: o3 } = await updateVia(LB, bareId, o2, bare);
    expect(diff).toMatchObject({ diffs: ["vips"] });
    expect(await nbGet(central, "Load_Balancer", "bare", "vips")).toBe("{}");
    await provider.handler(LB).delete(bareId, o3);
  });

  it("a switch or router holding others' load balancers or DNS rows refuses its delete (FOREIGN_CHILDREN); the stack's own do not block", async () => {
    const SW = "ovn:LogicalSwitch";
    const LR = "ovn:LogicalRouter";
    const sw = await createVia(SW, { nb, name: "lb-sw9", owner: owner("sw9") });
    const lr = await createVia(LR, { nb, name: "lb-lr9", owner: owner("lr9") });
    await central.nbctl("ls-lb-add", "lb-sw9", "foreign");
    await central.nbctl("lr-lb-add", "lb-lr9", "foreign");
    const dns = await central.nbctl("create", "DNS", 'records={"h.example.org"="10.0.0.7"}');
    await central.nbctl("add", "Logical_Switch", "lb-sw9", "dns_records", dns.trim());
    // One of this stack's own, attached there as well.
    const mine = await createVia(LB, {
      nb,
      name: "mine9",
      switches: ["lb-sw9"],
      routers: ["lb-lr9"],
      owner: owner("m"),
    });
    const swErr = await provider
      .handler(SW)
      .delete(sw.id, sw.outs)
      .catch((e: unknown) => e);
    expect(swErr).toBeInstanceOf(ResourceError);
    expect((swErr as ResourceError).code).toBe("FOREIGN_CHILDREN");
    expect((swErr as Error).message).toContain("load balancer foreign");
    expect((swErr as Error).message).toContain('DNS records {"h.example.org":"10.0.0.7"}');
    expect((swErr as Error).message).not.toContain("mine9");
    const lrErr = await provider
      .handler(LR)
      .delete(lr.id, lr.outs)
      .catch((e: unknown) => e);
    expect((lrErr as ResourceError).code).toBe("FOREIGN_CHILDREN");
    expect((lrErr as Error).message).toContain("load balancer foreign");
    expect(await lbsOf("Logical_Switch", "lb-sw9")).toEqual(["foreign", "mine9"]);
    // Once others' rows are gone, the stack's own load balancer does not block.
    await central.nbctl("ls-lb-del", "lb-sw9", "foreign");
    await central.nbctl("lr-lb-del", "lb-lr9", "foreign");
    await central.nbctl("remove", "Logical_Switch", "lb-sw9", "dns_records", dns.trim());
    await provider.handler(SW).delete(sw.id, sw.outs);
    await provider.handler(LR).delete(lr.id, lr.outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Logical_Switch", "name=lb-sw9")).toBe("");
    await provider.handler(LB).delete(mine.id, mine.outs);
  });

  it("delete removes the row and its attachments; the foreign load balancer stays attached", async () => {
    await provider.handler(LB).delete(id, outs);
    expect(await central.nbctl("--bare", "--columns=name", "find", "Load_Balancer", "name=web")).toBe("");
    expect(await lbsOf("Logical_Switch", "lb-sw1")).toEqual(["foreign"]);
    expect(await lbsOf("Logical_Switch", "lb-sw3")).toEqual([]);
    expect(await lbsOf("Logical_Router", "lb-lr")).toEqual([]);
  });
});
