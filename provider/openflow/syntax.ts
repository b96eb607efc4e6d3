/**
 * The ovs-ofctl flow syntax, as far as this package needs to read and write it. Pure: no I/O.
 *
 * - {@link buildFlow} / {@link buildSelector}: the one-argument flow texts handed to `add-flow`,
 *   `mod-flows --strict`, `del-flows` and `dump-flows` (always one argv element, never a shell).
 * - {@link parseDump}: the lines of `ovs-ofctl dump-flows` (with or without `--no-stats`).
 * - {@link matchProblems}: fields that belong in their own argument rather than in `match`.
 * - {@link unresolvedPortName} / {@link substitutePort}: recognising ovs-ofctl's "unknown port"
 *   messages, so that a syntax check without a switch can accept port names.
 *
 * Matches and actions themselves are not interpreted here: ovs-ofctl parses them (see `check.ts`),
 * and the switch's own rendering is what drift is compared against.
 */
import { parseCookie } from "./cookie";

/** OpenFlow's default priority, which ovs-ofctl omits when printing a flow. */
export const DEFAULT_PRIORITY = 32768;
/** Highest table a flow may be added to (OVS reserves 254 for hidden flows; 255 means "all"). */
export const MAX_TABLE = 253;

/** What a managed flow consists of, besides its cookie. */
export interface FlowSpec {
  table: number;
  priority: number;
  /** Match fields in ovs-ofctl syntax, without priority (e.g. `ip,in_port=veth-con7`); `""` matches all. */
  match: string;
  /** Actions in ovs-ofctl syntax, without the `actions=` keyword (e.g. `output:2`, `drop`). */
  actions: string;
  /** Seconds without a matching packet until the switch removes the flow; 0 = never. */
  idleTimeout: number;
  /** Seconds until the switch removes the flow regardless of traffic; 0 = never. */
  hardTimeout: number;
}

/** One flow as `dump-flows` prints it. */
export interface DumpedFlow extends FlowSpec {
  cookie: bigint;
  /** Flags printed before the match (`send_flow_rem`, `reset_counts`, …). */
  flags: string[];
  /** The line as printed (trimmed). */
  line: string;
}

// ---- splitting -------------------------------------------------------------------------------

