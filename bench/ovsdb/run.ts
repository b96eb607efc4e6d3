/**
 * OVSDB client benchmark against a real ovsdb-server (OVN Northbound schema), beside ovn-nbctl
 * doing the same work on the same kind of server. Prints a table; asserts nothing.
 *
 *   npm run build && node dist/bench/ovsdb/run.js [--repeat N]
 */
import { formatTable } from "../table";
import { parseArgs } from "node:util";
import { OvsdbClient } from "../../provider/ovsdb/client";
import { MonitorCache } from "../../provider/ovsdb/cache";
import { insert } from "../../provider/ovsdb/operations";
import { runOk } from "../../sandbox/exec";
import type { TestOvsdbServer } from "../../sandbox/ovsdb-server";
import { time, wholeNumber, withServer } from "../measure";

const NB = "OVN_Northbound";

interface Row {
  work: string;
  tool: string;
  ms: number[];
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function nbctl(s: TestOvsdbServer, args: string[]): Promise<void> {
  await runOk("ovn-nbctl", ["ovn-nbctl", `--db=${s.unix}`, ...args]);
}

async function fill(s: TestOvsdbServer, n: number): Promise<void> {
  const c = await OvsdbClient.connect(s.unix);
  try {
    await c.transact(
      NB,
      Array.from({ length: n }, (_, i) =>
        insert("Logical_Switch", {
          name: `sw-${i}`,
          other_config: { subnet: `10.${i >> 8}.${i & 255}.0/24` },
        }),
      ),
    );
  } finally {
    c.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeat: { type: "string" } } });
  const repeat = wholeNumber(values.repeat, "--repeat", 5);
  const rows: Row[] = [];
  const measure = async (
    work: string,
    tool: string,
    times: number,
    fn: () => Promise<number>,
    note?: string,
  ) => {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) ms.push(await fn());
    rows.push({ work, tool, ms, note });
    process.stderr.write(`  ${work} / ${tool}: ${median(ms).toFixed(1)} ms\n`);
  };
  const inserts = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => insert("Logical_Switch", { name: `${prefix}-${i}` }));

  process.stderr.write(`benchmark (median of ${repeat} runs; fresh ovsdb-server per run)\n`);

  await measure("1,000 inserts in one transaction", "pulumi-ovs client", repeat, () =>
    withServer("nb", async (s) => {
      const c = await OvsdbClient.connect(s.unix);
      await c.getSchema(NB); // a long-lived provider process has the schema already
      const t = await time(async () => {
        await c.transact(NB, inserts(1000, "ls"));
      });
      c.close();
      return t;
    }),
  );
  await measure("1,000 inserts in one transaction", "ovn-nbctl, 1 call, 1,000 chained ls-add", repeat, () =>
    withServer("nb", async (s) => {
      const args: string[] = [];
      for (let i = 0; i < 1000; i++) args.push(...(i ? ["--"] : []), "ls-add", `ls-${i}`);
      return time(() => nbctl(s, args));
    }),
  );
  await measure("1,000 single-insert transactions", "pulumi-ovs client", Math.min(repeat, 3), () =>
    withServer("nb", async (s) => {
      const c = await OvsdbClient.connect(s.unix);
      await c.getSchema(NB);
      const t = await time(async () => {
        for (let i = 0; i < 1000; i++) await c.transact(NB, [insert("Logical_Switch", { name: `ls-${i}` })]);
      });
      c.close();
      return t;
    }),
  );
  await measure(
    "1,000 single-insert transactions",
    "ovn-nbctl, 1,000 calls",
    1,
    () =>
      withServer("nb", async (s) =>
        time(async () => {
          for (let i = 0; i < 1000; i++) await nbctl(s, ["ls-add", `ls-${i}`]);
        }),
      ),
    "one run: slow",
  );
  await measure("initial load of 10,000 rows", "pulumi-ovs MonitorCache", repeat, () =>
    withServer("nb", async (s) => {
      await fill(s, 10_000);
      const c = await OvsdbClient.connect(s.unix);
      await c.getSchema(NB);
      let cache: MonitorCache<typeof NB> | undefined;
      const t = await time(async () => {
        cache = await MonitorCache.start(c, NB, { Logical_Switch: { indexes: ["name"] } });
      });
      if (cache?.size("Logical_Switch") !== 10_000) throw new Error("cache did not load 10,000 rows");
      cache.stop();
      c.close();
      return t;
    }),
  );
  await measure("initial load of 10,000 rows", "ovn-nbctl list Logical_Switch", repeat, () =>
    withServer("nb", async (s) => {
      await fill(s, 10_000);
      return time(() => nbctl(s, ["list", "Logical_Switch"]));
    }),
  );

  printTable(rows);
  const ours = median(rows[0].ms);
  const theirs = median(rows[1].ms);
  const ratio = ours / theirs;
  console.log(
    `\ntarget: 1,000-insert transaction within 2x of one chained ovn-nbctl call: ${ratio.toFixed(2)}x -> ${
      ratio <= 2 ? "met" : "NOT met"
    }`,
  );
  console.log(`peak RSS of this process: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
}

function printTable(rows: Row[]): void {
  const header = ["work", "tool", "median ms", "min ms", "max ms", "runs", "note"];
  const body = rows.map((r) => [
    r.work,
    r.tool,
    median(r.ms).toFixed(1),
    Math.min(...r.ms).toFixed(1),
    Math.max(...r.ms).toFixed(1),
    String(r.ms.length),
    r.note ?? "",
  ]);
  console.log(formatTable(header, body));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
