/**
 * Issue 9, kind 1: a create-before-delete replacement (`pulumi up --replace`) makes a second
 * instance of one resource, with the same owner marker. These are the pure decisions that keep the
 * old instance's delete off the row (or flow) the new instance took over: the per-instance token of
 * OVSDB rows, the framework that hands it out, and the cookie instance of flows.
 */
import fc from "fast-check";
import { z } from "zod";
import {
  INSTANCE_KEY,
  OWNER_KEY,
  claimExisting,
  holdsRow,
  markerChanges,
  ownedIds,
  refuseSuperseded,
  supersededRow,
} from "../../../provider/resources/common";
import { planRowUpdate } from "../../../provider/resources/ovn/common";
import { makeHandler, type Instance, type Props, type ResourceKind } from "../../../provider/framework";
import { ResourceError } from "../../../provider/errors";
import {
  EXACT_MASK,
  FAMILY_MASK,
  RESOURCE_MASK,
  cookieBase,
  cookieSelector,
  familyOf,
  firstCookie,
  instanceOf,
  newInstanceBase,
  resourceOf,
} from "../../../provider/openflow/cookie";
import { planCreate, planUpdate, type FlowStep } from "../../../provider/openflow/plan";
import type { DumpedFlow, FlowSpec } from "../../../provider/openflow/syntax";

const owner = "proj/dev/p";

describe("row tokens: who holds a row", () => {
  it("a replacement's takeover moves the row to the new instance; the old one no longer holds it", () => {
    const old = { owner, instance: "t1" };
    const row = ownedIds({ user: "1" }, old);
    expect(row).toEqual({ user: "1", [OWNER_KEY]: owner, [INSTANCE_KEY]: "t1" });
    expect(holdsRow(row, old)).toBe(true);

    // The replacement's create finds the row with its own marker: it may take it over...
    expect(() =>
      claimExisting({ what: "port p", row: { external_ids: row }, owner, adopt: false }),
    ).not.toThrow();
    // ...and writes only its token (the marker is already right).
    const next = { owner, instance: "t2" };
    expect(markerChanges(row, next)).toEqual({ [INSTANCE_KEY]: "t2" });
    const after = { ...row, ...markerChanges(row, next) };

    expect(holdsRow(after, next)).toBe(true);
    expect(holdsRow(after, old)).toBe(false); // the old instance's delete leaves it
    expect(supersededRow(after, old)).toBe(true); // its refresh reads it as gone
    expect(supersededRow(after, next)).toBe(false);
    expect(() => refuseSuperseded("port p", after, old)).toThrow(ResourceError);
    expect(() => refuseSuperseded("port p", after, next)).not.toThrow();
    expect(() => refuseSuperseded("port p", after, undefined)).not.toThrow(); // create: no previous state
  });

  it("an interrupted create (row with our marker, no state) is taken over by the next create", () => {
    const leftover = ownedIds(undefined, { owner, instance: "t0" });
    const next = { owner, instance: "t3" };
    expect(() =>
      claimExisting({ what: "port p", row: { external_ids: leftover }, owner, adopt: false }),
    ).not.toThrow();
    expect(holdsRow({ ...leftover, ...markerChanges(leftover, next) }, next)).toBe(true);
  });

  it("state from before tokens holds rows without a token only", () => {
    const legacy = { owner };
    const legacyRow = { [OWNER_KEY]: owner };
    expect(holdsRow(legacyRow, legacy)).toBe(true); // a plain destroy still deletes it
    expect(supersededRow(legacyRow, legacy)).toBe(false);
    const takenOver = { ...legacyRow, [INSTANCE_KEY]: "t9" };
    expect(holdsRow(takenOver, legacy)).toBe(false); // a newer instance holds it
    expect(supersededRow(takenOver, legacy)).toBe(true);
    expect(ownedIds(undefined, legacy)).toEqual({ [OWNER_KEY]: owner });
  });

  it("rows of another resource or stack are neither held nor superseded", () => {
    const others: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { [OWNER_KEY]: "proj/prod/p", [INSTANCE_KEY]: "t1" },
    ];
    for (const ids of others) {
      expect(holdsRow(ids, { owner, instance: "t1" })).toBe(false);
      expect(supersededRow(ids, { owner, instance: "t1" })).toBe(false);
    }
  });

  it("other marker keys (the chassis' pair) work the same", () => {
    const keys = { owner: "c-owner", instance: "c-inst" };
    const ids = ownedIds({ "ovn-remote": "x" }, { owner, instance: "a" }, keys);
    expect(ids).toEqual({ "ovn-remote": "x", "c-owner": owner, "c-inst": "a" });
    expect(holdsRow(ids, { owner, instance: "a" }, keys)).toBe(true);
    expect(holdsRow(ids, { owner, instance: "a" })).toBe(false); // the row keys are not the chassis keys
  });

  it("a northbound row update writes marker and token together", () => {
    const live = { _uuid: "u1", external_ids: { [OWNER_KEY]: owner, [INSTANCE_KEY]: "t1", keep: "x" } };
    const ops = planRowUpdate("Logical_Router", "u1", live, { columns: {}, owner, instance: "t2" });
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({
      op: "mutate",
      table: "Logical_Router",
      mutations: [
        ["external_ids", "delete", [INSTANCE_KEY]],
        ["external_ids", "insert", { [INSTANCE_KEY]: "t2" }],
      ],
    });
    expect(planRowUpdate("Logical_Router", "u1", live, { columns: {}, owner, instance: "t1" })).toEqual([]);
  });
});

