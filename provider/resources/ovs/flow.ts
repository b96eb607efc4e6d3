/**
 * ovs.Flow: one OpenFlow flow on a bridge, owned through its cookie. `ovs-ofctl add-flow BRIDGE
 * "table=…,priority=…,MATCH,actions=…"` as code.
 *
 * Its arguments are declared once, in {@link flowSpec} (check, SDK type, documentation): the SDK
 * class `sdk/ovs/flow.ts` and its section of docs/reference.md are generated from it, and the kind
 * below takes its schema, the arguments diff compares and those that replace it from there.
 *
 * Flows live in ovs-vswitchd, not in OVSDB, so this resource talks OpenFlow (through the ovs-ofctl
 * driver in `provider/openflow`) with its own reader/writer:
 * - check: zod, then `ovs-ofctl parse-flow` of match, actions and the whole flow, offline; port
 *   names are accepted there and resolved by the switch at create/update.
 * - create: add the flow under a new instance of the resource's cookie (resource bits derived from
 *   the owner marker, a random free instance), guarded against replacing a foreign flow with the
 *   same table, priority and match; then remove the resource's other instances (an interrupted
 *   create, or the predecessor of a replacement).
 * - update: actions only → `mod-flows --strict` with the exact cookie; match, priority, table or
 *   timeouts → add the new flow under the next cookie generation, then delete the old generation by
 *   exact cookie (no moment without a flow).
 * - read: dump the family; a missing flow is gone, a changed one is reported as drift.
 * - delete: `del-flows cookie=FAMILY/MASK`: only this instance's flows (every generation, so the
 *   leftover of an interrupted update goes too), never anyone else's, nor a replacement's.
 */
import { z } from "zod";
import { collectionKind, collectionSpec } from "../../engine/collection";
import { getClient } from "../../pool";
import { ResourceError, type InputProblem } from "../../errors";
import { UNKNOWN, type Props, type ResourceKind, type ReadResult } from "../../framework";
import { parseRemotes } from "../../ovsdb";
import {
  DEFAULT_PRIORITY,
  FAMILY_MASK,
  FlowTakenError,
  MAX_TABLE,
  OPENFLOW_VERSIONS,
  OpenFlowError,
  activeTargetFor,
  applySteps,
  buildFlow,
  checkActionsSyntax,
  checkMatchSyntax,
  cookieAfter,
  cookieBase,
  cookieSelector,
  delFlows,
  dumpFamily,
  dumpResource,
  familyOf,
  formatCookie,
  matchProblems,
  mgmtTarget,
  newInstanceBase,
  normalizeActions,
  normalizeMatch,
  parseCookie,
  parseFlowOffline,
  parseTarget,
  planCreate,
  planUpdate,
  readInstalled,
  settle,
  type DumpedFlow,
  type FlowSpec,
  type OpenFlowSwitch,
} from "../../openflow";
import { connectionSchema, deviceName, ownerSchema, selectOne, tlsSchema } from "../common";
import {
  CONNECTION_FIELDS,
  TLS_FIELDS,
  comparedArgs,
  labelOf,
  replacingArgs,
  specSchema,
  type ArgSpec,
  type ArgsInput,
  type ResourceSpec,
} from "../../engine/spec";
import { VSWITCH_DB } from "./bridge";

/** How long create/update wait for a bridge socket or a named port that is about to appear. */
const SETTLE_MS = 10_000;

const seconds = (what: string) =>
  z
    .number({ error: `${what}: seconds as an integer 0..65535 (0 = never)` })
    .int(`${what}: seconds as an integer 0..65535 (0 = never)`)
    .min(0, `${what}: seconds as an integer 0..65535 (0 = never)`)
    .max(65535, `${what}: seconds as an integer 0..65535 (0 = never)`);

const isUnknown = (s: string): boolean => s.includes(UNKNOWN);

