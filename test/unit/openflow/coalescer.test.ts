/**
 * The Coalescer behind shared flow dumps (provider/openflow/apply.ts): which requests share a run.
 * Pure logic; the runs here are promises the test settles by hand.
 */
import { Coalescer } from "../../../provider/openflow/apply";

/** A run the test settles: the requests it got, and how to answer or fail it. */
interface Run {
  requests: string[];
  answer(): void;
  fail(e: Error): void;
}

function harness() {
  const runs: Run[] = [];
  const c = new Coalescer<string, string>((requests) => {
    const n = runs.length + 1;
    return new Promise((resolve, reject) =>
      runs.push({ requests, answer: () => resolve(requests.map((r) => `${r}@run${n}`)), fail: reject }),
    );
  });
  return { c, runs };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("Coalescer", () => {
  it("starts a lone request at once; the requests that arrive meanwhile share the next run", async () => {
    const { c, runs } = harness();
    const a = c.request("sw1", "a");
    await tick();
    const b = c.request("sw1", "b");
    const d = c.request("sw1", "d");
    expect(runs.map((r) => r.requests)).toEqual([["a"]]);
    runs[0].answer();
    await expect(a).resolves.toBe("a@run1");
    await tick();
    expect(runs.map((r) => r.requests)).toEqual([["a"], ["b", "d"]]);
    runs[1].answer();
    await expect(Promise.all([b, d])).resolves.toEqual(["b@run2", "d@run2"]);
  });

  it("never answers a request with a run that started before it arrived", async () => {
    const { c, runs } = harness();
    void c.request("sw1", "a");
    await tick();
    const late = c.request("sw1", "late");
    runs[0].answer();
    await tick();
    expect(runs[1].requests).toEqual(["late"]);
    runs[1].answer();
    await expect(late).resolves.toBe("late@run2");
  });

  it("keeps keys apart and fails only the requests of the run that failed", async () => {
    const { c, runs } = harness();
    const a = c.request("sw1", "a");
    const x = c.request("sw2", "x");
    await tick();
    expect(runs.map((r) => r.requests)).toEqual([["a"], ["x"]]);
    const b = c.request("sw1", "b");
    runs[0].fail(new Error("switch gone"));
    await expect(a).rejects.toThrow("switch gone");
    await tick();
    runs[2].answer();
    runs[1].answer();
    await expect(b).resolves.toBe("b@run3");
    await expect(x).resolves.toBe("x@run2");
  });

  it("starts afresh once a key's queue is empty", async () => {
    const { c, runs } = harness();
    const a = c.request("sw1", "a");
    await tick();
    runs[0].answer();
    await a;
    await tick();
    const b = c.request("sw1", "b");
    await tick();
    expect(runs.map((r) => r.requests)).toEqual([["a"], ["b"]]);
    runs[1].answer();
    await expect(b).resolves.toBe("b@run2");
  });
});
