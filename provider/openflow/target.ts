/**
 * Where ovs-ofctl connects to reach a bridge. Pure: no I/O.
 *
 * - Local host: the bridge's management socket `unix:RUNDIR/BRIDGE.mgmt`, next to the database
 *   socket (`unix:RUNDIR/db.sock` → `unix:RUNDIR/BRIDGE.mgmt`). Only root (the socket's owner) can
 *   use it: the safest endpoint.
 * - Remote host: a passive controller connection the bridge listens on (`ovs.Bridge`
 *   `controllers: ["pssl:6653"]` or `["ptcp:6653"]`), reached as `ssl:HOST:6653` / `tcp:HOST:6653`.
 *   `ptcp:` is unauthenticated and unencrypted: anyone who reaches the port can add, change and
 *   delete every flow, send packets and reconfigure ports. Prefer `pssl:` (mutual TLS with the
 *   switch's PKI); if `ptcp:` is unavoidable, bind it to a management address
 *   (`ptcp:6653:10.0.0.5`) behind a firewall, or to `127.0.0.1` and tunnel.
 */
import { dirname, join } from "node:path";

/** OpenFlow versions ovs-ofctl and the Bridge `protocols` column know. */
export const OPENFLOW_VERSIONS = [
  "OpenFlow10",
  "OpenFlow11",
  "OpenFlow12",
  "OpenFlow13",
  "OpenFlow14",
  "OpenFlow15",
] as const;
export type OpenFlowVersion = (typeof OPENFLOW_VERSIONS)[number];

/** ovs-ofctl's default port for `tcp:` and `ssl:` targets. */
export const DEFAULT_OPENFLOW_PORT = 6653;

export type OpenFlowTarget =
  | { kind: "unix"; path: string; text: string }
  | { kind: "tcp" | "ssl"; host: string; port: number; text: string };

/**
 * Parse an active OpenFlow connection method as ovs-ofctl takes it: `unix:PATH`, `tcp:HOST[:PORT]`,
 * `ssl:HOST[:PORT]` (IPv6 in brackets; port default 6653). Throws an Error whose message says what
 * is accepted.
 */
export function parseTarget(text: string): OpenFlowTarget {
  const s = text.trim();
  const m = /^(unix|tcp|ssl):(.*)$/.exec(s);
  if (!m) {
    const passive = /^p(tcp|ssl|unix):/.exec(s);
    throw new Error(
      passive
        ? `"${s}" is a listening (passive) target; connect to it with ${passive[1]}:HOST:PORT`
        : `"${s}" is not an OpenFlow target; accepted: unix:PATH, tcp:HOST[:PORT], ssl:HOST[:PORT]`,
    );
  }
  const [, kind, rest] = m;
  if (kind === "unix") {
    if (!rest) throw new Error(`"${s}": empty socket path`);
    return { kind: "unix", path: rest, text: s };
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw new Error(`"${s}": unterminated IPv6 literal`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after && !after.startsWith(":")) throw new Error(`"${s}": expected ":PORT" after "]"`);
    portText = after ? after.slice(1) : undefined;
  } else {
    const parts = rest.split(":");
    if (parts.length > 2)
      throw new Error(`"${s}": write IPv6 addresses in brackets, e.g. ${kind}:[::1]:6653`);
    [host, portText] = parts;
  }
  if (!host) throw new Error(`"${s}": missing host`);
  let port = DEFAULT_OPENFLOW_PORT;
  if (portText !== undefined && portText !== "") {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new Error(`"${s}": port must be 1..65535`);
    }
    port = Number(portText);
  }
  return { kind: kind as "tcp" | "ssl", host, port, text: s };
}

/** `unix:DIR/BRIDGE.mgmt` for the database socket `DIR/…` of the same ovs-vswitchd (its run directory). */
export function mgmtTarget(dbSocketPath: string, bridge: string): string {
  return `unix:${join(dirname(dbSocketPath), `${bridge}.mgmt`)}`;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The active target for a bridge's passive controller connections (`Controller.target` values):
 * `pssl:` is preferred over `ptcp:`; a listener bound to a specific address is reached at that
 * address, one bound to all addresses at `host` (the host's management address). Undefined when
 * the bridge listens on neither.
 */
export function activeTargetFor(controllerTargets: readonly string[], host: string): string | undefined {
  const passive = controllerTargets
    .map((t) => /^p(ssl|tcp):(\d+)?(?::(.+))?$/.exec(t.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      kind: m[1] as "ssl" | "tcp",
      port: m[2] ? Number(m[2]) : DEFAULT_OPENFLOW_PORT,
      bind: m[3]?.replace(/^\[(.*)\]$/, "$1"),
    }))
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "ssl" ? -1 : 1));
  const best = passive[0];
  if (!best) return undefined;
  const wildcard = best.bind === undefined || best.bind === "0.0.0.0" || best.bind === "::";
  return `${best.kind}:${hostPort(wildcard ? host : (best.bind as string), best.port)}`;
}