/** The arguments of ovs.Flow, each declared once: its check, its SDK type and its documentation. */
const flowArgs = {
  host: {
    schema: connectionSchema.optional(),
    type: "Connection",
    doc:
      "The host's Open_vSwitch database. With a `unix:` remote (`unix:RUNDIR/db.sock`) the flow is " +
      "written through the bridge's management socket in the same run directory " +
      "(`unix:RUNDIR/BRIDGE.mgmt`: local, root only — the safest way). With a `tcp:`/`ssl:` remote the " +
      'bridge\'s passive controller listener is used (`ovs.Bridge` `controllers: ["pssl:6653"]`, or ' +
      '`"ptcp:6653"`), at the host\'s address. Give `host` or `endpoint`.',
    fields: CONNECTION_FIELDS,
    replace: true,
  },
  endpoint: {
    schema: z
      .string({ error: "endpoint: an OpenFlow target string" })
      .superRefine((s, ctx) => {
        if (isUnknown(s)) return;
        try {
          parseTarget(s);
        } catch (e) {
          ctx.addIssue({ code: "custom", message: (e as Error).message });
        }
      })
      .optional(),
    type: "string",
    doc:
      "The OpenFlow target to use instead of deriving it from `host`: `unix:/var/run/openvswitch/br0.mgmt`, " +
      "`ssl:10.0.0.5:6653` or `tcp:10.0.0.5:6653` (port default 6653).\n\n" +
      "Security: a bridge listening on `ptcp:` accepts OpenFlow from anyone who can reach the port, " +
      "without authentication or encryption — full control of the switch's forwarding. Prefer `ssl:` " +
      "(the bridge listens with `pssl:` and checks client certificates against its CA); if `tcp:` is " +
      "unavoidable, bind the listener to a management address (`ptcp:6653:10.0.0.5`) behind a firewall.",
    replace: true,
  },
  tls: {
    schema: tlsSchema.optional(),
    type: "TlsArgs",
    doc: "Client TLS material for an `ssl:` endpoint (default: the host connection's `tls`). Pass secrets.",
    fields: TLS_FIELDS,
    secret: true,
  },
  bridge: {
    schema: deviceName("bridge"),
    type: "string",
    doc: "The bridge (e.g. `bridge.name`).",
    replace: true,
  },
  table: {
    schema: z
      .number({ error: `table: an integer 0..${MAX_TABLE}` })
      .int(`table: an integer 0..${MAX_TABLE}`)
      .min(0, `table: an integer 0..${MAX_TABLE}`)
      .max(MAX_TABLE, `table: an integer 0..${MAX_TABLE} (254 is reserved by OVS, 255 means all tables)`)
      .optional(),
    type: "number",
    implied: 0,
    doc: "OpenFlow table 0..253. Default 0. Changes in place (new flow added, then the old one deleted).",
  },
  priority: {
    schema: z
      .number({ error: "priority: an integer 0..65535" })
      .int("priority: an integer 0..65535")
      .min(0, "priority: an integer 0..65535")
      .max(65535, "priority: an integer 0..65535")
      .optional(),
    type: "number",
    implied: 32768,
    doc:
      "Priority 0..65535: among flows that match a packet, the highest priority wins. Default 32768 " +
      "(OpenFlow's default). Changes in place without a moment where neither flow is installed.",
  },
  match: {
    schema: z
      .string({ error: 'match: ovs-ofctl match fields, e.g. "in_port=veth-con7" or "ip,nw_dst=10.0.0.0/8"' })
      .transform(normalizeMatch)
      .superRefine((s, ctx) => {
        if (isUnknown(s)) return;
        const problems = matchProblems(s);
        for (const p of problems) ctx.addIssue({ code: "custom", message: p });
        if (problems.length) return;
        const v = checkMatchSyntax(s);
        if (v.ok === false) ctx.addIssue({ code: "custom", message: `ovs-ofctl: ${v.message}` });
      })
      .optional(),
    type: "string",
    doc:
      "Match fields in ovs-ofctl syntax, without `priority`, `table` or `actions`: `in_port=veth-con7`, " +
      "`ip,nw_dst=192.168.1.0/24`, `arp`, `dl_vlan=100`. Port names work as in ovs-ofctl and are " +
      "resolved by the switch when the flow is written (make the flow depend on its ports, e.g. " +
      "`` pulumi.interpolate`in_port=${port.name}` `` or `dependsOn`). Default: match every packet. " +
      "Syntax errors fail at preview with ovs-ofctl's own message.",
  },
  actions: {
    schema: z
      .string({
        error: 'actions: ovs-ofctl actions, e.g. "output:veth-con6", "drop", "mod_vlan_vid:100,output:2"',
      })
      .transform(normalizeActions)
      .superRefine((s, ctx) => {
        if (isUnknown(s)) return;
        if (!s) {
          ctx.addIssue({
            code: "custom",
            message: 'actions must not be empty; write "drop" to drop packets',
          });
          return;
        }
        const v = checkActionsSyntax(s);
        if (v.ok === false) ctx.addIssue({ code: "custom", message: `ovs-ofctl: ${v.message}` });
      }),
    type: "string",
    doc:
      "Actions in ovs-ofctl syntax (a leading `actions=` is accepted): `output:veth-con6`, `drop`, " +
      "`mod_vlan_vid:100,output:2`, `NORMAL`, `resubmit(,1)`. A change of actions alone is applied with " +
      "`mod-flows --strict` (the flow keeps its counters). Syntax errors fail at preview.",
  },
  idleTimeout: {
    schema: seconds("idleTimeout").optional(),
    type: "number",
    doc: "Seconds without a matching packet after which the switch removes the flow (0 or unset: never).",
  },
  hardTimeout: {
    schema: seconds("hardTimeout").optional(),
    type: "number",
    doc: "Seconds after which the switch removes the flow regardless of traffic (0 or unset: never).",
  },
  openflowVersion: {
    schema: z
      .enum(OPENFLOW_VERSIONS, { error: `openflowVersion: accepted ${OPENFLOW_VERSIONS.join(", ")}` })
      .optional(),
    type: "OpenFlowVersion",
    doc:
      "OpenFlow version to speak (`-O`), e.g. `OpenFlow13`; the bridge's `protocols` must include it. " +
      "Default: ovs-ofctl's default, OpenFlow 1.0 with Open vSwitch's extensions, which expresses most " +
      "flows; instructions and actions of later versions (e.g. `meter:`) need `OpenFlow13` or later " +
      "(preview says so). The switch renders actions in the version's own terms " +
      "(`mod_vlan_vid:100` becomes `push_vlan:0x8100,set_field:4196->vlan_vid` in 1.3).",
  },
  adopt: {
    schema: z.boolean().optional(),
    type: "boolean",
    doc:
      "Take over a flow not managed by this stack that has exactly the same table, priority and match " +
      "(OpenFlow keeps one flow per table, priority and match, so adding ours replaces it). Without " +
      "it, creating such a flow fails and the existing flow is left as it was. After adoption the " +
      "stack owns the flow: destroying the stack deletes it.",
    diff: false,
  },
} satisfies Record<string, ArgSpec>;

