/**
 * Fixtures for the OVN resource integration tests: real NB and SB ovsdb-servers from the
 * installed schemas, optionally with ovn-northd between them (a child process of the test, killed
 * in `stop()`), and helpers to call provider handlers the way the dynamic provider does.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { OvnCentral } from "../../../sandbox/central";
import { ResourceError } from "../../../provider/errors";

import { startVswitchDb } from "../../../sandbox/central";
export { startCentral, startVswitchDb, type OvnCentral } from "../../../sandbox/central";

const execFileP = promisify(execFile);

/** The provider as the dynamic-provider process loads it. */
export const provider = require("../../../provider") as typeof import("../../../provider");

export type Props = Record<string, unknown>;

/**
 * Runs check → create like the engine does, returning the id and outputs. Throws with the check
 * failures when the inputs are invalid.
 */
export async function createVia(type: string, inputs: Props): Promise<{ id: string; outs: Props }> {
  const h = provider.handler(type);
  const checked = await h.check({}, inputs);
  if (checked.failures.length) {
    throw new Error(`check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  return h.create(checked.inputs);
}

/** check → diff → update; returns the diff and the new outputs. */
export async function updateVia(
  type: string,
  id: string,
  olds: Props,
  news: Props,
): Promise<{ diff: { changes: boolean; replaces: string[]; diffs: string[] }; outs: Props }> {
  const h = provider.handler(type);
  const checked = await h.check(olds, news);
  if (checked.failures.length) {
    throw new Error(`check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  const diff = await h.diff(id, olds, checked.inputs);
  const { outs } = await h.update(id, olds, checked.inputs);
  return { diff, outs };
}

/** A value of `ovn-nbctl get TABLE RECORD COLUMN`, unquoted. */
export async function nbGet(c: OvnCentral, table: string, record: string, column: string): Promise<string> {
  const out = await c.nbctl("get", table, record, column);
  return out.trim().replace(/^"(.*)"$/, "$1");
}

export async function run(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP(cmd, args);
  return stdout;
}

/** The ResourceError `p` rejects with (the test fails when it resolves or throws another error). */
export async function errorOf(p: Promise<unknown>): Promise<ResourceError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ResourceError);
  return e as ResourceError;
}

/** The code of the ResourceError `p` rejects with (the test fails when it resolves or throws another error). */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ResourceError);
  return (e as ResourceError).code;
}

/**
 * A host's Open_vSwitch database (a real ovsdb-server with the installed vswitch schema) for the
 * suite, started before its tests and stopped after them with the provider's connections;
 * `host()` is its connection, `vsctl` runs `ovs-vsctl --no-wait` against it (output trimmed).
 */
export function useVswitchDb(): {
  host: () => { remote: string };
  vsctl: (...args: string[]) => Promise<string>;
} {
  let db: Awaited<ReturnType<typeof startVswitchDb>> | undefined;
  beforeAll(async () => {
    db = await startVswitchDb();
  });
  afterAll(async () => {
    await provider.closeAll();
    await db?.stop();
  });
  return {
    host: () => ({ remote: db!.unix }),
    vsctl: async (...args) => (await db!.tool("ovs-vsctl", ["--no-wait", ...args])).trim(),
  };
}
