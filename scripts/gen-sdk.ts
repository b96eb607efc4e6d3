/**
 * Writes the SDK class of every declared resource (`npm run gen:sdk`): for each {@link ResourceSpec}
 * in `provider/resources/specs.ts`, `sdk/<ns>/<kebab-name>.ts` (or the file the spec names) with
 * the `*Args` interface, the interfaces of its member-row arguments, the types it names, and the
 * class whose outputs are declared and documented, all from the spec. With `--check`, writes
 * nothing and exits 1 when a file is stale (a unit test does the same).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { resourceSpecs } from "../provider/resources/specs";
import {
  isTableSpec,
  labelOf,
  replacingArgs,
  type ArgSpec,
  type ConnectionBinding,
  type MemberRows,
  type OutputDoc,
  type ResourceSpec,
  type SdkType,
} from "../provider/engine/spec";
import { tableKind } from "../provider/engine/table";
import { isCollectionSpec, memberArgsOf, type CollectionSpec } from "../provider/engine/collection";
import { adoptArg } from "../provider/engine/spec";

/** The repository root (this file runs from `scripts/` under ts-jest and from `dist/scripts/`). */
function root(): string {
  const up = path.basename(path.dirname(__dirname)) === "dist" ? "../.." : "..";
  return path.resolve(__dirname, up);
}

/** `AddressSet` → `address-set`. */
function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** The SDK file of a spec, relative to the repository root. */
export function sdkPath(spec: ResourceSpec): string {
  if (spec.sdk?.file) return spec.sdk.file;
  const [ns, cls] = spec.type.split(":");
  return path.join("sdk", ns, `${kebab(cls)}.ts`);
}

/** The arguments whose change replaces the resource: the engine's rule for a table, the declared ones otherwise. */
export function replacedBy(spec: ResourceSpec): readonly string[] {
  return isTableSpec(spec) ? tableKind(spec).replaceOn : replacingArgs(spec);
}

/** An argument's documentation as the SDK and the reference show it (with what a change does). */
export function argDoc(doc: string, replaces: boolean): string {
  return replaces ? `${doc} Changing it replaces the resource.` : doc;
}

/** The member rows of an argument stored as rows of another table, if it is one. */
export function memberRows(a: ArgSpec): MemberRows | undefined {
  return a.storage && "rows" in a.storage ? a.storage.rows : undefined;
}

/** The SDK interface of a member-row argument: the type name its `type` gives (`GatewayChassisArgs[]` → `GatewayChassisArgs`). */
function memberInterface(k: string, a: ArgSpec, rows: MemberRows): string {
  const name = /\b[A-Z]\w*/.exec(a.type)?.[0];
  const list = a.type.trim().endsWith("[]");
  if (!name || list === !!rows.single) {
    throw new Error(
      `argument ${k}: type ${a.type} must name the member interface, ${rows.single ? "as an object" : "as a list (X[])"}`,
    );
  }
  return name;
}

/**
 * The read-only outputs of the SDK class besides the arguments, in order: the declared ones, a
 * row's `uuid`, and the owner marker.
 */
export function declaredOutputs(spec: ResourceSpec): [string, OutputDoc][] {
  const own = Object.entries(spec.outputs ?? {}).map(([k, o]): [string, OutputDoc] => [k, o]);
  const uuid: [string, OutputDoc][] = isTableSpec(spec)
    ? [["uuid", { type: "string", doc: `The ${spec.table} row's uuid.` }]]
    : [];
  const owner: OutputDoc = {
    type: "string",
    doc: spec.sdk?.ownerDoc ?? "The owner marker written to `external_ids`: `project/stack/resource-name`.",
  };
  return [...own, ...uuid, ["owner", owner]];
}

