/**
 * The generic half of every resource handler: `check` (zod validation that names the argument and
 * the accepted form, and lets preview's unknown values through), `diff` (per argument, replacement
 * only where the row cannot change in place), and error translation around create/read/update/
 * delete. A resource kind supplies its input schema and its four database operations.
 */
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { OvsdbError, type OvsdbErrorCode } from "./ovsdb";
import { OpenFlowError, type OpenFlowErrorCode } from "./openflow/errors";
import { ResourceError, withCode, type InputProblem, type ResourceErrorCode } from "./errors";
import { renamedInputs, upgradeState, type Renamed } from "./renamed";

/** The placeholder Pulumi passes for values not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

/**
 * The instance of a resource: a token that every create writes into the rows it creates or takes
 * over, kept in the outputs (`instance`) and kept by update. A create-before-delete replacement
 * (`pulumi up --replace`) is a second instance of one resource, with the same owner marker; the
 * token is what tells the old instance's delete that the row is no longer its own.
 */
// A type alias, not an interface: intersections with it stay assignable to Props.
export type Instance = {
  /** Set by the framework on create and update; undefined in state written before tokens existed. */
  instance?: string;
};

/** A fresh instance token (64 random bits, hex). */
export function newInstanceToken(): string {
  return randomBytes(8).toString("hex");
}

export interface ReadResult<O> {
  id: string;
  /** The state as it really is in the database. */
  outs: O;
  /** The same, as inputs, so the next diff shows drift against the program. */
  inputs: Props;
}

export interface ResourceKind<I extends Props, O extends Props> {
  /** The SDK name used in messages, e.g. `ovs.Port`. */
  label: string;
  /** Validation and normalisation of the inputs. */
  schema: z.ZodType<I>;
  /** Input properties compared by `diff` (everything the user can set). */
  inputKeys: readonly string[];
  /** Input properties whose change needs a new row. */
  replaceOn: readonly string[];
  /**
   * Of `replaceOn`, those whose change alone lets the new row be made before the old one is
   * deleted (it identifies the row, so the two cannot collide); any other replacement deletes first.
   */
  createFirstOn?: readonly string[];
  /**
   * Arguments compared in another form than their schema output (a match by OVN's tokens): string
   * values equal in that form are no change, so respelling one neither updates nor replaces anything.
   */
  sameAs?: Readonly<Record<string, (v: never) => unknown>>;
  /**
   * Arguments and outputs renamed since earlier releases, in the order to apply them: old state is
   * read in today's layout, and a program passing an old argument name fails `check`.
   */
  renamed?: readonly Renamed[];
  /** Cross-field rules zod cannot express simply; returns problems (empty when fine). */
  validate?: (inputs: I) => InputProblem[];
  /**
   * Whether the framework gives this kind instance tokens (default true). ovs.Flow keeps its
   * instance in the cookie instead (flows have no external_ids).
   */
  instanceToken?: boolean;
  create(inputs: I & Instance): Promise<{ id: string; outs: O }>;
  read(id: string, state: O & Instance): Promise<ReadResult<O> | undefined>;
  update(id: string, olds: O & Instance, news: I & Instance): Promise<O>;
  delete(id: string, state: O & Instance): Promise<void>;
  /** Where the resource lives, for messages (e.g. the host's remote). */
  where(inputs: Props): string;
  /** The resource in messages (default: the `name` argument, when it is a string). */
  identify?(inputs: Props): string | undefined;
  /**
   * For a collection: the map argument holding the members, whose keys messages show as Pulumi
   * shows property paths (`ports["web-3"].addresses`).
   */
  memberArg?: string;
}

export interface CheckResult {
  inputs: Props;
  failures: { property: string; reason: string }[];
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  /** Changed input properties (for tests and tools; the engine computes its own display diff). */
  diffs: string[];
  deleteBeforeReplace: boolean;
}

/** Dynamic-provider methods for one resource kind. */
export interface Handler {
  check(olds: Props, news: Props): Promise<CheckResult>;
  diff(id: string, olds: Props, news: Props): Promise<DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs: Props }>;
  read(id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  delete(id: string, props: Props): Promise<void>;
}

