/**
 * Running planned flow steps against a switch (I/O), and reading a managed flow back.
 *
 * Every `add` is guarded: OpenFlow's add replaces an existing flow with the same table, priority
 * and match, whoever added it. The guard lists the flows of that table that match at least as
 * specifically (non-strict dump with the new match) before and after the add; a flow outside the
 * resource's cookie family that disappeared was replaced. Unless the resource adopts it, that flow
 * is put back exactly as it was (its cookie, timeouts, match and actions, from the numeric dump) and
 * the step fails with {@link FlowTakenError}, before any later step (deletes) runs.
 */
import {
  EXACT_MASK,
  FAMILY_MASK,
  RESOURCE_MASK,
  cookieSelector,
  formatCookie,
  inFamily,
  resourceOf,
} from "./cookie";
import { FlowTakenError, OpenFlowError, type OpenFlowErrorCode } from "./errors";
import { addFlow, delFlows, dumpFlows, modFlowStrict, type OpenFlowSwitch } from "./ofctl";
import type { FlowStep } from "./plan";
import { buildFlow, buildSelector, type DumpedFlow, type FlowSpec } from "./syntax";

export interface ApplyOptions {
  /** Take over a foreign flow that has exactly the same table, priority and match. */
  adopt?: boolean;
  /**
   * How long to keep retrying while the bridge's socket or a named port does not exist yet (a
   * bridge or port created in the same deployment, which ovs-vswitchd picks up a moment after the
   * database transaction). Default 10000 ms.
   */
  settleMs?: number;
}

/** What {@link applySteps} did. */
export interface ApplyResult {
  /** Foreign flows that were replaced because `adopt` was set. */
  adopted: DumpedFlow[];
}

const RETRIED: OpenFlowErrorCode[] = ["CONNECT", "UNKNOWN_PORT"];

/** Runs `fn`, retrying while it fails with a connection or unknown-port error, up to `settleMs`. */
export async function settle<T>(fn: () => Promise<T>, settleMs: number): Promise<T> {
  const deadline = Date.now() + settleMs;
  let delay = 50;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const retry = e instanceof OpenFlowError && RETRIED.includes(e.code) && Date.now() + delay < deadline;
      if (!retry) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}

/**
 * Requests answered in shared runs, per key: a request is answered by the next run that starts after
 * it arrives (never by one already running, so it sees at least what was there when it asked); the
 * requests waiting when a run starts are answered together by it. `run` gets them in arrival order
 * and returns one answer each, in that order; its failure is each of their failures.
 */
export class Coalescer<Q, A> {
  private readonly queues = new Map<string, { running: boolean; waiting: Waiting<Q, A>[] }>();

  constructor(private readonly run: (requests: Q[]) => Promise<A[]>) {}

  request(key: string, q: Q): Promise<A> {
    let d = this.queues.get(key);
    if (!d) this.queues.set(key, (d = { running: false, waiting: [] }));
    const queue = d;
    return new Promise<A>((resolve, reject) => {
      queue.waiting.push({ q, resolve, reject });
      if (!queue.running) void this.drain(key, queue);
    });
  }

