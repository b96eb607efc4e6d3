/**
 * The resource reference (docs/reference.md), generated from the code so it cannot drift:
 *
 * - the resource kinds are discovered by loading every module under `provider/resources/<ns>/`
 *   and keeping the exported objects that look like a `ResourceKind` (`label`, `schema`,
 *   `inputKeys`, `replaceOn`), so a new resource appears without touching this file;
 * - each kind is documented from its declaration (a spec in `provider/resources/specs.ts`):
 *   arguments (the shared ones of its database, then its own; the fields of object and member-row
 *   arguments as `parent.member` / `parent[].member`), their types, optionality and zod defaults
 *   from the zod fields, descriptions and documented defaults from the declared docs, "forces
 *   replacement" from the kind's `replaceOn`, outputs as the generated SDK declares them; a kind
 *   without a declaration is a problem the unit test reports.
 *
 * `npm run docs` writes the file; a unit test regenerates it in memory and compares.
 */
import * as fs from "fs";
import * as path from "path";
import { resourceSpecs } from "../provider/resources/specs";
import { labelOf, type ArgSpec, type ResourceSpec } from "../provider/engine/spec";
import { argDoc, declaredOutputs, memberRows, replacedBy, sdkPath } from "./gen-sdk";

// ---- model -------------------------------------------------------------------------------------

/** What the generator needs of a `ResourceKind` (provider/framework.ts). */
export interface KindLike {
  label: string;
  schema: unknown;
  inputKeys: readonly string[];
  replaceOn: readonly string[];
}

export interface ArgumentDoc {
  /** `name`, or `parent.member` / `parent[].member` for a member of an object argument. */
  name: string;
  /** The type as a user writes it: `string`, `number`, `string[]`, `map of string`, `one of "a" | "b"`, `object`. */
  type: string;
  required: boolean;
  /** Markdown, or undefined when there is none. */
  defaultValue?: string;
  forcesReplacement: boolean;
  /** Markdown (from the SDK's TSDoc); empty when the SDK does not document it. */
  description: string;
}

export interface OutputDoc {
  name: string;
  /** The TypeScript type inside `pulumi.Output<…>`. */
  type: string;
  description: string;
}

export interface ResourceDoc {
  /** `ovs.Port` */
  label: string;
  /** `ovs` */
  namespace: string;
  /** `Port` */
  className: string;
  /** The SDK class's TSDoc (Markdown paragraphs separated by blank lines). */
  description: string;
  /** SDK file the class was found in, relative to the repository root. */
  sdkFile?: string;
  arguments: ArgumentDoc[];
  outputs: OutputDoc[];
}

export interface Reference {
  resources: ResourceDoc[];
  /** Disagreements between the provider and the SDK found while generating (should be none). */
  problems: string[];
}

/** Namespaces in the order the reference presents them; others follow alphabetically. */
const NAMESPACE_ORDER = ["ovs", "ovn"];

// ---- locations ---------------------------------------------------------------------------------

/** The repository root: the first directory above this file with a package.json and an `sdk` folder. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "sdk"))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no repository root (package.json and sdk/) above ${from}`);
  }
}

/**
 * The provider's resource modules, beside this file: `../provider/resources/<ns>/*.ts` when run
 * from the sources (ts-jest), `*.js` when run from dist/scripts.
 */
function resourceModules(): string[] {
  const dir = path.join(__dirname, "..", "provider", "resources");
  const ext = path.extname(__filename) === ".ts" ? ".ts" : ".js";
  const out: string[] = [];
  for (const ns of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!ns.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(dir, ns.name)).sort()) {
      if (f.endsWith(ext) && !f.endsWith(".d.ts")) out.push(path.join(dir, ns.name, f));
    }
  }
  return out.sort();
}

export function isKindLike(v: unknown): v is KindLike {
  if (!v || typeof v !== "object") return false;
  const k = v as Record<string, unknown>;
  const schema = k.schema as { _zod?: { def?: unknown } } | undefined;
  return (
    typeof k.label === "string" &&
    !!schema &&
    typeof schema === "object" &&
    !!schema._zod?.def &&
    Array.isArray(k.inputKeys) &&
    Array.isArray(k.replaceOn)
  );
}

