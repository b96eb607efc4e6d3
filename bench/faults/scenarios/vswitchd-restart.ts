/**
 * Scenario 6: ovs-vswitchd is restarted on a host, so every OpenFlow flow is gone (flows live in
 * ovs-vswitchd, not in the database). `pulumi preview --refresh` must report each flow as a change,
 * and `pulumi up --refresh` must put each back, under one cookie family per flow.
 */
import { existsSync } from "node:fs";
import { ovs } from "../../../sdk";
import { restartDaemon, startSandbox, stopSandbox } from "../../../sandbox";
import type { TestStack } from "../../../test/e2e/harness/pulumi";
import type { FaultRow } from "../types";
import type { AuditScope } from "../audit";
import { ctl, finish, firstError, makeStack, objectsWanted, PROJECT, snapshot } from "../lib";
import { poll } from "../../../sandbox/wait";

export const SCENARIO = "ovs-vswitchd restarted (flows lost); preview --refresh; up --refresh";
const BRIDGE = "fv-br";

/** How many flows: a tenth of the workload size (the bench's 300 → 30), at least 10. */
const flowCount = (objects: number) => Math.max(10, Math.floor(objects / 10));

export async function run(log: (m: string) => void = () => undefined): Promise<FaultRow[]> {
  const flows = flowCount(objectsWanted());
  const objects = flows + 1;
  const started = Date.now();
  const sb = await startSandbox({ name: "flt-vsd", hosts: 1, ovn: false });
  let stack: TestStack | undefined;
  try {
    const h = sb.hosts[0];
    const host = { remote: h.remotes.unix };
    const target = `unix:${h.runDir}/${BRIDGE}.mgmt`;
    const names = Array.from({ length: flows }, (_, i) => `fv-flow${i}`);
    stack = await makeStack("vswitchd-restart", async () => {
      const br = new ovs.Bridge("fv-br", { host, name: BRIDGE, datapathType: "netdev", failMode: "secure" });
      names.forEach((n, i) => {
        new ovs.Flow(n, {
          host,
          bridge: br.name,
          priority: 100 + i,
          match: `ip,nw_dst=10.9.${i >> 8}.${i & 255}`,
          actions: "drop",
        });
      });
    });
    // Owner markers are project/stack/resource-name (sdk/common.ts ownerMarker).
    const scope: AuditScope = {
      stack: `${PROJECT}/${stack.name}`,
      dbs: [{ database: "Open_vSwitch", remote: h.remotes.unix }],
      flowTargets: [target],
      flowOwners: names.map((n) => `${PROJECT}/${stack!.name}/${n}`),
    };
    await stack.up();

    // Foreign configuration on the same bridge: a port and a key. Both live in the database and
    // must survive; foreign flows would not survive the restart itself, so they are not counted.
    await ctl(
      "ovs-vsctl",
      h.remotes.unix,
      "add-port",
      BRIDGE,
      "fv-foreign",
      "--",
      "set",
      "Interface",
      "fv-foreign",
      "type=internal",
      "--",
      "set",
      "Bridge",
      BRIDGE,
      "external_ids:foreign-seed=1",
    );
    const before = await snapshot(scope, stack);

    const pid = await restartDaemon(sb, h.name, "ovs-vswitchd");
    const mgmt = target.slice("unix:".length);
    await poll(() => existsSync(mgmt), { timeoutMs: 10_000, intervalMs: 50 });
    log(`ovs-vswitchd restarted (new PID ${pid})`);

    let outcome: string;
    try {
      const pv = await stack.preview({ refresh: true });
      const reported = new Set(
        pv.steps.filter((s) => s.op !== "same" && s.op !== "refresh").map((s) => s.name),
      );
      const missed = names.filter((n) => !reported.has(n));
      const up = await stack.up({ refresh: true });
      const restored = up.steps.filter(
        (s) => names.includes(s.name) && s.op !== "same" && s.op !== "refresh",
      ).length;
      outcome =
        missed.length === 0
          ? `converged: preview --refresh reported ${flows}/${flows} flows; up restored ${restored}`
          : `not reported by preview --refresh: ${missed.length} of ${flows} flows (${missed.slice(0, 3).join(", ")}…)`;
    } catch (e) {
      outcome = `failed: ${firstError(e)}`;
    }
    return [await finish({ scenario: SCENARIO, objects, stack, scope, before, outcome, started, log })];
  } finally {
    // The foreign port would (rightly) keep destroy from deleting the bridge.
    await ctl("ovs-vsctl", sb.hosts[0].remotes.unix, "--if-exists", "del-port", "fv-foreign").catch(() => "");
    await stack?.remove().catch((e: unknown) => log(`cleanup: ${firstError(e)}`));
    await stopSandbox(sb);
  }
}
