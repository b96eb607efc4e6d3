/**
 * The ovs.Flow resource kind through the generic framework, without a switch: check (zod, match
 * and action syntax with ovs-ofctl's messages, preview's unknowns), diff (what replaces, what
 * changes in place).
 */
import { existsSync } from "node:fs";
import { UNKNOWN, checkInputs, diffInputs } from "../../../provider/framework";
import { flowKind, specOf } from "../../../provider/resources/ovs/flow";

const haveOfctl = ["/usr/bin/ovs-ofctl", "/usr/local/bin/ovs-ofctl"].some(existsSync);
const withOfctl = haveOfctl ? it : it.skip;

const base = {
  host: { remote: "unix:/tmp/x/h1/db.sock" },
  bridge: "ovs0",
  priority: 1,
  match: "in_port=veth-con6",
  actions: "output:veth-con7",
  owner: "p/s/fwd",
};
const check = (over: Record<string, unknown>) => checkInputs(flowKind, { ...base, ...over });
const reasons = (r: ReturnType<typeof check>) => r.failures.map((f) => `${f.property}: ${f.reason}`);

describe("check", () => {
  withOfctl("accepts the field report's flows with port names", () => {
    expect(check({}).failures).toEqual([]);
    expect(check({ priority: 2, match: "in_port=veth-con7", actions: "drop" }).failures).toEqual([]);
    expect(check({ match: undefined, priority: 0, actions: "NORMAL" }).failures).toEqual([]);
  });

  withOfctl("normalises actions= and trailing commas", () => {
    const r = check({ actions: "actions=output:2", match: "in_port=1," });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ actions: "output:2", match: "in_port=1" });
  });

  withOfctl("fails with ovs-ofctl's own message", () => {
    expect(reasons(check({ actions: "outpt:4" }))).toEqual(["actions: ovs-ofctl: unknown action outpt"]);
    expect(reasons(check({ match: "in_prt=3" }))).toEqual(["match: ovs-ofctl: unknown keyword in_prt"]);
  });

  withOfctl("checks actions against the match once both are known", () => {
    const r = check({ match: "in_port=3", actions: "ct(commit)" });
    expect(reasons(r)).toEqual([
      expect.stringMatching(/^actions: ovs-ofctl: actions are invalid with specified match/),
    ]);
    expect(check({ match: "ip", actions: "ct(commit)" }).failures).toEqual([]);
  });

  withOfctl("blames openflowVersion when only the requested version cannot express the flow", () => {
    const r = check({ actions: "meter:1,output:2", openflowVersion: "OpenFlow10" });
    expect(reasons(r)).toEqual([
      expect.stringMatching(/^openflowVersion: ovs-ofctl -O OpenFlow10: .*OpenFlow13/),
    ]);
    expect(check({ actions: "meter:1,output:2", openflowVersion: "OpenFlow13" }).failures).toEqual([]);
    expect(reasons(check({ actions: "meter:1,output:2" }))).toEqual([
      expect.stringMatching(/^openflowVersion: ovs-ofctl: no usable protocol .*set openflowVersion/),
    ]);
    // an unknown version at preview: the actions alone are not blamed
    expect(
      checkInputs(flowKind, { ...base, actions: "meter:1,output:2", openflowVersion: UNKNOWN }).failures,
    ).toEqual([]);
  });

  withOfctl("checks match and actions even while other arguments are unknown (preview)", () => {
    const r = checkInputs(flowKind, { ...base, bridge: UNKNOWN, actions: "outpt:4" });
    expect(reasons(r)).toEqual(["actions: ovs-ofctl: unknown action outpt"]);
    expect(checkInputs(flowKind, { ...base, bridge: UNKNOWN }).failures).toEqual([]);
  });

  it("lets unknown match and actions through", () => {
    expect(checkInputs(flowKind, { ...base, match: UNKNOWN, actions: UNKNOWN }).failures).toEqual([]);
  });

  it("rejects fields that have their own argument", () => {
    expect(reasons(check({ match: "priority=3,in_port=1" }))).toEqual([
      'match: match sets priority: use the "priority" argument',
    ]);
    expect(reasons(check({ match: "in_port=1,actions=drop" }))[0]).toMatch(/actions/);
  });

  it.each([
    [{ table: 254 }, "table"],
    [{ table: -1 }, "table"],
    [{ priority: 70000 }, "priority"],
    [{ priority: 1.5 }, "priority"],
    [{ idleTimeout: -1 }, "idleTimeout"],
    [{ hardTimeout: 65536 }, "hardTimeout"],
    [{ openflowVersion: "OpenFlow16" }, "openflowVersion"],
    [{ bridge: "a-very-long-bridge-name" }, "bridge"],
    [{ endpoint: "ptcp:6653" }, "endpoint"],
    [{ actions: "" }, "actions"],
    [{ actions: undefined }, "actions"],
  ])("rejects %j", (over, property) => {
    expect(check(over).failures.map((f) => f.property)).toContain(property);
  });

  it("needs host or endpoint", () => {
    const r = check({ host: undefined });
    expect(r.failures.map((f) => f.property)).toEqual(["endpoint"]);
    expect(check({ host: undefined, endpoint: "unix:/tmp/x/ovs0.mgmt" }).failures).toEqual([]);
  });

  it("needs TLS material for an ssl: endpoint", () => {
    expect(check({ host: undefined, endpoint: "ssl:10.0.0.5:6653" }).failures.map((f) => f.property)).toEqual(
      ["tls"],
    );
    const tls = { privateKey: "k", certificate: "c", caCert: "a" };
    expect(check({ host: undefined, endpoint: "ssl:10.0.0.5:6653", tls }).failures).toEqual([]);
  });
});

describe("diff", () => {
  const olds = { ...base, cookie: "0x1201", target: "unix:/tmp/x/h1/ovs0.mgmt", installed: {} };
  it.each(["priority", "match", "actions", "table", "idleTimeout", "hardTimeout", "openflowVersion"])(
    "changes %s in place",
    (k) => {
      const value =
        k === "match"
          ? "in_port=veth-con8"
          : k === "actions"
            ? "drop"
            : k === "openflowVersion"
              ? "OpenFlow13"
              : 7;
      const d = diffInputs(flowKind, olds, { ...base, [k]: value });
      expect(d).toMatchObject({ changes: true, replaces: [], diffs: [k] });
    },
  );
  it.each([
    ["bridge", "ovs1"],
    ["host", { remote: "unix:/tmp/y/db.sock" }],
    ["endpoint", "tcp:10.0.0.5:6653"],
  ])("replaces on a new %s", (k, v) => {
    expect(diffInputs(flowKind, olds, { ...base, [k]: v }).replaces).toEqual([k]);
  });
  it("sees no change for the same inputs", () => {
    expect(diffInputs(flowKind, olds, base).changes).toBe(false);
  });
});

describe("specOf", () => {
  it("fills OpenFlow's defaults", () => {
    expect(specOf({ actions: "drop" })).toEqual({
      table: 0,
      priority: 32768,
      match: "",
      actions: "drop",
      idleTimeout: 0,
      hardTimeout: 0,
    });
  });
});