/** Every resource kind exported by a module under provider/resources/<ns>/, in label order. */
export function discoverKinds(): KindLike[] {
  const byLabel = new Map<string, KindLike>();
  for (const file of resourceModules()) {
    const mod = require(file) as Record<string, unknown>;
    for (const [exportName, value] of Object.entries(mod)) {
      if (!isKindLike(value)) continue;
      const seen = byLabel.get(value.label);
      if (seen && seen !== value) {
        throw new Error(`two resource kinds are labelled ${value.label} (one is ${exportName} in ${file})`);
      }
      byLabel.set(value.label, value);
    }
  }
  return [...byLabel.values()].sort((a, b) => compareLabels(a.label, b.label));
}

function namespaceOf(label: string): string {
  const i = label.indexOf(".");
  return i < 0 ? "" : label.slice(0, i);
}

function namespaceRank(ns: string): number {
  const i = NAMESPACE_ORDER.indexOf(ns);
  return i < 0 ? NAMESPACE_ORDER.length : i;
}

function compareLabels(a: string, b: string): number {
  const na = namespaceOf(a);
  const nb = namespaceOf(b);
  return namespaceRank(na) - namespaceRank(nb) || cmp(na, nb) || cmp(a, b);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- zod schemas -------------------------------------------------------------------------------

interface ZodDef {
  type: string;
  innerType?: ZodLike;
  in?: ZodLike;
  out?: ZodLike;
  element?: ZodLike;
  valueType?: ZodLike;
  options?: ZodLike[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  shape?: Record<string, ZodLike>;
  defaultValue?: unknown;
  getter?: () => ZodLike;
}
interface ZodLike {
  _zod: { def: ZodDef };
}

const def = (s: ZodLike): ZodDef => s._zod.def;

/** Wrappers that do not change what a user writes. */
const WRAPPERS = new Set(["optional", "default", "prefault", "nonoptional", "readonly", "catch"]);

/** The schema a user's value is checked against, without optional/default/pipe wrappers. */
function core(s: ZodLike): ZodLike {
  for (let i = 0; i < 50; i++) {
    const d = def(s);
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in && d.out) s = def(d.in).type === "transform" ? d.out : d.in;
    else if (d.type === "lazy" && d.getter) s = d.getter();
    else return s;
  }
  return s;
}

/** Whether an object member may be left out. */
function isOptional(s: ZodLike): boolean {
  for (let i = 0; i < 50; i++) {
    const d = def(s);
    if (d.type === "optional" || d.type === "default" || d.type === "prefault") return true;
    if (d.type === "nonoptional") return false;
    if ((d.type === "readonly" || d.type === "catch" || d.type === "nullable") && d.innerType)
      s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else return false;
  }
  return false;
}

/** The zod default of an object member, if any. */
function zodDefault(s: ZodLike): { value: unknown } | undefined {
  for (let i = 0; i < 50; i++) {
    const d = def(s);
    if (d.type === "default" || d.type === "prefault") {
      const v = typeof d.defaultValue === "function" ? (d.defaultValue as () => unknown)() : d.defaultValue;
      return { value: v };
    }
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === "nullable" && d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else return undefined;
  }
  return undefined;
}

function shapeOf(s: ZodLike): Record<string, ZodLike> | undefined {
  const c = core(s);
  const d = def(c);
  if (d.type !== "object") return undefined;
  return (c as unknown as { shape?: Record<string, ZodLike> }).shape ?? d.shape;
}

/** A user-facing rendering of a schema's type. */
export function describeType(s: ZodLike): string {
  const c = core(s);
  const d = def(c);
  switch (d.type) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "date":
    case "null":
    case "undefined":
      return d.type;
    case "any":
    case "unknown":
      return "any";
    case "object":
      return "object";
    case "literal":
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(" | ");
    case "enum": {
      const values = [...new Set(Object.values(d.entries ?? {}))];
      return `one of ${values.map((v) => JSON.stringify(v)).join(" | ")}`;
    }
    case "array": {
      const el = d.element ? describeType(d.element) : "any";
      return /^\w+$/.test(el) ? `${el}[]` : `array of ${parenthesize(el)}`;
    }
    case "record":
      return `map of ${d.valueType ? parenthesize(describeType(d.valueType)) : "any"}`;
    case "union":
      return (d.options ?? []).map((o) => describeType(o)).join(" or ");
    case "nullable":
      return d.innerType ? `${describeType(d.innerType)} or null` : "null";
    default:
      return d.type;
  }
}

