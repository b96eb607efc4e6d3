/**
 * One transaction for many lifecycles: the writes of the members of a collection resource (a
 * switch's ports, a bridge's ports) go to the server as ONE guarded transaction, while each member
 * runs the lifecycle of its singular resource unchanged (its reads, its plan, its guards, its
 * hooks). Every member gets a {@link DatabaseBinding} whose `commit` queues the member's operations
 * instead of sending them; once every member still running is waiting on its commit, the queue is
 * sent as one transaction and each member gets the results of its own operations back, as if it had
 * sent them alone.
 *
 * - uuid-names are made unique per member (every member calls its new row `row`);
 * - `wait` operations (the guards: "the row still holds what was read") go first, so each is
 *   evaluated against the database as the member read it, not after another member's write;
 * - a member that fails before it queues its commit (e.g. a row it may not take) ends the batch:
 *   the commits queued or queued later are not sent;
 * - a guard that fails fails the transaction for all: each member's `withGuards` reads, plans and
 *   queues again, and the next round is sent again as one transaction; any other failure is the
 *   failing member's error, the others end with {@link BatchAborted};
 * - a read a member sends while its commit is queued (outputs read right behind a write) waits
 *   for that commit, so it sees the member's own write.
 */
import {
  NamedUuid,
  OvsdbTransactionError,
  type Operation,
  type OperationResult,
  type OvsdbClient,
} from "../ovsdb";
import type { Props } from "../framework";
import type { DatabaseBinding } from "./spec";

/** What ends a member whose commit was sent with another member's operation that failed. */
export class BatchAborted extends Error {
  constructor(override readonly cause: unknown) {
    super("not written: another member's write failed in the same transaction");
  }
}

interface Queued {
  member: number;
  ops: Operation[];
  resolve(r: OperationResult[] | undefined): void;
  reject(e: unknown): void;
}

/** A copy of `ops` whose uuid-names (and references to them) carry `prefix`. Pure. */
export function renameUuidNames(ops: Operation[], prefix: string): Operation[] {
  const walk = (v: unknown): unknown => {
    if (v instanceof NamedUuid) return new NamedUuid(prefix + v.name);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return ops.map((o) => {
    const copy = walk(o) as Operation;
    if (copy.op === "insert" && copy.uuidName !== undefined) copy.uuidName = prefix + copy.uuidName;
    return copy;
  });
}

/**
 * The order the queued operations are sent in: every `wait` first, then the rest, each in member
 * order; `at[n][k]` is where member n's k-th operation went. Pure.
 */
export function batchOrder(queued: { ops: Operation[] }[]): { ops: Operation[]; at: number[][] } {
  const waits: [number, number][] = [];
  const rest: [number, number][] = [];
  queued.forEach((q, n) => q.ops.forEach((o, k) => (o.op === "wait" ? waits : rest).push([n, k])));
  const at = queued.map((q) => new Array<number>(q.ops.length));
  const ops: Operation[] = [];
  for (const [n, k] of [...waits, ...rest]) {
    at[n][k] = ops.length;
    ops.push(queued[n].ops[k]);
  }
  return { ops, at };
}

/** Runs member lifecycles so that their writes commit together (see the module doc). */
export class Batch {
  private running = 0;
  private queue: Queued[] = [];
  /** Per member: the commit it has queued and not yet seen answered. */
  private pending = new Map<number, Promise<unknown>>();
  /** The first member's failure: nothing queued after it is sent. */
  private failed: { e: unknown } | undefined;
  /** Transactions sent (for tests and benchmarks). */
  transactions = 0;

  constructor(
    private readonly db: DatabaseBinding,
    private readonly client: OvsdbClient,
    /** The inputs the database's own commit settings come from (e.g. `waitForChassis`). */
    private readonly inputs: Props,
  ) {}

  /**
   * Runs `jobs` (each given its member's database binding) until all end; their outcomes in order.
   * No job's writes are sent before every job has queued its commit or ended.
   */
  async run<T>(jobs: ((db: DatabaseBinding) => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    this.running = jobs.length;
    return Promise.allSettled(
      jobs.map(async (job, n) => {
        try {
          return await job(this.binding(n));
        } catch (e) {
          // A member refused before its write (a row it may not take, bad state): the others' writes
          // are not sent either, so the collection is written whole or not at all.
          this.failed ??= { e };
          throw e;
        } finally {
          this.running--;
          this.flushIfReady();
        }
      }),
    );
  }

  /** The database binding of member `n`: its client waits for its queued commit; its commit queues. */
  private binding(n: number): DatabaseBinding {
    const client = this.clientOf(n);
    return {
      ...this.db,
      client: async () => client,
      commit: (_c, ops) => this.enqueue(n, ops),
    };
  }

  /** The client member `n` reads with: a read sent while its commit is queued goes after it. */
  private clientOf(n: number): OvsdbClient {
    const real = this.client;
    const pending = this.pending;
    return new Proxy(real, {
      get(target, prop) {
        if (prop === "transact") {
          return async (...args: Parameters<OvsdbClient["transact"]>) => {
            const before = pending.get(n);
            if (before) await before.catch(() => undefined);
            return target.transact(...args);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  private enqueue(member: number, ops: Operation[]): Promise<OperationResult[] | undefined> {
    const p = new Promise<OperationResult[] | undefined>((resolve, reject) => {
      this.queue.push({ member, ops: renameUuidNames(ops, `m${member}_`), resolve, reject });
    });
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.set(member, settled);
    void settled.then(() => {
      if (this.pending.get(member) === settled) this.pending.delete(member);
    });
    this.flushIfReady();
    return p;
  }

  /** Sends the queue once every running member is waiting on its commit. */
  private flushIfReady(): void {
    if (this.queue.length === 0 || this.queue.length < this.running) return;
    // In member order, whatever order they arrived in: the same inputs make the same transaction.
    const queued = this.queue.sort((x, y) => x.member - y.member);
    this.queue = [];
    const failed = this.failed;
    if (failed) for (const q of queued) q.reject(new BatchAborted(failed.e));
    else void this.send(queued);
  }

  private async send(queued: Queued[]): Promise<void> {
    const { ops, at } = batchOrder(queued);
    this.transactions++;
    try {
      const results = await this.db.commit(this.client, ops, this.inputs);
      queued.forEach((q, n) => q.resolve(results && at[n].map((j) => results[j])));
    } catch (e) {
      const guard = e instanceof OvsdbTransactionError && e.error === "timed out";
      const failing =
        e instanceof OvsdbTransactionError && e.opIndex !== undefined
          ? at.findIndex((idx) => idx.includes(e.opIndex!))
          : -1;
      queued.forEach((q, n) => {
        if (guard || failing < 0 || n === failing) q.reject(e);
        else q.reject(new BatchAborted(e));
      });
    }
  }
}
