/** The one poll helper: answers, times out, and lets a probe's own error through. */
import { SandboxError } from "../../../sandbox/exec";
import { poll, waitFor } from "../../../sandbox/wait";

describe("poll / waitFor", () => {
  test("returns the first answer that is neither undefined nor false", async () => {
    let calls = 0;
    const v = await poll(() => (++calls >= 3 ? `after ${calls}` : false), { timeoutMs: 1000, intervalMs: 1 });
    expect(v).toBe("after 3");
    expect(
      await waitFor(
        () => 0,
        100,
        () => "never",
      ),
    ).toBe(0);
  });

  test("poll gives undefined on timeout; waitFor throws what onTimeout says", async () => {
    let calls = 0;
    const probe = () => {
      calls++;
      return undefined;
    };
    expect(await poll(probe, { timeoutMs: 30, intervalMs: 5 })).toBeUndefined();
    expect(calls).toBeGreaterThan(1);
    await expect(
      waitFor(
        () => false,
        10,
        () => "gone",
      ),
    ).rejects.toThrow(SandboxError);
    await expect(
      waitFor(
        () => false,
        10,
        () => new RangeError("late"),
      ),
    ).rejects.toThrow(RangeError);
  });

  test("a probe that throws ends the wait with its error", async () => {
    await expect(
      waitFor(
        () => {
          throw new TypeError("daemon died");
        },
        1000,
        () => "timeout",
      ),
    ).rejects.toThrow("daemon died");
  });
});