/** The fields of the flow as the switch rendered it (`installed`), documented for the SDK. */
const installedFields = {
  table: { type: "number", doc: "The OpenFlow table." },
  priority: { type: "number", doc: "The priority." },
  match: { type: "string", doc: "The match fields as the switch prints them (port names, not numbers)." },
  actions: {
    type: "string",
    doc: "The actions as the switch prints them, in the terms of the version spoken.",
  },
  idleTimeout: { type: "number", doc: "The idle timeout in seconds (0: none)." },
  hardTimeout: { type: "number", doc: "The hard timeout in seconds (0: none)." },
};

/** ovs.Flow, declared: its arguments and outputs; its lifecycle is {@link flowKind} below. */
export const flowSpec: ResourceSpec = {
  type: "ovs:Flow",
  doc:
    'An OpenFlow flow on a bridge: `ovs-ofctl add-flow BRIDGE "priority=…,MATCH,actions=…"`.\n\n' +
    "The resource owns its flow through a cookie derived from its owner marker; it only reads, changes " +
    "and deletes flows with that cookie, so flows added by hand or by a controller (with their own " +
    "cookies, 0 by default) are never removed. A flow added by hand with the resource's cookie (copied " +
    "from `dump-flows`) counts as the resource's: its delete removes it too. " +
    "`pulumi refresh` shows a flow deleted by hand (as gone) or whose actions were changed by hand " +
    "under its cookie (as drift). `ovs-ofctl mod-flows` without `cookie=` also sets the flow's cookie " +
    "to 0: the flow is then no longer the resource's (refresh shows it gone, and `pulumi up` refuses " +
    "to replace it with NAME_TAKEN unless `adopt` is set).\n\n" +
    "For a bridge that forwards only what its flows say (instead of `ovs-ofctl del-flows BRIDGE`), " +
    'create the bridge with `failMode: "secure"`: it then starts with an empty flow table, without ' +
    "the default `priority=0 actions=NORMAL` flow.\n\n" +
    "Flows live in ovs-vswitchd's memory: a restart of ovs-vswitchd drops them; `pulumi refresh` " +
    "then shows them gone and `pulumi up` puts them back.",
  // The connection is one of the flow's own arguments: optional, since `endpoint` may replace it.
  db: { connectionArg: "host", base: { owner: ownerSchema }, baseArgs: {} },
  args: flowArgs,
  // OpenFlow keeps one flow per table, priority and match on a bridge.
  identity: {
    args: ["bridge", "table", "priority", "match", "endpoint"],
    // ovs-ofctl reads a match's fields in any order, separated by commas or spaces.
    form: {
      match: (m: string | undefined) =>
        normalizeMatch(m ?? "")
          .split(/[\s,]+/)
          .filter(Boolean)
          .sort()
          .join(","),
    },
  },
  outputs: {
    cookie: {
      type: "string",
      doc: "The cookie the flow carries (`0x…`); `ovs-ofctl dump-flows BRIDGE cookie=COOKIE/-1` shows it.",
    },
    target: {
      type: "string",
      doc: "The OpenFlow target used: `unix:…/BRIDGE.mgmt`, `ssl:HOST:PORT` or `tcp:HOST:PORT`.",
    },
    installed: { type: "InstalledFlow", doc: "The flow as the switch shows it." },
  },
  sdk: {
    imports: { "../common": ["Connection", "TlsArgs"] },
    types: [
      {
        name: "OpenFlowVersion",
        doc: "OpenFlow versions, as ovs-ofctl's `-O` and the bridge's `protocols` spell them.",
        values: OPENFLOW_VERSIONS,
      },
      {
        name: "InstalledFlow",
        doc: "The flow as the switch shows it (port names printed), after the last apply or refresh.",
        fields: installedFields,
      },
    ],
    ownerDoc: "`project/stack/resource` marker the cookie is derived from.",
  },
};

