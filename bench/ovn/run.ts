/**
 * OVN northbound at scale: 100 logical switches × 10 ports (1,100 resources) created, changed (the
 * addresses of one port per switch: 100 ports) and destroyed — with `pulumi up` through the real
 * engine, with the provider handlers called directly (no engine), with `ovn-nbctl` once per
 * object, and with one `ovn-nbctl` invocation chaining every command. Each tool gets a fresh
 * northbound ovsdb-server (the installed schema, no ovn-northd: the management plane alone).
 * Prints a table; asserts nothing.
 *
 *   npm run build && node dist/bench/ovn/run.js [--switches N] [--ports M] [--skip-pulumi] [--skip-checkpoints]
 */
import { time, wholeNumber, withServer } from "../measure";
import { formatTable } from "../table";
import { parseArgs } from "node:util";
import { runOk } from "../../sandbox/exec";
import type { TestOvsdbServer } from "../../sandbox/ovsdb-server";
import { TestStack } from "../../test/e2e/harness/pulumi";
import { handler, closeAll } from "../../provider";
import { ovn } from "../../sdk";

interface Row {
  tool: string;
  create: number;
  change: number;
  destroy: number;
  note?: string;
}

interface Port {
  sw: string;
  name: string;
  /** Addresses before and after the change (only the first port of each switch changes). */
  addresses: [string, string];
}

const hex = (n: number) => n.toString(16).padStart(2, "0");

/** The workload: switch names and their ports with static addresses. */
function workload(switches: number, portsPer: number): { switches: string[]; ports: Port[] } {
  const sws = Array.from({ length: switches }, (_, i) => `bsw${i}`);
  const ports: Port[] = [];
  sws.forEach((sw, i) => {
    for (let j = 0; j < portsPer; j++) {
      const mac = `0a:00:00:00:${hex(i)}:${hex(j)}`;
      const before = `${mac} 10.${i >> 8}.${i & 255}.${j + 10}`;
      const after = j === 0 ? `${mac} 10.${i >> 8}.${i & 255}.${j + 200}` : before;
      ports.push({ sw, name: `${sw}-p${j}`, addresses: [before, after] });
    }
  });
  return { switches: sws, ports };
}