export function makeHandler<I extends Props, O extends Props>(kind: ResourceKind<I, O>): Handler {
  const tokens = kind.instanceToken ?? true;
  const fail = (inputs: Props, e: unknown): never => {
    throw translate(kind, inputs, e);
  };
  return {
    async check(_olds, news) {
      try {
        const r = checkInputs(kind, news);
        return { ...r, failures: r.failures.map((f) => engineFailure(f, news)) };
      } catch (e) {
        return fail(news, e);
      }
    },
    async diff(_id, olds, news) {
      try {
        return diffInputs(kind, olds, news);
      } catch (e) {
        return fail(news, e);
      }
    },
    async create(inputs) {
      try {
        const instance = tokens ? newInstanceToken() : undefined;
        const r = await kind.create({ ...parseOrThrow(kind, inputs), instance });
        return { id: r.id, outs: wire({ ...r.outs, instance }) };
      } catch (e) {
        return fail(inputs, e);
      }
    },
    async read(id, props) {
      try {
        const r = await kind.read(id, upgradeState(kind.renamed, props) as O & Instance);
        if (!r) return { id: "" }; // gone: Pulumi drops it from the state
        return { id: r.id, props: wire({ ...r.outs, instance: props.instance }), inputs: wire(r.inputs) };
      } catch (e) {
        return fail(props, e);
      }
    },
    async update(id, olds, news) {
      try {
        // State from before tokens existed gets one now: the row is rewritten with it.
        const instance = tokens ? ((olds.instance as string | undefined) ?? newInstanceToken()) : undefined;
        const outs = await kind.update(id, upgradeState(kind.renamed, olds) as O & Instance, {
          ...parseOrThrow(kind, news),
          instance,
        });
        return { outs: wire({ ...outs, instance }) };
      } catch (e) {
        return fail(news, e);
      }
    },
    async delete(id, props) {
      try {
        await kind.delete(id, upgradeState(kind.renamed, props) as O & Instance);
      } catch (e) {
        fail(props, e);
      }
    },
  };
}

/**
 * A deep copy without `undefined` members: the package's one "drop undefined". Values the engine's
 * protobuf Struct accepts (an `undefined` member makes the dynamic provider fail with "Unexpected
 * struct type"), and inputs read back from rows.
 */
export function wire<T>(v: T): T {
  if (Array.isArray(v)) return v.map(wire) as T;
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, wire(x)]),
    ) as T;
  }
  return v;
}

// ---- check -------------------------------------------------------------------------------------

function stripProvider(p: Props): Props {
  const { __provider: _ignored, ...rest } = p;
  return rest;
}

/** Paths (dotted) whose value is unknown during preview. */
function unknownPaths(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (value === UNKNOWN) out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => unknownPaths(v, [...path, String(i)], out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) unknownPaths(v, [...path, k], out);
  }
  return out;
}

function startsWith(path: (string | number)[], prefix: string[]): boolean {
  return prefix.every((p, i) => String(path[i]) === p);
}

/** An argument path as messages show it: `bands[0].rate` (list indices in brackets). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, n) => (typeof p === "number" ? `[${p}]` : `${n ? "." : ""}${String(p)}`)).join("");
}

/** An issue's path as messages show it; a collection's member key as `ports["web-3"]`. */
function argumentPath(kind: { memberArg?: string }, path: readonly PropertyKey[]): string {
  if (kind.memberArg === undefined || path[0] !== kind.memberArg || path.length < 2) return formatPath(path);
  const rest = formatPath(path.slice(2));
  const member = `${kind.memberArg}[${JSON.stringify(String(path[1]))}]`;
  return rest ? `${member}${rest.startsWith("[") ? "" : "."}${rest}` : member;
}

