/**
 * Runs the scale benchmark (issue 13) on one sandbox (one host with OVS, an OVN central): each
 * form of the workload (workload.ts) through the real Pulumi CLI (create, no-change `preview
 * --refresh`, update of 5 % of the members, destroy; each change summary checked), the engine's
 * floor at the resource count of the one-resource-per-object form (the same program with the no-op
 * provider of bench/engine), and the same objects through `ovn-nbctl` / `ovs-vsctl`, one process
 * per object and chained. Rows are counted after every create and destroy.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { startSandbox, type SandboxInfo } from "../../sandbox";
import { runOk } from "../../sandbox/exec";
import { REPO_ROOT, TestStack, type OpResult } from "../../test/e2e/harness/pulumi";
import { cleanUp } from "../engine/cleanup";
import { makeFloorWorkDir } from "../engine/floor";
import { time } from "../measure";
import { checkpointPath } from "../state/checkpoint";
import {
  argvBytes,
  chain,
  PREFIX,
  shapeAt,
  workload,
  type Call,
  type Form,
  type PortType,
  type Target,
  type Workload,
} from "./workload";

export const PHASES = ["create", "preview --refresh", "update 5%", "destroy"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * What was measured: a Pulumi form, an engine floor (the no-op provider under the resources of
 * (a), `floor`, or of (b), `floor-collections`), or a script.
 */
export type Kind = "single" | "floor" | "collections" | "floor-collections" | "per-object" | "chained";
export const KINDS: readonly Kind[] = [
  "floor",
  "single",
  "floor-collections",
  "collections",
  "per-object",
  "chained",
];
type Floor = "floor" | "floor-collections";
const FLOOR_FORM: Record<Floor, Form> = { floor: "single", "floor-collections": "collections" };
const isFloor = (k: Form | Floor): k is Floor => k in FLOOR_FORM;

export interface Measurement {
  kind: Kind;
  scale: number;
  objects: number;
  /** Pulumi resources (forms and floor), or processes of the create (scripts). */
  units: number;
  /** Milliseconds per phase; a phase a kind does not have is absent. */
  ms: Partial<Record<Phase, number>>;
  /** Checkpoint bytes after create (Pulumi kinds). */
  stateBytes?: number;
  note?: string;
}

export interface ScaleBenchOptions {
  /** Scale of the one-resource-per-object form and its floor. */
  scaleSingle: number;
  /** Scales of the collection form and of the scripts. */
  scales: number[];
  /** What to run. */
  kinds: ReadonlySet<Kind>;
  portType: PortType;
  sandboxName: string;
  log: (message: string) => void;
}

/** A step whose outcome is not what the workload implies: the measurement is void. */
export class BenchCheckError extends Error {
  override readonly name = "BenchCheckError";
}

const PROJECT = "bench-scale";

/** Argument bytes one chained invocation may take: ARG_MAX less the environment and a margin. */
function argLimit(): number {
  const argMax = Number(execFileSync("getconf", ["ARG_MAX"], { encoding: "utf8" }).trim());
  const env = Object.entries(process.env).reduce((s, [k, v]) => s + k.length + (v ?? "").length + 10, 0);
  return argMax - env - 64 * 1024;
}

export class ScaleBench {
  private sandbox: SandboxInfo | undefined;
  private readonly stacks = new Set<TestStack>();
  private readonly dirs = new Set<string>();
  private closing: Promise<void> | undefined;
  private target!: Target;

  constructor(private readonly opts: ScaleBenchOptions) {}

