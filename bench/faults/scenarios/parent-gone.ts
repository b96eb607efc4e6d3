/**
 * Fault scenario 2 of issue 9 (kind 2): a parent deleted by hand under each child type.
 *
 * One stack on a one-host sandbox with OVN holds three families of parent and children:
 * - bridge `pg-br` with port `pg-p` and a flow matching `in_port=pg-p` (deleted with `ovs-vsctl del-br`);
 * - logical switch `pg-ls` with switch port `pg-lsp`, joined by router port `pg-lrp-join` of a router
 *   that stays (its switch-side port is a child of the switch too) (deleted with `ovn-nbctl ls-del`);
 * - logical router `pg-lr` with router port `pg-lrp` (joined to a switch that stays), a NAT rule and a
 *   static route (deleted with `ovn-nbctl lr-del`).
 * Foreign configuration (rows, keys and flows the stack does not own) sits next to them.
 *
 * Two rounds, each deleting every parent by hand: round 1 runs `refresh` then `up`; round 2 runs
 * `preview --refresh` (it must show the missing objects, not fail) then `up --refresh`. After each
 * round the real databases are checked (every parent and child back, with the stack's marker, under
 * its parent) and `preview --refresh --expect-no-changes` must pass. One {@link FaultRow} per child
 * type, counted from the databases after the last round.
 *
 *   import { run } from "./scenarios/parent-gone";   // rows for the bench table
 */
import * as pulumi from "@pulumi/pulumi";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../../sandbox";
import { runOk } from "../../../sandbox/exec";
import { TestStack, type OpResult } from "../../../test/e2e/harness/pulumi";
import { ctlRows } from "../../../test/e2e/harness/ctl-json";
import { closeAll } from "../../../provider";
import { RESOURCE_MASK, cookieBase, parseDump } from "../../../provider/openflow";
import { OWNER_KEY } from "../../../provider/resources/common";
import { ovs, ovn } from "../../../sdk";
import type { FaultRow } from "../types";

const PROJECT = "lcparent";
const STACK = "dev";
const MARKER_PREFIX = `${PROJECT}/${STACK}/`;