function parenthesize(t: string): string {
  return / or /.test(t) ? `(${t})` : t;
}

/**
 * The object members of an argument (one level): of the object itself, or of the object among an
 * array's elements or a union's options (`gatewayChassis: (string | { chassis, priority })[]`).
 */
function nestedObject(s: ZodLike): { shape: Record<string, ZodLike>; prefix: string } | undefined {
  const c = core(s);
  const d = def(c);
  if (d.type === "object") return { shape: shapeOf(c)!, prefix: "." };
  if (d.type === "array" && d.element) {
    const inner = nestedObject(d.element);
    return inner ? { shape: inner.shape, prefix: `[]${inner.prefix}` } : undefined;
  }
  if (d.type === "union") {
    const objects = (d.options ?? []).map(nestedObject).filter((x) => x !== undefined);
    return objects.length === 1 ? objects[0] : undefined;
  }
  return undefined;
}

// ---- defaults written in the documentation -----------------------------------------------------

/**
 * The default a description states, in one of the forms the SDK uses: "Default: X." / "Default X."
 * (up to the end of the sentence or a ";"), "(default: X)", "…; default X.", or "`X` (default)" /
 * "`X` (…, default)" / "`X` (default in OVS)". Undefined when it states none.
 */
export function documentedDefault(doc: string): string | undefined {
  const text = doc.replace(/\s+/g, " ");
  const marked = /`([^`]+)` \((?:[^()]*, )?default(?: in [^()]*)?\)/.exec(text);
  const sentence = /(?:\bDefault|(?:^|[(;,]\s*)default)(?::\s*|\s+)(?!(?:in|is|of|for|to|and|or)\b)/.exec(
    text,
  );
  if (sentence && (!marked || sentence.index < marked.index)) {
    const v = scanValue(text, sentence.index + sentence[0].length);
    if (v) return v;
  }
  return marked ? `\`${marked[1]}\`` : undefined;
}

/** The text from `start` to the end of its clause: a ".", ";" or unbalanced ")" outside code and parentheses. */
function scanValue(text: string, start: number): string {
  let depth = 0;
  let code = false;
  let i = start;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === "`") code = !code;
    if (code) continue;
    if (ch === "(") depth++;
    else if (ch === ")") {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && ch === ";") break;
    else if (depth === 0 && ch === "." && (i + 1 === text.length || /\s/.test(text[i + 1]))) {
      if (/\b(?:e\.g|i\.e|etc|vs)$/.test(text.slice(start, i))) continue;
      break;
    }
  }
  return text.slice(start, i).trim();
}

// ---- building ----------------------------------------------------------------------------------

/**
 * The reference model: every kind with its arguments and outputs, and the problems found. A kind
 * with a spec among `specs` is documented from it; the others from the SDK sources.
 */
export function buildReference(
  kinds: KindLike[] = discoverKinds(),
  specs: readonly ResourceSpec[] = resourceSpecs,
): Reference {
  const problems: string[] = [];
  const byLabel = new Map(specs.map((s) => [labelOf(s), s]));
  for (const label of byLabel.keys()) {
    if (!kinds.some((k) => k.label === label))
      problems.push(`${label}: declared, but no resource kind has that label`);
  }
  const resources = kinds.flatMap((k) => {
    const spec = byLabel.get(k.label);
    if (spec) return [specResource(k, spec, problems)];
    problems.push(`${k.label}: a resource kind without a declaration (provider/resources/specs.ts)`);
    return [];
  });
  return { resources, problems };
}

// ---- declared resources --------------------------------------------------------------------------

