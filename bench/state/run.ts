/**
 * State per resource: one resource of every kind, deployed with `pulumi up` (real CLI, file
 * backend) to a sandbox, from a separate project that has the package installed from `npm pack`
 * (the layout a user has). For each way of handing Pulumi the provider (bench/state/variants.ts;
 * the SDK as installed, then each variant swapped in for every resource), the bytes each resource
 * takes in the checkpoint, split into `__provider` (inputs and outputs) and the rest, and the size
 * of the checkpoint of a stack of N resources. Prints tables; asserts nothing.
 *
 *   npm run build && node dist/bench/state/run.js [--resources N] [--many-all] [--only sdk,v1,…]
 *
 * `--resources N` (default 100): the large stack is one logical switch and N-1 ports; it is
 * deployed with the SDK as installed and with the closure shim of before issue 10, or with every
 * deployable variant under `--many-all`. `--only` deploys the listed rows only (ids as printed).
 */
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { formatTable } from "../table";
import { startSandbox, stopSandbox } from "../../sandbox";
import { TestStack } from "../../test/e2e/harness/pulumi";
import { checkpointPath, measureCheckpoint, type CheckpointBytes } from "./checkpoint";
import { installPacked, type InstalledPackage } from "./install";
import { KINDS, kindsTarget, manyPorts, oneOfEachKind, type Sdk } from "./kinds";
import { swapProvider } from "./variants";

const execFileP = promisify(execFile);
const PROJECT = "bench-state";

/** A way to hand Pulumi the provider: the SDK as installed (`texts` undefined) or a variant. */
interface Row {
  id: string;
  name: string;
  note: string;
  deployable: boolean;
  /** `__provider` text per resource type; undefined: what the SDK itself passes. */
  texts?: Map<string, string>;
  kinds?: Deployed;
  many?: Deployed;
}

/** The checkpoint after `pulumi up`, and how long the up took. */
type Deployed = CheckpointBytes & { upMs: number };

async function deployAndMeasure(
  installed: InstalledPackage,
  stackName: string,
  declare: (sdk: Sdk) => void,
  texts: Map<string, string> | undefined,
): Promise<Deployed> {
  const stack = await TestStack.create({
    project: PROJECT,
    stack: stackName,
    workDir: installed.project,
    program: async () => {
      if (texts) pulumi.runtime.registerStackTransformation(swapProvider(texts));
      declare(installed.sdk);
    },
  });
  try {
    const up = await stack.up();
    return {
      ...measureCheckpoint(checkpointPath(stack.env.backendDir, PROJECT, stackName)),
      upMs: up.durationMs,
    };
  } finally {
    await stack.remove();
  }
}

const dynamicOnly = (c: CheckpointBytes) =>
  c.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
const kindOf = (c: CheckpointBytes, kind: string) =>
  dynamicOnly(c).find((r) => r.type === `pulumi-nodejs:dynamic/${kind}`);
/** What a text costs in one resource's state when deployed: `"__provider":<json>,` twice. */
const providerCost = (text: string) => 2 * (Buffer.byteLength(`"__provider":${JSON.stringify(text)}`) + 1);

async function main(): Promise<void> {
  const i = process.argv.indexOf("--resources");
  const manyCount = i > 0 ? Number(process.argv[i + 1]) : 100;
  const manyAll = process.argv.includes("--many-all");
  const o = process.argv.indexOf("--only");
  const only = o > 0 ? new Set(process.argv[o + 1].split(",")) : undefined;
  const log = (s: string) => process.stderr.write(`${s}\n`);

  const installed = await installPacked();
  log(`installed from npm pack into ${installed.project}`);
  const rows: Row[] = [
    {
      id: "sdk",
      name: "SDK as installed",
      note: "what `new ovs.Bridge(…)` stores (sdk/shim.ts)",
      deployable: true,
    },
  ];
  for (const [k, v] of installed.variants.variants.entries()) {
    const texts = new Map<string, string>();
    for (const kind of KINDS) texts.set(kind, await v.text(kind));
    rows.push({ id: `v${k + 1}`, name: v.name, note: v.note, deployable: v.deployable, texts });
  }

  const sb = await startSandbox({ name: "bench-state", hosts: 1, ovn: true });
  try {
    const h = sb.hosts[0];
    const ovnRemote = (
      await execFileP("ovs-vsctl", [
        `--db=${h.remotes.unix}`,
        "get",
        "Open_vSwitch",
        ".",
        "external_ids:ovn-remote",
      ])
    ).stdout
      .trim()
      .replace(/^"|"$/g, "");
    const target = kindsTarget(sb, ovnRemote);
    for (const row of rows.filter((r) => r.deployable && (!only || only.has(r.id)))) {
      log(`${row.id} ${row.name}: one of each kind`);
      row.kinds = await deployAndMeasure(
        installed,
        `${row.id}-kinds`,
        (sdk) => oneOfEachKind(sdk, target),
        row.texts,
      );
      if (manyAll || row.id === "sdk" || row.id === "v1") {
        log(`${row.id} ${row.name}: ${manyCount} resources`);
        row.many = await deployAndMeasure(
          installed,
          `${row.id}-many`,
          (sdk) => manyPorts(sdk, target, manyCount - 1),
          row.texts,
        );
      }
    }
  } finally {
    await stopSandbox(sb);
    installed.remove();
  }

  const deployed = rows.filter((r) => r.kinds);
  const base = deployed[0].kinds!;
  console.log(
    `\nBytes per resource in the checkpoint, one resource of each kind (rest = everything but __provider; ` +
      `trace = sourcePosition + stackTrace, part of the rest); __provider per variant:\n`,
  );
  console.log(
    formatTable(
      ["kind", "rest", "trace", ...deployed.map((r) => `__provider ${r.id}`)],
      KINDS.map((kind) => {
        const b = kindOf(base, kind)!;
        return [
          kind,
          String(b.total - b.provider),
          String(b.trace),
          ...deployed.map((r) => String(kindOf(r.kinds!, kind)?.provider ?? "")),
        ];
      }),
      new Set(Array.from({ length: deployed.length + 2 }, (_, k) => k + 1)),
    ),
  );
  console.log(
    `\nPer variant: provider text (ovs:Bridge), mean bytes per resource over the ${KINDS.length} kinds, ` +
      `checkpoint files (est. = size only, from the text: not deployable):\n`,
  );
  console.log(
    formatTable(
      [
        "id",
        "variant",
        "text B",
        "__provider B/res",
        "total B/res",
        `checkpoint, ${KINDS.length} kinds`,
        `checkpoint, ${manyCount} res`,
        `up s, ${manyCount} res`,
        "how",
      ],
      rows.map((r) => {
        const text =
          r.texts?.get("ovs:Bridge") ?? (r.kinds ? kindOf(r.kinds, "ovs:Bridge")!.providerText : "");
        const res = r.kinds ? dynamicOnly(r.kinds) : undefined;
        return [
          r.id,
          r.name,
          String(Buffer.byteLength(text)),
          res
            ? String(mean(res.map((x) => x.provider)))
            : r.texts
              ? `${mean(KINDS.map((k) => providerCost(r.texts!.get(k)!)))} est.`
              : "",
          res ? String(mean(res.map((x) => x.total))) : "",
          r.kinds ? String(r.kinds.file) : "",
          r.many ? String(r.many.file) : "",
          r.many ? (r.many.upMs / 1000).toFixed(1) : "",
          r.note,
        ];
      }),
      new Set([2, 3, 4, 5, 6, 7]),
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
