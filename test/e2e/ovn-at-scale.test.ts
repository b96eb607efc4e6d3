/**
 * examples/ovn-at-scale end to end, at a size CI affords (2 tenants × 3 switches × 20 ports: 120
 * ports in 24 resources), against a sandbox's OVN central: every switch, port, router, router port,
 * port group and ACL is in the northbound database with the program's values and its own owner
 * marker (`project/stack/name["key"]` for a collection's member); changing one port's addresses
 * previews as that one member of one collection and `up` writes it in place; a member changed and
 * one deleted by hand show as drift of exactly those members and `up --refresh` restores them;
 * `destroy` removes every row of the stack and leaves rows others added.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { isDeepStrictEqual, promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { REPO_ROOT, TestStack, type OpResult, type StepInfo } from "./harness/pulumi";
import { ctlRows } from "./harness/ctl-json";
import { atScale, plan, tenantAcls, type Sizes } from "../../examples/ovn-at-scale/program";

jest.setTimeout(180_000);
const execFileP = promisify(execFile);

const SIZES: Sizes = { tenants: 2, switchesPerTenant: 3, portsPerSwitch: 20 };
const TENANTS = plan(SIZES);
const SWITCHES = TENANTS.flatMap((t) => t.switches);
const PORTS = SWITCHES.flatMap((s) => s.ports);
/** Per tenant: router, port group, Acls; per switch: switch, router port, LogicalSwitchPorts. */
const RESOURCES = SIZES.tenants * (3 + 3 * SIZES.switchesPerTenant);
const PROJECT = "ovn-at-scale";
const STACK = "e2e";
const owner = (name: string, key?: string) => `${PROJECT}/${STACK}/${name}${key ? `["${key}"]` : ""}`;

/** A row of `ovn-nbctl -f json list`, OVSDB values decoded: maps as objects, sets as arrays. */
type Row = Record<string, unknown>;

/** A set column as an array (OVSDB prints a one-element set as the bare element). */
const asSet = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const ext = (row: Row) => row.external_ids as Record<string, string>;

/** The member keys whose inputs differ between a step's old and new state (`ports`, `acls`). */
function changedMembers(step: StepInfo, arg: string): string[] {
  const before = (step.metadata.old?.inputs?.[arg] ?? {}) as Record<string, unknown>;
  const after = (step.metadata.new?.inputs?.[arg] ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => !isDeepStrictEqual(before[k], after[k]))
    .sort();
}

/**
 * The lines of the CLI's `--diff` display of one resource's update that carry a change marker
 * (`~`, `+`, `-`), spaces collapsed. The display prints every input of the resource; only changed
 * values are marked.
 */
function markedLines(stdout: string, name: string): string[] {
  const lines = stdout.split("\n");
  const header = /: \((update|refresh|same|create|delete|replace)\)$/;
  const at = lines.findIndex((l, k) => l.endsWith(`::${name}]`) && /: \(update\)$/.test(lines[k - 2] ?? ""));
  if (at < 0) throw new Error(`no update of ${name} in:\n${stdout}`);
  const out: string[] = [];
  for (
    let k = at + 1;
    k < lines.length && !header.test(lines[k]) && !lines[k].startsWith("Resources:");
    k++
  ) {
    const l = lines[k].trim().replace(/\s+/g, " ");
    if (/^[~+-] /.test(l)) out.push(l);
  }
  return out;
}
/** The port names a display's lines mention. */
const portsIn = (lines: string[]) => [...new Set(lines.join("\n").match(/t\d+-s\d+-p\d+/g) ?? [])];