const flowInputs = specSchema(flowSpec);
export type FlowInputs = ArgsInput<typeof flowArgs> & { owner: string };

/** The flow as the switch rendered it after the last apply (port names printed): the reference for drift. */
export type InstalledFlowState = FlowSpec;

export type FlowState = FlowInputs & {
  /** The cookie the flow carries (`0x…`). */
  cookie: string;
  /** The OpenFlow target used (`unix:…/BRIDGE.mgmt`, `tcp:…`, `ssl:…`). */
  target: string;
  installed: InstalledFlowState;
};

/** The flow an input set describes, with OpenFlow's defaults filled in. */
export function specOf(
  i: Pick<FlowInputs, "table" | "priority" | "match" | "actions" | "idleTimeout" | "hardTimeout">,
): FlowSpec {
  return {
    table: i.table ?? 0,
    priority: i.priority ?? DEFAULT_PRIORITY,
    match: normalizeMatch(i.match ?? ""),
    actions: normalizeActions(i.actions),
    idleTimeout: i.idleTimeout ?? 0,
    hardTimeout: i.hardTimeout ?? 0,
  };
}

function installedOf(f: DumpedFlow): InstalledFlowState {
  return {
    table: f.table,
    priority: f.priority,
    match: f.match,
    actions: f.actions,
    idleTimeout: f.idleTimeout,
    hardTimeout: f.hardTimeout,
  };
}