/** `T` as an input: arrays and maps take inputs as members too, in each member of a union. */
function inputType(t: string): string {
  const member = (u: string): string => {
    if (u.endsWith("[]")) return `pulumi.Input<${u.slice(0, -2)}>[]`;
    const m = /^Record<string, (.+)>$/.exec(u);
    return m ? `Record<string, pulumi.Input<${m[1]}>>` : u;
  };
  return `pulumi.Input<${unionMembers(t).map(member).join(" | ")}>`;
}

/** The members of a union type, split at the `|` outside brackets. */
function unionMembers(t: string): string[] {
  const out = [""];
  let depth = 0;
  for (const ch of t) {
    depth += "<([{".includes(ch) ? 1 : ">)]}".includes(ch) ? -1 : 0;
    if (ch === "|" && depth === 0) out.push("");
    else out[out.length - 1] += ch;
  }
  return out.map((m) => m.trim());
}

/** `text` wrapped at word boundaries so that a comment line stays within `width` columns. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

function docComment(text: string, indent = "  "): string {
  const lines = wrap(text, 106 - indent.length);
  if (lines.length === 1 && text.length < 100) return `${indent}/** ${text} */`;
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`].join("\n");
}

/** Whether an argument may be left out (its schema accepts undefined). */
export function isOptionalArg(a: ArgSpec): boolean {
  return a.schema.safeParse(undefined).success;
}

/** The members of an interface: documented `name?: pulumi.Input<T>;` lines. */
function inputMembers(args: Record<string, ArgSpec>, replaces: readonly string[] = []): string[] {
  return Object.entries(args).map(
    ([k, a]) =>
      `${docComment(argDoc(a.doc, replaces.includes(k)))}\n  ${k}${isOptionalArg(a) ? "?" : ""}: ${inputType(a.type)};`,
  );
}

/** A type the module exports besides the class: a union of string literals, or an object type. */
function renderType(t: SdkType): string {
  if ("values" in t) {
    return `${docComment(t.doc, "")}\nexport type ${t.name} = ${t.values.map((v) => JSON.stringify(v)).join(" | ")};`;
  }
  const fields = Object.entries(t.fields).map(
    ([k, f]) => `${docComment(f.doc)}\n  ${k}${f.optional ? "?" : ""}: ${f.type};`,
  );
  return `${docComment(t.doc, "")}\nexport interface ${t.name} {\n${fields.join("\n")}\n}`;
}

/** The interfaces of the member-row arguments (`InterfaceArgs`, `GatewayChassisArgs`). */
function renderMembers(spec: ResourceSpec, cls: string): string[] {
  return Object.entries(spec.args).flatMap(([k, a]) => {
    const rows = memberRows(a);
    if (!rows || rows.value !== undefined) return []; // plain-value members are no interface
    const what = rows.single
      ? `The \`${k}\` argument of {@link ${cls}}: its`
      : `One of the \`${k}\` of {@link ${cls}}: a`;
    const doc = rows.doc ?? `${what} row of the ${rows.table} table.`;
    return [
      `${docComment(doc, "")}\nexport interface ${memberInterface(k, a, rows)} {\n${inputMembers(rows.args).join("\n")}\n}`,
    ];
  });
}

/**
 * The interface of one member of a collection (`LogicalSwitchPortMember`): the singular resource's
 * arguments but its parent and name, and `adopt`.
 */
function renderCollectionMember(spec: CollectionSpec): string {
  const { of, member } = spec.collection;
  const doc =
    `One member of {@link ${spec.type.split(":")[1]}}: the arguments of ${labelOf(of)} but its connection, ` +
    `parent and name (the member's key).`;
  const args = { ...memberArgsOf(spec.collection), adopt: adoptArg };
  return `${docComment(doc, "")}\nexport interface ${member} {\n${inputMembers(args).join("\n")}\n}`;
}

/**
 * What a collection's module imports from its singular resource's module: the types the member
 * arguments name (member-row interfaces, declared types) and those the singular imports itself.
 */