/** The section of a declared resource, from its spec (and the replacements its kind applies). */
function specResource(kind: KindLike, spec: ResourceSpec, problems: string[]): ResourceDoc {
  const [namespace, className] = spec.type.split(":");
  const replaceOn = new Set(kind.replaceOn);
  const declared = [...replacedBy(spec)].sort();
  if (declared.join() !== [...replaceOn].sort().join()) {
    problems.push(
      `${kind.label}: the SDK says ${declared.join(", ")} replace the resource, its kind ${[...replaceOn].join(", ")}`,
    );
  }
  // Each argument with whether its doc is the resource's own (the SDK adds what a change does).
  const all: [string, ArgSpec, boolean][] = [
    ...Object.entries(spec.db.baseArgs).map(([k, a]): [string, ArgSpec, boolean] => [k, a, false]),
    ...Object.entries(spec.args).map(([k, a]): [string, ArgSpec, boolean] => [k, a, true]),
  ];
  const required = (a: ArgSpec) => !isOptional(a.schema as unknown as ZodLike);
  // Required arguments in the schema's order (the connection first), then the resource's own
  // optional ones, then the shared optional ones: as the SDK's Args interface and its bases list them.
  const ordered = [
    ...all.filter(([, a]) => required(a)),
    ...all.filter(([, a, own]) => own && !required(a)),
    ...all.filter(([, a, own]) => !own && !required(a)),
  ];
  const args: ArgumentDoc[] = [];
  for (const [key, a, own] of ordered) {
    const forces = replaceOn.has(key);
    const schema = a.schema as unknown as ZodLike;
    args.push(argumentDoc(key, schema, own ? argDoc(a.doc, forces) : a.doc, forces));
    const rows = memberRows(a);
    if (rows && rows.value === undefined) {
      const prefix = rows.single ? "." : "[].";
      for (const [m, ma] of Object.entries(rows.args)) {
        args.push(argumentDoc(`${key}${prefix}${m}`, ma.schema as unknown as ZodLike, ma.doc, forces));
      }
      continue;
    }
    const nested = nestedObject(schema);
    if (!nested) continue;
    const docs = a.fields ?? {};
    for (const f of Object.keys(docs)) {
      if (!(f in nested.shape))
        problems.push(`${kind.label}: documented field ${key}.${f} is not in the schema`);
    }
    // The documented fields in their order, then any the schema has without a doc (flagged as undocumented).
    const fields = [...new Set([...Object.keys(docs), ...Object.keys(nested.shape)])].filter(
      (f) => f in nested.shape,
    );
    for (const f of fields) {
      args.push(argumentDoc(`${key}${nested.prefix}${f}`, nested.shape[f], docs[f] ?? "", forces));
    }
  }
  return {
    label: kind.label,
    namespace,
    className,
    description: spec.doc,
    sdkFile: sdkPath(spec).split(path.sep).join("/"),
    arguments: args,
    outputs: declaredOutputs(spec).map(([name, o]) => ({ name, type: o.type, description: o.doc })),
  };
}

/** An argument's row: type, optionality and zod default from its schema; a default its doc states. */
function argumentDoc(name: string, s: ZodLike, description: string, forcesReplacement: boolean): ArgumentDoc {
  const z = zodDefault(s);
  const defaultValue = z
    ? `\`${JSON.stringify(z.value)}\``
    : description
      ? documentedDefault(description)
      : undefined;
  return {
    name,
    type: describeType(s),
    required: !isOptional(s),
    defaultValue,
    forcesReplacement,
    description,
  };
}

/** Arguments whose description is empty, as `label: name`. */
export function undocumentedArguments(ref: Reference): string[] {
  return ref.resources.flatMap((r) =>
    r.arguments.filter((a) => !a.description).map((a) => `${r.label}: ${a.name}`),
  );
}

/** Outputs whose description is empty, as `label: name`. */
export function undocumentedOutputs(ref: Reference): string[] {
  return ref.resources.flatMap((r) =>
    r.outputs.filter((o) => !o.description).map((o) => `${r.label}: ${o.name}`),
  );
}

// ---- rendering ---------------------------------------------------------------------------------

/** Text for a table cell: paragraphs joined with `<br><br>`, lines with spaces, `|` escaped. */
function cell(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
    .filter(Boolean)
    .join("<br><br>")
    .replace(/\|/g, "\\|");
}

