/**
 * OVN northbound at scale, two workloads, each created, changed and destroyed with `pulumi up`
 * through the real engine, with the provider handlers called directly (no engine), with
 * `ovn-nbctl` once per object, and with one `ovn-nbctl` invocation chaining every command, side by
 * side in one table per workload:
 *
 * - `switches`: 100 logical switches × 10 ports (1,100 objects); change = the addresses of one port
 *   per switch (100 ports).
 * - `acls`: 10 port groups × 20 ACLs (210 objects); change = the action of two ACLs per group (20).
 *
 * Each tool gets a fresh northbound ovsdb-server (the installed schema, no ovn-northd: the
 * management plane alone). Prints the tables; asserts nothing.
 *
 *   npm run build && node dist/bench/ovn/run.js [--only switches|acls] [--switches N] [--ports M]
 *     [--groups G] [--acls A] [--skip-pulumi] [--skip-checkpoints]
 */
import { time, wholeNumber, withServer } from "../measure";
import { formatTable } from "../table";
import { parseArgs } from "node:util";
import { runOk } from "../../sandbox/exec";
import type { TestOvsdbServer } from "../../sandbox/ovsdb-server";
import { TestStack } from "../../test/e2e/harness/pulumi";
import { handler, closeAll } from "../../provider";
import { ovn } from "../../sdk";

type Props = Record<string, unknown>;
type Nb = { remote: string };
/** One ovn-nbctl call: its commands, chained with `--`. */
type Call = string[][];

interface Row {
  tool: string;
  create: number;
  change: number;
  destroy: number;
  note?: string;
}

/** One resource, as the handlers see it. */
interface Obj {
  type: string;
  name: string;
  /** Its inputs before (0) and after (1) the change. */
  inputs(nb: Nb, phase: 0 | 1): Props;
}

/** What each tool creates, changes and destroys. */
interface Workload {
  name: string;
  /** The table's caption. */
  caption: string;
  /** The tables whose rows are counted after the create. */
  tables: string[];
  /** The Pulumi program of each phase. */
  program(nb: Nb, phase: 0 | 1): () => Promise<void>;
  /** The resources, in creation tiers (a tier waits for the one before; destroy goes backwards). */
  tiers: Obj[][];
  /** The ovn-nbctl calls, one per object. */
  nbctl: { create: Call[]; change: Call[]; destroy: Call[] };
}

const hex = (n: number) => n.toString(16).padStart(2, "0");

/** 100 switches × 10 ports with static addresses; the first port of each switch changes address. */
function switchesWorkload(nSwitches: number, portsPer: number): Workload {
  const switches = Array.from({ length: nSwitches }, (_, i) => `bsw${i}`);
  const ports: { sw: string; name: string; addresses: [string, string] }[] = [];
  switches.forEach((sw, i) => {
    for (let j = 0; j < portsPer; j++) {
      const mac = `0a:00:00:00:${hex(i)}:${hex(j)}`;
      const before = `${mac} 10.${i >> 8}.${i & 255}.${j + 10}`;
      const after = j === 0 ? `${mac} 10.${i >> 8}.${i & 255}.${j + 200}` : before;
      ports.push({ sw, name: `${sw}-p${j}`, addresses: [before, after] });
    }
  });
  const changed = ports.filter((p) => p.addresses[0] !== p.addresses[1]);
  return {
    name: "switches",
    caption:
      `${switches.length} logical switches × ${portsPer} ports (${switches.length + ports.length} objects); ` +
      `change = addresses of ${changed.length} ports`,
    tables: ["Logical_Switch", "Logical_Switch_Port"],
    program: (nb, phase) => async () => {
      const sw: Record<string, ovn.LogicalSwitch> = {};
      for (const name of switches) sw[name] = new ovn.LogicalSwitch(name, { nb, name });
      for (const p of ports) {
        new ovn.LogicalSwitchPort(p.name, {
          nb,
          switch: sw[p.sw].name,
          name: p.name,
          addresses: [p.addresses[phase]],
        });
      }
    },
    tiers: [
      switches.map((name) => ({ type: "ovn:LogicalSwitch", name, inputs: (nb) => ({ nb, name }) })),
      ports.map((p) => ({
        type: "ovn:LogicalSwitchPort",
        name: p.name,
        inputs: (nb, phase) => ({ nb, switch: p.sw, name: p.name, addresses: [p.addresses[phase]] }),
      })),
    ],
    nbctl: {
      create: [
        ...switches.map((name) => [["ls-add", name]]),
        ...ports.map((p) => [
          ["lsp-add", p.sw, p.name],
          ["lsp-set-addresses", p.name, p.addresses[0]],
        ]),
      ],
      change: changed.map((p) => [["lsp-set-addresses", p.name, p.addresses[1]]]),
      destroy: [...ports.map((p) => [["lsp-del", p.name]]), ...switches.map((name) => [["ls-del", name]])],
    },
  };
}