describe("the framework hands out instance tokens", () => {
  type I = { name: string; owner: string } & Instance;
  type O = I & { uuid: string };
  const seen: { create?: I; update?: I; deleteState?: O } = {};
  const kind = (instanceToken?: boolean): ResourceKind<I, O> => ({
    label: "test.Kind",
    schema: z.object({ name: z.string(), owner: z.string() }) as unknown as z.ZodType<I>,
    inputKeys: ["name"],
    replaceOn: [],
    instanceToken,
    async create(i) {
      seen.create = i;
      return { id: "u1", outs: { ...i, uuid: "u1" } };
    },
    async read(id, s) {
      return {
        id,
        outs: { name: s.name, owner: s.owner, uuid: id },
        inputs: { name: s.name, owner: s.owner },
      };
    },
    async update(_id, _olds, news) {
      seen.update = news;
      return { ...news, uuid: "u1" };
    },
    async delete(_id, s) {
      seen.deleteState = s;
    },
    where: () => "here",
  });
  const inputs: Props = { name: "a", owner };

  it("create gives every instance a fresh token, in the inputs it passes and in the outputs", async () => {
    const h = makeHandler(kind());
    const a = await h.create(inputs);
    const b = await h.create(inputs);
    expect(seen.create?.instance).toMatch(/^[0-9a-f]{16}$/);
    expect(a.outs.instance).toMatch(/^[0-9a-f]{16}$/);
    expect(b.outs.instance).not.toBe(a.outs.instance);
  });

  it("update keeps the state's token; state without one gets one", async () => {
    const h = makeHandler(kind());
    const kept = await h.update("u1", { ...inputs, uuid: "u1", instance: "t1" }, inputs);
    expect(seen.update?.instance).toBe("t1");
    expect(kept.outs.instance).toBe("t1");
    const legacy = await h.update("u1", { ...inputs, uuid: "u1" }, inputs);
    expect(legacy.outs.instance).toMatch(/^[0-9a-f]{16}$/);
  });

  it("read keeps the state's token; delete sees it", async () => {
    const h = makeHandler(kind());
    const r = await h.read("u1", { ...inputs, uuid: "u1", instance: "t1" });
    expect(r.props?.instance).toBe("t1");
    expect(r.inputs?.instance).toBeUndefined();
    await h.delete("u1", { ...inputs, uuid: "u1", instance: "t1" });
    expect(seen.deleteState?.instance).toBe("t1");
  });

  it("a kind that keeps its instance elsewhere (ovs.Flow: the cookie) gets none", async () => {
    const h = makeHandler(kind(false));
    const a = await h.create(inputs);
    expect(seen.create?.instance).toBeUndefined();
    expect(a.outs.instance).toBeUndefined();
  });
});