  async run(): Promise<Measurement[]> {
    const { kinds, log } = this.opts;
    const out: Measurement[] = [];
    try {
      this.sandbox = await startSandbox({ name: this.opts.sandboxName, hosts: 1, ovn: true });
      const central = this.sandbox.central;
      if (!central) throw new Error("the sandbox has no OVN central");
      this.target = {
        nb: { remote: central.nbRemote.unix },
        host: { remote: this.sandbox.hosts[0].remotes.unix },
        portType: this.opts.portType,
      };
      // Not measured: the first operation pays for starting the CLI and the provider host cold.
      log("warm-up, not measured");
      const tiny = workload({ switches: 1, portsPerSwitch: 2, routers: 1, bridges: 1, portsPerBridge: 2 });
      await this.pulumi("collections", tiny, 0);
      const single = workload(shapeAt(this.opts.scaleSingle));
      if (kinds.has("floor")) out.push(await this.pulumi("floor", single, this.opts.scaleSingle));
      if (kinds.has("single")) out.push(await this.pulumi("single", single, this.opts.scaleSingle));
      for (const scale of this.opts.scales) {
        const w = workload(shapeAt(scale));
        if (kinds.has("floor-collections")) out.push(await this.pulumi("floor-collections", w, scale));
        if (kinds.has("collections")) out.push(await this.pulumi("collections", w, scale));
        if (kinds.has("per-object")) out.push(await this.perObject(w, scale));
        if (kinds.has("chained")) out.push(await this.chained(w, scale));
      }
      return out;
    } finally {
      await this.close();
    }
  }

  /** Removes the stacks (without destroy: the sandbox goes with them), the floor's workspaces and the sandbox. */
  close(): Promise<void> {
    this.closing ??= cleanUp({
      stacks: this.stacks,
      dirs: this.dirs,
      sandbox: this.sandbox,
      log: this.opts.log,
    });
    return this.closing;
  }