function code(text: string): string {
  const fence = text.includes("`") ? "`` " : "`";
  const close = text.includes("`") ? " ``" : "`";
  return `${fence}${text}${close}`.replace(/\|/g, "\\|");
}

function anchor(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

export function renderReference(ref: Reference): string {
  const out: string[] = [];
  out.push(
    "<!-- Generated by scripts/gen-reference.ts from the resource declarations and the provider's zod schemas. -->",
    "<!-- Do not edit: run `npm run docs` to regenerate (a unit test fails when this file is stale). -->",
    "",
    "# Resource reference",
    "",
    "Every resource of pulumi-ovs with its arguments and outputs, generated from the code: types, " +
      'optionality and defaults from the provider\'s input schemas, "forces replacement" from the ' +
      "properties whose change needs a new row, descriptions from the resources' declarations (for a " +
      "resource not declared yet, from the SDK's documentation comments).",
    "",
    "- **Type** is the value as you write it in a program; every argument also accepts a Pulumi " +
      "`Input` (an output of another resource, or a promise).",
    "- **Forces replacement**: changing the argument deletes the resource and creates a new one; " +
      "every other argument is changed in place.",
    "- Rows like `interface.type` are members of an object argument; `gatewayChassis[].chassis` is a " +
      "member of the objects in an array argument.",
    "- **Outputs** lists the properties a resource reports besides its arguments. Those that " +
      "describe runtime status (`ovs.Port` `ofport` and `interfaceError`, `ovn.LogicalSwitchPort` " +
      "`up`, `dynamicAddresses` and `tag`, a connection's `isConnected` and `status`) are " +
      "read at create, update and refresh: they are only as fresh as the last of those " +
      "(`pulumi refresh`, or `pulumi up` in a project with `refresh: always`, reads them again).",
    "",
  );

  const namespaces = [...new Set(ref.resources.map((r) => r.namespace))].sort(
    (a, b) => namespaceRank(a) - namespaceRank(b) || cmp(a, b),
  );
  const byNs = (ns: string) => ref.resources.filter((r) => r.namespace === ns);

  out.push("## Contents", "");
  for (const ns of namespaces) {
    const links = byNs(ns).map((r) => `[${r.label}](#${anchor(r.label)})`);
    out.push(`- **${ns || "(no namespace)"}**: ${links.join(", ")}`);
  }
  out.push("");

  for (const ns of namespaces) {
    out.push(`## ${ns || "(no namespace)"}`, "");
    for (const r of byNs(ns)) renderResource(r, out);
  }
  return out.join("\n").replace(/\n+$/, "\n");
}

function renderResource(r: ResourceDoc, out: string[]): void {
  out.push(`### ${r.label}`, "");
  if (r.description) out.push(r.description, "");
  out.push(
    "```ts",
    `new ${r.namespace ? `${r.namespace}.` : ""}${r.className}(name, args, opts?)`,
    "```",
    "",
  );
  if (r.sdkFile) out.push(`Source: \`${r.sdkFile}\`.`, "");

  out.push("#### Arguments", "");
  if (r.arguments.length === 0) out.push("None.", "");
  else {
    out.push(
      "| Argument | Type | Required | Default | Forces replacement | Description |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const a of r.arguments) {
      out.push(
        `| ${code(a.name)} | ${code(a.type)} | ${a.required ? "required" : "optional"} | ` +
          `${a.defaultValue ? cell(a.defaultValue) : ""} | ${a.forcesReplacement ? "yes" : "no"} | ` +
          `${cell(a.description)} |`,
      );
    }
    out.push("");
  }

  out.push("#### Outputs", "");
  if (r.outputs.length === 0) out.push("None besides the arguments.", "");
  else {
    out.push("| Output | Type | Description |", "| --- | --- | --- |");
    for (const o of r.outputs) out.push(`| ${code(o.name)} | ${code(o.type)} | ${cell(o.description)} |`);
    out.push("");
  }
}

/** The Markdown of docs/reference.md. */
export function generateReference(): string {
  return renderReference(buildReference());
}

/** Where the generated reference lives. */
export function referencePath(root: string = repoRoot()): string {
  return path.join(root, "docs", "reference.md");
}
