/**
 * Syntax checking of flows without a switch: `ovs-ofctl parse-flow FLOW` parses a flow exactly as
 * `add-flow` would and prints ovs-ofctl's own message when it is wrong — offline, in a few
 * milliseconds. Used by `check` (preview), so a typo in `match` or `actions` fails before anything is
 * written.
 *
 * Port names: ovs-ofctl resolves names (`in_port=veth-con7`, `output:vxlan1`) by asking the switch,
 * which `parse-flow` has not got, so it reports them as unknown ports. The checker recognises those
 * messages, substitutes a placeholder port number for the name and parses again: names are accepted
 * syntactically here and resolved by the switch at create/update time (where an unknown name fails
 * with ovs-ofctl's message). Synchronous (`spawnSync`, argv only), because the provider framework's
 * validation hooks are synchronous; results are cached per text.
 */
import { spawnSync } from "node:child_process";
import { substitutePort, unresolvedPortName } from "./syntax";

/** Outcome of an offline parse. */
export type SyntaxVerdict =
  /** ovs-ofctl parsed it; `ports` are the names it could not resolve offline (left to the switch). */
  | { ok: true; ports: string[] }
  /** ovs-ofctl rejected it; `message` is ovs-ofctl's own (without the `ovs-ofctl: ` prefix). */
  | { ok: false; message: string }
  /** Not checked: ovs-ofctl is not available here (`reason` says why). Create will tell. */
  | { ok: "unchecked"; reason: string };

/** The ovs-ofctl program: `$PULUMI_OVS_OFCTL`, else `ovs-ofctl` from PATH. */
export function ofctlProgram(): string {
  return process.env.PULUMI_OVS_OFCTL || "ovs-ofctl";
}

/** First placeholder port number; each further name gets the next lower one. Valid in every OpenFlow version. */
const PLACEHOLDER_PORT = 65000;
const MAX_NAMES = 32;
const CACHE_LIMIT = 2000;
const cache = new Map<string, SyntaxVerdict>();

/** The message of a failed ovs-ofctl run: its `ovs-ofctl: …` line(s), without the prefix. */
export function ofctlMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    // log lines: 2026-01-01T00:00:00Z|00001|vconn|WARN|text
    .map((l) => (/^\d{4}-\d\d-\d\dT[^|]*\|\d+\|[^|]*\|[A-Z]+\|/.test(l) ? l.replace(/^([^|]*\|){4}/, "") : l))
    .map((l) => l.replace(/^ovs-ofctl: /, ""));
  return lines.join("; ") || "(no message)";
}

/**
 * Parse one flow (`[fields,]actions=…`) with `ovs-ofctl parse-flow`, accepting unresolvable port
 * names as described in the module comment. `protocol` (e.g. `OpenFlow13`) restricts the OpenFlow
 * versions as `-O` does.
 */
export function parseFlowOffline(flow: string, protocol?: string): SyntaxVerdict {
  const key = `${protocol ?? ""}\u0000${flow}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const verdict = parseUncached(flow, protocol);
  if (verdict.ok !== "unchecked") {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, verdict);
  }
  return verdict;
}

function parseUncached(flow: string, protocol: string | undefined): SyntaxVerdict {
  const ports: string[] = [];
  let text = flow;
  for (let attempt = 0; attempt <= MAX_NAMES; attempt++) {
    const args = [...(protocol ? ["-O", protocol] : []), "parse-flow", text];
    const r = spawnSync(ofctlProgram(), args, { encoding: "utf8", timeout: 10_000, stdio: "pipe" });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      return {
        ok: "unchecked",
        reason:
          code === "ENOENT"
            ? `${ofctlProgram()} is not installed here (Debian/Ubuntu: openvswitch-common)`
            : `${ofctlProgram()} could not run: ${r.error.message}`,
      };
    }
    if (r.status === 0) {
      const dropped = droppedFields(r.stderr ?? "");
      return dropped ? { ok: false, message: dropped } : { ok: true, ports };
    }
    const usable = /^usable protocols: (.*)$/m.exec(r.stdout ?? "");
    const message = ofctlMessage(r.stderr ?? "") + (usable ? ` (usable protocols: ${usable[1].trim()})` : "");
    const name = unresolvedPortName(message);
    const next =
      name === undefined ? undefined : substitutePort(text, name, String(PLACEHOLDER_PORT - ports.length));
    if (name === undefined || next === undefined) return { ok: false, message };
    ports.push(name);
    text = next;
  }
  return { ok: false, message: `more than ${MAX_NAMES} port names in one flow` };
}

/**
 * ovs-ofctl accepts match fields whose prerequisite is missing (`nw_dst=10.0.0.1` without `ip`)
 * and silently drops them when it encodes an OpenFlow 1.0 match, logging "normalization changed
 * ofp_match". The flow would then match far more than written: report it instead.
 */
function droppedFields(stderr: string): string | undefined {
  if (!/normalization changed ofp_match/.test(stderr)) return undefined;
  const field = (label: string): string => {
    const m = new RegExp(`\\|\\s*${label}: ?(.*)$`, "m").exec(stderr);
    return m?.[1].trim() || "(nothing)";
  };
  return (
    `the match has fields without their prerequisite, which OpenFlow drops: "${field("pre")}" becomes ` +
    `"${field("post")}"; add the protocol they need (e.g. ip, ipv6, arp, tcp, udp, icmp)`
  );
}

/** Errors that depend on the match (or table) the actions are combined with: not the actions' fault alone. */
const MATCH_DEPENDENT =
  /actions are invalid with specified match|OFPBAC_MATCH_INCONSISTENT|OFPBIC_BAD_TABLE_ID/;

/**
 * Errors that depend on the OpenFlow version (e.g. `meter:` needs OpenFlow 1.3): not the text's
 * fault when the version is decided elsewhere (the `openflowVersion` argument).
 */
const VERSION_DEPENDENT = /no usable protocol/;

/** Check a match alone (`MATCH,actions=drop`: every match accepts `drop`). Version errors are left to the whole flow. */
export function checkMatchSyntax(match: string, protocol?: string): SyntaxVerdict {
  const v = parseFlowOffline(match.trim() ? `${match},actions=drop` : "actions=drop", protocol);
  if (v.ok === false && protocol === undefined && VERSION_DEPENDENT.test(v.message))
    return { ok: true, ports: [] };
  return v;
}

/**
 * Check actions alone (with an empty match). Errors that only say the actions do not fit the
 * (empty) match, such as `ct` without `ip`, or need a newer OpenFlow version than the default
 * (`meter:`), are not reported here: {@link parseFlowOffline} of the
 * whole flow decides those once the match is known.
 */
export function checkActionsSyntax(actions: string, protocol?: string): SyntaxVerdict {
  const v = parseFlowOffline(`actions=${actions}`, protocol);
  if (v.ok === false && MATCH_DEPENDENT.test(v.message)) return { ok: true, ports: [] };
  if (v.ok === false && protocol === undefined && VERSION_DEPENDENT.test(v.message))
    return { ok: true, ports: [] };
  return v;
}
