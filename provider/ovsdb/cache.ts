/**
 * A local copy of chosen tables and columns of one database, fed by a monitor and kept consistent
 * across reconnects: after a reconnect it asks `monitor_cond_since` for what changed after the
 * last transaction it saw (and starts over from a full copy when the server cannot answer that),
 * falling back to `monitor_cond` / `monitor` on servers without those methods.
 *
 * Rows handed out are copies: callers cannot corrupt the cache.
 */
import { EventEmitter } from "node:events";
import type { OvsdbClient } from "./client";
import { OvsdbProtocolError, OvsdbRpcError } from "./errors";
import type { DatabaseSchema, TableSchema, ColumnType } from "./schema";
import { decodeDatum, defaultValue, type Row } from "./codec";
import type { Atom, Value } from "./notation";
import { encodeOperations } from "./check";
import { compileConditions, elementKeysOf, type Condition } from "./conditions";
import type { Operation } from "./operations";
import type { OperationResult } from "./results";
import type { ColumnOf, RowType, TableOf } from "./databases";

/** What to keep of one table; `C` is the table's column names (any string when untyped). */
export interface CacheTableSpec<C extends string = string> {
  /** Columns to keep; all columns when omitted. `_uuid` is always kept. */
  columns?: C[];
  /** Only rows matching these conditions (monitor_cond). */
  where?: Condition<C>[];
  /** Columns to index for `lookup`, e.g. ["name"]. */
  indexes?: C[];
}

/** The tables to keep, by name; typed by the database `D` when it is known by name. */
export type CacheSpec<D extends string = string> = { [T in TableOf<D>]?: CacheTableSpec<ColumnOf<D, T>> };

/**
 * A cached row: its `_uuid` plus the decoded columns the cache keeps. For a generated row type `R`
 * every other column is optional (the spec may keep only some); untyped rows stay {@link Row}.
 */
export type CachedRow<R extends object = Row> = (R extends Row ? Row : Partial<R>) & { _uuid: string };

export interface CacheEvents {
  /** The cache holds a full, consistent copy (after the first load and after each resync). */
  synced: [how: "initial" | "incremental" | "full"];
  /** Rows changed, by table. */
  changed: [tables: string[]];
  error: [error: Error];
}

type Method = "monitor_cond_since" | "monitor_cond" | "monitor";

interface TableState {
  schema: TableSchema;
  columns: string[];
  rows: Map<string, Row>;
  /** index column → key (JSON of the value) → set of uuids */
  indexes: Map<string, Map<string, Set<string>>>;
  /**
   * Built by the first select that looks a column up ({@link MonitorCache.answer}), then kept:
   * column → element (a set's atom, a map's key-value pair; {@link elementKeysOf}) → rows holding it.
   */
  elements: Map<string, Map<string, Set<string>>>;
}

let monitorCounter = 0;

/**
 * The cache of database `D`: rows of a database known by name come back typed
 * (`CachedRow<nb.LogicalSwitchRow>`), others as {@link Row}. A cache started on a database named
 * by a literal is a `MonitorCache<"OVN_Northbound">`, not a `MonitorCache` (= `<string>`): pass
 * the name as a `string` to get the untyped one.
 */
export class MonitorCache<D extends string = string> extends EventEmitter<CacheEvents> {
  private readonly tables = new Map<string, TableState>();
  private readonly monitorId = `pulumi-ovs-cache-${process.pid}-${++monitorCounter}`;
  private method: Method = "monitor_cond_since";
  private lastTxnId: string | null = null;
  private stopped = false;
  private syncedFlag = false;
  private resyncing: Promise<void> | undefined;
  private readonly onConnected = (_remote: string, reconnect: boolean) => {
    if (reconnect) this.resync().catch((e) => this.emit("error", e as Error));
  };
  private readonly onDisconnected = () => {
    this.syncedFlag = false;
  };
  /**
   * Notifications that arrive while a monitor request is in flight. The reply and the
   * notifications that follow it can arrive in one chunk, and are dispatched before the code
   * awaiting the reply runs: they are held here and applied after the reply's contents.
   */
  private held: (() => void)[] | undefined;
  private readonly onUpdate = (id: unknown, updates: unknown) => {
    if (id === this.monitorId) this.deliver(() => this.applyUpdate(updates));
  };
  private readonly onUpdate2 = (id: unknown, updates: unknown) => {
    if (id === this.monitorId) this.deliver(() => this.applyUpdate2(updates));
  };
  private readonly onUpdate3 = (id: unknown, txnId: string, updates: unknown) => {
    if (id !== this.monitorId) return;
    this.deliver(() => {
      this.lastTxnId = txnId;
      this.applyUpdate2(updates);
    });
  };

