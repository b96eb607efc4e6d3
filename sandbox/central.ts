/**
 * An OVN central for tests and benchmarks, without network namespaces: real NB and SB
 * ovsdb-servers from the installed schemas, optionally with ovn-northd between them (a child
 * process, killed in `stop()`, logging to `northdLog`), and a bare Open_vSwitch database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { TestOvsdbServer } from "./ovsdb-server";

export interface OvnCentral {
  nb: TestOvsdbServer;
  sb: TestOvsdbServer;
  northd?: ChildProcess;
  /** ovn-northd's log file (when started with northd). */
  northdLog?: string;
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
    northdLog: northd ? path.join(nb.dir, "northd.log") : undefined,
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