export function checkInputs<I extends Props, O extends Props>(
  kind: ResourceKind<I, O>,
  news: Props,
): CheckResult {
  const raw = stripProvider(news);
  const unknowns = unknownPaths(raw);
  const renamed = renamedInputs(kind.renamed, raw);
  const parsed = kind.schema.safeParse(raw);
  if (!parsed.success) {
    const failures = parsed.error.issues
      .filter(
        (issue) =>
          !unknowns.some(
            (u) => startsWith(issue.path as (string | number)[], u) || startsWith(u, issue.path.map(String)),
          ),
      )
      .map((issue) => ({ property: argumentPath(kind, issue.path) || "(arguments)", reason: issue.message }))
      // An old argument name is not an unknown field: the rename says what it is now.
      .filter((f) => !renamed.some((r) => r.property === f.property));
    return { inputs: news, failures: dedupe([...renamed, ...failures]) };
  }
  if (unknowns.length > 0) return { inputs: news, failures: renamed };
  const problems = kind.validate?.(parsed.data) ?? [];
  return { inputs: { ...parsed.data }, failures: [...renamed, ...problems] };
}

function dedupe(fs: { property: string; reason: string }[]): { property: string; reason: string }[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.property}\u0000${f.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Validate inputs in create/update (check already ran; this catches callers that skip it). */
function parseOrThrow<I extends Props, O extends Props>(kind: ResourceKind<I, O>, inputs: Props): I {
  const r = checkInputs(kind, inputs);
  if (r.failures.length) {
    throw new ResourceError("INVALID_INPUT", r.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  }
  return r.inputs as I; // parsed (canonical) by checkInputs: no unknowns reach create or update
}

// ---- diff --------------------------------------------------------------------------------------

export function diffInputs<I extends Props, O extends Props>(
  kind: ResourceKind<I, O>,
  olds: Props,
  news: Props,
): DiffResult {
  const diffs: string[] = [];
  const replaces: string[] = [];
  const old = upgradeState(kind.renamed, olds); // state written before a rename, in today's names
  for (const k of kind.inputKeys) {
    // Equal as given is equal in canonical form; only values that differ are parsed.
    if (sameValue(old[k], news[k])) continue;
    if (!sameValue(canonicalInput(kind, k, old[k]), canonicalInput(kind, k, news[k]))) {
      const form = kind.sameAs?.[k];
      const [a, b] = [old[k], news[k]];
      if (
        form &&
        typeof a === "string" &&
        typeof b === "string" &&
        sameValue(form(a as never), form(b as never))
      )
        continue;
      diffs.push(k);
      if (kind.replaceOn.includes(k)) replaces.push(k);
    }
  }
  const deleteBeforeReplace = replaces.some((k) => !kind.createFirstOn?.includes(k));
  return { changes: diffs.length > 0, replaces, diffs, deleteBeforeReplace };
}

/**
 * An input value in the canonical form its argument's schema gives it (value kinds of
 * resources/values.ts: lower-case MACs, compressed IPv6, sets sorted without repeats), so that
 * `diff` compares the old state, written by any earlier version, and the new inputs alike. A value
 * the schema refuses, or one holding preview's unknown placeholder, is compared as it is.
 */
export function canonicalInput<I extends Props, O extends Props>(
  kind: ResourceKind<I, O>,
  key: string,
  value: unknown,
): unknown {
  const field =
    kind.schema instanceof z.ZodObject ? (kind.schema.shape as Record<string, z.ZodType>)[key] : undefined;
  if (!field || value === undefined || value === null || unknownPaths(value).length > 0) return value;
  const r = field.safeParse(value);
  return r.success ? r.data : value;
}

/** Structural equality where a missing value, null, {} and [] are all "nothing". */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  return isDeepStrictEqual(normalize(a), normalize(b));
}

/** Drop nothing-values (undefined, null, empty objects and arrays) everywhere. */
function normalize(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const a = v.map(normalize);
    return a.length ? a : undefined;
  }
  if (typeof v === "object") {
    const o: Props = {};
    for (const [k, x] of Object.entries(v as Props)) {
      const n = normalize(x);
      if (n !== undefined) o[k] = n;
    }
    return Object.keys(o).length ? o : undefined;
  }
  return v;
}

