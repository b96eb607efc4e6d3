/**
 * Fixtures for the OVN resource integration tests: real NB and SB ovsdb-servers from the
 * installed schemas, optionally with ovn-northd between them (a child process of the test, killed
 * in `stop()`), and helpers to call provider handlers the way the dynamic provider does.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { TestOvsdbServer } from "../../../sandbox/ovsdb-server";

const execFileP = promisify(execFile);

/** The provider as the dynamic-provider process loads it. */
export const provider = require("../../../provider") as typeof import("../../../provider");

export type Props = Record<string, unknown>;

export interface OvnCentral {
  nb: TestOvsdbServer;
  sb: TestOvsdbServer;
  northd?: ChildProcess;
  nbctl(...args: string[]): Promise<string>;
  sbctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** NB and SB servers; with `northd: true`, an ovn-northd translating NB into SB. */
export async function startCentral(opts: { northd?: boolean } = {}): Promise<OvnCentral> {
  const nb = await TestOvsdbServer.start("nb");
  const sb = await TestOvsdbServer.start("sb");
  let northd: ChildProcess | undefined;
  if (opts.northd) {
    northd = spawn(
      "ovn-northd",
      [
        `--ovnnb-db=${nb.unix}`,
        `--ovnsb-db=${sb.unix}`,
        `--unixctl=${path.join(nb.dir, "northd.ctl")}`,
        "-vconsole:off",
        `--log-file=${path.join(nb.dir, "northd.log")}`,
      ],
      { stdio: "ignore", env: { ...process.env, OVN_RUNDIR: nb.dir, OVS_RUNDIR: nb.dir } },
    );
    // ovn-northd creates NB_Global once it is connected and active.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const out = await nb.tool("ovn-nbctl", ["list", "NB_Global"]).catch(() => "");
      if (out.includes("_uuid")) break;
      if (Date.now() > deadline) throw new Error("ovn-northd did not create NB_Global");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const stopNorthd = async () => {
    if (!northd || northd.exitCode !== null || northd.signalCode !== null) return;
    const exited = new Promise((r) => northd!.once("exit", r));
    northd.kill("SIGTERM");
    await exited;
  };
  return {
    nb,
    sb,
    northd,
    nbctl: (...args) => nb.tool("ovn-nbctl", args),
    sbctl: (...args) => sb.tool("ovn-sbctl", args),
    async stop() {
      await stopNorthd();
      await nb.stop();
      await sb.stop();
    },
  };
}

/** An Open_vSwitch database (initialised, no ovs-vswitchd) for chassis settings. */
export async function startVswitchDb(): Promise<TestOvsdbServer> {
  const s = await TestOvsdbServer.start("vswitch");
  await s.tool("ovs-vsctl", ["--no-wait", "init"]);
  return s;
}

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
