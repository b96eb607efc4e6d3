/**
 * The ovs-ofctl driver: every OpenFlow operation of the package is one `ovs-ofctl` run, spawned with
 * an argv array (never a shell), with a bounded time, and its failure turned into an
 * {@link OpenFlowError} with a stable code and ovs-ofctl's own message.
 *
 * Port names: ovs-ofctl accepts port names in flows whenever it talks to a switch (it fetches the
 * port table); `--names` additionally prints names instead of numbers. Dumps used for drift use
 * `--names` (a port deleted and re-created under another number then shows up as a change); dumps
 * used to reproduce a flow exactly print numbers (ovs-ofctl's default when not on a terminal).
 * `--no-names` is never used: it would also stop names from being accepted.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpenFlowError } from "./errors";
import { ofctlMessage, ofctlProgram } from "./check";
import { parseDump, unresolvedPortName, type DumpedFlow } from "./syntax";
import type { OpenFlowVersion } from "./target";

/** TLS material for `ssl:` targets (PEM texts), as for OVSDB connections. */
export interface OfctlTls {
  privateKey: string;
  certificate: string;
  caCert: string;
}

/** How to reach one switch (bridge). */
export interface OpenFlowSwitch {
  /** Active connection method: `unix:RUNDIR/BRIDGE.mgmt`, `tcp:HOST[:PORT]`, `ssl:HOST[:PORT]`. */
  target: string;
  /** The OpenFlow version (`-O`); default: ovs-ofctl's default (OpenFlow 1.0 with Nicira extensions). */
  protocol?: OpenFlowVersion;
  /** Required for `ssl:` targets. */
  tls?: OfctlTls;
  /** Limit for one ovs-ofctl run, in milliseconds (default 15000). */
  timeoutMs?: number;
  /**
   * Argv placed in front of the ovs-ofctl command, e.g. `["ip", "netns", "exec", "ns1"]` to run it
   * in another network namespace. Tests use it; it must be an argv, never a shell string.
   */
  argvPrefix?: readonly string[];
}

