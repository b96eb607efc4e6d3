/**
 * `pulumi up` against the engine's floor: the same N resources deployed through the real Pulumi
 * CLI twice, once with the no-op provider (floor.ts, floor-provider.ts) and once with pulumi-ovs
 * on a sandbox's OVN northbound database. Each side runs create, `preview --refresh
 * --expect-no-changes`, plain preview, an update of 10 % of the resources and destroy; each step is
 * timed and its change summary checked, and the checkpoint is measured after create.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { startSandbox, type SandboxInfo } from "../../sandbox";
// The only import of the Pulumi harness in this benchmark.
import { REPO_ROOT, TestStack, type OpResult } from "../../test/e2e/harness/pulumi";
import { cleanUp } from "./cleanup";
import { makeFloorWorkDir } from "./floor";
import { workload, type Workload } from "./workload";

const execFileP = promisify(execFile);

export const STEPS = ["create", "preview --refresh", "preview", "update 10%", "destroy"] as const;
export type Step = (typeof STEPS)[number];
export const SIDES = ["floor", "pulumi-ovs"] as const;
export type Side = (typeof SIDES)[number];

export interface SideResult {
  /** Milliseconds per step. */
  ms: Record<Step, number>;
  /** Bytes of the checkpoint file after create (the file the engine rewrites at every step). */
  checkpointBytes: number;
  /**
   * Per resource, averaged: `checkpoint` = the checkpoint file's bytes / N; `provider` = the
   * serialized provider (`__provider`, stored in inputs and in outputs); `inputs` and `outputs` =
   * the rest of each, as compact JSON (the file is indented, so these sum to less than `checkpoint`).
   */
  bytesPerResource: { checkpoint: number; provider: number; inputs: number; outputs: number };
  /**
   * CPU milliseconds per step: `pulumi` = this process (the inline program) and its children (the
   * CLI and, reaped by it, the dynamic-provider host); `daemons` = the sandbox's OVS/OVN daemons
   * (ovsdb-servers, ovn-northd, ovs-vswitchd, ovn-controller), which run beside them on the same cores.
   */
  cpuMs: Record<Step, { pulumi: number; daemons: number }>;
  /** Logical_Switch + Logical_Switch_Port rows in the northbound database after create. */
  rowsAfterCreate: number;
}

export interface SizeResult {
  n: number;
  switches: number;
  ports: number;
  updated: number;
  sides: Record<Side, SideResult>;
}

export interface EngineBenchOptions {
  /** Resource counts to measure, in order. */
  sizes: number[];
  /** Sandbox name (a fresh sandbox with OVN and one host is started and stopped). */
  sandboxName?: string;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** A step whose change summary is not what the workload implies: the measurement is void. */
export class BenchCheckError extends Error {
  override readonly name = "BenchCheckError";
}

function expectCounts(side: Side, step: Step, r: OpResult, want: Partial<Record<string, number>>): void {
  const got = Object.fromEntries(Object.keys(want).map((op) => [op, r.summary[op] ?? 0]));
  const bad = Object.keys(want).filter((op) => got[op] !== want[op]);
  if (bad.length) {
    throw new BenchCheckError(
      `${side} ${step}: expected ${JSON.stringify(want)}, engine reported ${JSON.stringify(r.summary)}`,
    );
  }
}

/** The checkpoint file of `stack` in its file backend. */
function checkpointFile(ts: TestStack): string {
  const root = path.join(ts.env.backendDir, ".pulumi", "stacks");
  const hit = fs
    .readdirSync(root, { recursive: true, encoding: "utf8" })
    .find((f) => path.basename(f) === `${ts.name}.json`);
  if (!hit) throw new Error(`no checkpoint of stack ${ts.name} under ${root}`);
  return path.join(root, hit);
}

interface Checkpoint {
  checkpoint: { latest?: { resources?: { type: string; inputs?: Props; outputs?: Props }[] } };
}
type Props = Record<string, unknown>;

function measureCheckpoint(
  ts: TestStack,
  n: number,
): Pick<SideResult, "checkpointBytes" | "bytesPerResource"> {
  const text = fs.readFileSync(checkpointFile(ts), "utf8");
  const resources = (JSON.parse(text) as Checkpoint).checkpoint.latest?.resources ?? [];
  // The program's resources: not the root stack, not the default provider.
  const mine = resources.filter((r) => !r.type.startsWith("pulumi:"));
  if (mine.length !== n) throw new BenchCheckError(`checkpoint holds ${mine.length} resources, not ${n}`);
  const split = (p: Props = {}) => {
    const { __provider, ...rest } = p;
    return { provider: String(__provider ?? "").length, rest: JSON.stringify(rest).length };
  };
  const sum = { provider: 0, inputs: 0, outputs: 0 };
  for (const r of mine) {
    const [i, o] = [split(r.inputs), split(r.outputs)];
    sum.provider += i.provider + o.provider;
    sum.inputs += i.rest;
    sum.outputs += o.rest;
  }
  const checkpointBytes = Buffer.byteLength(text);
  return {
    checkpointBytes,
    bytesPerResource: {
      checkpoint: checkpointBytes / n,
      provider: sum.provider / n,
      inputs: sum.inputs / n,
      outputs: sum.outputs / n,
    },
  };
}

/** CPU milliseconds (user + system) of a process, with its reaped children when `children`. */
function cpuOf(pid: number | "self", children = false): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return 0; // a daemon that is gone
  }
  // Fields after the parenthesised command: state is field 3; utime..cstime are 14..17.
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  const ticks = f[11] + f[12] + (children ? f[13] + f[14] : 0);
  return ticks * 10; // USER_HZ is 100 on Linux
}

