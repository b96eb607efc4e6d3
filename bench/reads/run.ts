/**
 * What a refresh costs in reads: the read of every resource of a network, once with every select
 * sent to the server (one transaction or more per resource) and once from a monitor of the
 * database (provider/pool.ts `getReader`: one snapshot, then local selects), for the two forms of
 * the same ports: one resource per port (`ovn:LogicalSwitchPort`) and one per switch
 * (`ovn:LogicalSwitchPorts`). The reads go through the provider's handlers, all at once as Pulumi
 * issues them, against a real ovsdb-server.
 *
 *   npm run build && node dist/bench/reads/run.js [--switches 100] [--ports 30]
 */
import { parseArgs } from "node:util";
import * as provider from "../../provider";
import { closeAll, readOptions, readStats } from "../../provider/pool";
import { formatTable } from "../table";
import { time, wholeNumber, withServer } from "../measure";

type Props = Record<string, unknown>;

async function create(type: string, inputs: Props): Promise<{ id: string; outs: Props }> {
  const h = provider.handler(type);
  const checked = await h.check({}, inputs);
  if (checked.failures.length) throw new Error(`${type}: ${JSON.stringify(checked.failures)}`);
  const r = await h.create(checked.inputs);
  return { id: r.id, outs: r.outs };
}

interface Row {
  form: string;
  resources: number;
  reads: "server" | "monitor";
  transactions: number;
  ms: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { switches: { type: "string" }, ports: { type: "string" } } });
  const switches = wholeNumber(values.switches, "--switches", 100);
  const ports = wholeNumber(values.ports, "--ports", 30);
  const rows = await withServer("nb", async (server) => {
    const nb = { remote: server.unix };
    const owner = (n: string) => `bench/reads/${n}`;
    const hex = (n: number) => (n & 0xff).toString(16).padStart(2, "0");
    const mac = (s: number, p: number) => `0a:00:${hex(s >> 8)}:${hex(s)}:00:${hex(p)}`;
    const singular: { id: string; outs: Props }[] = [];
    const collections: { id: string; outs: Props }[] = [];
    for (let s = 0; s < switches; s++) {
      for (const form of ["one", "many"] as const) {
        const sw = `${form}-sw${s}`;
        await create("ovn:LogicalSwitch", { nb, name: sw, owner: owner(sw) });
        const members = Object.fromEntries(
          Array.from({ length: ports }, (_, p) => [
            `${sw}-p${p}`,
            { addresses: [`${mac(s, p)} 10.${s >> 8}.${s & 0xff}.${p + 10}`] },
          ]),
        );
        if (form === "many") {
          collections.push(
            await create("ovn:LogicalSwitchPorts", {
              nb,
              switch: sw,
              ports: members,
              owner: owner(`${sw}-ports`),
            }),
          );
        } else {
          const made = await Promise.all(
            Object.entries(members).map(([name, m]) =>
              create("ovn:LogicalSwitchPort", { nb, switch: sw, name, ...m, owner: owner(name) }),
            ),
          );
          singular.push(...made);
        }
      }
    }
    const out: Row[] = [];
    for (const [form, type, resources] of [
      ["one resource per port", "ovn:LogicalSwitchPort", singular],
      ["one resource per switch", "ovn:LogicalSwitchPorts", collections],
    ] as const) {
      for (const reads of ["server", "monitor"] as const) {
        await closeAll(); // a fresh connection, as a new provider process has
        readOptions.monitor = reads === "monitor";
        const before = readStats.direct;
        const h = provider.handler(type);
        let found = 0;
        const ms = await time(async () => {
          const got = await Promise.all(resources.map((r) => h.read(r.id, r.outs)));
          found = got.filter((g) => g.id).length;
        });
        if (found !== resources.length) throw new Error(`${form}: read ${found} of ${resources.length}`);
        // With the monitor: one monitor request, plus any select it could not answer.
        const transactions = readStats.direct - before + (reads === "monitor" ? 1 : 0);
        out.push({ form, resources: resources.length, reads, transactions, ms });
      }
    }
    readOptions.monitor = true;
    await closeAll();
    return out;
  });
  console.log(`Refresh reads of ${switches} switches x ${ports} ports, through the provider's handlers\n`);
  console.log(
    formatTable(
      ["form", "resources", "reads from", "server requests", "ms"],
      rows.map((r) => [r.form, String(r.resources), r.reads, String(r.transactions), r.ms.toFixed(0)]),
      new Set([1, 3, 4]),
    ),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