  private deliver(apply: () => void): void {
    if (this.held) this.held.push(apply);
    else this.guard(apply);
  }

  /** A malformed update makes the cache resynchronise from scratch rather than drift. */
  private guard(apply: () => void): void {
    try {
      apply();
    } catch (e) {
      this.emit("error", e as Error);
      this.syncedFlag = false;
      this.lastTxnId = null;
      this.resync().catch((err) => this.emit("error", err as Error));
    }
  }

  private readonly spec: Record<string, CacheTableSpec | undefined>;

  private constructor(
    readonly client: OvsdbClient,
    readonly database: D,
    readonly schema: DatabaseSchema,
    spec: CacheSpec<D>,
  ) {
    super();
    this.on("error", () => undefined);
    this.spec = spec as Record<string, CacheTableSpec | undefined>;
    for (const [name, t = {}] of Object.entries(this.spec)) {
      const ts = schema.table(name);
      const columns = (
        t.columns ?? [...ts.columns.keys()].filter((c) => c !== "_uuid" && c !== "_version")
      ).filter((c) => c !== "_uuid");
      for (const c of columns) schema.column(name, c); // throws on unknown columns
      const indexes = new Map<string, Map<string, Set<string>>>();
      for (const ix of t.indexes ?? []) {
        schema.column(name, ix);
        if (!columns.includes(ix)) columns.push(ix);
        indexes.set(ix, new Map());
      }
      this.tables.set(name, { schema: ts, columns, rows: new Map(), indexes, elements: new Map() });
    }
  }

  /** Start monitoring and resolve once the initial contents are loaded. */
  static async start<D extends string>(
    client: OvsdbClient,
    database: D,
    spec: CacheSpec<D>,
  ): Promise<MonitorCache<D>> {
    const schema = await client.getSchema(database);
    const cache = new MonitorCache<D>(client, database, schema, spec);
    client.on("update", cache.onUpdate);
    client.on("update2", cache.onUpdate2);
    client.on("update3", cache.onUpdate3);
    client.on("connected", cache.onConnected);
    client.on("disconnected", cache.onDisconnected);
    try {
      await cache.resync();
    } catch (e) {
      cache.stop();
      throw e;
    }
    return cache;
  }

  /** True while the cache reflects the server (false from a disconnect until the resync). */
  get synced(): boolean {
    return this.syncedFlag;
  }

  /** Which monitor method the server accepted. */
  get monitorMethod(): Method {
    return this.method;
  }

