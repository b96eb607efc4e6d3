import { checkInputs, diffInputs, sameValue, UNKNOWN, wire } from "../../../provider/framework";
import { portKind } from "../../../provider/resources/ovs/port";
import { bridgeKind } from "../../../provider/resources/ovs/bridge";
import { managerKind } from "../../../provider/resources/ovs/manager";
import {
  claimExisting,
  managedView,
  mapMutations,
  planMap,
  OWNER_KEY,
} from "../../../provider/resources/common";
import { ResourceError } from "../../../provider/errors";

const host = { remote: "unix:/run/openvswitch/db.sock" };
const owner = "proj/dev/con6";
const port = (extra: Record<string, unknown> = {}) => ({
  host,
  bridge: "ovs0",
  name: "veth-con6",
  owner,
  ...extra,
});

describe("check", () => {
  it("accepts a valid port and normalises it", () => {
    const r = checkInputs(portKind, port({ tag: 100, trunks: [30, 10, 10] }));
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ tag: 100, trunks: [10, 30] });
  });

  it.each([
    [{ tag: 4096 }, "tag", /0\.\.4095/],
    [{ tag: -1 }, "tag", /0\.\.4095/],
    [{ tag: 1.5 }, "tag", /integer/],
    [
      { interface: { type: "vxlna", options: { remote_ip: "1.2.3.4" } } },
      "interface.type",
      /unknown interface type "vxlna"; accepted: .*vxlan/,
    ],
    [
      { interface: { type: "vxlan", options: { remote_ip: "1.2.3" } } },
      "interface.options.remote_ip",
      /not an IP address/,
    ],
    [{ interface: { type: "vxlan" } }, "interface.options.remote_ip", /needs options.remote_ip/],
    [{ interface: { type: "patch" } }, "interface.options.peer", /needs options.peer/],
    [{ interface: { mac: "50:54:00:00:00" } }, "interface.mac", /not a MAC address/],
    [{ name: "a-very-long-port-name" }, "name", /at most 15 characters/],
    [{ vlanMode: "sideways" }, "vlanMode", /accepted "trunk"/],
    [{ host: { remote: "ptcp:6640" } }, "host.remote", /listening remote/],
  ])("rejects %j naming %s and the accepted form", (extra, property, reason) => {
    const r = checkInputs(portKind, port(extra));
    const f = r.failures.find((x) => x.property === property);
    expect(f).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });

  it("lets preview's unknown values through", () => {
    expect(checkInputs(portKind, port({ bridge: UNKNOWN, tag: UNKNOWN })).failures).toEqual([]);
    // ...but still reports problems in known arguments.
    const r = checkInputs(portKind, port({ bridge: UNKNOWN, tag: 5000 }));
    expect(r.failures.map((f) => f.property)).toEqual(["tag"]);
  });

  it("validates bridges and managers", () => {
    expect(checkInputs(bridgeKind, { host, name: "ovs0", owner, failMode: "secure" }).failures).toEqual([]);
    expect(
      checkInputs(bridgeKind, { host, name: "ovs0", owner, failMode: "paranoid" }).failures[0].property,
    ).toBe("failMode");
    expect(
      checkInputs(bridgeKind, { host, name: "ovs0", owner, controllers: ["http://x"] }).failures[0].property,
    ).toBe("controllers[0]");
    expect(checkInputs(managerKind, { host, target: "ptcp:6640", owner }).failures).toEqual([]);
    expect(checkInputs(managerKind, { host, target: "6640", owner }).failures[0].property).toBe("target");
  });
});

describe("diff", () => {
  const olds = { ...port({ tag: 200, interface: { type: "internal" } }), uuid: "u", ofport: 3 };

  it("reports an in-place change of one argument", () => {
    const d = diffInputs(portKind, olds, port({ tag: 100, interface: { type: "internal" } }));
    expect(d).toMatchObject({ changes: true, diffs: ["tag"], replaces: [] });
  });

  it("replaces on a new name or bridge", () => {
    expect(
      diffInputs(portKind, olds, port({ tag: 200, name: "veth-x", interface: { type: "internal" } }))
        .replaces,
    ).toEqual(["name"]);
    const d = diffInputs(portKind, olds, port({ tag: 200, bridge: "ovs1", interface: { type: "internal" } }));
    expect(d).toMatchObject({ replaces: ["bridge"], deleteBeforeReplace: true });
  });

  it("reports no change when nothing changed (outputs are ignored)", () => {
    expect(diffInputs(portKind, olds, port({ tag: 200, interface: { type: "internal" } })).changes).toBe(
      false,
    );
  });

  it("treats an unknown value as a change", () => {
    expect(diffInputs(portKind, olds, port({ tag: UNKNOWN, interface: { type: "internal" } })).diffs).toEqual(
      ["tag"],
    );
  });
});

describe("sameValue", () => {
  it("treats missing, null, {} and [] as nothing", () => {
    expect(sameValue(undefined, {})).toBe(true);
    expect(sameValue(null, [])).toBe(true);
    expect(sameValue({ a: undefined }, {})).toBe(true);
    expect(sameValue({ a: "1" }, {})).toBe(false);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue({ a: { b: "x" } }, { a: { b: "x" } })).toBe(true);
    expect(sameValue(0, undefined)).toBe(false);
    expect(sameValue(false, undefined)).toBe(false);
  });
});

describe("map planning", () => {
  it("sets changed keys, removes keys dropped from the program, leaves foreign keys alone", () => {
    const live = { "iface-id": "a", attached_mac: "x", keep: "1", old: "2" };
    const plan = planMap(live, { "iface-id": "a", old: "2" }, { "iface-id": "b", keep: "1" });
    expect(plan).toEqual({ set: { "iface-id": "b" }, remove: ["old"] });
    expect(mapMutations("external_ids", plan)).toEqual([
      ["external_ids", "delete", ["old", "iface-id"]],
      ["external_ids", "insert", { "iface-id": "b" }],
    ]);
    expect(mapMutations("external_ids", { set: {}, remove: [] })).toEqual([]);
  });

  it("reads back only the managed keys", () => {
    expect(managedView({ a: "1", b: "2" }, { a: "0", c: "3" })).toEqual({ a: "1" });
  });
});

describe("ownership", () => {
  const row = (o?: string) => ({ external_ids: (o ? { [OWNER_KEY]: o } : {}) as Record<string, string> });
  it("continues with our own row", () => {
    expect(() => claimExisting({ what: "bridge b", row: row(owner), owner, adopt: false })).not.toThrow();
  });
  it("refuses a row owned elsewhere even with adopt", () => {
    const e = (() => {
      try {
        claimExisting({ what: "bridge b", row: row("other/prod/b"), owner, adopt: true });
      } catch (x) {
        return x;
      }
    })() as ResourceError;
    expect(e.code).toBe("OWNED_ELSEWHERE");
    expect(e.message).toContain("other/prod/b");
  });
  it("asks for adopt on an unmanaged row, and accepts it with adopt", () => {
    expect(() => claimExisting({ what: "bridge b", row: row(), owner, adopt: false })).toThrow(/adopt: true/);
    expect(() => claimExisting({ what: "bridge b", row: row(), owner, adopt: true })).not.toThrow();
  });
});

describe("wire", () => {
  it("drops undefined members deeply", () => {
    expect(wire({ a: undefined, b: { c: undefined, d: 1 }, e: [1, { f: undefined }] })).toEqual({
      b: { d: 1 },
      e: [1, {}],
    });
  });
});
