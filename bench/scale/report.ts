/**
 * The scale benchmark's table (one row per kind and scale, one column per phase) and its targets
 * (issue 13), each computed from the measurements: measured value, target, met or missed. Pure.
 */
import { formatTable } from "../table";
import { PHASES, type Kind, type Measurement, type Phase } from "./bench";

const LABEL: Record<Kind, string> = {
  floor: "engine floor (no-op provider, resources as (a))",
  single: "(a) one resource per object",
  collections: "(b) collection forms",
  "floor-collections": "engine floor (no-op provider, resources as (b))",
  "per-object": "scripts, one process per object",
  chained: "scripts, one chained call per tool",
};

const seconds = (ms: number | undefined) => (ms === undefined ? "-" : (ms / 1000).toFixed(2));
/** Sum of the phases a measurement has. */
export const totalMs = (m: Measurement): number => PHASES.reduce((s, p) => s + (m.ms[p] ?? 0), 0);

export function renderTable(ms: Measurement[]): string {
  const body = ms.map((m) => [
    LABEL[m.kind],
    String(m.scale),
    String(m.objects),
    String(m.units),
    ...PHASES.map((p) => seconds(m.ms[p])),
    seconds(totalMs(m)),
    m.stateBytes === undefined ? "" : (m.stateBytes / 1024).toFixed(0),
    m.note ?? "",
  ]);
  return formatTable(
    [
      "form",
      "scale",
      "objects",
      "resources / processes",
      ...PHASES.map((p) => `${p} s`),
      "total s",
      "state KB",
      "note",
    ],
    body,
    new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  );
}

export interface TargetResult {
  name: string;
  /** The measured value as printed, or why it was not measured. */
  measured: string;
  target: string;
  met: boolean | undefined;
}

const find = (ms: Measurement[], kind: Kind, pick: "largest" | "smallest") =>
  ms
    .filter((m) => m.kind === kind)
    .sort((a, b) => (pick === "largest" ? b.scale - a.scale : a.scale - b.scale))[0];

function ratioTarget(
  name: string,
  value: number | undefined,
  limit: number,
  relation: ">=" | "<=",
  unit: (x: number) => string,
  why: string,
): TargetResult {
  const target = `${relation} ${unit(limit)}`;
  if (value === undefined || !Number.isFinite(value))
    return { name, measured: `not measured (${why})`, target, met: undefined };
  return { name, measured: unit(value), target, met: relation === ">=" ? value >= limit : value <= limit };
}

/** The issue's four targets, from the measurements (the largest scale stands for full size). */
export function targets(ms: Measurement[]): TargetResult[] {
  const out: TargetResult[] = [];
  const bFull = find(ms, "collections", "largest");
  const bSmall = find(ms, "collections", "smallest");
  const scriptsFull = bFull && ms.find((m) => m.kind === "per-object" && m.scale === bFull.scale);
  const x = (v: number) => `${v.toFixed(2)}×`;
  const s = (v: number) => `${(v / 1000).toFixed(2)} s`;
  const at = (m: Measurement | undefined) => (m ? ` (scale ${m.scale}, ${m.objects} objects)` : "");

  out.push(
    ratioTarget(
      `(b) create vs one process per object${at(bFull)}`,
      scriptsFull && bFull?.ms.create ? scriptsFull.ms.create! / bFull.ms.create : undefined,
      5,
      ">=",
      x,
      "needs (b) and per-object scripts at one scale",
    ),
  );
  const preview = ratioTarget(
    `(b) preview --refresh${at(bFull)}`,
    bFull?.ms["preview --refresh"],
    5000,
    "<=",
    s,
    "needs (b)",
  );
  // What the engine takes for the same resources and inputs with a provider that does nothing.
  const bFloor = bFull && ms.find((m) => m.kind === "floor-collections" && m.scale === bFull.scale);
  const floorPreview = bFloor?.ms["preview --refresh"];
  if (preview.met !== undefined && floorPreview !== undefined)
    preview.measured += ` (engine floor for the same resources: ${s(floorPreview)})`;
  out.push(preview);
  // 4× the objects in at most 5× the time: time ratio <= 5/4 of the object ratio.
  const objectRatio = bFull && bSmall ? bFull.objects / bSmall.objects : 1;
  const growth = ratioTarget(
    `(b) total time, scale ${bFull?.scale} / ${bSmall?.scale} (${objectRatio.toFixed(2)}× the objects)`,
    bFull && bSmall && bFull !== bSmall ? totalMs(bFull) / totalMs(bSmall) : undefined,
    1.25 * objectRatio,
    "<=",
    x,
    "needs (b) at two scales",
  );
  growth.target += " (5/4 of the object ratio)";
  out.push(growth);
  const a = find(ms, "single", "largest");
  const floor = a && ms.find((m) => m.kind === "floor" && m.units === a.units);
  out.push(
    ratioTarget(
      `(a) total time / engine floor${a ? ` (${a.units} resources)` : ""}`,
      a && floor ? totalMs(a) / totalMs(floor) : undefined,
      1.15,
      "<=",
      x,
      "needs (a) and the floor",
    ),
  );
  return out;
}

export function renderTargets(ts: TargetResult[]): string {
  return formatTable(
    ["target", "measured", "target", "result"],
    ts.map((t) => [t.name, t.measured, t.target, t.met === undefined ? "-" : t.met ? "met" : "missed"]),
    new Set([1]),
  );
}

/** Per phase, (a) / floor: where the engine's time goes. */
export function phaseRatios(ms: Measurement[]): Partial<Record<Phase, number>> {
  const a = find(ms, "single", "largest");
  const floor = a && ms.find((m) => m.kind === "floor" && m.units === a.units);
  if (!a || !floor) return {};
  return Object.fromEntries(
    PHASES.filter((p) => a.ms[p] !== undefined && floor.ms[p]).map((p) => [p, a.ms[p]! / floor.ms[p]!]),
  );
}