async function countRows(nbUnix: string): Promise<number> {
  let rows = 0;
  for (const table of ["Logical_Switch", "Logical_Switch_Port"]) {
    const { stdout } = await execFileP("ovn-nbctl", [
      `--db=${nbUnix}`,
      "--timeout=60",
      "--bare",
      "--columns=_uuid",
      "list",
      table,
    ]);
    rows += stdout.split("\n").filter((l) => l.trim()).length;
  }
  return rows;
}

/**
 * Runs the benchmark. Everything it starts (sandbox, stacks, the floor's workspaces) is removed
 * when it returns or throws, and by {@link EngineBench.close} (e.g. from a signal handler).
 */
export class EngineBench {
  private sandbox: SandboxInfo | undefined;
  private readonly stacks = new Set<TestStack>();
  private readonly dirs = new Set<string>();
  private closing: Promise<void> | undefined;
  private readonly log: (message: string) => void;

  constructor(private readonly opts: EngineBenchOptions) {
    this.log = opts.log ?? (() => undefined);
  }

  async run(): Promise<SizeResult[]> {
    try {
      this.sandbox = await startSandbox({
        name: this.opts.sandboxName ?? "bench-engine",
        hosts: 1,
        ovn: true,
      });
      const central = this.sandbox.central;
      if (!central) throw new Error("the sandbox has no OVN central");
      const nb = { remote: central.nbRemote.unix };
      // Not measured: the first operation of a process pays for starting the CLI and the
      // provider host from a cold cache and for serializing the shim; neither side should.
      this.log("warm-up, not measured:");
      await this.runSide("floor", workload(2, nb), central.nbRemote.unix);
      const results: SizeResult[] = [];
      for (const n of this.opts.sizes) {
        const w = workload(n, nb);
        const sides = {} as Record<Side, SideResult>;
        for (const side of SIDES) sides[side] = await this.runSide(side, w, central.nbRemote.unix);
        results.push({ n, switches: w.switches, ports: w.ports, updated: w.updated, sides });
      }
      return results;
    } finally {
      await this.close();
    }
  }

  /** Removes the stacks (without destroy: the sandbox goes with them), the workspaces and the sandbox. */
  close(): Promise<void> {
    this.closing ??= cleanUp({
      stacks: this.stacks,
      dirs: this.dirs,
      sandbox: this.sandbox,
      log: (m) => this.log(m),
    });
    return this.closing;
  }

  private async runSide(side: Side, w: Workload, nbUnix: string): Promise<SideResult> {
    let workDir: string | undefined;
    if (side === "floor") this.dirs.add((workDir = makeFloorWorkDir(REPO_ROOT)));
    // The same project and stack names on both sides (separate backends): the owner markers, and
    // so the inputs, are byte for byte the same.
    const ts = await TestStack.create({
      project: "bench-engine",
      stack: `n${w.n}`,
      program: w.program(0),
      workDir,
    });
    this.stacks.add(ts);
    const ms = {} as Record<Step, number>;
    const cpuMs = {} as SideResult["cpuMs"];
    const daemons = [this.sandbox?.central, ...(this.sandbox?.hosts ?? [])].flatMap((o) =>
      Object.values(o?.pids ?? {}),
    );
    const cpu = () => ({
      pulumi: cpuOf("self", true),
      daemons: daemons.reduce((sum, pid) => sum + cpuOf(pid), 0),
    });
    const step = async (name: Step, op: () => Promise<OpResult>, want: Partial<Record<string, number>>) => {
      const before = cpu();
      const r = await op();
      const after = cpu();
      cpuMs[name] = { pulumi: after.pulumi - before.pulumi, daemons: after.daemons - before.daemons };
      expectCounts(side, name, r, want);
      ms[name] = r.durationMs;
      this.log(`N=${w.n} ${side} ${name}: ${(r.durationMs / 1000).toFixed(1)} s`);
    };
    const noChange = { create: 0, update: 0, delete: 0, replace: 0, same: w.n };

    await step("create", () => ts.up(), { create: w.n });
    const rowsAfterCreate = await countRows(nbUnix);
    const expectedRows = side === "floor" ? 0 : w.n;
    if (rowsAfterCreate !== expectedRows) {
      throw new BenchCheckError(
        `${side}: ${rowsAfterCreate} northbound rows after create, expected ${expectedRows}`,
      );
    }
    const sizes = measureCheckpoint(ts, w.n);
    await step(
      "preview --refresh",
      () => ts.preview({ refresh: true, expectNoChanges: true, diff: false }),
      noChange,
    );
    await step("preview", () => ts.preview({ diff: false }), noChange);
    ts.setProgram(w.program(1));
    await step("update 10%", () => ts.up(), { update: w.updated, create: 0, delete: 0, replace: 0 });
    await step("destroy", () => ts.destroy(), { delete: w.n });
    if (await countRows(nbUnix)) throw new BenchCheckError(`${side}: northbound rows left after destroy`);

    await ts.remove({ skipDestroy: true });
    this.stacks.delete(ts);
    if (workDir) {
      fs.rmSync(workDir, { recursive: true, force: true });
      this.dirs.delete(workDir);
    }
    return { ms, cpuMs, rowsAfterCreate, ...sizes };
  }
}