/** Cross-field rules, and the whole flow parsed offline once every part is known. */
function validate(i: FlowInputs): InputProblem[] {
  const problems: InputProblem[] = [];
  if (!i.host && !i.endpoint) {
    problems.push({
      property: "endpoint",
      reason:
        "give host (the bridge's Open_vSwitch database: its management socket or a passive controller is used) " +
        "or endpoint (an OpenFlow target: unix:RUNDIR/BRIDGE.mgmt, ssl:HOST:6653, tcp:HOST:6653)",
    });
  }
  if (i.endpoint?.startsWith("ssl:") && !i.tls && !i.host?.tls) {
    problems.push({
      property: "tls",
      reason: "an ssl: endpoint needs tls { privateKey, certificate, caCert } (or the host's tls)",
    });
  }
  const flow = buildFlow(specOf(i));
  const v = parseFlowOffline(flow, i.openflowVersion);
  if (v.ok === false) {
    const matchDependent = /actions are invalid with specified match|OFPB[AI]C_/.test(v.message);
    const noProtocol = /no usable protocol/.test(v.message);
    const versionOnly = i.openflowVersion !== undefined && (noProtocol || parseFlowOffline(flow).ok === true);
    if (versionOnly) {
      problems.push({
        property: "openflowVersion",
        reason: `ovs-ofctl -O ${i.openflowVersion}: ${v.message}`,
      });
    } else if (noProtocol) {
      problems.push({
        property: "openflowVersion",
        reason: `ovs-ofctl: ${v.message}; set openflowVersion to a version the flow needs (e.g. OpenFlow13)`,
      });
    } else {
      problems.push({
        property: matchDependent ? "actions" : "match",
        reason: `ovs-ofctl: ${v.message}${matchDependent ? ` (with match "${i.match ?? ""}")` : ""}`,
      });
    }
  }
  return problems;
}

// ---- where the flow lives --------------------------------------------------------------------

/**
 * The OpenFlow target for the inputs: `endpoint` when given; for a host reached over a unix
 * socket, the bridge's management socket in the same run directory; for a host reached over
 * tcp/ssl, the bridge's passive controller listener (pssl preferred) at the host's address.
 */
async function resolveTarget(i: FlowInputs): Promise<string> {
  if (i.endpoint) return parseTarget(i.endpoint).text;
  if (!i.host) throw new ResourceError("INVALID_INPUT", "neither host nor endpoint is set");
  const remotes = parseRemotes(i.host.remote);
  const unix = remotes.find((r) => r.kind === "unix");
  if (unix && unix.kind === "unix") return mgmtTarget(unix.path, i.bridge);
  const remote = remotes[0];
  const host = remote.kind === "unix" ? "" : remote.host;
  const c = await getClient(i.host, VSWITCH_DB);
  const bridge = await selectOne(c, VSWITCH_DB, "Bridge", "name", i.bridge, ["controller"]);
  if (!bridge) {
    throw new ResourceError(
      "PARENT_MISSING",
      `bridge ${i.bridge} does not exist on ${i.host.remote}; create it first (ovs.Bridge)`,
    );
  }
  const targets: string[] = [];
  for (const uuid of bridge.controller as string[]) {
    const row = await selectOne(c, VSWITCH_DB, "Controller", "_uuid", uuid, ["target"]);
    if (row) targets.push(row.target as string);
  }
  const target = activeTargetFor(targets, host);
  if (!target) {
    throw new ResourceError(
      "PARENT_MISSING",
      `bridge ${i.bridge} on ${i.host.remote} does not listen for OpenFlow connections; give the ovs.Bridge ` +
        `controllers: ["pssl:6653"] (or "ptcp:6653", unauthenticated), or pass endpoint`,
    );
  }
  return target;
}

