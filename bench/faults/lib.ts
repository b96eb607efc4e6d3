/**
 * Pieces the fault scenarios share: the 300-object OVN workload, a stack per scenario, the
 * Pulumi CLI's process tree, and turning an audit into a {@link FaultRow}.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as auto from "@pulumi/pulumi/automation";
import { ovn } from "../../sdk";
import { runOk } from "../../sandbox/exec";
import { TestStack, PulumiOperationError, type PulumiProgram } from "../../test/e2e/harness/pulumi";
import { audit, foreignFacts, readLive, type AuditScope } from "./audit";
import type { FaultRow } from "./types";

export const PROJECT = "faults";

/** Objects of the default workload; `--objects` and the tests' env var change it. */
export function objectsWanted(dflt = 300): number {
  const n = Number(process.env.FAULTS_OBJECTS ?? dflt);
  if (!Number.isInteger(n) || n < 10) throw new Error(`FAULTS_OBJECTS must be an integer >= 10, got ${n}`);
  return n;
}

/**
 * `objects` OVN northbound objects: logical switches of one switch and nine ports each (a port's
 * creation waits for its switch, as in a real program). Names start with `prefix`.
 */
export function nbWorkload(nb: { remote: string }, objects: number, prefix: string): PulumiProgram {
  return async () => {
    const switches = Math.ceil(objects / 10);
    let made = 0;
    for (let i = 0; i < switches && made < objects; i++) {
      const sw = new ovn.LogicalSwitch(`${prefix}-sw${i}`, { nb, name: `${prefix}-sw${i}` });
      made++;
      for (let j = 0; j < 9 && made < objects; j++, made++) {
        const name = `${prefix}-sw${i}-p${j}`;
        const mac = `0a:f0:00:00:${hex(i)}:${hex(j)}`;
        new ovn.LogicalSwitchPort(name, { nb, switch: sw.name, name, addresses: [mac] });
      }
    }
  };
}

export const hex = (n: number): string => (n & 255).toString(16).padStart(2, "0");

/** A stack of project {@link PROJECT} named after the scenario. */
export function makeStack(stack: string, program: PulumiProgram): Promise<TestStack> {
  return TestStack.create({ project: PROJECT, stack, program });
}

/** `ovn-nbctl` / `ovs-vsctl` on a database. */
export async function ctl(tool: string, db: string, ...args: string[]): Promise<string> {
  return runOk(tool, [tool, `--db=${db}`, "--timeout=30", ...args]);
}

/** Foreign rows and keys every NB scenario seeds: a switch with a port, both with a foreign key. */
export async function seedForeignNb(nb: string, prefix: string): Promise<void> {
  await ctl(
    "ovn-nbctl",
    nb,
    "ls-add",
    `${prefix}-foreign`,
    "--",
    "set",
    "Logical_Switch",
    `${prefix}-foreign`,
    "external_ids:foreign-seed=1",
    "--",
    "lsp-add",
    `${prefix}-foreign`,
    `${prefix}-foreign-p`,
    "--",
    "lsp-set-addresses",
    `${prefix}-foreign-p`,
    "0a:f1:00:00:00:01",
  );
}

/** Adds `external_ids:foreign-KEY=1` to every row of `table` this stack owns (keys must survive). */
export async function seedForeignKeys(
  scope: AuditScope,
  nb: string,
  table: string,
  key: string,
): Promise<number> {
  const live = await readLive(scope);
  const rows = live.rows.filter(
    (r) =>
      r.table === table &&
      String((r.row.external_ids as Record<string, string>)?.["pulumi-ovs-owner"]).startsWith(
        `${scope.stack}/`,
      ),
  );
  if (rows.length === 0) return 0;
  const args = rows.flatMap((r, i) => [
    ...(i ? ["--"] : []),
    "set",
    table,
    r.row._uuid as string,
    `external_ids:foreign-${key}=1`,
  ]);
  await ctl("ovn-nbctl", nb, ...args);
  return rows.length;
}

/** The audit scope of an OVN northbound stack. */
export function nbScope(stack: TestStack, remote: string): AuditScope {
  return { stack: `${PROJECT}/${stack.name}`, dbs: [{ database: "OVN_Northbound", remote }] };
}

/** Snapshot of the foreign facts, for {@link finish}. */
export async function snapshot(scope: AuditScope, stack?: TestStack): Promise<Set<string>> {
  const state = stack ? await stack.exportState() : undefined;
  return foreignFacts(scope, await readLive(scope), state);
}

