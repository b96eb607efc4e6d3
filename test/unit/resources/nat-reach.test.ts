/**
 * Issue 12: a floating IP's logical port must be on a switch joined to its router (reachProblem,
 * pure, over rows as the provider reads them).
 */
import { reachProblem, type ReachSnapshot } from "../../../provider/resources/ovn/nat";

const U = (n: number) => `00000000-0000-0000-0000-00000000000${n}`;
const RULE = "dnat_and_snat rule 172.16.0.10 ↔ 10.0.0.5 of logical router lr0";

/** lr0 with port lr0-sw0 joined to sw0 (through sw0's router-type port); sw1 joined to lr1 only. */
const base: ReachSnapshot = {
  router: { _uuid: U(1), ports: [U(2)] },
  routerPorts: [
    { _uuid: U(2), name: "lr0-sw0" },
    { _uuid: U(3), name: "lr1-sw1" },
  ],
  port: { _uuid: U(4) },
  switches: [
    { name: "sw0", ports: [U(5), U(6)] },
    { name: "sw1", ports: [U(7), U(8)] },
  ],
  routerTypePorts: [
    { _uuid: U(5), options: { "router-port": "lr0-sw0" } },
    { _uuid: U(7), options: { "router-port": "lr1-sw1" } },
  ],
};

describe("a floating IP's logical port", () => {
  it("on a switch joined to the router: accepted (a one-element ports set as a bare uuid too)", () => {
    expect(reachProblem({ ...base, port: { _uuid: U(6) } }, RULE, "lr0", "vm1")).toBeUndefined();
    const bare = { ...base, router: { _uuid: U(1), ports: U(2) }, port: { _uuid: U(6) } };
    expect(reachProblem(bare, RULE, "lr0", "vm1")).toBeUndefined();
  });

  it("on a switch the router does not reach: INVALID_INPUT naming the rule, port, its switch and the reached ones", () => {
    const e = reachProblem({ ...base, port: { _uuid: U(8) } }, RULE, "lr0", "vm2");
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.message).toBe(
      "dnat_and_snat rule 172.16.0.10 ↔ 10.0.0.5 of logical router lr0: logicalPort vm2 is on logical switch sw1, " +
        "which logical router lr0 is not attached to (it reaches sw0). A floating IP's logical port must be on a " +
        "switch joined to the router (a switch port of type router whose options:router-port is a port of lr0, " +
        "e.g. an ovn.LogicalRouterPort with switch). Nothing was written",
    );
  });

  it("a router reaching no switch, a port on no switch", () => {
    const lone = { ...base, router: { _uuid: U(1), ports: [] }, port: { _uuid: U(6) } };
    expect(reachProblem(lone, RULE, "lr0", "vm1")?.message).toMatch(
      /vm1 is on logical switch sw0, .*\(it reaches no switch yet\)/,
    );
    const nowhere = { ...base, port: { _uuid: U(9) } };
    expect(reachProblem(nowhere, RULE, "lr0", "vm9")?.message).toMatch(/vm9 is on no logical switch/);
  });

  it("a port that does not exist: PARENT_MISSING", () => {
    const e = reachProblem({ ...base, port: undefined }, RULE, "lr0", "ghost");
    expect(e?.code).toBe("PARENT_MISSING");
    expect(e?.message).toMatch(/logicalPort ghost: logical switch port ghost does not exist/);
  });
});