describe("flow cookies: one instance per create", () => {
  const hash = cookieBase(owner);
  const spec: FlowSpec = {
    table: 0,
    priority: 7,
    match: "in_port=p",
    actions: "drop",
    idleTimeout: 0,
    hardTimeout: 0,
  };
  const dumped = (cookie: bigint): DumpedFlow => ({ ...spec, cookie, flags: [], line: `cookie=${cookie}` });
  const deletes = (steps: FlowStep[]) => steps.filter((s) => s.kind === "delete").map((s) => s.cookie);

  it("a new instance keeps the resource bits, avoids the legacy instance and every live one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }),
        fc.nat(),
        (instances, seed) => {
          const live = instances.map((n) => resourceOf(hash) | (BigInt(n) << 8n) | 1n);
          const base = newInstanceBase(hash, live, (n) => seed % n);
          expect(resourceOf(base)).toBe(resourceOf(hash));
          expect(base & ~FAMILY_MASK).toBe(0n);
          expect(familyOf(base)).not.toBe(familyOf(hash)); // never the legacy instance
          expect(instances).not.toContain(instanceOf(base));
        },
      ),
    );
  });

  it("draws uniformly among the free instance numbers (k-th free)", () => {
    const taken = [resourceOf(hash) | (0n << 8n), resourceOf(hash) | (2n << 8n)];
    const legacy = instanceOf(hash);
    const picks = [0, 1, 2].map((k) => instanceOf(newInstanceBase(hash, taken, () => k)));
    const expected = [0, 1, 2, 3, 4, 5].filter((n) => n !== 0 && n !== 2 && n !== legacy).slice(0, 3);
    expect(picks).toEqual(expected);
  });

  it("replacement: the new instance adds first, then removes the old instance's flow; the old delete misses the new flow", () => {
    const oldBase = newInstanceBase(hash, [], () => 5);
    const oldCookie = firstCookie(oldBase);
    const newBase = newInstanceBase(hash, [oldCookie], () => 5);
    expect(newBase).not.toBe(oldBase);
    const steps = planCreate(newBase, [dumped(oldCookie)], spec);
    expect(steps[0]).toEqual({ kind: "add", cookie: firstCookie(newBase), flow: spec });
    expect(deletes(steps)).toEqual([oldCookie]);
    // The old instance's delete selects its own family: the new cookie is outside it.
    const selector = cookieSelector(familyOf(oldCookie), FAMILY_MASK);
    expect(selector).toBe(`cookie=0x${familyOf(oldCookie).toString(16)}/0xffffffffffffff00`);
    expect(familyOf(firstCookie(newBase))).not.toBe(familyOf(oldCookie));
    // Flows of every instance share the resource bits (what create and the overlap guard look at).
    expect(resourceOf(firstCookie(newBase)) & RESOURCE_MASK).toBe(resourceOf(oldCookie));
  });

  it("an interrupted update's leftover is in the instance's own family, so its delete removes it too", () => {
    const base = newInstanceBase(hash, [], () => 9);
    const current = firstCookie(base);
    const steps = planUpdate({
      current,
      previous: spec,
      installed: spec,
      desired: { ...spec, priority: 8 },
      live: [dumped(current)],
    });
    const added = steps.find((s) => s.kind === "add")!.cookie;
    // Interrupted after the add: the state still says `current`; the leftover is in its family.
    expect(familyOf(added)).toBe(familyOf(current));
    expect(added).not.toBe(current);
    expect(cookieSelector(added, EXACT_MASK)).toMatch(/\/-1$/);
  });

  it("a create over an interrupted create's flows (no state) removes them after adding its own", () => {
    const leftover = firstCookie(newInstanceBase(hash, [], () => 1));
    const legacy = firstCookie(hash);
    const base = newInstanceBase(hash, [leftover, legacy], () => 1);
    const steps = planCreate(base, [dumped(leftover), dumped(legacy)], spec);
    expect(steps[0].kind).toBe("add");
    expect(deletes(steps)).toEqual([leftover, legacy]);
  });
});
