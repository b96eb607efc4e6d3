/**
 * Issue 11 review of ovn.PortGroup / ovn.Acl / ovn.AddressSet, the parts that need no server: the
 * names a match uses for a set or a group (what a delete must not leave dangling), renaming a set or
 * group replaces it, child rows named by their identifying columns in messages, the resource named
 * in every error, and check failures the engine can show without `value {<nil>}`.
 */
import { checkInputs, diffInputs, engineFailure, makeHandler } from "../../../provider/framework";
import { ResourceError } from "../../../provider/errors";
import { namesOf } from "../../../provider/resources/ovn/match";
import { describeRow } from "../../../provider/engine/rows";
import { identify } from "../../../provider/engine/table";
import { aclKind, aclSpec } from "../../../provider/resources/ovn/acl";
import { addressSetKind, addressSetSpec } from "../../../provider/resources/ovn/address-set";
import { portGroupKind, portGroupSpec } from "../../../provider/resources/ovn/port-group";
import { switchSpec } from "../../../provider/resources/ovn/logical-switch";
import { routerSpec } from "../../../provider/resources/ovn/logical-router";

const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };

describe("the names a match uses for an address set or a port group", () => {
  const m = 'outport == @web && ip4.src == {$admins, $web_ip4, $web_ip6, $webx_ip4} && inport != "@db"';
  it("an address set as $name only", () => {
    expect(namesOf(m, "Address_Set", "admins")).toEqual(["$admins"]);
    expect(namesOf(m, "Address_Set", "admin")).toEqual([]);
    expect(namesOf(m, "Address_Set", "web")).toEqual([]);
  });
  it("a port group as @name and as its address sets $name_ip4 / $name_ip6", () => {
    expect(namesOf(m, "Port_Group", "web")).toEqual(["@web", "$web_ip4", "$web_ip6"]);
    expect(namesOf(m, "Port_Group", "webx")).toEqual(["$webx_ip4"]);
    expect(namesOf(m, "Port_Group", "db")).toEqual([]); // inside a quoted string: a port name
    expect(namesOf("ip4.src == $db_ip4", "Port_Group", "db")).toEqual(["$db_ip4"]);
  });
});

describe("renaming an address set or a port group", () => {
  it.each([
    [addressSetKind, { nb, name: "admins", addresses: ["10.0.0.1"], owner: "p/s/admins" }],
    [portGroupKind, { nb, name: "web", ports: ["web1"], owner: "p/s/web" }],
  ])("replaces the row (ACL matches built from the name output follow it)", (kind, i) => {
    const olds = checkInputs(kind, i).inputs;
    expect(diffInputs(kind, olds, { ...olds, name: "renamed" }).replaces).toEqual(["name"]);
  });
});

describe("child rows in messages", () => {
  it("by their identifying columns: ACLs by direction, priority and match; others by name", () => {
    const acl = {
      _uuid: "u1",
      direction: "to-lport",
      priority: 800,
      match: "outport == @db && ip4",
      name: null,
    };
    const pgAcls = portGroupSpec.children!.find((c) => c.column === "acls")!;
    expect(describeRow(pgAcls.noun, acl, pgAcls.describedBy)).toBe(
      'ACL to-lport 800 "outport == @db && ip4"',
    );
    const swAcls = switchSpec.children!.find((c) => c.column === "acls")!;
    expect(describeRow(swAcls.noun, acl, swAcls.describedBy)).toBe(
      'ACL to-lport 800 "outport == @db && ip4"',
    );
    const ports = switchSpec.children!.find((c) => c.column === "ports")!;
    expect(describeRow(ports.noun, { _uuid: "u2", name: "hand1" }, ports.describedBy)).toBe("port hand1");
    const nat = routerSpec.children!.find((c) => c.column === "nat")!;
    expect(
      describeRow(
        nat.noun,
        { _uuid: "u3", type: "snat", external_ip: "172.16.0.1", logical_ip: "10.0.0.0/24" },
        nat.describedBy,
      ),
    ).toBe("NAT rule snat 172.16.0.1 10.0.0.0/24");
    const route = routerSpec.children!.find((c) => c.column === "static_routes")!;
    expect(
      describeRow(
        route.noun,
        { _uuid: "u4", ip_prefix: "0.0.0.0/0", nexthop: "10.0.0.254" },
        route.describedBy,
      ),
    ).toBe("static route 0.0.0.0/0 10.0.0.254");
  });
  it("empty and unset columns are left out; a row with nothing to show is named by its uuid", () => {
    expect(describeRow("port", { _uuid: "u5", name: [] })).toBe("port u5");
    expect(
      describeRow("ACL", { _uuid: "u6", direction: "to-lport", priority: 1, match: "ip4", name: null }, [
        "direction",
        "name",
        "match",
      ]),
    ).toBe("ACL to-lport ip4");
  });
});

describe("errors name the resource", () => {
  /** An ACL whose log name is not its Pulumi resource name. */
  const i = {
    nb,
    switch: "sw0",
    direction: "to-lport",
    priority: 1,
    match: "ip4",
    action: "drop",
    name: "log-name",
    owner: "proj/dev/web-http",
  };
  it("a row without a name (an ACL) by its Pulumi resource name, not by its log name", () => {
    expect(identify(aclSpec, i)).toBe("web-http");
    expect(identify(addressSetSpec, { ...i, name: "admins" })).toBe("admins");
  });
  it("in the message the engine shows", async () => {
    const h = makeHandler({
      ...aclKind,
      create: () => Promise.reject(new ResourceError("PARENT_MISSING", "match: x")),
    });
    const e = (await h.create(i).catch((x: unknown) => x)) as ResourceError;
    expect(e.message).toMatch(/^\[PARENT_MISSING\] ovn\.Acl "web-http" on .*: match: x$/);
  });
});

describe("check failures as the engine shows them (no `value {<nil>}`)", () => {
  const i = { nb, options: { "apply-after-lb": "maybe" }, match: "ip4" };
  it("a failure of a set top-level argument stays as it is", () => {
    expect(engineFailure({ property: "match", reason: "match: bad" }, i)).toEqual({
      property: "match",
      reason: "[INVALID_INPUT] match: bad",
    });
  });
  it("a nested path goes as its top-level argument, the path leading the reason", () => {
    expect(engineFailure({ property: "options.apply-after-lb", reason: 'accepted "true"' }, i)).toEqual({
      property: "options",
      reason: '[INVALID_INPUT] options.apply-after-lb: accepted "true"',
    });
  });
  it("an argument left out goes as a failure of the resource", () => {
    expect(engineFailure({ property: "switch", reason: "set switch or portGroup" }, i)).toEqual({
      property: "",
      reason: "[INVALID_INPUT] switch: set switch or portGroup",
    });
  });
  it("through a handler's check, for every kind", async () => {
    const h = makeHandler(aclKind);
    const r = await h.check(
      {},
      { nb, direction: "to-lport", priority: 1, match: "ip4", action: "drop", owner: "p/s/a" },
    );
    expect(r.failures).toEqual([
      { property: "", reason: expect.stringMatching(/^\[INVALID_INPUT\] switch: set switch or portGroup/) },
    ]);
    const pg = await makeHandler(portGroupKind).check(
      {},
      { nb, name: "web", ports: ["ok", "1 bad"], owner: "p/s/w" },
    );
    expect(pg.failures.map((f) => f.property)).toEqual(["ports"]);
  });
});