/**
 * `nGroups` port groups × `perGroup` to-lport ACLs (`outport == @group && tcp.dst == PORT`,
 * allow-related, named for ovn-nbctl to find them); the change turns every tenth rule of each group
 * into a drop (in place).
 */
function aclsWorkload(nGroups: number, perGroup: number): Workload {
  const groups = Array.from({ length: nGroups }, (_, i) => `bpg${i}`);
  const acls = groups.flatMap((pg) =>
    Array.from({ length: perGroup }, (_, j) => ({
      pg,
      name: `${pg}-acl${j}`,
      priority: 1000 + j,
      match: `outport == @${pg} && tcp.dst == ${8000 + j}`,
      action: ["allow-related", j % 10 === 0 ? "drop" : "allow-related"] as [string, string],
    })),
  );
  const changed = acls.filter((a) => a.action[0] !== a.action[1]);
  const aclAdd = (a: (typeof acls)[number]) => [
    `--name=${a.name}`,
    "acl-add",
    a.pg,
    "to-lport",
    String(a.priority),
    a.match,
    a.action[0],
  ];
  const aclDel = (a: (typeof acls)[number]) => ["acl-del", a.pg, "to-lport", String(a.priority), a.match];
  return {
    name: "acls",
    caption:
      `${groups.length} port groups × ${perGroup} ACLs (${groups.length + acls.length} objects); ` +
      `change = action of ${changed.length} ACLs`,
    tables: ["Port_Group", "ACL"],
    program: (nb, phase) => async () => {
      for (const name of groups) {
        const pg = new ovn.PortGroup(name, { nb, name });
        for (const a of acls.filter((x) => x.pg === name)) {
          new ovn.Acl(a.name, {
            nb,
            portGroup: pg.name,
            direction: "to-lport",
            priority: a.priority,
            match: a.match,
            action: a.action[phase] as "allow-related" | "drop",
            name: a.name,
          });
        }
      }
    },
    tiers: [
      groups.map((name) => ({ type: "ovn:PortGroup", name, inputs: (nb) => ({ nb, name }) })),
      acls.map((a) => ({
        type: "ovn:Acl",
        name: a.name,
        inputs: (nb, phase) => ({
          nb,
          portGroup: a.pg,
          direction: "to-lport",
          priority: a.priority,
          match: a.match,
          action: a.action[phase],
          name: a.name,
        }),
      })),
    ],
    nbctl: {
      create: [...groups.map((name) => [["pg-add", name]]), ...acls.map((a) => [aclAdd(a)])],
      // ovn-nbctl has no ACL verb that changes a rule in place; its log name identifies the row.
      change: changed.map((a) => [["set", "ACL", a.name, `action=${a.action[1]}`]]),
      destroy: [...acls.map((a) => [aclDel(a)]), ...groups.map((name) => [["pg-del", name]])],
    },
  };
}

