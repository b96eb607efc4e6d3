/**
 * JSON-RPC 1.0 over one OVSDB stream, as RFC 7047 uses it: numbered requests matched to
 * responses, the server's `echo` answered, notifications (`update`, `update2`, `update3`,
 * `locked`, `stolen`) delivered to a handler, and an inactivity probe of our own.
 *
 * When the stream ends, every pending request fails with `OvsdbConnectionClosedError`, whose
 * `mayHaveBeenApplied` tells whether the request had already been written to the socket.
 */
import type { Duplex } from "node:stream";
import { JsonStreamSplitter } from "./framing";
import {
  OvsdbCancelledError,
  OvsdbConnectionClosedError,
  OvsdbProtocolError,
  OvsdbRpcError,
  OvsdbTimeoutError,
} from "./errors";

export interface RpcNotification {
  method: string;
  params: unknown[];
}

export interface RpcConnectionOptions {
  /**
   * Milliseconds without any byte from the peer after which we send an `echo`; if the peer stays
   * silent for the same time again, the connection is closed. 0 disables the probe. Default 5000.
   */
  probeIntervalMs?: number;
  /** Called for every notification from the server. */
  onNotification?: (n: RpcNotification) => void;
  /** Called once, when the connection has closed (for any reason). */
  onClose?: (reason: string) => void;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export class RpcConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new JsonStreamSplitter();
  private closedReason: string | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private lastReceive = Date.now();
  private probeOutstanding = false;
  private readonly probeIntervalMs: number;

  constructor(
    private readonly stream: Duplex,
    private readonly options: RpcConnectionOptions = {},
  ) {
    this.probeIntervalMs = options.probeIntervalMs ?? 5000;
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("error", (err: Error) => this.shutdown(`stream error: ${err.message}`, false));
    stream.on("close", () => this.shutdown("connection closed by peer", false));
    stream.on("end", () => this.shutdown("connection closed by peer", false));
    if (this.probeIntervalMs > 0) this.scheduleProbe();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Number of requests waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Send a request and wait for its result. Rejects with `OvsdbRpcError` when the server answers
   * with an error, `OvsdbConnectionClosedError` when the connection drops first,
   * `OvsdbTimeoutError` after `timeoutMs` (if given), and `OvsdbCancelledError` when `signal` is
   * aborted (a `cancel` naming the request is then sent to the server).
   */
  request<T = unknown>(
    method: string,
    params: unknown[],
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new OvsdbConnectionClosedError(method, false, this.closedReason));
    }
    if (this.stream.destroyed || !this.stream.writable) {
      // The stream died and its close event has not arrived yet: nothing can be sent.
      this.shutdown("connection closed", false);
      return Promise.reject(new OvsdbConnectionClosedError(method, false, this.closedReason));
    }
    if (options.signal?.aborted) {
      return Promise.reject(new OvsdbCancelledError(method, false));
    }
    const id = this.nextId++;
    const { signal, timeoutMs } = options;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        settle();
        this.notify("cancel", [id]);
        reject(new OvsdbCancelledError(method));
      };
      const settle = () => {
        if (p.timer) clearTimeout(p.timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const p: Pending = {
        method,
        resolve: (v) => {
          settle();
          resolve(v as T);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      this.pending.set(id, p);
      if (timeoutMs !== undefined) {
        p.timer = setTimeout(() => {
          if (!this.pending.delete(id)) return;
          settle();
          reject(new OvsdbTimeoutError(method, timeoutMs, true));
        }, timeoutMs);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.write({ method, params, id });
    });
  }

  /** Send a notification (no answer expected), e.g. `cancel`. */
  notify(method: string, params: unknown[]): void {
    if (this.closedReason === undefined) this.write({ method, params, id: null });
  }

  /** Close the connection (politely: a TLS close_notify is sent); pending requests fail. */
  close(reason = "closed by client"): void {
    this.shutdown(reason, true);
  }

  private shutdown(reason: string, graceful: boolean): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.reject(new OvsdbConnectionClosedError(p.method, true, reason));
    }
    if (graceful && !this.stream.destroyed) {
      this.stream.end();
      setTimeout(() => this.stream.destroy(), 1000).unref();
    } else {
      this.stream.destroy();
    }
    this.options.onClose?.(reason);
  }

  private write(message: unknown): void {
    this.stream.write(JSON.stringify(message));
  }

  private scheduleProbe(): void {
    this.probeTimer = setTimeout(() => this.probe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private probe(): void {
    if (this.closedReason !== undefined) return;
    const silentFor = Date.now() - this.lastReceive;
    if (silentFor < this.probeIntervalMs) {
      this.probeTimer = setTimeout(() => this.probe(), this.probeIntervalMs - silentFor);
      this.probeTimer.unref();
      return;
    }
    if (this.probeOutstanding) {
      this.shutdown(`no answer from peer for ${silentFor} ms (inactivity probe)`, false);
      return;
    }
    this.probeOutstanding = true;
    this.request("echo", ["pulumi-ovs-probe"]).catch(() => undefined);
    this.scheduleProbe();
  }

  private onData(chunk: Buffer): void {
    this.lastReceive = Date.now();
    this.probeOutstanding = false;
    let messages: unknown[];
    try {
      messages = this.splitter.push(chunk);
    } catch (e) {
      this.shutdown((e as Error).message, false);
      return;
    }
    for (const m of messages) {
      try {
        this.dispatch(m);
      } catch (e) {
        this.shutdown(
          e instanceof OvsdbProtocolError ? e.message : `handler failed: ${(e as Error).message}`,
          false,
        );
        return;
      }
    }
  }

  private dispatch(message: unknown): void {
    if (!message || typeof message !== "object" || Array.isArray(message)) {
      throw new OvsdbProtocolError("JSON-RPC message is not an object");
    }
    const m = message as {
      method?: unknown;
      params?: unknown;
      id?: unknown;
      result?: unknown;
      error?: unknown;
    };
    if (typeof m.method === "string") {
      const params = Array.isArray(m.params) ? m.params : [];
      if (m.id !== null && m.id !== undefined) {
        // A request from the server: RFC 7047 servers send only "echo".
        if (m.method === "echo") this.write({ result: params, error: null, id: m.id });
        else this.write({ result: null, error: "unknown method", id: m.id });
        return;
      }
      this.options.onNotification?.({ method: m.method, params });
      return;
    }
    if (typeof m.id !== "number") {
      throw new OvsdbProtocolError(`response with unexpected id ${JSON.stringify(m.id)}`);
    }
    const p = this.pending.get(m.id);
    if (!p) return; // answer to a request that timed out or was cancelled
    this.pending.delete(m.id);
    if (m.error !== null && m.error !== undefined) {
      const details =
        m.error && typeof m.error === "object" && "details" in m.error
          ? String((m.error as { details: unknown }).details)
          : undefined;
      const error =
        m.error && typeof m.error === "object" && "error" in m.error
          ? (m.error as { error: unknown }).error
          : m.error;
      p.reject(new OvsdbRpcError(p.method, error, details));
    } else {
      p.resolve(m.result);
    }
  }
}
