/**
 * Scenario 7: a concurrent writer. While `pulumi up` runs 100 updates (5 rounds changing a managed
 * `external_ids` key on 20 switch ports), an `ovn-nbctl` loop adds and changes foreign
 * `external_ids` keys on the same rows and their switch: every foreign key must survive with the
 * value the writer gave it last.
 *
 * Then a conflicting change of a column the stack manages (`addresses`) is injected between the
 * provider's read and its write (a proxy in front of the NB socket holds the write transaction back
 * and runs `ovn-nbctl lsp-set-addresses` first): the guards must refuse that write. Injected once,
 * the provider reads again and writes (retried correctly); injected at every attempt, the update
 * fails with CONCURRENT_CHANGE and the other writer's value stays. A write that commits over an
 * injected change counts as a silent overwrite and fails the scenario.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ovn } from "../../../sdk";
import { startSandbox, stopSandbox } from "../../../sandbox";
import { PulumiOperationError, type TestStack } from "../../../test/e2e/harness/pulumi";
import type { FaultRow } from "../types";
import { readLive } from "../audit";
import { ConflictProxy } from "../proxy";
import { ctl, finish, firstError, hex, makeStack, nbScope, seedForeignNb, snapshot } from "../lib";

export const SCENARIO = "concurrent ovn-nbctl writer during 100 updates; conflict injected mid-plan";
const PORTS = 20;
const ROUNDS = 5;
const SWITCH = "cw-sw";
const port = (i: number) => `cw-p${i}`;
const mac = (i: number, gen = 0) => `0a:f2:00:00:${hex(gen)}:${hex(i)}`;

function program(nb: { remote: string }, round: number, moved: Record<string, string> = {}) {
  return async () => {
    const sw = new ovn.LogicalSwitch(SWITCH, { nb, name: SWITCH });
    for (let i = 0; i < PORTS; i++) {
      new ovn.LogicalSwitchPort(port(i), {
        nb,
        switch: sw.name,
        name: port(i),
        addresses: [moved[port(i)] ?? mac(i)],
        externalIds: { app: `v${round}` },
      });
    }
  };
}

/** An `ovn-nbctl` loop writing foreign keys; remembers the last value of each (row, key). */
function startWriter(nb: string) {
  const last = new Map<string, string>();
  let stop = false;
  let writes = 0;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const [table, row] =
        i % 5 === 4 ? ["Logical_Switch", SWITCH] : ["Logical_Switch_Port", port(i % PORTS)];
      const key = `writer-${i % 7}`;
      await ctl("ovn-nbctl", nb, "set", table, row, `external_ids:${key}=${i}`);
      last.set(`${table} ${row} ${key}`, String(i));
      writes++;
    }
  })();
  return {
    last,
    writes: () => writes,
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

export async function run(log: (m: string) => void = () => undefined): Promise<FaultRow[]> {
  const objects = PORTS + 1;
  const started = Date.now();
  const sb = await startSandbox({ name: "flt-cw", hosts: 1, ovn: true });
  const dir = mkdtempSync(path.join(tmpdir(), "povs-cw-"));
  let proxy: ConflictProxy | undefined;
  let stack: TestStack | undefined;
  try {
    const real = sb.central!.nbRemote.unix;
    proxy = await ConflictProxy.start(real.slice("unix:".length), dir);
    const nb = { remote: proxy.remote };
    stack = await makeStack("concurrent-writer", program(nb, 1));
    const scope = nbScope(stack, real);
    await stack.up();
    await seedForeignNb(real, "cw");
    const before = await snapshot(scope, stack);

    // 100 updates under a concurrent writer of foreign keys.
    const writer = startWriter(real);
    const problems: string[] = [];
    let updates = 0;
    try {
      for (let r = 2; r <= ROUNDS + 1; r++) {
        stack.setProgram(program(nb, r));
        try {
          updates += (await stack.up()).summary.update;
        } catch (e) {
          problems.push(`round ${r}: ${firstError(e)}`);
        }
      }
    } finally {
      await writer.stop();
    }
    const live = await readLive(scope);
    let keysLost = 0;
    for (const [k, v] of writer.last) {
      const [table, name, key] = k.split(" ");
      const row = live.rows.find((x) => x.table === table && x.row.name === name)?.row;
      if ((row?.external_ids as Record<string, string> | undefined)?.[key] !== v) keysLost++;
    }
    log(`${updates} updates, ${writer.writes()} foreign writes, ${keysLost}/${writer.last.size} keys lost`);

    // A conflict on a managed column, injected between read and write.
    const uuidOf = (name: string) =>
      live.rows.find((x) => x.table === "Logical_Switch_Port" && x.row.name === name)!.row._uuid as string;
    const [once, always] = [port(0), port(1)];
    const theirs = (name: string, n: number) => () =>
      ctl("ovn-nbctl", real, "lsp-set-addresses", name, mac(name === once ? 0 : 1, 0xe0 + n)).then(
        () => undefined,
      );
    let n = 0;
    proxy.arm(uuidOf(once), "Logical_Switch_Port", "addresses", 1, () => theirs(once, n++)());
    proxy.arm(uuidOf(always), "Logical_Switch_Port", "addresses", 3, () => theirs(always, n++)());
    const moved = { [once]: mac(0, 0x77), [always]: mac(1, 0x77) };
    stack.setProgram(program(nb, ROUNDS + 1, moved));
    let conflictErrors: string[] = [];
    try {
      await stack.up();
    } catch (e) {
      conflictErrors = e instanceof PulumiOperationError ? e.errors : [String(e)];
    }
    const after = await readLive(scope);
    const addrs = (name: string) =>
      (after.rows.find((x) => x.table === "Logical_Switch_Port" && x.row.name === name)?.row.addresses ??
        []) as string[];
    // Copies: the rerun below writes to these rows again.
    const so = { ...proxy.stats.get(uuidOf(once))! };
    const sa = { ...proxy.stats.get(uuidOf(always))! };
    const overwrites = so.overwrote + sa.overwrote;
    const retried = so.refused === 1 && so.committed === 1 && addrs(once).join() === moved[once];
    // The up fails on that port alone (the other one was retried and written).
    const portErrors = conflictErrors.filter((m) => /^cw-p\d+:/.test(m));
    const coded = portErrors.some((m) => m.includes("[CONCURRENT_CHANGE]"));
    const refused =
      sa.refused === 3 &&
      sa.committed === 0 &&
      portErrors.length === 1 &&
      portErrors[0].startsWith(`${always}:`) &&
      addrs(always).join() !== moved[always];
    const stats = `once ${JSON.stringify(so)}, every attempt ${JSON.stringify(sa)}`;
    log(`conflict: ${stats}; errors: ${conflictErrors.join(" | ")}`);

    // The user runs up again: the new plan reads the other writer's value and writes the program's.
    let outcome: string;
    try {
      await stack.up();
      const parts = [
        `${updates}/${ROUNDS * PORTS} updates, ${writer.writes()} foreign writes`,
        retried ? "conflict once: refused by the guard, retried" : `conflict once: NOT handled (${stats})`,
        refused
          ? `conflict at every attempt: refused 3 times, update failed ${coded ? "[CONCURRENT_CHANGE]" : "(message lacks the code CONCURRENT_CHANGE)"}, their value kept`
          : `conflict at every attempt: NOT refused (${stats})`,
        `${overwrites} silent overwrites`,
        ...problems,
      ];
      outcome = `${retried && refused && coded && overwrites === 0 && problems.length === 0 ? "converged" : "FAILED"}: ${parts.join("; ")}`;
    } catch (e) {
      outcome = `failed: ${firstError(e)}`;
    }
    const row = await finish({ scenario: SCENARIO, objects, stack, scope, before, outcome, started, log });
    row.foreignLost += keysLost;
    return [row];
  } finally {
    await stack?.remove().catch((e: unknown) => log(`cleanup: ${firstError(e)}`));
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
    await stopSandbox(sb);
  }
}