// ---- errors ------------------------------------------------------------------------------------

/** OVSDB client codes that mean "the server could not be reached (in time)". */
const OVSDB_UNREACHABLE: readonly OvsdbErrorCode[] = [
  "CONNECT",
  "CONNECTION_CLOSED",
  "TIMEOUT",
  "NOT_LEADER",
];
/** OpenFlow codes with a package-wide meaning; every other OpenFlow failure is `OPENFLOW`. */
const OPENFLOW_CODES: Partial<Record<OpenFlowErrorCode, ResourceErrorCode>> = {
  TAKEN: "NAME_TAKEN",
  CONNECT: "UNREACHABLE",
  TIMEOUT: "UNREACHABLE",
};

/** The code the user sees for an error of any layer (see the README's table of codes). */
export function codeOf(e: unknown): ResourceErrorCode {
  if (e instanceof ResourceError) return e.code;
  if (e instanceof OvsdbError) {
    if (e.code === "INVALID_REMOTE") return "INVALID_INPUT";
    return OVSDB_UNREACHABLE.includes(e.code) ? "UNREACHABLE" : "OVSDB";
  }
  if (e instanceof OpenFlowError) return OPENFLOW_CODES[e.code] ?? "OPENFLOW";
  return "INTERNAL";
}

/**
 * A check failure as the engine shows it: `property tag value {4096} has a problem: [INVALID_INPUT] …`.
 * The engine writes the resource and the argument in front; the reason carries the code. The engine
 * looks the property up among the top-level inputs only, so a nested path (`options.apply-after-lb`,
 * `addresses.0`) or an argument left out would show as `value {<nil>}`: such a failure goes as its
 * top-level argument when that is set, else as a failure of the resource, with the path leading the
 * reason. Pure.
 */
export function engineFailure(f: InputProblem, inputs: Props): InputProblem {
  const top = f.property.split(/[.[]/)[0];
  const set = inputs[top] !== undefined;
  if (f.property === top && set) return { property: top, reason: withCode("INVALID_INPUT", f.reason) };
  const named = f.reason.startsWith(f.property) || f.property === "(arguments)";
  // The argument or the field named (`bands: …`, `rate: …`): name the element instead.
  const last =
    f.property
      .replace(/\[\d+\]$/, "")
      .split(/[.[\]]/)
      .filter(Boolean)
      .pop() ?? top;
  const lead = [top, last].find((w) => f.reason.startsWith(`${w}: `));
  const reason = named
    ? f.reason
    : lead !== undefined
      ? `${f.property}${f.reason.slice(lead.length)}`
      : `${f.property}: ${f.reason}`;
  return { property: set ? top : "", reason: withCode("INVALID_INPUT", reason) };
}

/** Fields of a partial-state error (the dynamic-provider host reads `id`, `properties`, `reasons`). */
const PARTIAL_STATE_KEYS = ["id", "properties", "reasons"] as const;

/**
 * The one place that turns an error of any layer into what the engine shows the user: a
 * {@link ResourceError} whose message is `[CODE] <kind> "<name>" on <where>: <what happened>`.
 */
function translate<I extends Props, O extends Props>(
  kind: ResourceKind<I, O>,
  inputs: Props,
  e: unknown,
): ResourceError {
  const code = codeOf(e);
  const text = e instanceof Error ? e.message : String(e);
  if (e instanceof ResourceError && text.startsWith(`[${code}] `)) return e; // translated already
  const id = kind.identify
    ? kind.identify(inputs)
    : typeof inputs.name === "string"
      ? inputs.name
      : undefined;
  const name = id === undefined ? "" : ` "${id}"`;
  const message = withCode(code, `${kind.label}${name} on ${kind.where(inputs)}: ${text}`);
  if (e instanceof ResourceError) {
    e.message = message;
    return e;
  }
  const out = new ResourceError(code, message, { cause: e });
  if (e && typeof e === "object") {
    for (const k of PARTIAL_STATE_KEYS) if (k in e) Object.assign(out, { [k]: (e as Props)[k] });
  }
  return out;
}
