/**
 * The one process-spawn wrapper of the sandbox, the test fixtures, the harness and the
 * benchmarks: run a program with an argv array (never a shell string) to completion
 * ({@link run}, {@link runOk}), or keep one running as a child ({@link spawnChild}); run a program
 * inside a network namespace; ping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, closeSync, constants, openSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Error raised by the sandbox for every failure it detects; the message says what failed and where to look. */
export class SandboxError extends Error {
  override readonly name = "SandboxError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Outcome of a finished command. `code` is -1 when the command could not run or was killed on timeout. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link run} and {@link execInNs}. */
export interface RunOptions {
  /** Extra environment variables (merged over the current environment). */
  env?: Record<string, string>;
  /** Working directory; default the current one. */
  cwd?: string;
  /** Kill the command (SIGKILL) after this many milliseconds. Default: no limit. */
  timeoutMs?: number;
  /** Text written to the command's standard input. */
  input?: string;
  /** Share this process's standard input, output and error (nothing is captured). */
  inherit?: boolean;
  /**
   * The command daemonizes (OVS `--detach`): resolve as soon as the started process exits,
   * without waiting for the daemon that inherited its pipes to close them.
   */
  daemonizes?: boolean;
}

/** Runs `argv[0]` with arguments `argv[1..]`; never rejects because of the exit status. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) {
      resolve({ code: -1, stdout: "", stderr: "empty argv" });
      return;
    }
    const child = spawn(cmd, args, {
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      cwd: opts.cwd,
      stdio: opts.inherit ? "inherit" : [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (code: number, extra = ""): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr + extra });
    };
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => finish(-1, `${stderr ? "\n" : ""}${cmd}: ${err.message}`));
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        finish(-1, `\n${cmd}: killed after ${opts.timeoutMs} ms timeout`);
      }, opts.timeoutMs);
    }
    if (opts.daemonizes) {
      child.on("exit", (code, signal) => {
        // Give the pipes a moment to deliver what the parent wrote, then resolve even if the
        // detached daemon still holds them (OVS closes them itself once it is ready).
        const c = code ?? (signal ? -1 : 0);
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish(c);
        }, 20);
      });
    }
    child.on("close", (code, signal) => finish(code ?? (signal ? -1 : 0)));
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** Like {@link run} but throws a {@link SandboxError} (prefixed with `what`) on a non-zero exit. */
export async function runOk(what: string, argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim() || "(no output)").split("\n").slice(-8).join("\n");
    throw new SandboxError(`${what} failed (exit ${r.code}): ${argv.join(" ")}\n${detail}`);
  }
  return r.stdout;
}

/**
 * Runs a command inside network namespace `ns` (`ip netns exec NS argv…`) and returns its exit
 * code and output. Never throws because of the exit status.
 */
export function execInNs(ns: string, argv: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  return run(["ip", "netns", "exec", ns, ...argv], opts);
}

/** Options for {@link pingFrom}. */
export interface PingOptions {
  /** Echo requests to send (default 3). */
  count?: number;
  /** Seconds to wait for each reply (default 2). */
  timeoutS?: number;
  /** Seconds between requests (default 0.2). */
  intervalS?: number;
  /** Payload size in bytes (`ping -s`). */
  size?: number;
  /** Forbid fragmentation (`ping -M do`), to test the path MTU. */
  dontFragment?: boolean;
}

/** Pings `target` from namespace `ns`; true when at least one reply arrived. */
export async function pingFrom(ns: string, target: string, opts: PingOptions = {}): Promise<boolean> {
  const count = opts.count ?? 3;
  const timeoutS = opts.timeoutS ?? 2;
  const argv = ["ping", "-n", "-q", "-c", String(count), "-i", String(opts.intervalS ?? 0.2)];
  argv.push("-W", String(timeoutS));
  if (opts.size !== undefined) argv.push("-s", String(opts.size));
  if (opts.dontFragment) argv.push("-M", "do");
  argv.push(target);
  const r = await execInNs(ns, argv, { timeoutMs: (count * (timeoutS + 1) + 5) * 1000 });
  return r.code === 0;
}

/** Finds an executable on PATH (plus the sbin directories, which a non-login root shell may lack). */
export function which(name: string): string | undefined {
  const dirs = (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** A program kept running as a child of this process (a test server, an ovn-northd). */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** True while the process has not exited. */
  readonly running: boolean;
  /** Sends `signal` (default SIGTERM), SIGKILL after 3 s, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `argv` as a child that keeps running (not detached: it dies with its parent's
 * {@link Child.stop}); standard output and error go to `logFile` (appended), or nowhere.
 */
export function spawnChild(
  argv: readonly string[],
  opts: { env?: Record<string, string>; logFile?: string } = {},
): Child {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new SandboxError("spawnChild: empty argv");
  const log = opts.logFile === undefined ? "ignore" : openSync(opts.logFile, "a");
  const child = spawn(cmd, args, {
    stdio: ["ignore", log, log],
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  if (typeof log === "number") closeSync(log);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  const running = (): boolean =>
    child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  return {
    process: child,
    exited,
    get running() {
      return running();
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (!running()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
