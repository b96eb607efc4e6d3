/**
 * Issue 9, kind 3 / fault scenario 8 (unit half): for every resource type, generated invalid inputs
 * are all refused by `check`, naming the broken argument, without an exception, and `create` throws
 * on them before any I/O; generated valid inputs (spelt as users spell them) pass `check`, their
 * canonical form is a fixed point, and diff(old = canonical, new = raw) is empty.
 */
import fc from "fast-check";
import * as pool from "../../../provider/pool";
import { handlers } from "../../../provider";
import { ResourceError } from "../../../provider/errors";
import { typeSpecs, type Context } from "../../../bench/faults/scenarios/property-arbitraries";

const INVALID_RUNS = 1000;
const VALID_RUNS = 200;
const owner = "proj/dev/prop";

const ctx: Context = {
  host: { remote: "unix:/nonexistent/db.sock" },
  nb: { remote: "unix:/nonexistent/nb.sock" },
  sb: { remote: "unix:/nonexistent/sb.sock" },
  bridge: "br-prop",
  switch: "ls-prop",
  router: "lr-prop",
  tmpDir: "/tmp/pulumi-ovs-prop",
};

describe.each(typeSpecs().map((s) => [s.type, s] as const))("%s", (_type, spec) => {
  const h = handlers[spec.type];

  afterEach(() => jest.restoreAllMocks());

  it(`refuses ${INVALID_RUNS} generated invalid inputs in check, naming the argument, and create throws before any I/O`, async () => {
    const io = jest.spyOn(pool, "getClient");
    await fc.assert(
      fc.asyncProperty(spec.invalid(ctx), async ({ inputs, argument }) => {
        const r = await h.check({}, { ...inputs, owner });
        expect(r.failures.length).toBeGreaterThan(0);
        expect(r.failures.map((f) => f.property)).toContainEqual(
          expect.stringMatching(new RegExp(`^${argument}(\\.|\\[|$)`)),
        );
        const err = await h.create({ ...inputs, owner }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ResourceError);
        expect((err as ResourceError).code).toBe("INVALID_INPUT");
      }),
      { numRuns: INVALID_RUNS },
    );
    expect(io).not.toHaveBeenCalled();
  }, 180_000);

  it(`accepts ${VALID_RUNS} generated valid inputs: canonical form is a fixed point and diff(canonical, raw) is empty`, async () => {
    await fc.assert(
      fc.asyncProperty(spec.valid(ctx), async (raw) => {
        const inputs = { ...raw, owner };
        const once = await h.check({}, inputs);
        expect(once.failures).toEqual([]);
        const twice = await h.check({}, once.inputs);
        expect(twice.failures).toEqual([]);
        expect(twice.inputs).toEqual(once.inputs);
        const d = await h.diff("id", once.inputs, inputs);
        expect(d.diffs).toEqual([]);
        expect(d.changes).toBe(false);
      }),
      { numRuns: VALID_RUNS },
    );
  }, 180_000);
});
