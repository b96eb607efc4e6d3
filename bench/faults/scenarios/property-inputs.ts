/**
 * Fault scenario 8, property-based inputs (issue 9, kind 3), against real daemons: a one-host
 * sandbox (ovsdb-server + ovs-vswitchd) for the OVS types and the chassis settings, and an OVN
 * central (NB and SB ovsdb-servers with ovn-northd) for the OVN types.
 *
 * Per resource type:
 * - generated INVALID inputs go through the handler as the engine would call it (check, then
 *   create anyway): every one must be refused, and no row may carry their owner markers
 *   afterwards (`orphans`);
 * - generated VALID inputs, spelt as users spell them (mixed-case MACs, long or upper-case IPv6,
 *   stray spaces, shuffled sets), are created through the handler, read back, and diffed against
 *   the checked inputs: the diff must be empty, no two resources may hold one row
 *   (`duplicates`), ovn-northd may log no warning about them, and after delete no row may carry
 *   their markers (counted as `orphans` too);
 * - rows that were there before and are not the scenario's must all be there after (`foreignLost`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../../sandbox";
import { startCentral, type OvnCentral } from "../../../sandbox/central";
import { runOk } from "../../../sandbox/exec";
import { waitFor } from "../../../sandbox/wait";
import { handler, closeAll } from "../../../provider";
import { OvsdbClient, select } from "../../../provider/ovsdb";
import type { FaultRow } from "../types";
import { typeSpecs, type Context, type Props, type TypeSpec } from "./property-arbitraries";

export interface PropertyInputsOptions {
  /** Valid inputs created per type (default 40). */
  validPerType?: number;
  /** Invalid inputs sent through check and create per type, against the real databases (default 100). */
  invalidPerType?: number;
  /** fast-check seed (default: random; printed in the outcome when something fails). */
  seed?: number;
  /** Only these types (Pulumi type names); default all. */
  types?: string[];
  log?: (message: string) => void;
}

/** Owner markers of this scenario start with this. */
const MARK = "bench-faults/prop";

/**
 * ovn-northd lines that mean it could not use a value: `invalid syntax '…' in address`, `bad
 * 'subnet'`, `Invalid static route`, `Bad configuration` … Other warnings are about how values
 * combine (e.g. `ipam|WARN|Duplicate IP set` for a port asking for "dynamic IPv4" on a switch
 * with an ipv6_prefix, which OVN 23.03 logs although it assigns the address): counted apart.
 */
const NORTHD_SYNTAX = /\|(WARN|ERR)\|.*\b(syntax|invalid|bad|malformed|parse|unknown)\b/i;
const NORTHD_WARNING = /\|(WARN|ERR)\|/;

interface Databases {
  vswitch: OvsdbClient;
  nb: OvsdbClient;
  sb: OvsdbClient;
}

/** Every row of every table of `db`, as `uuid -> JSON`. */
async function snapshot(c: OvsdbClient, db: string): Promise<Map<string, string>> {
  const schema = await c.getSchema(db);
  const tables = [...schema.tables.keys()];
  const results = await c.transact(
    db,
    tables.map((t) => select(t, [])),
  );
  const out = new Map<string, string>();
  results.forEach((r, i) => {
    for (const row of r.rows ?? []) out.set(`${tables[i]}:${row._uuid as string}`, JSON.stringify(row));
  });
  return out;
}

/**
 * Rows of the three databases; without `sb`, only the configuration databases (the southbound
 * rows ovn-northd computes get new uuids whenever it recomputes, so they are no foreign rows).
 */
async function snapshotAll(dbs: Databases, sb = true): Promise<Map<string, string>> {
  const parts = await Promise.all([
    snapshot(dbs.vswitch, "Open_vSwitch"),
    snapshot(dbs.nb, "OVN_Northbound"),
    ...(sb ? [snapshot(dbs.sb, "OVN_Southbound")] : []),
  ]);
  return new Map(parts.flatMap((m) => [...m]));
}

/** Rows of `before` not written by this scenario that are gone in `after`. */
function lostRows(before: Map<string, string>, after: Map<string, string>): number {
  return [...before].filter(([k, json]) => !json.includes(MARK) && !after.has(k)).length;
}

/** Rows (and flows) that mention `marker` (an owner marker, or a prefix of several). */
async function marked(dbs: Databases, marker: string, flowsOf?: string): Promise<number> {
  const rows = [...(await snapshotAll(dbs)).values()].filter((j) => j.includes(marker)).length;
  if (!flowsOf) return rows;
  return rows + (await flowCount(flowsOf));
}