function switchAt(target: string, i: FlowInputs): OpenFlowSwitch {
  return {
    target,
    protocol: i.openflowVersion,
    tls: target.startsWith("ssl:") ? (i.tls ?? i.host?.tls) : undefined,
  };
}

function where(i: Record<string, unknown>): string {
  const bridge = typeof i.bridge === "string" ? i.bridge : "(unknown)";
  const target =
    typeof i.target === "string"
      ? i.target
      : typeof i.endpoint === "string"
        ? i.endpoint
        : ((i.host as { remote?: string } | undefined)?.remote ?? "(unknown)");
  return `bridge ${bridge} at ${target}`;
}

/** Whether `e` says a unix socket target (a bridge's management socket) does not exist. */
function socketMissing(e: unknown): e is OpenFlowError {
  return (
    e instanceof OpenFlowError &&
    e.code === "CONNECT" &&
    !!e.target?.startsWith("unix:") &&
    /No such file/.test(e.message)
  );
}

/** Where a flow's bridge stands in the host's Open_vSwitch database; "unknown" when only an endpoint is given. */
export type BridgePresence = "absent" | "present" | "unknown";

async function bridgePresence(i: FlowInputs): Promise<BridgePresence> {
  if (!i.host) return "unknown";
  const c = await getClient(i.host, VSWITCH_DB);
  const row = await selectOne(c, VSWITCH_DB, "Bridge", "name", i.bridge, ["name"]);
  return row ? "present" : "absent";
}

/**
 * What reading or deleting a flow concludes from where its bridge stands and the error (if any) of
 * the switch. Pure.
 * - The bridge is absent from the host's database (deleted by hand): the flow is gone with it; the
 *   switch is not asked.
 * - The switch could not be reached although the bridge is there: an `UNREACHABLE` error
 *   (ovs-vswitchd stopped, or it uses another run directory), never a silent loss of the flow.
 * - Without `host` (endpoint only) a missing socket cannot be told from a stopped ovs-vswitchd: an
 *   error for read, which says so; delete goes ahead as before (no switch serves the socket, so
 *   no flow is left in it).
 * Returns "gone", "error" (with the error to throw; the switch's own error when it is not about
 * reaching it), or "ok".
 */
export function bridgeVerdict(
  op: "read" | "delete",
  presence: BridgePresence,
  i: Pick<FlowInputs, "bridge" | "host">,
  target: string,
  error?: unknown,
): { kind: "gone" } | { kind: "ok" } | { kind: "error"; error: unknown } {
  if (presence === "absent") return { kind: "gone" };
  if (error === undefined) return { kind: "ok" };
  const unreachable = error instanceof OpenFlowError && error.code === "CONNECT";
  if (!unreachable) return { kind: "error", error };
  if (presence === "unknown") {
    if (op === "delete" && socketMissing(error)) return { kind: "gone" };
    return {
      kind: "error",
      error: new ResourceError(
        "UNREACHABLE",
        `the switch does not answer at ${target} (${error.message}); without host the provider cannot tell a ` +
          `deleted bridge ${i.bridge} from a stopped ovs-vswitchd: give host (the bridge's Open_vSwitch ` +
          `database), start ovs-vswitchd, or, if the bridge is gone for good, remove the flow from the ` +
          `state (pulumi state delete URN)`,
        { cause: error },
      ),
    };
  }
  return {
    kind: "error",
    error: new ResourceError(
      "UNREACHABLE",
      `bridge ${i.bridge} exists on ${i.host?.remote ?? "the host"}, but its switch does not answer at ` +
        `${target} (${error.message}): is ovs-vswitchd running, with this run directory? The flow was ` +
        `left in the state; start ovs-vswitchd (or pass endpoint) and run again`,
      { cause: error },
    ),
  };
}