/**
 * Split at commas that are outside quotes, parentheses and brackets: `a=1,b(c,d),e="x,y"` gives
 * `a=1`, `b(c,d)`, `e="x,y"`. Empty items are dropped; items are trimmed.
 */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if ((ch === ")" || ch === "]" || ch === "}") && depth > 0) depth--;
    else if (ch === "," && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The key of a `key=value` (or `key:value`) item, lower-cased; the whole item when it has none. */
function keyOf(item: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*[=:]/.exec(item);
  return (m ? m[1] : item).toLowerCase();
}

// ---- match checks ----------------------------------------------------------------------------

/** Flow fields that are arguments of `ovs.Flow` (or set by it) and so must not appear in `match`. */
const RESERVED_MATCH_KEYS: Record<string, string> = {
  actions: 'put the actions in the "actions" argument',
  cookie: "the cookie is assigned by the resource (it is how the resource owns its flow)",
  table: 'use the "table" argument',
  priority: 'use the "priority" argument',
  idle_timeout: 'use the "idleTimeout" argument',
  hard_timeout: 'use the "hardTimeout" argument',
  importance: "importance is not supported",
  out_port: "out_port only filters deletions and dumps; it is not part of a flow",
  out_group: "out_group only filters deletions and dumps; it is not part of a flow",
  send_flow_rem: "flow flags are not supported",
  check_overlap: "flow flags are not supported",
  reset_counts: "flow flags are not supported",
  no_packet_counts: "flow flags are not supported",
  no_byte_counts: "flow flags are not supported",
};

/** Problems with a `match` argument that ovs-ofctl itself would not flag (they parse, but mean something else). */
export function matchProblems(match: string): string[] {
  const problems: string[] = [];
  if (/(^|[\s,])actions\s*=/.test(match)) {
    problems.push('match contains "actions=": put the actions in the "actions" argument');
    return problems;
  }
  for (const item of splitTopLevel(match)) {
    const key = keyOf(item);
    const why = RESERVED_MATCH_KEYS[key];
    if (why) problems.push(`match sets ${key}: ${why}`);
  }
  return problems;
}

/** `actions` as given, without a leading `actions=` keyword and surrounding space. */
export function normalizeActions(actions: string): string {
  return actions
    .trim()
    .replace(/^actions\s*=\s*/i, "")
    .trim();
}

/** `match` as given, trimmed, with a trailing comma removed. */
export function normalizeMatch(match: string): string {
  return match.trim().replace(/,+$/, "").trim();
}

// ---- building flow texts ---------------------------------------------------------------------

/**
 * The flow text for `add-flow` / `mod-flows`: `cookie=…,table=…,priority=…,[timeouts,]MATCH,actions=…`.
 * `cookie` is either a value (`0x1f`, for add) or a selector with mask (`0x1f/-1`, for mod/del).
 */
export function buildFlow(spec: FlowSpec, cookie?: string): string {
  const parts: string[] = [];
  if (cookie !== undefined) parts.push(`cookie=${cookie}`);
  parts.push(`table=${spec.table}`, `priority=${spec.priority}`);
  if (spec.idleTimeout) parts.push(`idle_timeout=${spec.idleTimeout}`);
  if (spec.hardTimeout) parts.push(`hard_timeout=${spec.hardTimeout}`);
  const match = normalizeMatch(spec.match);
  if (match) parts.push(match);
  parts.push(`actions=${normalizeActions(spec.actions)}`);
  return parts.join(",");
}

/**
 * A selector (no actions) for `dump-flows`, `del-flows`: the parts given, comma-joined, e.g.
 * `cookie=0x1f/-1,table=0,priority=5,in_port=3`.
 */
export function buildSelector(parts: {
  cookie?: string;
  table?: number;
  priority?: number;
  match?: string;
}): string {
  const out: string[] = [];
  if (parts.cookie !== undefined) out.push(`cookie=${parts.cookie}`);
  if (parts.table !== undefined) out.push(`table=${parts.table}`);
  if (parts.priority !== undefined) out.push(`priority=${parts.priority}`);
  const match = parts.match === undefined ? "" : normalizeMatch(parts.match);
  if (match) out.push(match);
  return out.join(",");
}

// ---- reading dumps ---------------------------------------------------------------------------

const HEADER_FIELD =
  /^(cookie|duration|table|n_packets|n_bytes|idle_timeout|hard_timeout|idle_age|hard_age|importance)=([^,\s]*),?\s*/;
const HEADER_FLAG =
  /^(send_flow_rem|check_overlap|reset_counts|no_packet_counts|no_byte_counts|no_readonly_table)(\s+|$)/;
const ACTIONS_KEYWORD = /(^|\s)actions=/;

/**
 * One line of `ovs-ofctl dump-flows`, e.g.
 * ` cookie=0x1234, duration=1.2s, table=0, n_packets=0, n_bytes=0, idle_timeout=100, priority=5,in_port=va actions=output:vc`
 * or the `--no-stats` form ` cookie=0x1234, idle_timeout=100, priority=5,in_port=va actions=output:vc`.
 * Throws on a line without `actions=`.
 */
export function parseDumpLine(line: string): DumpedFlow {
  const text = line.trim();
  const a = ACTIONS_KEYWORD.exec(text);
  if (!a) throw new Error(`not a flow line (no "actions="): ${JSON.stringify(line)}`);
  const head = text.slice(0, a.index);
  const actions = text.slice(a.index + a[0].length).trim();
  const fields: Record<string, string> = {};
  const flags: string[] = [];
  let rest = head.trim();
  for (;;) {
    const f = HEADER_FIELD.exec(rest);
    if (f) {
      fields[f[1]] = f[2];
      rest = rest.slice(f[0].length);
      continue;
    }
    const g = HEADER_FLAG.exec(rest);
    if (g) {
      flags.push(g[1]);
      rest = rest.slice(g[0].length);
      continue;
    }
    break;
  }
  let priority = DEFAULT_PRIORITY;
  const matchItems: string[] = [];
  for (const item of splitTopLevel(rest)) {
    const p = /^priority=(\d+)$/.exec(item);
    if (p) priority = Number(p[1]);
    else matchItems.push(item);
  }
  const num = (k: string): number => (fields[k] === undefined ? 0 : Number(fields[k]));
  return {
    cookie: fields.cookie === undefined ? 0n : parseCookie(fields.cookie),
    table: num("table"),
    priority,
    match: matchItems.join(","),
    actions,
    idleTimeout: num("idle_timeout"),
    hardTimeout: num("hard_timeout"),
    flags,
    line: text,
  };
}

/**
 * Every flow line of a `dump-flows` output. Reply headers (`NXST_FLOW reply (xid=0x4):`,
 * `OFPST_FLOW reply (OF1.3) (xid=0x2):`) and blank lines are skipped.
 */
export function parseDump(output: string): DumpedFlow[] {
  return output
    .split("\n")
    .filter((l) => l.trim().length > 0 && !/^\S+ reply\b/.test(l.trim()) && ACTIONS_KEYWORD.test(l.trim()))
    .map(parseDumpLine);
}

/** True when two specs install the same flow (same table, priority, match, timeouts and actions text). */
export function sameSpec(a: FlowSpec, b: FlowSpec): boolean {
  return sameIdentity(a, b) && normalizeActions(a.actions) === normalizeActions(b.actions);
}

/**
 * True when two specs select the same flow entry: table, priority and match text, and timeouts
 * (which `mod-flows` cannot change, so a change of them needs a new entry too).
 */
export function sameIdentity(a: FlowSpec, b: FlowSpec): boolean {
  return (
    a.table === b.table &&
    a.priority === b.priority &&
    normalizeMatch(a.match) === normalizeMatch(b.match) &&
    a.idleTimeout === b.idleTimeout &&
    a.hardTimeout === b.hardTimeout
  );
}

// ---- port names without a switch -------------------------------------------------------------

/** ovs-ofctl's messages for a port name it could not resolve (it resolves names via the switch). */
const PORT_ERRORS: RegExp[] = [
  /(?:^|[\s(])("[^"]*"|[^\s(]+): invalid or unknown port for \S+/,
  /(?:^|[\s(])("[^"]*"|[^\s(]+): (?:output|enqueue|resubmit) to unknown port/,
  /output to unknown truncate port: ("[^"]*"|\S+)/,
  /(?:^|[\s(])("[^"]*"|[^\s(]+): bad port number/,
];

/**
 * The port name an ovs-ofctl error message complains about (`veth-con7: invalid or unknown port
 * for in_port` → `veth-con7`), without quotes; undefined when the message is about something else
 * or names a number (a genuinely invalid port number, not a name).
 */
export function unresolvedPortName(message: string): string | undefined {
  for (const re of PORT_ERRORS) {
    const m = re.exec(message);
    if (!m) continue;
    const token = m[1];
    const name =
      token.startsWith('"') && token.endsWith('"') && token.length >= 2 ? token.slice(1, -1) : token;
    if (name.length === 0 || /^(0x[0-9a-f]+|\d+)$/i.test(name)) return undefined;
    return name;
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `flow` with every value-position occurrence of port `name` (bare or quoted) replaced by
 * `replacement`, or undefined when there is none. A value position follows `=`, `:`, `(`, `,`,
 * whitespace or the start, and ends at `,`, `)`, `:`, whitespace or the end (not at `=`, which
 * would make it a field name).
 */
export function substitutePort(flow: string, name: string, replacement: string): string | undefined {
  const n = escapeRegExp(name);
  const re = new RegExp(`(^|[=:(,\\s])(?:"${n}"|${n})(?=$|[,):\\s])`, "g");
  const out = flow.replace(re, (_m, before: string) => `${before}${replacement}`);
  return out === flow ? undefined : out;
}