/** Flows of the bridge other than the ones of its setup (cookie 0). */
async function flowCount(mgmt: string): Promise<number> {
  const out = await runOk("ovs-ofctl dump-flows", ["ovs-ofctl", "dump-flows", mgmt]);
  return out.split("\n").filter((l) => l.includes("actions=") && !/cookie=0x0,/.test(l)).length;
}

async function northdLines(central: OvnCentral): Promise<string[]> {
  const log = central.northdLog;
  if (!log || !fs.existsSync(log)) return [];
  return fs.readFileSync(log, "utf8").split("\n");
}

/** Distinct valid inputs (by the spec's keys on the canonical form), with their checked inputs. */
async function distinctValid(
  spec: TypeSpec,
  ctx: Context,
  n: number,
  seed: number,
): Promise<{ raw: Props; checked: Props }[]> {
  const h = handler(spec.type);
  const picked: { raw: Props; checked: Props }[] = [];
  const used = new Set<string>();
  for (const raw of fc.sample(spec.valid(ctx), { numRuns: n * 20, seed })) {
    if (picked.length >= n) break;
    const r = await h.check({}, { ...raw, owner: "x/y/z" });
    if (r.failures.length)
      throw new Error(`generated valid input refused: ${JSON.stringify(raw)}: ${JSON.stringify(r.failures)}`);
    const keys = spec.oneAtATime ? [] : spec.keys(r.inputs);
    if (keys.some((k) => used.has(k))) continue;
    keys.forEach((k) => used.add(k));
    picked.push({ raw, checked: r.inputs });
  }
  return picked;
}