/**
 * Runs `step` (an OpenFlow operation on the flow's switch) and, only when the switch fails, looks
 * up the bridge in the host's database to conclude with {@link bridgeVerdict}: undefined when the
 * bridge (and so the flow) is gone, the step's result otherwise. A switch that answers needs no
 * lookup: its bridge is there.
 */
async function onBridge<T>(
  op: "read" | "delete",
  i: FlowInputs,
  target: string,
  step: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await step();
  } catch (e) {
    const v = bridgeVerdict(op, await bridgePresence(i), i, target, e);
    if (v.kind === "error") throw v.error;
    return undefined;
  }
}

/** Turns the OpenFlow errors that mean "name taken" or "parent missing" into those ResourceErrors. */
async function inContext<T>(i: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof FlowTakenError) throw new ResourceError("NAME_TAKEN", e.message, { cause: e });
    if (socketMissing(e)) {
      throw new ResourceError(
        "PARENT_MISSING",
        `${e.target} does not exist: bridge ${String(i.bridge)} is not there (create it first with ovs.Bridge), ` +
          `or ovs-vswitchd uses another run directory (pass endpoint)`,
        { cause: e },
      );
    }
    throw e; // the framework names the flow and its bridge, and gives the code
  }
}

// ---- operations ------------------------------------------------------------------------------

function idOf(bridge: string, base: bigint): string {
  return `${bridge}/${formatCookie(base)}`;
}

async function create(i: FlowInputs): Promise<{ id: string; outs: FlowState }> {
  return inContext(i, async () => {
    const sw = switchAt(await resolveTarget(i), i);
    // A new instance (see cookie.ts): every flow of the resource found now belongs to another
    // instance (an interrupted create, or the predecessor of a replacement) and is removed after
    // the add; the predecessor's delete then removes only its own instance, never this one.
    const hash = cookieBase(i.owner);
    const live = await settle(() => dumpResource(sw, hash), SETTLE_MS);
    const base = newInstanceBase(
      hash,
      live.map((f) => f.cookie),
    );
    const steps = planCreate(base, live, specOf(i));
    await applySteps(sw, base, steps, { adopt: i.adopt, settleMs: SETTLE_MS });
    const cookie = cookieAfter(base, steps);
    const installed = await mustRead(sw, cookie);
    return {
      id: idOf(i.bridge, base),
      outs: { ...i, cookie: formatCookie(cookie), target: sw.target, installed: installedOf(installed) },
    };
  });
}

async function mustRead(sw: OpenFlowSwitch, cookie: bigint): Promise<DumpedFlow> {
  const f = await readInstalled(sw, cookie);
  if (!f) {
    throw new OpenFlowError(
      "REJECTED",
      `the flow with cookie ${formatCookie(cookie)} is not in the switch right after it was written ` +
        `(removed at once by a controller, or a very short timeout?)`,
      sw.target,
    );
  }
  return f;
}