function collectionImports(spec: CollectionSpec): Record<string, readonly string[]> {
  const { of } = spec.collection;
  const own = [
    ...(of.sdk?.types ?? []).map((t) => t.name),
    ...Object.entries(of.args).flatMap(([k, a]) => {
      const rows = memberRows(a);
      return rows && rows.value === undefined ? [memberInterface(k, a, rows)] : [];
    }),
  ];
  const used = [
    ...Object.values(memberArgsOf(spec.collection)).map((a) => a.type),
    ...Object.values(spec.args).map((a) => a.type),
    ...Object.values(spec.outputs ?? {}).map((o) => o.type),
  ];
  const names = own.filter((n) => used.some((t) => new RegExp(`\\b${n}\\b`).test(t)));
  const from = `./${path.basename(sdkPath(of), ".ts")}`;
  return { ...(of.sdk?.imports ?? {}), ...(names.length ? { [from]: names } : {}) };
}

/** The import lines: the shim, the helpers of `../common` with the types taken from it, the base interface. */
function renderImports(spec: ResourceSpec, helpers: string[]): string[] {
  const imports = {
    ...(isCollectionSpec(spec) ? collectionImports(spec) : {}),
    ...(spec.sdk?.imports ?? {}),
  };
  const common = [...helpers, ...(imports["../common"] ?? []).map((t) => `type ${t}`)];
  delete imports["../common"];
  const lines = [
    `import * as pulumi from "@pulumi/pulumi";`,
    `import { DynamicResource, providerFor } from "../shim";`,
    `import { ${common.join(", ")} } from "../common";`,
    ...Object.entries(imports).map(([from, names]) => `import type { ${names.join(", ")} } from "${from}";`),
  ];
  const base = spec.db.sdkBase;
  if (base) lines.push(`import type { ${base.name} } from "${base.from}";`);
  return lines;
}

/** Whether an output took the name an argument had before a rename (`tag`, now `tagRequest`). */
function reusesOldName(spec: ResourceSpec): boolean {
  const renamed = isTableSpec(spec) ? (spec.renamed ?? []) : [];
  return renamed.some((r) => !r.output && r.from in (spec.outputs ?? {}));
}

/** The SDK source of one declared resource (unformatted). */
export function renderSdk(spec: ResourceSpec): string {
  const [ns, cls] = spec.type.split(":");
  const conn = spec.db.connectionArg;
  const replaces = replacedBy(spec);
  const secret = Object.entries(spec.args)
    .filter(([, a]) => a.secret)
    .map(([k]) => k);
  const outs = [
    ...Object.entries(spec.args).map(
      ([k, a]) =>
        `${docComment(a.doc)}\n  declare readonly ${k}: pulumi.Output<${a.outputType ?? a.type}${isOptionalArg(a) ? " | undefined" : ""}>;`,
    ),
    ...declaredOutputs(spec).map(
      ([k, o]) => `${docComment(o.doc)}\n  declare readonly ${k}: pulumi.Output<${o.type}>;`,
    ),
  ];
  const unset = [...(isTableSpec(spec) ? ["uuid"] : []), ...Object.keys(spec.outputs ?? {})].map(
    (k) => `${k}: undefined`,
  );
  let options = `withSecrets(opts, "${conn}", args.${conn})`;
  if (secret.length) options = `withSecretArgs(${options}, args, ${JSON.stringify(secret)})`;
  const base = spec.db.sdkBase ? ` extends ${spec.db.sdkBase.name}` : "";
  const helpers = ["ownerMarker", "withSecrets", ...(secret.length ? ["withSecretArgs"] : [])];
  const props = reusesOldName(spec)
    ? // Outputs first: an old argument name a program still passes reaches check, which names the new one.
      `{ ${unset.join(", ")}, ...args, owner: ownerMarker(name) }`
    : `{ ...args, owner: ownerMarker(name)${unset.map((u) => `, ${u}`).join("")} }`;
  return `// Generated by \`npm run gen:sdk\` from the declaration of ${labelOf(spec)} in provider/resources; do not edit.
${renderImports(spec, helpers).join("\n")}

${[
  ...(spec.sdk?.types ?? []).map(renderType),
  ...renderMembers(spec, cls),
  ...(isCollectionSpec(spec) ? [renderCollectionMember(spec)] : []),
]
  .map((t) => `${t}\n\n`)
  .join("")}/** Arguments of {@link ${cls}}. */
export interface ${cls}Args${base} {
${inputMembers(spec.args, replaces).join("\n")}
}

${docComment(spec.doc, "")}
export class ${cls} extends DynamicResource {
${outs.join("\n")}

  constructor(name: string, args: ${cls}Args, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("${spec.type}"),
      name,
      ${props},
      ${options},
      "${ns}",
      "${cls}",
    );
  }
}
`;
}