  /** Rows of the workload's tables whose names carry its prefixes. */
  private async countRows(): Promise<Record<keyof typeof PREFIX, number>> {
    const counts = {} as Record<keyof typeof PREFIX, number>;
    for (const table of Object.keys(PREFIX) as (keyof typeof PREFIX)[]) {
      const ovnTable = table.startsWith("Logical_");
      const tool = ovnTable ? "ovn-nbctl" : "ovs-vsctl";
      const db = ovnTable ? this.target.nb.remote : this.target.host.remote;
      const stdout = await runOk(tool, [
        tool,
        `--db=${db}`,
        "--timeout=120",
        "--bare",
        "--columns=name",
        "list",
        table,
      ]);
      counts[table] = stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith(PREFIX[table])).length;
    }
    return counts;
  }

  private async expectRows(what: string, want: Record<keyof typeof PREFIX, number> | 0): Promise<void> {
    const got = await this.countRows();
    const bad = (Object.keys(got) as (keyof typeof PREFIX)[]).filter(
      (t) => got[t] !== (want === 0 ? 0 : want[t]),
    );
    if (bad.length)
      throw new BenchCheckError(`${what}: rows ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }

  /** A Pulumi form, or a floor (the same form's program with the no-op provider), through the CLI. */
  private async pulumi(kind: Form | Floor, w: Workload, scale: number): Promise<Measurement> {
    const floor = isFloor(kind);
    const form: Form = floor ? FLOOR_FORM[kind] : kind;
    const { log } = this.opts;
    let workDir: string | undefined;
    if (floor) this.dirs.add((workDir = makeFloorWorkDir(REPO_ROOT)));
    const ts = await TestStack.create({
      project: PROJECT,
      stack: `${kind}-${String(scale).replace(".", "_")}`,
      program: w.program(form, this.target, 0),
      workDir,
    });
    this.stacks.add(ts);
    const n = w.resources[form];
    const ms: Partial<Record<Phase, number>> = {};
    const step = async (phase: Phase, op: () => Promise<OpResult>, want: Record<string, number>) => {
      const r = await op();
      const got = Object.fromEntries(Object.keys(want).map((o) => [o, r.summary[o] ?? 0]));
      if (Object.keys(want).some((o) => got[o] !== want[o]))
        throw new BenchCheckError(
          `${kind} ${scale} ${phase}: expected ${JSON.stringify(want)}, engine reported ${JSON.stringify(r.summary)}`,
        );
      ms[phase] = r.durationMs;
      log(`${kind} scale ${scale} (${n.all} resources) ${phase}: ${(r.durationMs / 1000).toFixed(1)} s`);
    };
    await step("create", () => ts.up(), { create: n.all });
    await this.expectRows(`${kind} ${scale} after create`, floor ? 0 : w.rows);
    const stateBytes = fs.statSync(checkpointPath(ts.env.backendDir, PROJECT, ts.name)).size;
    await step("preview --refresh", () => ts.preview({ refresh: true, expectNoChanges: true, diff: false }), {
      create: 0,
      update: 0,
      delete: 0,
      replace: 0,
      same: n.all,
    });
    ts.setProgram(w.program(form, this.target, 1));
    await step("update 5%", () => ts.up(), { update: n.updated, create: 0, delete: 0, replace: 0 });
    await step("destroy", () => ts.destroy(), { delete: n.all });
    await this.expectRows(`${kind} ${scale} after destroy`, 0);
    await ts.remove({ skipDestroy: true });
    this.stacks.delete(ts);
    if (workDir) {
      fs.rmSync(workDir, { recursive: true, force: true });
      this.dirs.delete(workDir);
    }
    return { kind, scale, objects: w.objects.all, units: n.all, ms, stateBytes };
  }

  private dbArgs(tool: Call["tool"]): string[] {
    const db = tool === "ovn-nbctl" ? this.target.nb.remote : this.target.host.remote;
    return [tool, `--db=${db}`, "--timeout=600"];
  }

  /** One process per object, in order. */
  private async perObject(w: Workload, scale: number): Promise<Measurement> {
    const s = w.scripts(this.opts.portType);
    const each = async (calls: Call[]) => {
      for (const c of calls)
        await runOk(c.tool, [
          ...this.dbArgs(c.tool),
          ...c.commands.flatMap((cmd, k) => (k ? ["--", ...cmd] : cmd)),
        ]);
    };
    const ms: Partial<Record<Phase, number>> = {};
    ms.create = await time(() => each(s.create));
    await this.expectRows(`per-object ${scale} after create`, w.rows);
    ms["update 5%"] = await time(() => each(s.update));
    ms.destroy = await time(() => each(s.destroy));
    await this.expectRows(`per-object ${scale} after destroy`, 0);
    this.opts.log(`per-object scale ${scale}: ${PHASES.map((p) => `${p} ${fmt(ms[p])}`).join(", ")}`);
    return {
      kind: "per-object",
      scale,
      objects: w.objects.all,
      units: s.create.length,
      ms,
      note: `${s.create.length} + ${s.update.length} + ${s.destroy.length} processes`,
    };
  }

  /** Each tool's calls chained into one invocation (split only where the argument limit forces it). */
  private async chained(w: Workload, scale: number): Promise<Measurement> {
    const s = w.scripts(this.opts.portType);
    const limit = argLimit();
    let invocations = 0;
    let maxBytes = 0;
    const plan = (calls: Call[]) =>
      (["ovn-nbctl", "ovs-vsctl"] as const).flatMap((tool) => {
        const mine = calls.filter((c) => c.tool === tool);
        return mine.length ? chain(mine, this.dbArgs(tool), limit) : [];
      });
    const runAll = async (argvs: string[][]) => {
      for (const argv of argvs) {
        maxBytes = Math.max(maxBytes, argvBytes(argv));
        await runOk(argv[0], argv);
      }
    };
    const phases: [Phase, Call[]][] = [
      ["create", s.create],
      ["update 5%", s.update],
      ["destroy", s.destroy],
    ];
    const ms: Partial<Record<Phase, number>> = {};
    const counts: number[] = [];
    for (const [phase, calls] of phases) {
      const argvs = plan(calls);
      counts.push(argvs.length);
      invocations = Math.max(invocations, argvs.length);
      ms[phase] = await time(() => runAll(argvs));
      if (phase === "create") await this.expectRows(`chained ${scale} after create`, w.rows);
    }
    await this.expectRows(`chained ${scale} after destroy`, 0);
    const split = counts.some((c) => c > 2);
    this.opts.log(`chained scale ${scale}: ${PHASES.map((p) => `${p} ${fmt(ms[p])}`).join(", ")}`);
    return {
      kind: "chained",
      scale,
      objects: w.objects.all,
      units: counts[0],
      ms,
      note:
        `${counts.join(" + ")} processes (one per tool${split ? `, split by the ${Math.round(limit / 1024)} KB argument limit` : ""}); ` +
        `largest argv ${Math.round(maxBytes / 1024)} KB`,
    };
  }
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? "-" : `${(ms / 1000).toFixed(2)} s`;
}
