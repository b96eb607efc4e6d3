/**
 * Issue 13's benchmark: a large network (at full size 100 logical switches × 30 ports, 10 logical
 * routers, 10 OVS bridges × 100 ports: 4,120 objects) deployed (a) one resource per object and (b)
 * with collection forms, beside the engine's floor under the resources of (a) and of (b), and the
 * same objects through ovn-nbctl / ovs-vsctl (one process per object, and chained). One sandbox;
 * prints one table and the issue's targets (measured, target, met/missed). Exits 1 when a step's
 * outcome is not what the workload implies.
 *
 *   npm run build && flock /tmp/pulumi-ovs-e2e.lock npm run bench:scale -- \
 *     [--scale 0.25,1] [--scale-single 0.25]
 *     [--forms floor,single,floor-collections,collections,per-object,chained]
 *     [--port-type internal|plain] [--sandbox NAME] [--json]
 *
 * `--scale`: the fractions of full size at which (b), its floor and the scripts run (default 0.25
 * and 1);
 * `--scale-single`: the fraction for (a) and the floor (default: the smallest of `--scale`), slow
 * because the engine rewrites its whole checkpoint after every resource step.
 */
import { parseArgs } from "node:util";
import { closeOnInterrupt } from "../engine/cleanup";
import { KINDS, ScaleBench, type Kind } from "./bench";
import { phaseRatios, renderTable, renderTargets, targets } from "./report";
import { shapeAt, workload, type PortType } from "./workload";

function parseScales(text: string, option: string): number[] {
  const scales = text.split(",").map((s) => Number(s.trim()));
  for (const s of scales) shapeAt(s); // throws on a bad fraction
  if (!scales.length) throw new Error(`${option}: no scale given`);
  return scales;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "0.25,1" },
      "scale-single": { type: "string" },
      forms: { type: "string", default: KINDS.join(",") },
      "port-type": { type: "string", default: "internal" },
      sandbox: { type: "string", default: "bench-scale" },
      json: { type: "boolean", default: false },
    },
  });
  const scales = parseScales(values.scale, "--scale");
  const scaleSingle =
    values["scale-single"] === undefined
      ? Math.min(...scales)
      : parseScales(values["scale-single"], "--scale-single")[0];
  const kinds = new Set(values.forms.split(",").map((k) => k.trim()) as Kind[]);
  for (const k of kinds)
    if (!KINDS.includes(k)) throw new Error(`--forms: unknown ${k}; accepted: ${KINDS.join(", ")}`);
  const portType = values["port-type"] as PortType;
  if (portType !== "internal" && portType !== "plain")
    throw new Error(`--port-type: internal or plain, got ${portType}`);

  const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
  const bench = new ScaleBench({ scaleSingle, scales, kinds, portType, sandboxName: values.sandbox, log });
  closeOnInterrupt(log, () => bench.close());
  const results = await bench.run();
  const ts = targets(results);
  if (values.json) {
    console.log(JSON.stringify({ results, targets: ts }, null, 2));
    return;
  }
  const shapes = [...new Set([scaleSingle, ...scales])]
    .sort((a, b) => a - b)
    .map((s) => {
      const w = workload(shapeAt(s));
      const { switches, portsPerSwitch, routers, bridges, portsPerBridge } = w.shape;
      return (
        `scale ${s}: ${switches} switches × ${portsPerSwitch} ports + ${routers} routers (${w.objects.ovn} OVN) and ` +
        `${bridges} bridges × ${portsPerBridge} ports (${w.objects.ovs} OVS); update = ${w.updatedMembers} ports; ` +
        `(a) ${w.resources.single.all} resources, (b) ${w.resources.collections.all} resources ` +
        `(${w.resources.collections.updated} updated)`
      );
    });
  const ratios = Object.entries(phaseRatios(results))
    .map(([p, r]) => `${p} ${r.toFixed(2)}×`)
    .join(", ");
  console.log(
    `\nOne sandbox (1 host: ovsdb-server + ovs-vswitchd, netdev bridges, ${portType} ports; OVN central with ` +
      `ovn-northd); pulumi up through the real CLI (file backend), change summaries and rows checked.\n` +
      shapes.map((s) => `  ${s}\n`).join("") +
      `\n${renderTable(results)}\n` +
      (ratios ? `\n(a) / floor per phase: ${ratios}\n` : "") +
      `\nTargets (issue 13):\n\n${renderTargets(ts)}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