/**
 * The formatted SDK source of one declared resource, as checked in: formatted by the project's
 * prettier (its CLI, in a child process: prettier's API needs ES modules, which jest runs only
 * behind a flag).
 */
export async function sdkSource(spec: ResourceSpec): Promise<string> {
  return formatted(sdkPath(spec), renderSdk(spec));
}

/** `text` formatted by the project's prettier as the file `rel` (relative to the root). */
function formatted(rel: string, text: string): string {
  const cli = require.resolve("prettier/bin/prettier.cjs", { paths: [root()] });
  return execFileSync(process.execPath, [cli, "--stdin-filepath", path.join(root(), rel)], {
    input: text,
    encoding: "utf8",
  });
}

/**
 * The interfaces of the arguments the resources of a database share (`HostArgs`, `NorthboundArgs`,
 * …), by SDK module (relative path) and name, with the binding that declares them.
 */
export function sharedInterfaces(): Map<string, Map<string, ConnectionBinding>> {
  const out = new Map<string, Map<string, ConnectionBinding>>();
  for (const spec of resourceSpecs) {
    const base = spec.db.sdkBase;
    if (!base) continue;
    const file = path.join(path.dirname(sdkPath(spec)), `${base.from}.ts`);
    if (!out.has(file)) out.set(file, new Map());
    out.get(file)!.set(base.name, spec.db);
  }
  return out;
}

/** The SDK module of shared argument interfaces (unformatted); `adopt` comes from `OwnedArgs`. */
export function renderShared(interfaces: Map<string, ConnectionBinding>): string {
  const blocks = [...interfaces].map(([name, b]) => {
    const args = Object.fromEntries(Object.entries(b.baseArgs).filter(([k]) => k !== "adopt"));
    const db = "name" in b ? ` of the ${String(b.name)} database` : "";
    const doc = b.sdkBase?.doc ?? `The arguments every resource${db} takes.`;
    return `${docComment(doc, "")}
export interface ${name} extends OwnedArgs {
${inputMembers(args).join("\n")}
}`;
  });
  return `// Generated by \`npm run gen:sdk\` from the database bindings in provider/resources; do not edit.
import type * as pulumi from "@pulumi/pulumi";
import type { Connection, OwnedArgs } from "../common";

${blocks.join("\n\n")}
`;
}

/** Every generated SDK file (relative path) with its formatted text. */
async function generated(): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const spec of resourceSpecs) out.push([sdkPath(spec), await sdkSource(spec)]);
  for (const [file, ifs] of sharedInterfaces()) out.push([file, formatted(file, renderShared(ifs))]);
  return out;
}

/** Files whose checked-in text differs from what the specs give (relative paths). */
export async function staleFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const [rel, text] of await generated()) {
    const file = path.join(root(), rel);
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (current !== text) out.push(rel);
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
  if (values.check) {
    const stale = await staleFiles();
    if (stale.length === 0) {
      console.log(`SDK of ${resourceSpecs.length} declared resources is up to date`);
      return 0;
    }
    console.error(`stale generated SDK files: ${stale.join(", ")}; run \`npm run gen:sdk\``);
    return 1;
  }
  for (const [rel, text] of await generated()) {
    fs.writeFileSync(path.join(root(), rel), text);
    console.log(`wrote ${rel}`);
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
