/** What one Pulumi operation did: its steps, diagnostics and outputs, collected from engine events. */
import { isDeepStrictEqual } from "node:util";
import type * as auto from "@pulumi/pulumi/automation";

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

/** One resource step reported by the engine (root stack and provider resources included). */
export interface StepInfo {
  /** Final op: for `refresh`, the outcome reported after reading (`same`, `update`, `delete`). */
  op: auto.OpType;
  urn: string;
  type: string;
  name: string;
  /**
   * Changed top-level properties. The engine's `diffs` when it reports any; otherwise (an update or
   * replace whose provider implements `diff`: @pulumi/pulumi's dynamic-provider host drops the `diffs`
   * a dynamic `diff()` returns) the input keys that differ between old and new state, and for refresh
   * the output keys that differ. See `diffSource`.
   */
  diffs?: string[];
  diffSource?: "engine" | "inputs" | "outputs";
  detailedDiff?: Record<string, auto.PropertyDiff>;
  /** Keys that cause a replacement. */
  keys?: string[];
  /** True when the engine reported this step as failed (resOpFailedEvent). */
  failed?: boolean;
  /** Full engine metadata (old/new state included). */
  metadata: auto.StepEventMetadata;
}

export interface OpSummary {
  [op: string]: number;
  create: number;
  update: number;
  delete: number;
  replace: number;
  same: number;
}

export interface OpResult {
  stdout: string;
  stderr: string;
  /** Counts of `steps` by op (root stack and providers excluded; a replacement counts once). */
  summary: OpSummary;
  /** Steps of user resources: the root `pulumi:pulumi:Stack` and `pulumi:providers:*` are left out. */
  steps: StepInfo[];
  /** Every step, including the root stack and providers. */
  allSteps: StepInfo[];
  /** Stack outputs (plain values; secrets decrypted) after the operation; `{}` for preview/destroy. */
  outputs: Record<string, unknown>;
  /** Non-debug diagnostics (warnings, errors, provider stderr). */
  diagnostics: auto.DiagnosticEvent[];
  /** The engine's own change summary (counts the root stack). */
  engineSummary: auto.OpMap;
  /** Every engine event received. */
  events: auto.EngineEvent[];
  durationMs: number;
}

/** A failed operation; `message` leads with the engine's error diagnostics. */
export class PulumiOperationError extends Error {
  constructor(
    readonly operation: string,
    /** Error-severity diagnostic messages, resource-specific ones first ("name: message"). */
    readonly errors: string[],
    /** What was collected before the failure. */
    readonly result: OpResult,
    cause: unknown,
  ) {
    const cliText = `${(cause as { message?: string })?.message ?? String(cause)}`;
    const tail = cliText.length > 4000 ? `...${cliText.slice(-4000)}` : cliText;
    super(
      `pulumi ${operation} failed: ${errors.length ? errors.join("\n") : "(no error diagnostics)"}\n` +
        `--- CLI output ---\n${tail}`,
      { cause },
    );
    this.name = "PulumiOperationError";
  }

  /**
   * The error messages the engine reported for one resource (its name in the program), as the
   * provider wrote them: `[NAME_TAKEN] ovs.Bridge "b" on …`, or for an argument problem found at
   * preview `… property tag value 4096 has a problem: [INVALID_INPUT] …`.
   */
  messagesOf(resource: string): string[] {
    return this.errors.filter((x) => x.startsWith(`${resource}: `)).map((x) => x.slice(resource.length + 2));
  }
}

function nameFromUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

function changedKeys(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): string[] {
  const x = a ?? {};
  const y = b ?? {};
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  keys.delete("__provider");
  return [...keys].filter((k) => !isDeepStrictEqual(x[k], y[k])).sort();
}

function isUserStep(s: StepInfo): boolean {
  return s.type !== ROOT_STACK_TYPE && !s.type.startsWith(PROVIDER_TYPE_PREFIX);
}

/** Collects engine events of one operation into steps and diagnostics. */
export class EventCollector {
  readonly events: auto.EngineEvent[] = [];
  readonly steps: StepInfo[] = [];
  readonly diagnostics: auto.DiagnosticEvent[] = [];
  engineSummary: auto.OpMap = {};

  readonly onEvent = (e: auto.EngineEvent): void => {
    this.events.push(e);
    if (e.resourcePreEvent) this.pre(e.resourcePreEvent.metadata);
    if (e.resOutputsEvent) this.out(e.resOutputsEvent.metadata);
    if (e.resOpFailedEvent) {
      const m = e.resOpFailedEvent.metadata;
      const step = this.find(m.urn, m.op) ?? this.pre(m);
      step.failed = true;
    }
    if (e.diagnosticEvent && (e.diagnosticEvent.severity as string) !== "debug") {
      this.diagnostics.push(e.diagnosticEvent);
    }
    if (e.summaryEvent) this.engineSummary = e.summaryEvent.resourceChanges ?? {};
  };

  private find(urn: string, op: string): StepInfo | undefined {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const s = this.steps[i] as StepInfo;
      if (s.urn === urn && s.op === op) return s;
    }
    return undefined;
  }

  private pre(m: auto.StepEventMetadata): StepInfo {
    const step: StepInfo = { op: m.op, urn: m.urn, type: m.type, name: nameFromUrn(m.urn), metadata: m };
    this.apply(step, m);
    this.steps.push(step);
    return step;
  }

  private out(m: auto.StepEventMetadata): void {
    const step = this.find(m.urn, m.op) ?? this.find(m.urn, "refresh");
    if (!step) {
      this.pre(m);
      return;
    }
    step.op = m.op;
    step.metadata = m;
    this.apply(step, m);
  }

  private apply(step: StepInfo, m: auto.StepEventMetadata): void {
    if (m.keys?.length) step.keys = m.keys;
    if (m.detailedDiff) step.detailedDiff = m.detailedDiff;
    if (m.diffs?.length) {
      step.diffs = m.diffs;
      step.diffSource = "engine";
    } else if (step.diffSource !== "engine" && (m.op === "update" || m.op === "replace")) {
      const byInputs = changedKeys(m.old?.inputs, m.new?.inputs);
      const byOutputs = changedKeys(m.old?.outputs, m.new?.outputs);
      if (byInputs.length) {
        step.diffs = byInputs;
        step.diffSource = "inputs";
      } else if (byOutputs.length) {
        step.diffs = byOutputs;
        step.diffSource = "outputs";
      }
    }
  }

  result(base: {
    stdout: string;
    stderr: string;
    outputs: Record<string, unknown>;
    durationMs: number;
  }): OpResult {
    const steps = this.steps.filter(isUserStep);
    const summary: OpSummary = { create: 0, update: 0, delete: 0, replace: 0, same: 0 };
    for (const s of steps) {
      if (s.failed || s.op === "create-replacement" || s.op === "delete-replaced") continue;
      summary[s.op] = (summary[s.op] ?? 0) + 1;
    }
    return {
      ...base,
      summary,
      steps,
      allSteps: [...this.steps],
      diagnostics: [...this.diagnostics],
      engineSummary: this.engineSummary,
      events: [...this.events],
    };
  }

  errors(): string[] {
    const errs = this.diagnostics.filter((d) => d.severity === "error");
    const withUrn = errs.filter((d) => d.urn).map((d) => `${nameFromUrn(d.urn ?? "")}: ${d.message.trim()}`);
    const rest = errs.filter((d) => !d.urn).map((d) => d.message.trim());
    return [...withUrn, ...rest];
  }
}

export function plainOutputs(map: auto.OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value]));
}
