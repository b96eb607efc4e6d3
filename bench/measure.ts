/**
 * What the benchmarks share besides their table ({@link ./table.ts}): timing a step, a fresh
 * ovsdb-server per measurement, and reading whole-number options.
 */
import { TestOvsdbServer, type SchemaName } from "../sandbox/ovsdb-server";

/** Milliseconds `fn` takes. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs `fn` on a fresh server of `schema` (so every run starts from an empty database), then stops it. */
export async function withServer<T>(schema: SchemaName, fn: (s: TestOvsdbServer) => Promise<T>): Promise<T> {
  const s = await TestOvsdbServer.start(schema);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

/** A whole-number option given as text (from `parseArgs`): `dflt` when absent; throws when malformed. */
export function wholeNumber(value: string | undefined, option: string, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new Error(`${option} must be a whole number, got ${value}`);
  return n;
}
