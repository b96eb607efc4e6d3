/**
 * Member-row arguments refuse what their object schemas would silently drop or merge: a field no
 * member declares (a misspelled `burstsize`) and a member given twice; every `rows` argument of every
 * spec, through the engine's input schema. Paths show list indices in brackets (`bands[0].rate`).
 */
import { UNKNOWN, checkInputs, type Props } from "../../../provider/framework";
import { tableSpecs } from "../../../provider/resources/specs";
import { tableKind } from "../../../provider/engine/table";
import { memberArgs } from "../../../provider/engine/members";

const nb = { remote: "tcp:10.0.0.1:6641" };
const owner = "proj/dev/r";
const check = (type: string, i: Props) => {
  const spec = tableSpecs.find((s) => s.type === type)!;
  return checkInputs(tableKind(spec), { ...i, owner }).failures;
};

const meter = { nb, name: "m1", unit: "kbps" };

describe("member-row arguments", () => {
  it("a band with an unknown field is refused, naming the path and the accepted fields", () => {
    expect(check("ovn:Meter", { ...meter, bands: [{ rate: 10, burstsize: 5 }] })).toEqual([
      {
        property: "bands[0].burstsize",
        reason: 'unknown field "burstsize"; accepted: action, rate, burstSize',
      },
    ]);
  });

  it("a band given twice (the same values once defaults apply) is refused", () => {
    const f = check("ovn:Meter", {
      ...meter,
      bands: [{ rate: 10 }, { rate: 5 }, { rate: 10, action: "drop" }],
    });
    expect(f).toEqual([{ property: "bands[2]", reason: "the same as bands[0]; give each entry once" }]);
    expect(check("ovn:Meter", { ...meter, bands: [{ rate: 10 }, { rate: 10, burstSize: 1 }] })).toEqual([]);
  });

  it("members not known yet at preview are not compared", () => {
    expect(check("ovn:Meter", { ...meter, bands: [{ rate: UNKNOWN }, { rate: UNKNOWN }] })).toEqual([]);
  });

  it("a health check given twice for one VIP is refused", () => {
    const f = check("ovn:LoadBalancer", {
      nb,
      name: "lb0",
      vips: { "10.0.0.10:80": ["10.0.1.2:8080"] },
      healthChecks: [{ vip: "10.0.0.10:80" }, { vip: "10.0.0.10:80", interval: 3 }],
      ipPortMappings: { "10.0.1.2": "web1:10.0.1.254" },
    });
    expect(f).toEqual([
      {
        property: "healthChecks[1]",
        reason: 'vip "10.0.0.10:80" is given twice (also at healthChecks[0]); one entry per vip',
      },
    ]);
  });

  it("a port's interface and a router port's gateway chassis refuse unknown fields too", () => {
    const port = check("ovs:Port", {
      host: { remote: "unix:/run/db.sock" },
      bridge: "br0",
      name: "p1",
      interface: { type: "internal", mtu_request: 1400 },
    });
    expect(port.map((f) => f.property)).toEqual(["interface.mtu_request"]);
    expect(port[0].reason).toMatch(/^unknown field "mtu_request"; accepted: .*type/);
    const lrp = check("ovn:LogicalRouterPort", {
      nb,
      router: "lr0",
      name: "lrp0",
      mac: "00:00:00:00:ff:01",
      networks: ["192.168.0.1/24"],
      gatewayChassis: ["h1", { chassis: "h2", prio: 5 }],
    });
    expect(lrp.map((f) => f.property)).toEqual(["gatewayChassis[1].prio"]);
  });

  it("every member-row argument of every spec refuses an unknown field", () => {
    const seen: string[] = [];
    for (const spec of tableSpecs) {
      for (const m of memberArgs(spec).filter((m) => !m.own && !m.rows.value)) {
        seen.push(`${spec.type}.${m.arg}`);
        const bad = m.rows.single ? { zzz: 1 } : [{ zzz: 1 }];
        const f = checkInputs(tableKind(spec), { [m.arg]: bad, owner }).failures;
        const path = m.rows.single ? `${m.arg}.zzz` : `${m.arg}[0].zzz`;
        expect({ type: spec.type, refused: f.some((x) => x.property === path) }).toEqual({
          type: spec.type,
          refused: true,
        });
      }
    }
    expect(seen).toEqual(
      expect.arrayContaining([
        "ovs:Port.interface",
        "ovn:LogicalRouterPort.gatewayChassis",
        "ovn:LoadBalancer.healthChecks",
        "ovn:Meter.bands",
      ]),
    );
  });
});
