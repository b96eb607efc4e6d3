/**
 * An OVN central for tests and benchmarks, without network namespaces: real NB and SB
 * ovsdb-servers from the installed schemas, optionally with ovn-northd between them (a child
 * process, killed in `stop()`, logging to `northdLog`), and a bare Open_vSwitch database.
 */
import * as path from "node:path";
import { spawnChild, type Child } from "./exec";
import { TestOvsdbServer } from "./ovsdb-server";
import { waitFor } from "./wait";

export interface OvnCentral {
  nb: TestOvsdbServer;
  sb: TestOvsdbServer;
  northd?: Child;
  /** ovn-northd's log file (when started with northd). */
  northdLog?: string;
  nbctl(...args: string[]): Promise<string>;
  sbctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An ovn-northd child process between northbound remote(s) `nb` and southbound remote `sb`, with
 * its unixctl socket and log (`northd.log`) in `dir`.
 */
export function startNorthd(nb: string, sb: string, dir: string): Child {
  return spawnChild(
    [
      "ovn-northd",
      `--ovnnb-db=${nb}`,
      `--ovnsb-db=${sb}`,
      `--unixctl=${path.join(dir, "northd.ctl")}`,
      "-vconsole:off",
      `--log-file=${path.join(dir, "northd.log")}`,
    ],
    { env: { OVN_RUNDIR: dir, OVS_RUNDIR: dir } },
  );
}

/** NB and SB servers; with `northd: true`, an ovn-northd translating NB into SB. */
export async function startCentral(opts: { northd?: boolean } = {}): Promise<OvnCentral> {
  const nb = await TestOvsdbServer.start("nb");
  const sb = await TestOvsdbServer.start("sb");
  let northd: Child | undefined;
  if (opts.northd) {
    northd = startNorthd(nb.unix, sb.unix, nb.dir);
    // ovn-northd creates NB_Global once it is connected and active.
    await waitFor(
      async () => (await nb.tool("ovn-nbctl", ["list", "NB_Global"]).catch(() => "")).includes("_uuid"),
      15_000,
      () => new Error("ovn-northd did not create NB_Global"),
      50,
    );
  }
  return {
    nb,
    sb,
    northd,
    northdLog: northd ? path.join(nb.dir, "northd.log") : undefined,
    nbctl: (...args) => nb.tool("ovn-nbctl", args),
    sbctl: (...args) => sb.tool("ovn-sbctl", args),
    async stop() {
      await northd?.stop();
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