describe("examples/ovn-at-scale", () => {
  let sb: SandboxInfo;
  let stack: TestStack;
  const times: Record<string, number> = {};
  const nbctl = async (...args: string[]) =>
    (
      await execFileP("ovn-nbctl", [`--db=${sb.central!.nbRemote.unix}`, "--timeout=30", ...args], {
        maxBuffer: 64 * 1024 * 1024,
      })
    ).stdout.trim();
  /** Every row of a northbound table, by name (ACLs, which have none, by uuid). */
  const rows = async (table: string): Promise<Map<string, Row>> => {
    const map = new Map<string, Row>();
    for (const row of ctlRows(await nbctl("-f", "json", "list", table))) {
      map.set(table === "ACL" ? (row._uuid as string) : (row.name as string), row);
    }
    return map;
  };
  const timed = async (what: string, op: Promise<OpResult>) => {
    const r = await op;
    times[what] = r.durationMs;
    return r;
  };

  const program = (addresses?: Record<string, string[]>) => async (): Promise<Record<string, unknown>> => ({
    tenants: atScale({ nb: { remote: sb.central!.nbRemote.unix }, ...SIZES, addresses }),
  });

  beforeAll(async () => {
    sb = await startSandbox({ name: "e2e-atscale", hosts: 1, ovn: true });
    stack = await TestStack.create({
      project: PROJECT,
      stack: STACK,
      projectDir: path.join(REPO_ROOT, "examples", "ovn-at-scale"), // refresh: always, as `pulumi up` there
      program: program(),
    });
  });

  afterAll(async () => {
    await TestStack.removeAll().catch(() => undefined);
    if (sb) await stopSandbox(sb);
    // Figures for the record (jest prints console output of passing tests too).
    console.log(`ovn-at-scale ${PORTS.length} ports, ${RESOURCES} resources, ms: ${JSON.stringify(times)}`);
  });

  it("up writes every switch, port, router, router port, port group and ACL, each member with its own owner marker", async () => {
    expect(await nbctl("show")).toBe("");
    const r = await timed("up", stack.up());
    expect(r.summary).toMatchObject({ create: RESOURCES, update: 0, delete: 0, replace: 0 });
    expect(r.outputs.tenants).toEqual(
      Object.fromEntries(
        TENANTS.map((t) => [
          t.name,
          { router: t.router, switches: SIZES.switchesPerTenant, ports: 60, acls: 4 },
        ]),
      ),
    );

    const switches = await rows("Logical_Switch");
    const lsps = await rows("Logical_Switch_Port");
    const routers = await rows("Logical_Router");
    const lrps = await rows("Logical_Router_Port");
    const groups = await rows("Port_Group");
    const acls = await rows("ACL");

    // Counts: the program's rows and nothing else.
    expect([...switches.keys()].sort()).toEqual(SWITCHES.map((s) => s.name).sort());
    expect([...routers.keys()].sort()).toEqual(TENANTS.map((t) => t.router).sort());
    expect([...lrps.keys()].sort()).toEqual(SWITCHES.map((s) => s.routerPort.name).sort());
    expect([...lsps.keys()].sort()).toEqual(
      [...PORTS.map((p) => p.name), ...SWITCHES.map((s) => `${s.routerPort.name}-attachment`)].sort(),
    );
    expect([...groups.keys()].sort()).toEqual(TENANTS.map((t) => t.portGroup).sort());
    expect(acls.size).toBe(SIZES.tenants * 4);

    for (const t of TENANTS) {
      const lr = routers.get(t.router)!;
      expect(ext(lr)["pulumi-ovs-owner"]).toBe(owner(t.router));
      for (const s of t.switches) {
        const sw = switches.get(s.name)!;
        expect(ext(sw)["pulumi-ovs-owner"]).toBe(owner(s.name));
        expect((sw.other_config as Record<string, string>).subnet).toBe(s.subnet);
        // The switch holds exactly its ports and its router attachment.
        const attachment = lsps.get(`${s.routerPort.name}-attachment`)!;
        expect(asSet(sw.ports).sort()).toEqual(
          [...s.ports.map((p) => lsps.get(p.name)!._uuid), attachment._uuid].sort(),
        );
        expect(attachment.type).toBe("router");
        expect((attachment.options as Record<string, string>)["router-port"]).toBe(s.routerPort.name);
        for (const p of s.ports) {
          const row = lsps.get(p.name)!;
          expect(asSet(row.addresses)).toEqual([`${p.mac} ${p.ip}`]);
          expect(ext(row)["pulumi-ovs-owner"]).toBe(owner(`${s.name}-ports`, p.name));
        }
        const lrp = lrps.get(s.routerPort.name)!;
        expect(asSet(lr.ports)).toContain(lrp._uuid);
        expect(lrp.mac).toBe(s.routerPort.mac);
        expect(asSet(lrp.networks)).toEqual([s.routerPort.network]);
      }
      expect(asSet(lr.ports)).toHaveLength(SIZES.switchesPerTenant);

      const pg = groups.get(t.portGroup)!;
      expect(ext(pg)["pulumi-ovs-owner"]).toBe(owner(t.portGroup));
      expect(asSet(pg.ports).sort()).toEqual(
        t.switches.flatMap((s) => s.ports.map((p) => lsps.get(p.name)!._uuid)).sort(),
      );
      const rules = asSet(pg.acls).map((u) => acls.get(u as string)!);
      const wanted = tenantAcls(t.portGroup);
      expect(rules).toHaveLength(Object.keys(wanted).length);
      for (const [label, a] of Object.entries(wanted)) {
        const row = rules.find((x) => ext(x)["pulumi-ovs-owner"] === owner(`${t.name}-acls`, label));
        expect(row).toMatchObject({
          direction: a.direction,
          priority: a.priority,
          match: a.match,
          action: a.action,
        });
      }
    }
  });

  it("a second preview changes nothing", async () => {
    const p = await timed("preview (no change)", stack.preview({ diff: true }));
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0, same: RESOURCES });
  });

  it("one port's new addresses preview as that member of one collection; up changes that row in place", async () => {
    const port = "t0-s1-p3";
    const next = "0a:00:00:01:00:63 10.0.1.99";
    const uuid = await nbctl("get", "Logical_Switch_Port", port, "_uuid");
    stack.setProgram(program({ [port]: [next] }));

    const p = await timed("preview (one member)", stack.preview({ diff: true }));
    expect(p.summary).toMatchObject({ create: 0, update: 1, delete: 0, replace: 0, same: RESOURCES - 1 });
    const step = p.steps.find((s) => s.op === "update")!;
    expect(step.name).toBe("t0-s1-ports");
    expect(step.diffs).toEqual(["ports"]);
    expect(changedMembers(step, "ports")).toEqual([port]);
    const member = (when: "old" | "new") =>
      (step.metadata[when]!.inputs.ports as Record<string, Record<string, unknown>>)[port];
    expect(member("old")).toEqual({ addresses: ["0a:00:00:01:00:0d 10.0.1.13"] });
    expect(member("new")).toEqual({ addresses: [next] });
    // The CLI's diff marks that member, its old and new value, and no other port.
    expect(markedLines(p.stdout, "t0-s1-ports")).toEqual([
      "~ ports : {",
      `~ ${port} : {`,
      "~ addresses: [",
      `~ [0]: "0a:00:00:01:00:0d 10.0.1.13" => "${next}"`,
    ]);

    const r = await timed("up (one member)", stack.up());
    expect(r.summary).toMatchObject({ create: 0, update: 1, delete: 0, replace: 0 });
    expect(await nbctl("lsp-get-addresses", port)).toBe(next);
    expect(await nbctl("get", "Logical_Switch_Port", port, "_uuid")).toBe(uuid);
    expect(await nbctl("lsp-get-addresses", "t0-s1-p4")).toBe("0a:00:00:01:00:0e 10.0.1.14");
    await stack.preview({ expectNoChanges: true });
  });

  it("a member changed and one deleted by hand preview as drift of those members; up --refresh restores them", async () => {
    await nbctl("lsp-set-addresses", "t1-s2-p7", "0a:00:00:00:00:77 10.1.2.77");
    await nbctl("lsp-del", "t1-s0-p0");

    const p = await timed("preview --refresh (drift)", stack.preview({ refresh: true, diff: true }));
    // The deleted port also left its port group (Port_Group.ports holds weak references): the
    // group's membership drifted too.
    expect(p.summary).toMatchObject({ create: 0, update: 3, delete: 0, replace: 0, same: RESOURCES - 3 });
    const updates = p.steps.filter((s) => s.op === "update");
    expect(updates.map((s) => s.name).sort()).toEqual(["t1-s0-ports", "t1-s2-ports", "t1_pg"]);
    const update = (name: string) => updates.find((s) => s.name === name)!;
    expect(changedMembers(update("t1-s0-ports"), "ports")).toEqual(["t1-s0-p0"]);
    expect(changedMembers(update("t1-s2-ports"), "ports")).toEqual(["t1-s2-p7"]);
    const members = (when: "old" | "new") => update("t1_pg").metadata[when]!.inputs.ports as string[];
    expect(members("old")).not.toContain("t1-s0-p0");
    expect([...members("old"), "t1-s0-p0"].sort()).toEqual([...members("new")].sort());
    expect(portsIn(markedLines(p.stdout, "t1-s0-ports"))).toEqual(["t1-s0-p0"]);
    expect(markedLines(p.stdout, "t1-s2-ports")).toEqual([
      "~ ports : {",
      "~ t1-s2-p7 : {",
      "~ addresses: [",
      '~ [0]: "0a:00:00:00:00:77 10.1.2.77" => "0a:00:01:02:00:11 10.1.2.17"',
    ]);

    const r = await timed("up --refresh (restore)", stack.up({ refresh: true }));
    expect(r.summary).toMatchObject({ create: 0, update: 3, delete: 0, replace: 0 });
    expect(await nbctl("lsp-get-addresses", "t1-s2-p7")).toBe("0a:00:01:02:00:11 10.1.2.17");
    expect(await nbctl("lsp-get-addresses", "t1-s0-p0")).toBe("0a:00:01:00:00:0a 10.1.0.10");
    expect(await nbctl("lsp-get-ls", "t1-s0-p0")).toMatch(/\(t1-s0\)$/);
    expect(await nbctl("get", "Logical_Switch_Port", "t1-s0-p0", "external_ids:pulumi-ovs-owner")).toBe(
      JSON.stringify(owner("t1-s0-ports", "t1-s0-p0")),
    );
    const p0 = await nbctl("get", "Logical_Switch_Port", "t1-s0-p0", "_uuid");
    expect(await nbctl("get", "Port_Group", "t1_pg", "ports")).toContain(p0);
    await stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("destroy removes every row of the stack and leaves a foreign switch, port, port group and ACL", async () => {
    await nbctl("ls-add", "foreign-sw", "--", "lsp-add", "foreign-sw", "foreign-p");
    await nbctl("pg-add", "foreign_pg", "foreign-p");
    await nbctl("acl-add", "foreign_pg", "to-lport", "100", "outport == @foreign_pg && ip4", "drop");

    const r = await timed("destroy", stack.destroy());
    expect(r.summary).toMatchObject({ delete: RESOURCES });
    expect([...(await rows("Logical_Switch")).keys()]).toEqual(["foreign-sw"]);
    expect([...(await rows("Logical_Switch_Port")).keys()]).toEqual(["foreign-p"]);
    expect((await rows("Logical_Router")).size).toBe(0);
    expect((await rows("Logical_Router_Port")).size).toBe(0);
    const groups = await rows("Port_Group");
    expect([...groups.keys()]).toEqual(["foreign_pg"]);
    const acls = [...(await rows("ACL")).values()];
    expect(acls).toHaveLength(1);
    expect(acls[0]).toMatchObject({ match: "outport == @foreign_pg && ip4", action: "drop", priority: 100 });
    expect(asSet(groups.get("foreign_pg")!.acls)).toEqual([acls[0]._uuid]);
  });
});