/** Output options of one run. */
export interface RunOptions {
  /** Print port names instead of numbers (`--names`). */
  names?: boolean;
  /** Leave statistics out of dumps (`--no-stats`). */
  noStats?: boolean;
  /** Strict matching for mod-flows / del-flows (`--strict`). */
  strict?: boolean;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** ovs-ofctl runs started, by command (`dump-flows`, `add-flow`, …): tests and benchmarks. */
export const ofctlRuns: Record<string, number> = {};

/** Runs ovs-ofctl `command target ...args` against a switch; resolves with stdout, throws {@link OpenFlowError}. */
export async function runOfctl(
  sw: OpenFlowSwitch,
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<string> {
  const timeoutMs = sw.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const options = [`--timeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`];
  if (sw.protocol) options.push("-O", sw.protocol);
  if (opts.names) options.push("--names");
  if (opts.noStats) options.push("--no-stats");
  if (opts.strict) options.push("--strict");
  let pkiDir: string | undefined;
  try {
    if (sw.target.startsWith("ssl:")) {
      if (!sw.tls) {
        throw new OpenFlowError(
          "CONNECT",
          `${sw.target} needs TLS material (privateKey, certificate, caCert)`,
          sw.target,
        );
      }
      pkiDir = mkdtempSync(join(tmpdir(), "pulumi-ovs-ofctl-"));
      const file = (name: string, text: string): string => {
        const p = join(pkiDir as string, name);
        writeFileSync(p, text, { mode: 0o600 });
        return p;
      };
      options.push(
        `--private-key=${file("key.pem", sw.tls.privateKey)}`,
        `--certificate=${file("cert.pem", sw.tls.certificate)}`,
        `--ca-cert=${file("ca.pem", sw.tls.caCert)}`,
      );
    }
    const argv = [...(sw.argvPrefix ?? []), ofctlProgram(), ...options, command, sw.target, ...args];
    ofctlRuns[command] = (ofctlRuns[command] ?? 0) + 1;
    const r = await spawnArgv(argv, timeoutMs + 2000);
    if (r.spawnError) {
      const missing = r.spawnError.code === "ENOENT";
      throw new OpenFlowError(
        missing ? "OFCTL_MISSING" : "CONNECT",
        missing
          ? `${argv[0]} is not installed (Debian/Ubuntu: openvswitch-common; or set PULUMI_OVS_OFCTL)`
          : `${argv[0]} could not run: ${r.spawnError.message}`,
        sw.target,
        { cause: r.spawnError },
      );
    }
    if (r.timedOut) {
      throw new OpenFlowError(
        "TIMEOUT",
        `ovs-ofctl ${command} ${sw.target} did not finish within ${timeoutMs} ms`,
        sw.target,
      );
    }
    if (r.code !== 0) throw classify(sw.target, command, r.stderr || r.stdout);
    return r.stdout;
  } finally {
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  }
}

/** Turns a failed run's output into an error with a code and a hint. */
export function classify(target: string, command: string, output: string): OpenFlowError {
  const message = ofctlMessage(output);
  if (/version negotiation failed/.test(message)) {
    return new OpenFlowError(
      "VERSION",
      `${message} — the bridge's "protocols" must include the flow's openflowVersion`,
      target,
    );
  }
  if (
    /connecting to |failed to connect|Connection refused|No such file or directory|Connection reset|No route to host|Network is unreachable|SSL|certificate|timed out/i.test(
      message,
    ) &&
    !/OFPT_ERROR/.test(message)
  ) {
    return new OpenFlowError("CONNECT", `cannot reach ${target}: ${message}`, target);
  }
  if (unresolvedPortName(message) !== undefined) {
    return new OpenFlowError("UNKNOWN_PORT", `${message} (no such port on the bridge)`, target);
  }
  return new OpenFlowError("REJECTED", `ovs-ofctl ${command} failed: ${message}`, target);
}

export interface SpawnResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: NodeJS.ErrnoException;
}

export function spawnArgv(argv: readonly string[], timeoutMs: number): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd as string, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let done = false;
    let timedOut = false;
    const finish = (r: Partial<SpawnResult> & { code: number }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ stdout, stderr, timedOut, ...r });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err: NodeJS.ErrnoException) => finish({ code: -1, spawnError: err }));
    child.on("close", (code) => finish({ code: code ?? -1 }));
  });
}

// ---- operations ------------------------------------------------------------------------------

/**
 * The flows matching `selector` (non-strict, e.g. `cookie=0x1f00/0xffffffffffffff00`, or
 * `table=0,in_port=veth-con7`), in every table unless the selector names one.
 */
export async function dumpFlows(
  sw: OpenFlowSwitch,
  selector?: string,
  opts: { names?: boolean } = {},
): Promise<DumpedFlow[]> {
  const out = await runOfctl(sw, "dump-flows", selector ? [selector] : [], {
    names: opts.names,
    noStats: true,
  });
  try {
    return parseDump(out);
  } catch (e) {
    throw new OpenFlowError(
      "UNEXPECTED_OUTPUT",
      `cannot read the dump-flows output of ${sw.target}: ${(e as Error).message}`,
      sw.target,
      { cause: e },
    );
  }
}

/** `add-flow`: adds the flow, replacing an existing one with the same table, priority and match. */
export async function addFlow(sw: OpenFlowSwitch, flow: string): Promise<void> {
  await runOfctl(sw, "add-flow", [flow]);
}

/** `mod-flows --strict`: changes the actions of the flow with exactly this table, priority, match (and cookie mask). */
export async function modFlowStrict(sw: OpenFlowSwitch, flow: string): Promise<void> {
  await runOfctl(sw, "mod-flows", [flow], { strict: true });
}

/** `del-flows [--strict] SELECTOR`: deletes the matching flows. */
export async function delFlows(
  sw: OpenFlowSwitch,
  selector: string,
  opts: { strict?: boolean } = {},
): Promise<void> {
  await runOfctl(sw, "del-flows", [selector], { strict: opts.strict });
}
