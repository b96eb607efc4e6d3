/**
 * Planning: create and update steps from the family's live flows. The order is the no-window
 * guarantee: every add comes before the deletes it makes obsolete; an actions-only change is one
 * strict modify; nothing changes when nothing differs.
 */
import { cookieBase } from "../../../provider/openflow/cookie";
import { cookieAfter, planCreate, planUpdate, type FlowStep } from "../../../provider/openflow/plan";
import type { DumpedFlow, FlowSpec } from "../../../provider/openflow/syntax";

const base = cookieBase("proj/stack/flow");
const c = (g: number): bigint => base | BigInt(g);

const spec = (over: Partial<FlowSpec> = {}): FlowSpec => ({
  table: 0,
  priority: 1,
  match: "in_port=veth-con6",
  actions: "output:veth-con7",
  idleTimeout: 0,
  hardTimeout: 0,
  ...over,
});
const live = (cookie: bigint, over: Partial<FlowSpec> = {}): DumpedFlow => ({
  ...spec(over),
  cookie,
  flags: [],
  line: `cookie=0x${cookie.toString(16)}`,
});

/** Index of the first add, and of every delete: adds must come first. */
function assertAddsFirst(steps: FlowStep[]): void {
  const lastAdd = steps.map((s) => s.kind).lastIndexOf("add");
  const firstDelete = steps.findIndex((s) => s.kind === "delete");
  if (lastAdd >= 0 && firstDelete >= 0) expect(lastAdd).toBeLessThan(firstDelete);
}

describe("planCreate", () => {
  it("adds generation 1 on an empty family", () => {
    expect(planCreate(base, [], spec())).toEqual([{ kind: "add", cookie: c(1), flow: spec() }]);
  });
  it("adds under a free generation, then deletes leftovers", () => {
    const steps = planCreate(base, [live(c(1)), live(c(2), { priority: 9 })], spec());
    expect(steps[0]).toEqual({ kind: "add", cookie: c(3), flow: spec() });
    expect(steps.slice(1)).toEqual([
      { kind: "delete", cookie: c(1) },
      { kind: "delete", cookie: c(2) },
    ]);
    assertAddsFirst(steps);
    expect(cookieAfter(base, steps)).toBe(c(3));
  });
});

describe("planUpdate", () => {
  const installed = { ...spec(), match: "in_port=veth-con6", actions: "output:veth-con7" };

  it("plans nothing when nothing differs", () => {
    const steps = planUpdate({
      current: c(1),
      previous: spec(),
      installed,
      desired: spec(),
      live: [live(c(1))],
    });
    expect(steps).toEqual([]);
    expect(cookieAfter(c(1), steps)).toBe(c(1));
  });

  it("changes actions alone with one strict modify under the same cookie", () => {
    const desired = spec({ actions: "drop" });
    const steps = planUpdate({ current: c(1), previous: spec(), installed, desired, live: [live(c(1))] });
    expect(steps).toEqual([{ kind: "modify", cookie: c(1), flow: desired }]);
  });

  it("puts the program's actions back when the live actions drifted", () => {
    const steps = planUpdate({
      current: c(1),
      previous: spec({ actions: "drop" }), // what refresh reported
      installed: { ...installed, actions: "drop" },
      desired: spec(),
      live: [live(c(1), { actions: "drop" })],
    });
    expect(steps).toEqual([{ kind: "modify", cookie: c(1), flow: spec() }]);
  });

  it.each([
    ["priority", { priority: 2 }],
    ["match", { match: "in_port=veth-con8" }],
    ["table", { table: 1 }],
    ["idle timeout", { idleTimeout: 30 }],
    ["hard timeout", { hardTimeout: 30 }],
  ])("a new %s adds the next generation, then deletes the old one", (_what, over) => {
    const desired = spec(over);
    const steps = planUpdate({ current: c(1), previous: spec(), installed, desired, live: [live(c(1))] });
    expect(steps).toEqual([
      { kind: "add", cookie: c(2), flow: desired },
      { kind: "delete", cookie: c(1) },
    ]);
    assertAddsFirst(steps);
  });

  it("re-adds a flow deleted by hand (nothing to delete)", () => {
    const steps = planUpdate({ current: c(1), previous: spec(), installed, desired: spec(), live: [] });
    expect(steps).toEqual([{ kind: "add", cookie: c(2), flow: spec() }]);
  });

  it("replaces a flow whose match renders differently now (port re-created under another number)", () => {
    const steps = planUpdate({
      current: c(1),
      previous: spec(),
      installed,
      desired: spec(),
      live: [live(c(1), { match: "in_port=3" })],
    });
    expect(steps.map((s) => s.kind)).toEqual(["add", "delete"]);
  });

  it("cleans leftovers of other generations, after the add", () => {
    const steps = planUpdate({
      current: c(5),
      previous: spec(),
      installed,
      desired: spec({ priority: 3 }),
      live: [live(c(5)), live(c(6), { priority: 3 })],
    });
    expect(steps[0]).toEqual({ kind: "add", cookie: c(7), flow: spec({ priority: 3 }) });
    expect(steps.slice(1).map((s) => s.cookie)).toEqual([c(5), c(6)]);
  });

  it("keeps the cookie and deletes leftovers when only those differ", () => {
    const steps = planUpdate({
      current: c(1),
      previous: spec(),
      installed,
      desired: spec(),
      live: [live(c(1)), live(c(9), { priority: 4 })],
    });
    expect(steps).toEqual([{ kind: "delete", cookie: c(9) }]);
  });
});