/**
 * The last step of every scenario: `preview --refresh --expect-no-changes` (the stack converged),
 * the audit against the state, and the row.
 */
export async function finish(opts: {
  scenario: string;
  objects: number;
  stack: TestStack;
  scope: AuditScope;
  before: Set<string>;
  outcome: string;
  started: number;
  log?: (m: string) => void;
}): Promise<FaultRow & { details: string[] }> {
  let outcome = opts.outcome;
  try {
    await opts.stack.preview({ refresh: true, expectNoChanges: true });
  } catch (e) {
    outcome = `not converged: ${firstError(e)}`;
  }
  const state = await opts.stack.exportState();
  const held = (state.deployment.resources as { outputs?: { owner?: unknown } }[]).filter(
    (r) => typeof r.outputs?.owner === "string",
  ).length;
  if (held !== opts.objects && !outcome.startsWith("not converged")) {
    outcome = `not converged: the state holds ${held} of ${opts.objects} objects`;
  }
  const a = await audit(opts.scope, state, opts.before);
  for (const d of a.details.slice(0, 20)) opts.log?.(`  ${d}`);
  return {
    scenario: opts.scenario,
    objects: opts.objects,
    outcome,
    duplicates: a.duplicates,
    orphans: a.orphans,
    foreignLost: a.foreignLost,
    seconds: Math.round((Date.now() - opts.started) / 100) / 10,
    details: a.details,
  };
}

/** The first error line of a failed operation (`name: [CODE] message`), else the message. */
export function firstError(e: unknown): string {
  if (e instanceof PulumiOperationError && e.errors.length) return e.errors[0].split("\n")[0];
  const lines = String((e as Error)?.message ?? e).split("\n");
  // A CommandError of the Automation API: the CLI's own "error: …" lines, the resource's first.
  const cli = lines
    .map((l) => l.trim())
    .filter((l) => l.startsWith("error:") && !l.includes("update failed"));
  return (cli[0] ?? lines[0]).replace(/^error: /, "");
}

/**
 * Runs `pulumi up` of `objects` resources and calls `inject` once half of them are created (and
 * waits for it). Throws when the up ended before that; otherwise resolves to how the up ended
 * (`first up succeeded` or `first up failed (…)`), for the outcome.
 */
export async function faultMidUp<T>(
  stack: TestStack,
  objects: number,
  inject: () => Promise<T>,
): Promise<{ first: string; injected: T }> {
  let injected: Promise<T> | undefined;
  const err = await upWithEvents(
    stack,
    afterCreates(Math.floor(objects / 2), () => {
      injected = inject();
    }),
  );
  if (!injected) throw new Error(`the fault was not injected: the up ended first (${firstError(err)})`);
  return {
    injected: await injected,
    first: err ? `first up failed (${firstError(err)})` : "first up succeeded",
  };
}

/** `pulumi up` again: the outcome line, `converged: PREFIX; rerun created N` or `failed: …`. */
export async function rerun(stack: TestStack, prefix: string): Promise<string> {
  try {
    const up = await stack.up();
    return `converged: ${prefix}; rerun created ${up.summary.create}`;
  } catch (e) {
    return `failed: ${firstError(e)}`;
  }
}

/** `pulumi up` with an event hook (the TestStack wrapper has none): resolves to the error, if any. */
export async function upWithEvents(
  stack: TestStack,
  onEvent: (e: auto.EngineEvent) => void,
): Promise<unknown | undefined> {
  try {
    await stack.stack.up({ color: "never", onEvent });
    return undefined;
  } catch (e) {
    return e;
  }
}

/** Calls `fn` once, when `n` resources have finished being created (counted from engine events). */
export function afterCreates(n: number, fn: () => void): (e: auto.EngineEvent) => void {
  let done = 0;
  let fired = false;
  return (e) => {
    const m = e.resOutputsEvent?.metadata;
    if (!m || m.op !== "create" || m.type.startsWith("pulumi:")) return;
    done++;
    if (!fired && done >= n) {
      fired = true;
      fn();
    }
  };
}

// ---- the Pulumi CLI's processes -----------------------------------------------------------------

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** PIDs of the processes below `root` (children, grandchildren, …). */
export function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const ppid = parentOf(Number(e));
    if (ppid !== undefined) byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(e)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The `pulumi` CLI processes this process started (direct children named pulumi). */
export function ourPulumiCli(): number[] {
  return descendants(process.pid).filter((p) => parentOf(p) === process.pid && commOf(p) === "pulumi");
}
