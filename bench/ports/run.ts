/**
 * 200 ports on one bridge of a sandbox host (real ovsdb-server + ovs-vswitchd, userspace
 * datapath): create, retag, delete — with `pulumi up`, with the provider handlers called
 * directly (no engine), with `ovs-vsctl` once per port, and with one chained `ovs-vsctl`.
 * Prints a table; asserts nothing.
 *
 *   npm run build && node dist/bench/ports/run.js [--ports N]
 */
import { parseArgs } from "node:util";
import { time, wholeNumber } from "../measure";
import { formatTable } from "../table";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../sandbox";
import { runOk } from "../../sandbox/exec";
import { TestStack } from "../../test/e2e/harness/pulumi";
import { handler, closeAll } from "../../provider";
import { ovs } from "../../sdk";

interface Row {
  tool: string;
  create: number;
  retag: number;
  delete: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ports: { type: "string" } } });
  const n = wholeNumber(values.ports, "--ports", 200);
  const names = Array.from({ length: n }, (_, k) => `bp${k}`);
  const sb: SandboxInfo = await startSandbox({ name: "bench-ports", hosts: 1, ovn: false });
  const remote = sb.hosts[0].remotes.unix;
  const host = { remote };
  const vsctl = (args: string[]) =>
    runOk("ovs-vsctl", ["ovs-vsctl", `--db=${remote}`, "--timeout=120", ...args]);
  const freshBridge = async () => {
    await vsctl(["--if-exists", "del-br", "bench0"]);
    await vsctl(["add-br", "bench0", "--", "set", "bridge", "bench0", "datapath_type=netdev"]);
  };
  const rows: Row[] = [];
  const log = (s: string) => process.stderr.write(`${s}\n`);

  try {
    // 1. pulumi up through the real engine (the bridge is part of the stack).
    {
      await vsctl(["--if-exists", "del-br", "bench0"]);
      const program = (tag: number) => async () => {
        const br = new ovs.Bridge("bench0", { host, name: "bench0", datapathType: "netdev" });
        for (const p of names)
          new ovs.Port(p, { host, bridge: br.name, name: p, tag, interface: { type: "internal" } });
      };
      const stack = await TestStack.create({ project: "bench-ports", stack: "bench", program: program(100) });
      try {
        const create = await time(() => stack.up());
        stack.setProgram(program(200));
        const retag = await time(() => stack.up());
        const del = await time(() => stack.destroy());
        rows.push({ tool: "pulumi up (this package)", create, retag, delete: del });
        log(`pulumi: ${create.toFixed(0)} / ${retag.toFixed(0)} / ${del.toFixed(0)} ms`);
      } finally {
        await stack.remove({ skipDestroy: true }).catch(() => undefined);
      }
    }

    // 2. The provider handlers called directly, as concurrently as the engine would.
    {
      await freshBridge();
      const h = handler("ovs:Port");
      const inputs = (p: string, tag: number) => ({
        host,
        bridge: "bench0",
        name: p,
        tag,
        interface: { type: "internal" },
        owner: `bench/direct/${p}`,
      });
      const states = new Map<string, Record<string, unknown>>();
      const create = await time(() =>
        Promise.all(
          names.map(async (p) => {
            const r = await h.create(inputs(p, 100));
            states.set(p, { ...r.outs, id: r.id });
          }),
        ),
      );
      const retag = await time(() =>
        Promise.all(
          names.map(async (p) => {
            const s = states.get(p)!;
            const r = await h.update(s.id as string, s, inputs(p, 200));
            states.set(p, { ...r.outs, id: s.id });
          }),
        ),
      );
      const del = await time(() =>
        Promise.all(names.map((p) => h.delete(states.get(p)!.id as string, states.get(p)!))),
      );
      await closeAll();
      rows.push({ tool: "provider handlers, no engine", create, retag, delete: del });
      log(`handlers: ${create.toFixed(0)} / ${retag.toFixed(0)} / ${del.toFixed(0)} ms`);
    }

    // 3. ovs-vsctl once per port.
    {
      await freshBridge();
      const create = await time(async () => {
        for (const p of names)
          await vsctl(["add-port", "bench0", p, "tag=100", "--", "set", "interface", p, "type=internal"]);
      });
      const retag = await time(async () => {
        for (const p of names) await vsctl(["set", "port", p, "tag=200"]);
      });
      const del = await time(async () => {
        for (const p of names) await vsctl(["del-port", "bench0", p]);
      });
      rows.push({ tool: `ovs-vsctl, one call per port (${n} calls)`, create, retag, delete: del });
      log(`vsctl each: ${create.toFixed(0)} / ${retag.toFixed(0)} / ${del.toFixed(0)} ms`);
    }

    // 4. One ovs-vsctl invocation with every command chained.
    {
      await freshBridge();
      const chain = (f: (p: string) => string[]) => names.flatMap((p, k) => [...(k ? ["--"] : []), ...f(p)]);
      const create = await time(() =>
        vsctl(
          chain((p) => ["add-port", "bench0", p, "tag=100", "--", "set", "interface", p, "type=internal"]),
        ),
      );
      const retag = await time(() => vsctl(chain((p) => ["set", "port", p, "tag=200"])));
      const del = await time(() => vsctl(chain((p) => ["del-port", "bench0", p])));
      rows.push({ tool: "ovs-vsctl, one chained call", create, retag, delete: del });
      log(`vsctl chained: ${create.toFixed(0)} / ${retag.toFixed(0)} / ${del.toFixed(0)} ms`);
    }
    await vsctl(["--if-exists", "del-br", "bench0"]);
  } finally {
    await TestStack.removeAll().catch(() => undefined);
    await stopSandbox(sb);
  }

  console.log(`\n${n} ports on one bridge (one sandbox host, ovs-vswitchd with the userspace datapath)\n`);
  const header = ["tool", "create ms", "retag ms", "delete ms"];
  const body = rows.map((r) => [r.tool, r.create.toFixed(0), r.retag.toFixed(0), r.delete.toFixed(0)]);
  console.log(formatTable(header, body, new Set([1, 2, 3])));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