export interface ParentGoneOptions {
  /** Sandbox name, unique on the machine (default `lc-parent`). */
  sandboxName?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** One verified fact; `ok: false` says what was seen instead. */
export interface Check {
  child: string;
  what: string;
  ok: boolean;
  detail?: string;
}

export interface ParentGoneResult {
  rows: FaultRow[];
  checks: Check[];
  /** Per round, the ops `preview --refresh` (round 2) or `up` (round 1) planned per resource name. */
  plans: Record<string, Record<string, string>>;
}

/** The bench entry point: one row per child type. */
export async function run(): Promise<FaultRow[]> {
  return (await runParentGone()).rows;
}

// ---- the real databases ------------------------------------------------------------------------

type DbRow = Record<string, unknown> & { _uuid: string };

interface Tools {
  vsctl(...args: string[]): Promise<string>;
  nbctl(...args: string[]): Promise<string>;
  ofctl(...args: string[]): Promise<string>;
  mgmt(bridge: string): string;
}

function toolsFor(sb: SandboxInfo): Tools {
  const h = sb.hosts[0];
  const nb = sb.central!.nbRemote.unix;
  const sh = (cmd: string, args: string[]) => runOk(cmd, [cmd, ...args], { timeoutMs: 30_000 });
  return {
    vsctl: (...a) => sh("ovs-vsctl", [`--db=${h.remotes.unix}`, "--timeout=20", ...a]),
    nbctl: (...a) => sh("ovn-nbctl", [`--db=${nb}`, "--timeout=20", ...a]),
    ofctl: (...a) => sh("ovs-ofctl", a),
    mgmt: (bridge) => `unix:${h.runDir}/${bridge}.mgmt`,
  };
}

async function list(
  tool: (...a: string[]) => Promise<string>,
  table: string,
  cols: string[],
): Promise<DbRow[]> {
  return ctlRows(await tool("--format=json", `--columns=_uuid,${cols.join(",")}`, "list", table)) as DbRow[];
}

const ownerOf = (r: DbRow): string | undefined =>
  (r.external_ids as Record<string, string> | undefined)?.[OWNER_KEY];
const ours = (r: DbRow): boolean => ownerOf(r)?.startsWith(MARKER_PREFIX) ?? false;
const resourceOf = (r: DbRow): string => (ownerOf(r) ?? "").slice(MARKER_PREFIX.length);

/** Everything the scenario looks at, read once. */
interface Snapshot {
  tables: Record<string, DbRow[]>;
  /** Flows of the bridges that exist, `dump-flows --no-stats` lines parsed, per bridge. */
  flows: Record<string, ReturnType<typeof parseDump>>;
}

const OVS_TABLES: Record<string, string[]> = {
  Bridge: ["name", "ports", "external_ids"],
  Port: ["name", "external_ids"],
};
const NB_TABLES: Record<string, string[]> = {
  Logical_Switch: ["name", "ports", "external_ids"],
  Logical_Switch_Port: ["name", "type", "options", "external_ids"],
  Logical_Router: ["name", "ports", "nat", "static_routes", "external_ids"],
  Logical_Router_Port: ["name", "external_ids"],
  NAT: ["type", "external_ip", "logical_ip", "external_ids"],
  Logical_Router_Static_Route: ["ip_prefix", "nexthop", "external_ids"],
};

async function snapshot(t: Tools): Promise<Snapshot> {
  const tables: Record<string, DbRow[]> = {};
  for (const [table, cols] of Object.entries(OVS_TABLES)) tables[table] = await list(t.vsctl, table, cols);
  for (const [table, cols] of Object.entries(NB_TABLES)) tables[table] = await list(t.nbctl, table, cols);
  const flows: Snapshot["flows"] = {};
  for (const br of tables.Bridge) {
    const name = br.name as string;
    if (name === "br-int") continue; // ovn-controller's: rewritten on every northbound change
    flows[name] = parseDump(await t.ofctl("--no-stats", "--names", "dump-flows", t.mgmt(name)));
  }
  return { tables, flows };
}

// ---- the program ---------------------------------------------------------------------------------

const FLOW_OWNER = `${MARKER_PREFIX}f`;

function program(hostRemote: string, nbRemote: string) {
  return async () => {
    const host = { remote: hostRemote };
    const nb = { remote: nbRemote };
    const br = new ovs.Bridge("br", { host, name: "pg-br", datapathType: "netdev", failMode: "secure" });
    const p = new ovs.Port("p", { host, bridge: br.name, name: "pg-p", interface: { type: "internal" } });
    new ovs.Flow(
      "f",
      { host, bridge: br.name, priority: 7, match: pulumi.interpolate`in_port=${p.name}`, actions: "drop" },
      { dependsOn: [p] },
    );

    const ls = new ovn.LogicalSwitch("ls", { nb, name: "pg-ls", subnet: "10.77.9.0/24" });
    new ovn.LogicalSwitchPort("lsp", {
      nb,
      switch: ls.name,
      name: "pg-lsp",
      addresses: ["0a:77:09:00:00:01 10.77.9.1"],
    });
    const lrKeep = new ovn.LogicalRouter("lr-keep", { nb, name: "pg-lr-keep" });
    new ovn.LogicalRouterPort("lrp-join", {
      nb,
      router: lrKeep.name,
      name: "pg-lrp-join",
      mac: "0a:77:09:00:00:fe",
      networks: ["10.77.9.254/24"],
      switch: ls.name,
    });

    const lr = new ovn.LogicalRouter("lr", { nb, name: "pg-lr" });
    const lsKeep = new ovn.LogicalSwitch("ls-keep", { nb, name: "pg-ls-keep" });
    new ovn.LogicalRouterPort("lrp", {
      nb,
      router: lr.name,
      name: "pg-lrp",
      mac: "0a:77:0a:00:00:01",
      networks: ["10.77.10.1/24"],
      switch: lsKeep.name,
    });
    new ovn.LogicalRouterNat("nat", {
      nb,
      router: lr.name,
      type: "snat",
      externalIp: "172.16.77.10",
      logicalIp: "10.77.10.0/24",
    });
    new ovn.LogicalRouterStaticRoute("route", {
      nb,
      router: lr.name,
      ipPrefix: "10.99.0.0/16",
      nexthop: "10.77.10.254",
    });
  };
}

/** Each parent deleted by hand with the real tool (`--if-exists`: a failed round leaves some absent). */
const REMOVE_PARENTS: ((t: Tools) => Promise<string>)[] = [
  (t) => t.vsctl("--if-exists", "del-br", "pg-br"),
  (t) => t.nbctl("--if-exists", "ls-del", "pg-ls"),
  (t) => t.nbctl("--if-exists", "lr-del", "pg-lr"),
];

/** A row expected in the database: found by identity in `table`, held by `under`'s `column`, owned by `owner`. */
interface Expected {
  table: string;
  id: string;
  owner: string;
  under: { table: string; name: string; column: string };
}

/** A child type: the resource, its parent, and the rows that make it up. */
interface ChildCase {
  /** The FaultRow scenario text. */
  scenario: string;
  /** The child's resource name. */
  child: string;
  /** The parent: its resource name, table and row name. */
  parent: { resource: string; table: string; name: string };
  /** The child's rows (a flow is checked by {@link flowProblems} instead). */
  rows: Expected[];
  /** Tables whose rows count for duplicates and orphans in this case (parent's and child's). */
  tables: string[];
  /** The op a refreshing preview plans for the child once its parent is gone. */
  plannedOp: "create" | "update";
}

/** What identifies a row of `table` (its name; NAT rules and routes by their key columns). */
function identity(table: string, r: DbRow): string {
  if (table === "NAT") return `${String(r.type)} ${String(r.external_ip)} ${String(r.logical_ip)}`;
  if (table === "Logical_Router_Static_Route") return `${String(r.ip_prefix)} ${String(r.nexthop)}`;
  return String(r.name);
}

const find = (s: Snapshot, table: string, id: string) =>
  s.tables[table].filter((r) => identity(table, r) === id);

/** The row exists once, carries its owner's marker, and (for a child) its parent holds it; problems otherwise. */
function rowProblems(s: Snapshot, e: Omit<Expected, "under"> & { under?: Expected["under"] }): string[] {
  const found = find(s, e.table, e.id);
  const what = `${e.table} ${e.id}`;
  if (found.length !== 1) return [`${what}: ${found.length} rows`];
  const [row] = found;
  const problems: string[] = [];
  if (ownerOf(row) !== `${MARKER_PREFIX}${e.owner}`) problems.push(`${what}: marker ${ownerOf(row)}`);
  if (e.under) {
    const { table, name, column } = e.under;
    const holders = find(s, table, name).filter((p) => (p[column] as string[]).includes(row._uuid));
    if (holders.length !== 1) problems.push(`${what}: held by ${holders.length} ${table} ${name}`);
  }
  return problems;
}

/** Identities held by more than one row in `tables`. */
function duplicatesIn(s: Snapshot, tables: string[]): number {
  let n = 0;
  for (const t of tables) {
    const seen = new Map<string, number>();
    for (const r of s.tables[t]) seen.set(identity(t, r), (seen.get(identity(t, r)) ?? 0) + 1);
    n += [...seen.values()].filter((c) => c > 1).length;
  }
  return n;
}

/** Every instance of resource f carries this hash (a replacement draws a new instance). */
const FLOW_RESOURCE = cookieBase(FLOW_OWNER) & RESOURCE_MASK;
const ourFlows = (s: Snapshot) =>
  (s.flows["pg-br"] ?? []).filter((f) => (f.cookie & RESOURCE_MASK) === FLOW_RESOURCE);

/** The flow of resource `f`: exactly one in its cookie family, as the program says. */
function flowProblems(s: Snapshot): string[] {
  const flows = ourFlows(s);
  if (flows.length !== 1) return [`flow of f on pg-br: ${flows.length} flows`];
  const [f] = flows;
  const right = f.priority === 7 && f.match === 'in_port="pg-p"' && f.actions === "drop";
  return right ? [] : [`flow of f on pg-br: ${f.line}`];
}

/** The switch-side port of router port `lrp` (type router, pointing back at it) on `sw`. */
function attachment(lrp: string, owner: string, sw: string): Expected {
  return {
    table: "Logical_Switch_Port",
    id: `${lrp}-attachment`,
    owner,
    under: { table: "Logical_Switch", name: sw, column: "ports" },
  };
}

const BRIDGE = { resource: "br", table: "Bridge", name: "pg-br" };
const SWITCH = { resource: "ls", table: "Logical_Switch", name: "pg-ls" };
const ROUTER = { resource: "lr", table: "Logical_Router", name: "pg-lr" };
const underRouter = (router: string, column: string) => ({ table: "Logical_Router", name: router, column });

const CASES: ChildCase[] = [
  {
    scenario: "bridge deleted by hand (ovs-vsctl del-br) under ovs.Port",
    child: "p",
    parent: BRIDGE,
    rows: [
      { table: "Port", id: "pg-p", owner: "p", under: { table: "Bridge", name: "pg-br", column: "ports" } },
    ],
    tables: ["Bridge", "Port"],
    plannedOp: "create",
  },
  {
    scenario: "bridge deleted by hand (ovs-vsctl del-br) under ovs.Flow",
    child: "f",
    parent: BRIDGE,
    rows: [],
    tables: ["Bridge"],
    plannedOp: "create",
  },
  {
    scenario: "logical switch deleted by hand (ovn-nbctl ls-del) under ovn.LogicalSwitchPort",
    child: "lsp",
    parent: SWITCH,
    rows: [
      {
        table: "Logical_Switch_Port",
        id: "pg-lsp",
        owner: "lsp",
        under: { table: "Logical_Switch", name: "pg-ls", column: "ports" },
      },
    ],
    tables: ["Logical_Switch", "Logical_Switch_Port"],
    plannedOp: "create",
  },
  {
    scenario: "logical switch deleted by hand (ovn-nbctl ls-del) under a router port's switch-side port",
    child: "lrp-join",
    parent: SWITCH,
    rows: [
      {
        table: "Logical_Router_Port",
        id: "pg-lrp-join",
        owner: "lrp-join",
        under: underRouter("pg-lr-keep", "ports"),
      },
      attachment("pg-lrp-join", "lrp-join", "pg-ls"),
    ],
    tables: ["Logical_Switch", "Logical_Switch_Port", "Logical_Router_Port"],
    plannedOp: "update",
  },
  {
    scenario: "logical router deleted by hand (ovn-nbctl lr-del) under ovn.LogicalRouterPort",
    child: "lrp",
    parent: ROUTER,
    rows: [
      { table: "Logical_Router_Port", id: "pg-lrp", owner: "lrp", under: underRouter("pg-lr", "ports") },
      attachment("pg-lrp", "lrp", "pg-ls-keep"),
    ],
    tables: ["Logical_Router", "Logical_Router_Port", "Logical_Switch_Port"],
    plannedOp: "create",
  },
  {
    scenario: "logical router deleted by hand (ovn-nbctl lr-del) under ovn.LogicalRouterNat",
    child: "nat",
    parent: ROUTER,
    rows: [
      {
        table: "NAT",
        id: "snat 172.16.77.10 10.77.10.0/24",
        owner: "nat",
        under: underRouter("pg-lr", "nat"),
      },
    ],
    tables: ["Logical_Router", "NAT"],
    plannedOp: "create",
  },
  {
    scenario: "logical router deleted by hand (ovn-nbctl lr-del) under ovn.LogicalRouterStaticRoute",
    child: "route",
    parent: ROUTER,
    rows: [
      {
        table: "Logical_Router_Static_Route",
        id: "10.99.0.0/16 10.77.10.254",
        owner: "route",
        under: underRouter("pg-lr", "static_routes"),
      },
    ],
    tables: ["Logical_Router", "Logical_Router_Static_Route"],
    plannedOp: "create",
  },
];

/** Problems with a case in a snapshot: its parent and every row of the child (empty: all there, ours, in place). */
function verify(s: Snapshot, c: ChildCase): string[] {
  return [
    ...rowProblems(s, { table: c.parent.table, id: c.parent.name, owner: c.parent.resource }),
    ...c.rows.flatMap((e) => rowProblems(s, e)),
    ...(c.child === "f" ? flowProblems(s) : []),
    ...c.rows
      .filter((e) => e.id.endsWith("-attachment"))
      .flatMap((e) => {
        const [att] = find(s, e.table, e.id);
        const lrp = e.id.slice(0, -"-attachment".length);
        const opts = att?.options as Record<string, string> | undefined;
        return att && (att.type !== "router" || opts?.["router-port"] !== lrp)
          ? [`${e.id}: type ${String(att.type)}, router-port ${opts?.["router-port"]}`]
          : [];
      }),
  ];
}

// ---- foreign configuration -------------------------------------------------------------------------

/** Foreign rows, keys and flows put next to the stack's, and which case's tables they live in. */
async function addForeign(t: Tools): Promise<void> {
  await t.vsctl(
    "add-br",
    "pg-fbr",
    "--",
    "set",
    "bridge",
    "pg-fbr",
    "datapath_type=netdev",
    "fail_mode=secure",
  );
  await t.vsctl("add-port", "pg-fbr", "pg-fp", "--", "set", "interface", "pg-fp", "type=internal");
  await t.ofctl("add-flow", t.mgmt("pg-fbr"), "cookie=0x99,priority=5,in_port=pg-fp,actions=drop");
  await t.nbctl("ls-add", "pg-fls", "--", "lsp-add", "pg-fls", "pg-flsp");
  await t.nbctl(
    "lr-add",
    "pg-flr",
    "--",
    "lrp-add",
    "pg-flr",
    "pg-flrp",
    "0a:77:0b:00:00:01",
    "10.77.11.1/24",
  );
  await t.nbctl("lr-nat-add", "pg-flr", "snat", "172.16.77.11", "10.77.11.0/24");
  await t.nbctl("lr-route-add", "pg-flr", "10.98.0.0/16", "10.77.11.254");
}

/** Foreign keys on the stack's rows that survive the scenario (their parents are not deleted). */
async function addForeignKeys(t: Tools): Promise<void> {
  await t.nbctl("set", "logical_switch", "pg-ls-keep", "external_ids:foreign-key=kept");
  await t.nbctl("set", "logical_router", "pg-lr-keep", "external_ids:foreign-key=kept");
  await t.vsctl("set", "bridge", "pg-fbr", "external_ids:foreign-key=kept");
}

/** Identities of foreign objects (and foreign keys) of `tables`, plus foreign flows when `flows`. */
function foreignOf(s: Snapshot, tables: string[], flows: boolean): Set<string> {
  const out = new Set<string>();
  for (const t of tables) {
    for (const r of s.tables[t]) {
      const id = `${t}:${identity(t, r)}`;
      if (!ours(r)) out.add(id);
      for (const [k, v] of Object.entries((r.external_ids as Record<string, string>) ?? {})) {
        if (k === "foreign-key") out.add(`${id}:${k}=${v}`);
      }
    }
  }
  if (flows) {
    for (const [br, fs] of Object.entries(s.flows)) {
      for (const f of fs) {
        if (br === "pg-br" && (f.cookie & RESOURCE_MASK) === FLOW_RESOURCE) continue;
        out.add(`flow:${br}:${f.cookie}:${f.table}:${f.priority}:${f.match}:${f.actions}`);
      }
    }
  }
  return out;
}

// ---- the run --------------------------------------------------------------------------------------

const resourceNames = async (stack: TestStack): Promise<Set<string>> => {
  const state = await stack.exportState();
  return new Set(
    (state.deployment.resources ?? []).map((r: { urn: string }) => r.urn.split("::").pop() as string),
  );
};

const opsByName = (r: OpResult): Record<string, string> =>
  Object.fromEntries(r.steps.map((s) => [s.name, s.op]));

const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split("\n")[0];

export async function runParentGone(opts: ParentGoneOptions = {}): Promise<ParentGoneResult> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const checks: Check[] = [];
  const plans: ParentGoneResult["plans"] = {};
  const failures = new Map<string, string>(); // child → first failure
  const check = (child: string, what: string, problems: string[]) => {
    checks.push({ child, what, ok: problems.length === 0, detail: problems.join("; ") || undefined });
    if (problems.length && !failures.has(child)) failures.set(child, `${what}: ${problems.join("; ")}`);
  };
  const failAll = (what: string, e: unknown) => {
    for (const c of CASES) check(c.child, what, [firstLine(e)]);
  };