  private async drain(key: string, d: { running: boolean; waiting: Waiting<Q, A>[] }): Promise<void> {
    d.running = true;
    while (d.waiting.length) {
      const batch = d.waiting.splice(0);
      try {
        const answers = await this.run(batch.map((w) => w.q));
        batch.forEach((w, n) => w.resolve(answers[n]));
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    d.running = false;
    this.queues.delete(key);
  }
}

interface Waiting<Q, A> {
  q: Q;
  resolve(a: A): void;
  reject(e: unknown): void;
}

/** What makes two {@link OpenFlowSwitch} values the same switch reached the same way. */
const switchKey = (sw: OpenFlowSwitch): string =>
  JSON.stringify([sw.target, sw.protocol, sw.argvPrefix, sw.timeoutMs, sw.tls]);

/** Family dumps of one switch: a lone request dumps its family, several one table filtered per family. */
const familyDumps = new Coalescer<{ sw: OpenFlowSwitch; base: bigint }, DumpedFlow[]>(async (requests) => {
  const { sw } = requests[0];
  if (requests.length === 1)
    return [await dumpFlows(sw, cookieSelector(requests[0].base, FAMILY_MASK), { names: true })];
  const all = await dumpFlows(sw, undefined, { names: true });
  return requests.map((r) => all.filter((f) => inFamily(f.cookie, r.base)));
});

/**
 * The resource's flows: every flow whose cookie is in the family of `base`, port names printed.
 * Requests for one switch share their ovs-ofctl runs ({@link Coalescer}), so that refreshing a
 * collection of N flows is two runs, not N.
 */
export function dumpFamily(sw: OpenFlowSwitch, base: bigint): Promise<DumpedFlow[]> {
  return familyDumps.request(switchKey(sw), { sw, base });
}

/** Every flow of the resource whose hash base is `base` (all its instances), port names printed. */
export function dumpResource(sw: OpenFlowSwitch, base: bigint): Promise<DumpedFlow[]> {
  return dumpFlows(sw, cookieSelector(resourceOf(base), RESOURCE_MASK), { names: true });
}

/** Runs the steps in order (adds before deletes, as planned). */
export async function applySteps(
  sw: OpenFlowSwitch,
  base: bigint,
  steps: readonly FlowStep[],
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const settleMs = opts.settleMs ?? 10_000;
  const adopted: DumpedFlow[] = [];
  for (const step of steps) {
    switch (step.kind) {
      case "add":
        adopted.push(
          ...(await settle(() => guardedAdd(sw, base, step.cookie, step.flow, !!opts.adopt), settleMs)),
        );
        break;
      case "modify":
        await settle(() => modFlowStrict(sw, buildFlow(step.flow, exact(step.cookie))), settleMs);
        break;
      case "delete":
        await delFlows(sw, cookieSelector(step.cookie, EXACT_MASK));
        break;
    }
  }
  return { adopted };
}

function exact(cookie: bigint): string {
  return cookieSelector(cookie, EXACT_MASK).slice("cookie=".length);
}

/**
 * Foreign flows at the same table and priority whose match is at least as specific as `flow`'s.
 * Flows of another instance of the same resource (a replacement's predecessor) are not foreign.
 */
async function foreignOverlapping(sw: OpenFlowSwitch, base: bigint, flow: FlowSpec): Promise<DumpedFlow[]> {
  const flows = await dumpFlows(sw, buildSelector({ table: flow.table, match: flow.match }));
  return flows.filter((f) => f.priority === flow.priority && resourceOf(f.cookie) !== resourceOf(base));
}

async function guardedAdd(
  sw: OpenFlowSwitch,
  base: bigint,
  cookie: bigint,
  flow: FlowSpec,
  adopt: boolean,
): Promise<DumpedFlow[]> {
  const before = await foreignOverlapping(sw, base, flow);
  await addFlow(sw, buildFlow(flow, formatCookie(cookie)));
  if (before.length === 0) return [];
  const after = new Set((await foreignOverlapping(sw, base, flow)).map((f) => f.line));
  const replaced = before.filter((f) => !after.has(f.line));
  if (replaced.length === 0 || adopt) return replaced;
  for (const f of replaced) await addFlow(sw, buildFlow(f, formatCookie(f.cookie)));
  throw new FlowTakenError(replaced, sw.target);
}

/** The flow carrying exactly `cookie`, as the switch renders it (port names printed); undefined if none. */
export async function readInstalled(sw: OpenFlowSwitch, cookie: bigint): Promise<DumpedFlow | undefined> {
  const flows = await dumpFlows(sw, cookieSelector(cookie, EXACT_MASK), { names: true });
  return flows[0];
}