function inputsOf(s: FlowState): FlowInputs {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(flowInputs.shape)) {
    const v = (s as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as FlowInputs;
}

async function read(id: string, s: FlowState): Promise<ReadResult<FlowState> | undefined> {
  return inContext(s, async () => {
    const sw = switchAt(s.target, s);
    const current = parseCookie(s.cookie);
    // Its bridge deleted (by hand): gone with it. Its bridge there but the switch silent: an error.
    const live = await onBridge("read", s, sw.target, () => dumpFamily(sw, familyOf(current)));
    const inst = s.installed;
    // Several flows may carry the cookie (one added by hand with a copied cookie): the one as
    // installed is the resource's; drift is read from another only when that one is gone.
    const asInstalled = (f: DumpedFlow) =>
      f.table === inst.table && f.priority === inst.priority && f.match === inst.match;
    const exact = live?.filter((f) => f.cookie === current) ?? [];
    const cur = exact.find(asInstalled) ?? exact[0] ?? live?.find(asInstalled) ?? live?.[0];
    if (!cur) return undefined; // deleted by hand (alone or with its bridge), expired, or ovs-vswitchd restarted: gone
    const inputs = inputsOf(s);
    // Drift: a field whose live rendering differs from the rendering after the last apply is
    // reported as its live value, so the next diff shows it (and update puts the program's back).
    if (cur.table !== inst.table) inputs.table = cur.table;
    if (cur.priority !== inst.priority) inputs.priority = cur.priority;
    if (cur.match !== inst.match) inputs.match = cur.match;
    if (cur.actions !== inst.actions) inputs.actions = cur.actions;
    if (cur.idleTimeout !== inst.idleTimeout) inputs.idleTimeout = cur.idleTimeout || undefined;
    if (cur.hardTimeout !== inst.hardTimeout) inputs.hardTimeout = cur.hardTimeout || undefined;
    return {
      id,
      outs: { ...inputs, cookie: formatCookie(cur.cookie), target: s.target, installed: installedOf(cur) },
      inputs,
    };
  });
}

async function updateFlow(_id: string, olds: FlowState, news: FlowInputs): Promise<FlowState> {
  return inContext(news, async () => {
    const sw = switchAt(await resolveTarget(news), news);
    const current = parseCookie(olds.cookie);
    const live = await settle(() => dumpFamily(sw, familyOf(current)), SETTLE_MS);
    const steps = planUpdate({
      current,
      previous: specOf(olds),
      installed: olds.installed,
      desired: specOf(news),
      live,
    });
    await applySteps(sw, familyOf(current), steps, { adopt: news.adopt, settleMs: SETTLE_MS });
    const cookie = cookieAfter(current, steps);
    const installed = await mustRead(sw, cookie);
    return { ...news, cookie: formatCookie(cookie), target: sw.target, installed: installedOf(installed) };
  });
}

async function deleteFlow(_id: string, s: FlowState): Promise<void> {
  await inContext(s, async () => {
    const sw = switchAt(s.target, s);
    // The bridge gone: every flow in it is gone too.
    await onBridge("delete", s, sw.target, () =>
      delFlows(sw, cookieSelector(familyOf(parseCookie(s.cookie)), FAMILY_MASK)),
    );
  });
}

export const flowKind: ResourceKind<FlowInputs, FlowState> = {
  label: labelOf(flowSpec),
  schema: flowInputs as unknown as z.ZodType<FlowInputs>,
  inputKeys: comparedArgs(flowSpec),
  // Match, priority, table and actions change in place (without a window); another switch is a new flow.
  replaceOn: replacingArgs(flowSpec),
  // The instance is in the cookie: flows have no external_ids for a token.
  instanceToken: false,
  validate,
  create,
  read,
  update: updateFlow,
  delete: deleteFlow,
  where,
};

/** A bridge's flows as one resource (see provider/engine/collection.ts). */
export const flowCollectionSpec = collectionSpec({
  type: "ovs:Flows",
  doc:
    "Many OpenFlow flows of one bridge as one resource: `ovs-ofctl add-flow BRIDGE …` for each member. Each " +
    "member is a flow with its own cookie (derived from the member's owner marker) and the guarantees of an " +
    "`ovs.Flow` (flows others added left alone, `adopt` per member, drift per member); the map's keys are " +
    "labels of your choice. Flows are written by ovs-ofctl a few at a time, not in one transaction: a failure " +
    "part-way leaves the members written so far, which the next `up` takes over by their cookies.",
  of: flowSpec,
  shared: ["host", "endpoint", "tls", "bridge", "openflowVersion"],
  arg: "flows",
  member: "FlowMember",
  key: "label",
  argDoc:
    "The flows, by a label of your choice (used in messages, diffs and the cookie; changing a label deletes " +
    "the flow and adds it anew): each takes the arguments of `ovs.Flow` but `host`, `endpoint`, `tls`, " +
    "`bridge` and `openflowVersion`, and `adopt`. A flow added to the map is added, one removed is deleted, " +
    "one changed is modified in place.",
});
export const flowCollectionKind = collectionKind(
  flowCollectionSpec,
  flowKind as unknown as ResourceKind<Props, Props>,
);