async function count(s: TestOvsdbServer, table: string): Promise<number> {
  const out = await s.tool("ovn-nbctl", ["--bare", "--columns=_uuid", "list", table]);
  return out.split("\n").filter((l) => l.trim()).length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      switches: { type: "string" },
      ports: { type: "string" },
      "skip-pulumi": { type: "boolean", default: false },
      "skip-checkpoints": { type: "boolean", default: false },
    },
  });
  const nSwitches = wholeNumber(values.switches, "--switches", 100);
  const nPorts = wholeNumber(values.ports, "--ports", 10);
  const skipPulumi = values["skip-pulumi"];
  const { switches, ports } = workload(nSwitches, nPorts);
  const changed = ports.filter((p) => p.addresses[0] !== p.addresses[1]);
  const total = switches.length + ports.length;
  const rows: Row[] = [];
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const record = (r: Row) => {
    rows.push(r);
    log(`${r.tool}: ${r.create.toFixed(0)} / ${r.change.toFixed(0)} / ${r.destroy.toFixed(0)} ms`);
  };
  const nbctlOn = (s: TestOvsdbServer) => (args: string[]) =>
    runOk("ovn-nbctl", ["ovn-nbctl", `--db=${s.unix}`, "--timeout=600", ...args]);

  // 1. pulumi up through the real engine (and, with --skip-checkpoints, without the file
  //    backend's snapshot rewrite after every step).
  const pulumiRuns: [string, Record<string, string>][] = skipPulumi ? [] : [["pulumi up (this package)", {}]];
  if (!skipPulumi && values["skip-checkpoints"]) {
    pulumiRuns.push(["pulumi up, PULUMI_SKIP_CHECKPOINTS=true", { PULUMI_SKIP_CHECKPOINTS: "true" }]);
  }
  for (const [tool, envVars] of pulumiRuns) {
    await withServer("nb", async (s) => {
      const nb = { remote: s.unix };
      const program = (phase: 0 | 1) => async () => {
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
      };
      const stack = await TestStack.create({
        project: "bench-ovn",
        stack: "bench",
        program: program(0),
        envVars,
      });
      try {
        const create = await time(() => stack.up());
        const made = (await count(s, "Logical_Switch")) + (await count(s, "Logical_Switch_Port"));
        stack.setProgram(program(1));
        let updates = 0;
        const change = await time(async () => {
          updates = (await stack.up()).summary.update;
        });
        const destroy = await time(() => stack.destroy());
        record({
          tool,
          create,
          change,
          destroy,
          note: `${made} rows, ${updates} updates`,
        });
      } finally {
        await stack.remove({ skipDestroy: true }).catch(() => undefined);
      }
    });
  }

  // 2. The provider handlers called directly (check + create/update/delete), as concurrently as
  //    the engine would: switches first, then their ports.
  await withServer("nb", async (s) => {
    const nb = { remote: s.unix };
    const sw = handler("ovn:LogicalSwitch");
    const lsp = handler("ovn:LogicalSwitchPort");
    const state = new Map<string, { id: string; outs: Record<string, unknown> }>();
    const swInputs = (name: string) => ({ nb, name, owner: `bench/direct/${name}` });
    const lspInputs = (p: Port, phase: 0 | 1) => ({
      nb,
      switch: p.sw,
      name: p.name,
      addresses: [p.addresses[phase]],
      owner: `bench/direct/${p.name}`,
    });
    const create = await time(async () => {
      await Promise.all(
        switches.map(async (name) => {
          const { inputs } = await sw.check({}, swInputs(name));
          state.set(name, await sw.create(inputs));
        }),
      );
      await Promise.all(
        ports.map(async (p) => {
          const { inputs } = await lsp.check({}, lspInputs(p, 0));
          state.set(p.name, await lsp.create(inputs));
        }),
      );
    });
    const made = (await count(s, "Logical_Switch")) + (await count(s, "Logical_Switch_Port"));
    const change = await time(() =>
      Promise.all(
        changed.map(async (p) => {
          const old = state.get(p.name)!;
          const { inputs } = await lsp.check(old.outs, lspInputs(p, 1));
          const d = await lsp.diff(old.id, old.outs, inputs);
          if (d.changes)
            state.set(p.name, { id: old.id, outs: (await lsp.update(old.id, old.outs, inputs)).outs });
        }),
      ),
    );
    const destroy = await time(async () => {
      await Promise.all(ports.map((p) => lsp.delete(state.get(p.name)!.id, state.get(p.name)!.outs)));
      await Promise.all(switches.map((n) => sw.delete(state.get(n)!.id, state.get(n)!.outs)));
    });
    await closeAll();
    record({ tool: "provider handlers, no engine", create, change, destroy, note: `${made} rows` });
  });

  // 3. ovn-nbctl once per object.
  await withServer("nb", async (s) => {
    const nbctl = nbctlOn(s);
    const create = await time(async () => {
      for (const name of switches) await nbctl(["ls-add", name]);
      for (const p of ports)
        await nbctl(["lsp-add", p.sw, p.name, "--", "lsp-set-addresses", p.name, p.addresses[0]]);
    });
    const made = (await count(s, "Logical_Switch")) + (await count(s, "Logical_Switch_Port"));
    const change = await time(async () => {
      for (const p of changed) await nbctl(["lsp-set-addresses", p.name, p.addresses[1]]);
    });
    const destroy = await time(async () => {
      for (const p of ports) await nbctl(["lsp-del", p.name]);
      for (const name of switches) await nbctl(["ls-del", name]);
    });
    record({
      tool: `ovn-nbctl, one call per object`,
      create,
      change,
      destroy,
      note: `${made} rows; ${total} + ${changed.length} + ${total} calls`,
    });
  });

  // 4. One ovn-nbctl invocation with every command chained.
  await withServer("nb", async (s) => {
    const nbctl = nbctlOn(s);
    const chain = (cmds: string[][]) => cmds.flatMap((c, k) => [...(k ? ["--"] : []), ...c]);
    const create = await time(() =>
      nbctl(
        chain([
          ...switches.map((name) => ["ls-add", name]),
          ...ports.flatMap((p) => [
            ["lsp-add", p.sw, p.name],
            ["lsp-set-addresses", p.name, p.addresses[0]],
          ]),
        ]),
      ),
    );
    const made = (await count(s, "Logical_Switch")) + (await count(s, "Logical_Switch_Port"));
    const change = await time(() =>
      nbctl(chain(changed.map((p) => ["lsp-set-addresses", p.name, p.addresses[1]]))),
    );
    const destroy = await time(() =>
      nbctl(chain([...ports.map((p) => ["lsp-del", p.name]), ...switches.map((name) => ["ls-del", name])])),
    );
    record({ tool: "ovn-nbctl, one chained call", create, change, destroy, note: `${made} rows` });
  });

  console.log(
    `\n${switches.length} logical switches × ${nPorts} ports (${total} objects); change = addresses of ` +
      `${changed.length} ports; fresh OVN_Northbound ovsdb-server per tool (unix socket, no ovn-northd)\n`,
  );
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

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => TestStack.removeAll().catch(() => undefined));