async function runType(
  log: (message: string) => void,
  spec: TypeSpec,
  ctx: Context,
  dbs: Databases,
  central: OvnCentral,
  mgmt: string,
  opts: { validPerType: number; invalidPerType: number; seed: number },
): Promise<FaultRow> {
  const started = Date.now();
  const h = handler(spec.type);
  const slug = spec.type.replace(":", "-");
  const flows = spec.type === "ovs:Flow" ? mgmt : undefined;
  const problems: string[] = [];

  // Invalid inputs: refused by check, and by create when it is called anyway; nothing written.
  const invalid = fc.sample(spec.invalid(ctx), { numRuns: opts.invalidPerType, seed: opts.seed });
  let accepted = 0;
  const flowsBefore = flows ? await flowCount(flows) : 0;
  for (const [i, { inputs }] of invalid.entries()) {
    const withOwner = { ...inputs, owner: `${MARK}-bad/${slug}/${i}` };
    const r = await h.check({}, withOwner);
    if (r.failures.length === 0) accepted++;
    await h.create(withOwner).then(
      () => accepted++,
      () => undefined,
    );
  }
  if (accepted) problems.push(`${accepted} invalid inputs accepted`);
  let orphans =
    (await marked(dbs, `${MARK}-bad/${slug}/`)) + (flows ? (await flowCount(flows)) - flowsBefore : 0);

  // Valid inputs: create, read back, diff empty, no northd warning, delete.
  const valid = await distinctValid(spec, ctx, opts.validPerType, opts.seed);
  const logBefore = (await northdLines(central)).length;
  const created: { id: string; outs: Props; checked: Props; owner: string }[] = [];
  const batches = spec.oneAtATime ? valid.map((v) => [v]) : [valid];
  let duplicates = 0;
  let changed = 0;
  for (const batch of batches) {
    const now: typeof created = [];
    for (const v of batch) {
      const owner = `${MARK}/${slug}/${created.length + now.length}`;
      const checked = (await h.check({}, { ...v.raw, owner })).inputs;
      try {
        const { id, outs } = await h.create(checked);
        now.push({ id, outs, checked, owner });
      } catch (e) {
        problems.push(`create failed for ${JSON.stringify(v.raw)}: ${(e as Error).message}`);
      }
    }
    const ids = new Set(now.map((c) => c.id));
    duplicates += now.length - ids.size;
    if (spec.db === "nb") await central.nbctl("--wait=sb", "sync");
    for (const c of now) {
      const r = await h.read(c.id, c.outs);
      if (!r.id || !r.props) {
        problems.push(`read lost ${c.owner}`);
        changed++;
        continue;
      }
      const d = await h.diff(c.id, r.props, c.checked);
      if (d.changes) {
        changed++;
        if (changed <= 3) {
          const detail = d.diffs.map(
            (k) => `${k}: ${JSON.stringify(r.props![k])} vs ${JSON.stringify(c.checked[k])}`,
          );
          problems.push(`diff after read for ${c.owner}: ${detail.join("; ")}`);
        }
      }
      if ((await marked(dbs, `"${c.owner}"`)) === 0 && !flows) problems.push(`no row carries ${c.owner}`);
    }
    if (spec.oneAtATime) for (const c of now) await h.delete(c.id, c.outs);
    created.push(...now);
  }
  if (changed) problems.push(`${changed} of ${created.length} showed a diff after read back`);
  const logged = (await northdLines(central)).slice(logBefore);
  const syntax = logged.filter((l) => NORTHD_SYNTAX.test(l));
  if (syntax.length)
    problems.push(`ovn-northd refused values ${syntax.length}×: ${syntax.slice(0, 2).join(" | ")}`);
  const other = logged.filter((l) => NORTHD_WARNING.test(l) && !NORTHD_SYNTAX.test(l));
  if (other.length) log(`  ovn-northd's other warnings (${other.length}): ${other.slice(0, 2).join(" | ")}`);
  if (!spec.oneAtATime) for (const c of [...created].reverse()) await h.delete(c.id, c.outs);
  // ovn-northd copies external_ids into the southbound rows: let it catch up before counting.
  if (spec.db === "nb") await central.nbctl("--wait=sb", "sync");
  orphans += await marked(dbs, `${MARK}/${slug}/`, flows);

  return {
    scenario: `property inputs ${spec.type}`,
    objects: invalid.length + valid.length,
    outcome: problems.length ? `failed: ${problems.join("; ")} (seed ${opts.seed})` : "ok",
    duplicates,
    orphans,
    foreignLost: 0,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Parents the generated resources refer to, made with the daemons' own tools. */
async function makeParents(sb: SandboxInfo, central: OvnCentral, ctx: Context): Promise<string> {
  const h = sb.hosts[0];
  const vsctl = (...args: string[]) =>
    runOk("ovs-vsctl", ["ovs-vsctl", "--timeout=30", `--db=${h.remotes.unix}`, ...args]);
  await vsctl("add-br", ctx.bridge, "--", "set", "bridge", ctx.bridge, "datapath_type=netdev");
  const mgmt = `unix:${h.runDir}/${ctx.bridge}.mgmt`;
  await waitFor(
    () => fs.existsSync(`${h.runDir}/${ctx.bridge}.mgmt`),
    15_000,
    () => `bridge ${ctx.bridge} did not come up`,
  );
  await central.nbctl(
    "ls-add",
    ctx.switch,
    "--",
    "set",
    "logical_switch",
    ctx.switch,
    "other_config:subnet=10.64.0.0/10",
    "other_config:ipv6_prefix=fd00:64::",
  );
  await central.nbctl("lr-add", ctx.router);
  await central.nbctl("lrp-add", ctx.router, "lrp-prop", "0a:00:00:00:00:fe", "10.0.0.1/8", "fd00::1/16");
  return mgmt;
}

export async function run(options: PropertyInputsOptions = {}): Promise<FaultRow[]> {
  const opts = {
    validPerType: options.validPerType ?? 40,
    invalidPerType: options.invalidPerType ?? 100,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
  };
  const log = options.log ?? (() => undefined);
  const name = `prop${process.pid % 10000}`;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ovs-prop-"));
  let sandbox: SandboxInfo | undefined;
  let central: OvnCentral | undefined;
  const clients: OvsdbClient[] = [];
  try {
    sandbox = await startSandbox({ name, hosts: 1, ovn: false });
    central = await startCentral({ northd: true });
    const ctx: Context = {
      host: { remote: sandbox.hosts[0].remotes.unix },
      nb: { remote: central.nb.unix },
      sb: { remote: central.sb.unix },
      bridge: "br-prop",
      switch: "ls-prop",
      router: "lr-prop",
      tmpDir,
    };
    const mgmt = await makeParents(sandbox, central, ctx);
    const dbs: Databases = {
      vswitch: await OvsdbClient.connect(ctx.host.remote, { database: "Open_vSwitch" }),
      nb: await OvsdbClient.connect(ctx.nb.remote, { database: "OVN_Northbound" }),
      sb: await OvsdbClient.connect(ctx.sb.remote, { database: "OVN_Southbound" }),
    };
    clients.push(dbs.vswitch, dbs.nb, dbs.sb);
    const rows: FaultRow[] = [];
    for (const spec of typeSpecs().filter((s) => !options.types || options.types.includes(s.type))) {
      log(`property inputs: ${spec.type}`);
      // Rows that were there before (parents, the daemons' own) must all still be there.
      const before = await snapshotAll(dbs, false);
      const row = await runType(log, spec, ctx, dbs, central, mgmt, opts);
      row.foreignLost = lostRows(before, await snapshotAll(dbs, false));
      rows.push(row);
      log(`  ${row.outcome} (${row.objects} inputs, ${row.seconds?.toFixed(1)} s)`);
    }
    return rows;
  } finally {
    for (const c of clients) c.close();
    await closeAll();
    await central?.stop();
    await stopSandbox(sandbox ?? name);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}