  /** Wait until the cache is synced (e.g. after a reconnect). */
  async waitSynced(timeoutMs = 30_000): Promise<void> {
    if (this.syncedFlag) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.off("synced", done);
        reject(new Error(`monitor cache of ${this.database} not synced within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.once("synced", done);
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.client.off("update", this.onUpdate);
    this.client.off("update2", this.onUpdate2);
    this.client.off("update3", this.onUpdate3);
    this.client.off("connected", this.onConnected);
    this.client.off("disconnected", this.onDisconnected);
    if (this.client.isConnected) this.client.monitorCancel(this.monitorId).catch(() => undefined);
  }

  // ---- reads -----------------------------------------------------------------------------------

  get<T extends TableOf<D>>(table: T, uuid: string): CachedRow<RowType<D, T>> | undefined {
    const row = this.state(table).rows.get(uuid);
    return row ? (copyRow(uuid, row) as CachedRow<RowType<D, T>>) : undefined;
  }

  /** Rows whose indexed `column` equals `value`. */
  lookup<T extends TableOf<D>>(table: T, column: ColumnOf<D, T>, value: Value): CachedRow<RowType<D, T>>[] {
    const st = this.state(table);
    const ix = st.indexes.get(column);
    if (!ix) throw new Error(`column ${column} of table ${table} is not indexed in this cache`);
    const uuids = ix.get(indexKey(value));
    if (!uuids) return [];
    return [...uuids].map((u) => copyRow(u, st.rows.get(u)!) as CachedRow<RowType<D, T>>);
  }

  rows<T extends TableOf<D>>(table: T): CachedRow<RowType<D, T>>[] {
    return [...this.state(table).rows].map(([u, r]) => copyRow(u, r) as CachedRow<RowType<D, T>>);
  }

  /**
   * The results a transaction of `ops` would give, answered from the cache, when every operation is
   * a `select` of a kept table naming kept columns (or none: then `_uuid` and every kept column,
   * never `_version`); undefined otherwise, or while the cache is not synced. As from the server,
   * a select naming columns gets exactly those (`_uuid` only when named). The rows of all
   * operations come from one moment of the database, as a transaction's would. The candidate rows
   * come from a `_uuid` lookup or an element index ({@link candidates}); each is tested as
   * ovsdb-server tests it ({@link compileConditions}).
   */
  answer(ops: readonly Operation[]): OperationResult[] | undefined {
    if (!this.syncedFlag || ops.length === 0) return undefined;
    const kept = (st: TableState, c: string) => c === "_uuid" || st.columns.includes(c);
    const plan: { st: TableState; where: Condition[]; columns: string[] }[] = [];
    for (const op of ops) {
      if (op.op !== "select") return undefined;
      const st = this.tables.get(op.table);
      if (!st) return undefined;
      const columns = op.columns ?? ["_uuid", ...st.columns];
      if (!columns.every((c) => kept(st, c)) || !op.where.every(([c]) => kept(st, c))) return undefined;
      plan.push({ st, where: op.where, columns });
    }
    return plan.map(({ st, where, columns }) => {
      const rows: Row[] = [];
      const matches = compileConditions(st.schema, where);
      for (const [uuid, row] of this.candidates(st, where)) {
        if (!matches(row, uuid)) continue;
        rows.push(Object.fromEntries(columns.map((c) => [c, c === "_uuid" ? uuid : copyValue(row[c])])));
      }
      return { rows };
    });
  }

  /**
   * The rows that may match `where`: the row a `_uuid ==` names; else those holding an element an
   * `includes` or `==` condition requires (through the column's element index); else all.
   */
  private candidates(st: TableState, where: readonly Condition[]): Iterable<[string, Row]> {
    const byUuid = where.find(([c, fn, v]) => c === "_uuid" && fn === "==" && typeof v === "string");
    if (byUuid) {
      const uuid = (byUuid[2] as string).toLowerCase();
      const row = st.rows.get(uuid);
      return row ? [[uuid, row]] : [];
    }
    for (const [column, fn, value] of where) {
      if (column === "_uuid" || (fn !== "includes" && fn !== "==")) continue;
      const [first] = elementKeysOf(st.schema.columns.get(column)!.type, value) ?? [];
      if (first === undefined) continue;
      const uuids = this.elementIndex(st, column).get(first) ?? new Set<string>();
      return [...uuids].map((u) => [u, st.rows.get(u)!] as [string, Row]);
    }
    return st.rows;
  }

  private elementIndex(st: TableState, column: string): Map<string, Set<string>> {
    let ix = st.elements.get(column);
    if (!ix) {
      st.elements.set(column, (ix = new Map()));
      for (const [uuid, row] of st.rows) this.indexElements(st, column, uuid, row, true);
    }
    return ix;
  }

  /** Adds (or removes) `row`'s elements of `column` to the column's element index. */
  private indexElements(st: TableState, column: string, uuid: string, row: Row, add: boolean): void {
    const ix = st.elements.get(column)!;
    for (const k of elementKeysOf(st.schema.columns.get(column)!.type, row[column]) ?? []) {
      let s = ix.get(k);
      if (add) {
        if (!s) ix.set(k, (s = new Set()));
        s.add(uuid);
      } else if (s) {
        s.delete(uuid);
        if (s.size === 0) ix.delete(k);
      }
    }
  }

  size(table: TableOf<D>): number {
    return this.state(table).rows.size;
  }

  private state(table: string): TableState {
    const st = this.tables.get(table);
    if (!st) throw new Error(`table ${table} is not part of this cache`);
    return st;
  }

  // ---- (re)synchronisation ---------------------------------------------------------------------

  private resync(): Promise<void> {
    if (!this.resyncing) {
      this.resyncing = this.doResync().finally(() => (this.resyncing = undefined));
    }
    return this.resyncing;
  }

  private async doResync(): Promise<void> {
    if (this.stopped) return;
    this.held = [];
    try {
      await this.requestMonitor();
    } finally {
      const held = this.held;
      this.held = undefined;
      for (const apply of held) this.guard(apply);
    }
  }

  private async requestMonitor(): Promise<void> {
    for (;;) {
      try {
        if (this.method === "monitor_cond_since") {
          const [found, txnId, updates] = await this.client.monitorCondSince(
            this.database,
            this.monitorId,
            this.requests(true),
            this.lastTxnId,
          );
          if (!found) this.clear();
          this.applyUpdate2(updates, false);
          this.lastTxnId = txnId;
          this.markSynced(
            found && this.syncedBefore ? "incremental" : this.syncedBefore ? "full" : "initial",
          );
        } else if (this.method === "monitor_cond") {
          const updates = await this.client.monitorCond(this.database, this.monitorId, this.requests(true));
          this.clear();
          this.applyUpdate2(updates, false);
          this.markSynced(this.syncedBefore ? "full" : "initial");
        } else {
          const updates = await this.client.monitor(this.database, this.monitorId, this.requests(false));
          this.clear();
          this.applyUpdate(updates, false);
          this.markSynced(this.syncedBefore ? "full" : "initial");
        }
        return;
      } catch (e) {
        if (e instanceof OvsdbRpcError && isUnknownMethod(e)) {
          this.method = this.method === "monitor_cond_since" ? "monitor_cond" : "monitor";
          if (this.method === "monitor" && Object.values(this.spec).some((t) => t?.where?.length)) {
            throw new OvsdbProtocolError(
              "server supports neither monitor_cond nor monitor_cond_since; conditions need one",
            );
          }
          continue;
        }
        throw e;
      }
    }
  }

  private syncedBefore = false;

  private markSynced(how: "initial" | "incremental" | "full"): void {
    this.syncedBefore = true;
    this.syncedFlag = true;
    this.emit("synced", how);
  }

  private requests(conditional: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, st] of this.tables) {
      const req: Record<string, unknown> = { columns: st.columns };
      const where = this.spec[name]?.where;
      if (conditional && where && where.length) {
        // Reuse the operation encoder for the conditions: a select carries the same clauses.
        const [sel] = encodeOperations(this.schema, [{ op: "select", table: name, where }]) as {
          where: unknown[];
        }[];
        req.where = sel.where;
      }
      out[name] = [req];
    }
    return out;
  }

  private clear(): void {
    for (const st of this.tables.values()) {
      st.rows.clear();
      for (const ix of st.indexes.values()) ix.clear();
      for (const ix of st.elements.values()) ix.clear();
    }
  }

  // ---- applying updates ------------------------------------------------------------------------

  /** RFC 7047 table-updates: {table: {uuid: {old?, new?}}}. */
  private applyUpdate(updates: unknown, notify = true): void {
    const changed: string[] = [];
    for (const [table, rowsRaw] of entries(updates)) {
      const st = this.tables.get(table);
      if (!st) continue;
      changed.push(table);
      for (const [uuid, change] of entries(rowsRaw)) {
        const c = change as { old?: Record<string, unknown>; new?: Record<string, unknown> };
        if (c.new === undefined) this.removeRow(st, uuid);
        else {
          const prev = st.rows.get(uuid) ?? {};
          this.putRow(st, uuid, { ...prev, ...this.decodeColumns(st, c.new) });
        }
      }
    }
    if (notify && changed.length) this.emit("changed", changed);
  }

  /** ovsdb-server(7) table-updates2: {table: {uuid: {initial|insert|modify|delete}}}. */
  private applyUpdate2(updates: unknown, notify = true): void {
    const changed: string[] = [];
    for (const [table, rowsRaw] of entries(updates)) {
      const st = this.tables.get(table);
      if (!st) continue;
      changed.push(table);
      for (const [uuid, change] of entries(rowsRaw)) {
        const c = change as Record<string, Record<string, unknown> | null>;
        if ("delete" in c) this.removeRow(st, uuid);
        else if (c.initial || c.insert)
          this.putRow(st, uuid, this.withDefaults(st, this.decodeColumns(st, (c.initial ?? c.insert)!)));
        else if (c.modify) {
          const prev = st.rows.get(uuid);
          if (!prev) throw new OvsdbProtocolError(`modify of unknown row ${uuid} in table ${table}`);
          this.putRow(st, uuid, this.applyDiff(st, prev, c.modify));
        }
      }
    }
    if (notify && changed.length) this.emit("changed", changed);
  }

  /**
   * `initial` and `insert` rows of table-updates2 omit the columns that hold their default value
   * (ovsdb-server(7)): put those back, so a cached row has every column the cache keeps.
   */
  private withDefaults(st: TableState, row: Row): Row {
    for (const column of st.columns) {
      if (!(column in row)) row[column] = defaultValue(st.schema.columns.get(column)!.type);
    }
    return row;
  }

  private decodeColumns(st: TableState, wire: Record<string, unknown>): Row {
    const row: Row = {};
    for (const [col, datum] of Object.entries(wire)) {
      const cs = st.schema.columns.get(col);
      if (!cs) continue;
      row[col] = decodeDatum(cs.type, datum, { table: st.schema.name, column: col });
    }
    return row;
  }

  /**
   * Apply a "modify" diff. For multi-valued columns (and optional columns that were empty) the diff
   * is a set of elements to toggle, or for maps key/value pairs: a pair equal to the current one is
   * removed, anything else inserted or replaced. Single-valued columns carry the new value.
   */
  private applyDiff(st: TableState, prev: Row, diff: Record<string, unknown>): Row {
    const next: Row = { ...prev };
    for (const [col, datum] of Object.entries(diff)) {
      const cs = st.schema.columns.get(col);
      if (!cs) continue;
      const t = cs.type;
      const where = { table: st.schema.name, column: col };
      const multi = t.max === "unlimited" || t.max > 1;
      const current = prev[col];
      const empty = current === null || current === undefined;
      if (t.value !== undefined) {
        const d = decodeDatum(relaxed(t), datum, where) as Record<string, Atom>;
        const m = { ...((current as Record<string, Atom> | undefined) ?? {}) };
        for (const [k, v] of Object.entries(d)) {
          if (k in m && atomEq(m[k], v)) delete m[k];
          else m[k] = v;
        }
        next[col] = m;
      } else if (multi || (t.min === 0 && empty)) {
        const d = toArray(decodeDatum(relaxed(t), datum, where));
        const set = toArray(current ?? null);
        for (const a of d) {
          const i = set.findIndex((x) => atomEq(x, a));
          if (i >= 0) set.splice(i, 1);
          else set.push(a);
        }
        next[col] = multi ? set : (set[0] ?? null);
      } else {
        next[col] = decodeDatum(t, datum, where);
      }
    }
    return next;
  }

  private putRow(st: TableState, uuid: string, row: Row): void {
    const old = st.rows.get(uuid);
    if (old) this.unindex(st, uuid, old);
    st.rows.set(uuid, row);
    for (const col of st.elements.keys()) this.indexElements(st, col, uuid, row, true);
    for (const [col, ix] of st.indexes) {
      if (!(col in row)) continue;
      const k = indexKey(row[col]);
      let s = ix.get(k);
      if (!s) ix.set(k, (s = new Set()));
      s.add(uuid);
    }
  }

  private removeRow(st: TableState, uuid: string): void {
    const old = st.rows.get(uuid);
    if (!old) return;
    this.unindex(st, uuid, old);
    st.rows.delete(uuid);
  }

  private unindex(st: TableState, uuid: string, row: Row): void {
    for (const col of st.elements.keys()) this.indexElements(st, col, uuid, row, false);
    for (const [col, ix] of st.indexes) {
      if (!(col in row)) continue;
      const k = indexKey(row[col]);
      const s = ix.get(k);
      s?.delete(uuid);
      if (s && s.size === 0) ix.delete(k);
    }
  }
}

function relaxed(t: ColumnType): ColumnType {
  return { ...t, min: 0, max: "unlimited" };
}

function toArray(v: Value | undefined): Atom[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? [...v] : [v as Atom];
}

function atomEq(a: Atom, b: Atom): boolean {
  return typeof a === "object" || typeof b === "object" ? JSON.stringify(a) === JSON.stringify(b) : a === b;
}

function indexKey(v: Value | undefined): string {
  return JSON.stringify(v ?? null);
}

function entries(x: unknown): [string, unknown][] {
  return x && typeof x === "object" ? Object.entries(x as Record<string, unknown>) : [];
}

function isUnknownMethod(e: OvsdbRpcError): boolean {
  return typeof e.error === "string" && /unknown method/i.test(e.error);
}

function copyRow(uuid: string, row: Row): CachedRow {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = copyValue(v);
  return { ...out, _uuid: uuid };
}

/** A value the caller may change without changing the cache. */
function copyValue(v: Value): Value {
  return Array.isArray(v) ? [...v] : v !== null && typeof v === "object" ? { ...v } : v;
}