  const sb = await startSandbox({ name: opts.sandboxName ?? "lc-parent", hosts: 1, ovn: true });
  const t = toolsFor(sb);
  let stack: TestStack | undefined;
  let before: Snapshot | undefined;
  let after: Snapshot | undefined;
  let names = new Set<string>();
  try {
    await addForeign(t);
    stack = await TestStack.create({
      project: PROJECT,
      stack: STACK,
      program: program(sb.hosts[0].remotes.unix, sb.central!.nbRemote.unix),
    });
    await stack.up();
    await addForeignKeys(t);
    before = await snapshot(t);
    for (const c of CASES) check(c.child, "deployed", verify(before, c));
    log(`deployed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const rounds: { name: string; recover: (s: TestStack) => Promise<void> }[] = [
      {
        name: "refresh, then up",
        recover: async (s) => {
          const r = await s.refresh();
          const left = await resourceNames(s);
          for (const c of CASES) {
            // The parent and (unless it only lost its switch-side port) the child are dropped from the state.
            const dropped = [c.parent.resource, ...(c.plannedOp === "create" ? [c.child] : [])].filter((n) =>
              left.has(n),
            );
            check(
              c.child,
              "refresh drops what is gone",
              dropped.map((n) => `${n} still in the state`),
            );
          }
          plans["refresh"] = opsByName(r);
          plans["up"] = opsByName(await s.up());
        },
      },
      {
        name: "preview --refresh, then up --refresh",
        recover: async (s) => {
          const p = opsByName(await s.preview({ refresh: true, diff: true }));
          plans["preview --refresh"] = p;
          for (const c of CASES) {
            check(c.child, "preview --refresh plans the repair", [
              ...(p[c.parent.resource] === "create"
                ? []
                : [`${c.parent.resource}: ${p[c.parent.resource] ?? "no step"}`]),
              ...(p[c.child] === c.plannedOp ? [] : [`${c.child}: ${p[c.child] ?? "no step"}`]),
            ]);
          }
          plans["up --refresh"] = opsByName(await s.up({ refresh: true }));
        },
      },
    ];
    for (const round of rounds) {
      for (const remove of REMOVE_PARENTS) await remove(t);
      try {
        await round.recover(stack);
      } catch (e) {
        failAll(round.name, e);
        log(`${round.name}: ${firstLine(e)}`);
        continue;
      }
      after = await snapshot(t);
      for (const c of CASES) check(c.child, `${round.name}: restored`, verify(after, c));
      try {
        await stack.preview({ refresh: true, expectNoChanges: true });
        for (const c of CASES) check(c.child, `${round.name}: preview --refresh --expect-no-changes`, []);
      } catch (e) {
        failAll(`${round.name}: preview --refresh --expect-no-changes`, e);
      }
      log(`${round.name}: done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    names = await resourceNames(stack);
  } catch (e) {
    failAll("scenario", e);
  } finally {
    const seconds = (Date.now() - t0) / 1000;
    try {
      if (stack) await stack.remove();
    } catch (e) {
      failAll("destroy", e);
    }
    await closeAll();
    await stopSandbox(sb);
    log(`finished in ${seconds.toFixed(1)} s`);
  }

  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  const rows: FaultRow[] = CASES.map((c) => {
    const orphans = after
      ? c.tables.flatMap((tb) => after!.tables[tb]).filter((r) => ours(r) && !names.has(resourceOf(r)))
          .length + (c.child === "f" && !names.has("f") ? ourFlows(after).length : 0)
      : 0;
    const foreign = (s: Snapshot) => foreignOf(s, c.tables, c.child === "f");
    const lost = before && after ? [...foreign(before)].filter((x) => !foreign(after!).has(x)).length : 0;
    return {
      scenario: c.scenario,
      objects: 1 + c.rows.length + (c.child === "f" ? 1 : 0),
      outcome: failures.has(c.child) ? `failed: ${failures.get(c.child)}` : "converged",
      duplicates: after
        ? duplicatesIn(after, c.tables) + (c.child === "f" && ourFlows(after).length > 1 ? 1 : 0)
        : 0,
      orphans,
      foreignLost: lost,
      seconds,
    };
  });
  return { rows, checks, plans };
}