async function count(s: TestOvsdbServer, tables: string[]): Promise<number> {
  let n = 0;
  for (const table of tables) {
    const out = await s.tool("ovn-nbctl", ["--bare", "--columns=_uuid", "list", table]);
    n += out.split("\n").filter((l) => l.trim()).length;
  }
  return n;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

/** The four tools over one workload: a row each. */
async function measure(w: Workload, pulumiRuns: [string, Record<string, string>][]): Promise<Row[]> {
  const rows: Row[] = [];
  const record = (r: Row) => {
    rows.push(r);
    log(`${w.name}, ${r.tool}: ${r.create.toFixed(0)} / ${r.change.toFixed(0)} / ${r.destroy.toFixed(0)} ms`);
  };
  const objs = w.tiers.flat();
  const changed = objs.filter(
    (o) => JSON.stringify(o.inputs({ remote: "" }, 0)) !== JSON.stringify(o.inputs({ remote: "" }, 1)),
  );

  // 1. pulumi up through the real engine (and, with --skip-checkpoints, without the file
  //    backend's snapshot rewrite after every step).
  for (const [tool, envVars] of pulumiRuns) {
    await withServer("nb", async (s) => {
      const nb = { remote: s.unix };
      const stack = await TestStack.create({
        project: "bench-ovn",
        stack: "bench",
        program: w.program(nb, 0),
        envVars,
      });
      try {
        const create = await time(() => stack.up());
        const made = await count(s, w.tables);
        stack.setProgram(w.program(nb, 1));
        let updates = 0;
        const change = await time(async () => {
          updates = (await stack.up()).summary.update;
        });
        const destroy = await time(() => stack.destroy());
        record({ tool, create, change, destroy, note: `${made} rows, ${updates} updates` });
      } finally {
        await stack.remove({ skipDestroy: true }).catch(() => undefined);
      }
    });
  }

  // 2. The provider handlers called directly (check + create/update/delete), as concurrently as
  //    the engine would: tier by tier.
  await withServer("nb", async (s) => {
    const nb = { remote: s.unix };
    const state = new Map<string, { id: string; outs: Props }>();
    const inputs = (o: Obj, phase: 0 | 1) => ({ ...o.inputs(nb, phase), owner: `bench/direct/${o.name}` });
    const create = await time(async () => {
      for (const tier of w.tiers) {
        await Promise.all(
          tier.map(async (o) => {
            const h = handler(o.type);
            const { inputs: checked } = await h.check({}, inputs(o, 0));
            state.set(o.name, await h.create(checked));
          }),
        );
      }
    });
    const made = await count(s, w.tables);
    const change = await time(() =>
      Promise.all(
        changed.map(async (o) => {
          const h = handler(o.type);
          const old = state.get(o.name)!;
          const { inputs: checked } = await h.check(old.outs, inputs(o, 1));
          const d = await h.diff(old.id, old.outs, checked);
          if (d.changes)
            state.set(o.name, { id: old.id, outs: (await h.update(old.id, old.outs, checked)).outs });
        }),
      ),
    );
    const destroy = await time(async () => {
      for (const tier of [...w.tiers].reverse()) {
        await Promise.all(
          tier.map((o) => handler(o.type).delete(state.get(o.name)!.id, state.get(o.name)!.outs)),
        );
      }
    });
    await closeAll();
    record({ tool: "provider handlers, no engine", create, change, destroy, note: `${made} rows` });
  });

  const nbctlOn = (s: TestOvsdbServer) => (calls: Call) =>
    runOk("ovn-nbctl", [
      "ovn-nbctl",
      `--db=${s.unix}`,
      "--timeout=600",
      ...calls.flatMap((c, k) => [...(k ? ["--"] : []), ...c]),
    ]);

  // 3. ovn-nbctl once per object.
  await withServer("nb", async (s) => {
    const nbctl = nbctlOn(s);
    const each = async (calls: Call[]) => {
      for (const call of calls) await nbctl(call);
    };
    const create = await time(() => each(w.nbctl.create));
    const made = await count(s, w.tables);
    const change = await time(() => each(w.nbctl.change));
    const destroy = await time(() => each(w.nbctl.destroy));
    const { create: c, change: u, destroy: d } = w.nbctl;
    record({
      tool: "ovn-nbctl, one call per object",
      create,
      change,
      destroy,
      note: `${made} rows; ${c.length} + ${u.length} + ${d.length} calls`,
    });
  });

  // 4. One ovn-nbctl invocation with every command chained.
  await withServer("nb", async (s) => {
    const nbctl = nbctlOn(s);
    const create = await time(() => nbctl(w.nbctl.create.flat()));
    const made = await count(s, w.tables);
    const change = await time(() => nbctl(w.nbctl.change.flat()));
    const destroy = await time(() => nbctl(w.nbctl.destroy.flat()));
    record({ tool: "ovn-nbctl, one chained call", create, change, destroy, note: `${made} rows` });
  });
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      switches: { type: "string" },
      ports: { type: "string" },
      groups: { type: "string" },
      acls: { type: "string" },
      "skip-pulumi": { type: "boolean", default: false },
      "skip-checkpoints": { type: "boolean", default: false },
    },
  });
  const workloads = [
    switchesWorkload(
      wholeNumber(values.switches, "--switches", 100),
      wholeNumber(values.ports, "--ports", 10),
    ),
    aclsWorkload(wholeNumber(values.groups, "--groups", 10), wholeNumber(values.acls, "--acls", 20)),
  ].filter((w) => values.only === undefined || w.name === values.only);
  if (!workloads.length) throw new Error(`--only: accepted switches or acls, got ${values.only}`);
  const pulumiRuns: [string, Record<string, string>][] = values["skip-pulumi"]
    ? []
    : [["pulumi up (this package)", {}]];
  if (!values["skip-pulumi"] && values["skip-checkpoints"]) {
    pulumiRuns.push(["pulumi up, PULUMI_SKIP_CHECKPOINTS=true", { PULUMI_SKIP_CHECKPOINTS: "true" }]);
  }
  for (const w of workloads) {
    const rows = await measure(w, pulumiRuns);
    console.log(`\n${w.caption}; fresh OVN_Northbound ovsdb-server per tool (unix socket, no ovn-northd)\n`);
    const header = ["tool", "create ms", "change ms", "destroy ms", "note"];
    const body = rows.map((r) => [
      r.tool,
      r.create.toFixed(0),
      r.change.toFixed(0),
      r.destroy.toFixed(0),
      r.note ?? "",
    ]);
    console.log(formatTable(header, body, new Set([1, 2, 3])));
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => TestStack.removeAll().catch(() => undefined));
