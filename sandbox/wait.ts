/**
 * The one poll helper of the sandbox, the tests' fixtures and the benchmarks: ask a probe again
 * and again until it answers or time runs out.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { SandboxError } from "./exec";

export { sleep };

/** How long to poll and how often. */
export interface PollOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between two probes, in milliseconds; default 25. */
  intervalMs?: number;
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than `undefined`/`false`, and
 * returns it; returns `undefined` once `timeoutMs` has passed without one. A probe that throws
 * ends the poll with its error (a daemon that died is no reason to keep waiting).
 */
export async function poll<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: PollOptions,
): Promise<T | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(opts.intervalMs ?? 25);
  }
}

/**
 * Like {@link poll}, but a timeout throws: the error `onTimeout` returns, or a
 * {@link SandboxError} with the message it returns.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  onTimeout: () => Error | string,
  intervalMs = 25,
): Promise<T> {
  const v = await poll(probe, { timeoutMs, intervalMs });
  if (v !== undefined) return v;
  const e = onTimeout();
  throw typeof e === "string" ? new SandboxError(e) : e;
}
