/**
 * Writes the typed rows of the installed OVSDB schemas to provider/ovsdb/databases/
 * (`npm run gen:schema`, i.e. `node dist/scripts/gen-schema-types.js` after the build). With
 * `--check`, writes nothing and exits 1 when a checked-in file is stale.
 *
 * For each table: a row interface whose member types are what the client's codec decodes
 * (`provider/ovsdb/codec.ts`), a table-name → row-type map, and the columns, their kinds and the
 * table's indexes as data.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeType } from "../provider/ovsdb/codec";
import {
  describeDatabase,
  sortedColumns,
  sortedEnum,
  sortedTables,
} from "../provider/ovsdb/databases/description";
import { DatabaseSchema, type BaseType, type ColumnSchema, type TableSchema } from "../provider/ovsdb/schema";

/** One installed schema and the module generated from it. */
export interface SchemaSource {
  /** The installed `.ovsschema` file. */
  schemaFile: string;
  /** The generated module, relative to the repository root. */
  output: string;
}

/** The schemas the package manages: vswitch, OVN Northbound, OVN Southbound. */
export const SCHEMA_SOURCES: readonly SchemaSource[] = [
  { schemaFile: "/usr/share/openvswitch/vswitch.ovsschema", output: "provider/ovsdb/databases/vswitch.ts" },
  { schemaFile: "/usr/share/ovn/ovn-nb.ovsschema", output: "provider/ovsdb/databases/ovn-nb.ts" },
  { schemaFile: "/usr/share/ovn/ovn-sb.ovsschema", output: "provider/ovsdb/databases/ovn-sb.ts" },
];

/** The repository root: the nearest directory above this file holding package.json and provider/. */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "provider")))
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

/** `Logical_Switch` → `LogicalSwitchRow`, `ACL` → `ACLRow`, `Open_vSwitch` → `OpenVSwitchRow`. */
export function rowTypeName(table: string): string {
  const words = table.split("_").filter((w) => w.length > 0);
  return `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join("")}Row`;
}

function atomType(base: BaseType): string {
  if (base.enum)
    return sortedEnum(base.enum)
      .map((a) => JSON.stringify(a))
      .join(" | ");
  switch (base.type) {
    case "integer":
    case "real":
      return "number";
    case "boolean":
      return "boolean";
    case "string":
    case "uuid":
      return "string";
  }
}

/** The TypeScript type of a column's decoded value (codec.ts: `decodeDatum`). */
export function columnTsType(column: ColumnSchema): string {
  const { key, value, min, max } = column.type;
  if (value) {
    // Decoded map keys are the key atoms rendered as strings: string enums stay literal.
    const keys = key.enum && key.type === "string" ? atomType(key) : "string";
    return keys === "string"
      ? `Record<string, ${atomType(value)}>`
      : `Partial<Record<${keys}, ${atomType(value)}>>`;
  }
  const atom = atomType(key);
  if (max === 1) return min === 1 ? atom : `${atom} | null`;
  return key.enum && key.enum.length > 1 ? `(${atom})[]` : `${atom}[]`;
}

function docComment(text: string, indent: string): string {
  return `${indent}/** ${text.replaceAll("*/", "*\\/")} */\n`;
}

function sortedBase(base: BaseType): BaseType {
  return base.enum ? { ...base, enum: sortedEnum(base.enum) } : base;
}

function columnDoc(column: ColumnSchema): string {
  const { key, value } = column.type;
  const type = { ...column.type, key: sortedBase(key), ...(value ? { value: sortedBase(value) } : {}) };
  const flags = [column.mutable ? undefined : "immutable", column.ephemeral ? "ephemeral" : undefined];
  return [describeType(type), ...flags.filter((f) => f !== undefined)].join("; ");
}

function renderRow(database: string, table: TableSchema): string {
  const members = sortedColumns(table).map(
    (c) => `${docComment(columnDoc(c), "  ")}  ${c.name}: ${columnTsType(c)};\n`,
  );
  return `${docComment(`A row of table ${table.name} of ${database}.`, "")}export interface ${rowTypeName(table.name)} {\n${members.join("")}}\n`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JavaScript literal for JSON-like data, objects on one line with unquoted keys. */
function literal(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(literal).join(", ")}]`;
  if (x !== null && typeof x === "object") {
    const members = Object.entries(x).map(
      ([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${literal(v)}`,
    );
    return members.length ? `{ ${members.join(", ")} }` : "{}";
  }
  return JSON.stringify(x);
}

function renderDescription(schema: DatabaseSchema): string {
  const { tables, ...head } = describeDatabase(schema);
  const lines = Object.entries(head).map(([k, v]) => `  ${k}: ${literal(v)},`);
  lines.push("  tables: {");
  for (const [name, table] of Object.entries(tables)) {
    const { columns, ...rest } = table;
    lines.push(`    ${name}: {`);
    for (const [k, v] of Object.entries(rest)) lines.push(`      ${k}: ${literal(v)},`);
    lines.push("      columns: {");
    for (const [column, d] of Object.entries(columns)) lines.push(`        ${column}: ${literal(d)},`);
    lines.push("      },", "    },");
  }
  lines.push("  },");
  return (
    docComment(`The tables of ${schema.name}: columns (kind, RFC 7047 type, mutability) and indexes.`, "") +
    `export const description = {\n${lines.join("\n")}\n} as const satisfies DatabaseDescription;\n`
  );
}

/** The generated module for a parsed schema; `source` names the file it came from. */
export function renderDatabase(schema: DatabaseSchema, source: string): string {
  const tables = sortedTables(schema);
  const names = new Set(tables.map((t) => rowTypeName(t.name)));
  if (names.size !== tables.length) throw new Error(`${schema.name}: two tables map to one row type name`);
  const map = tables.map((t) => `  ${t.name}: ${rowTypeName(t.name)};\n`).join("");
  return [
    `// Generated by scripts/gen-schema-types.ts (npm run gen:schema) from ${source}:\n` +
      `// ${schema.name} ${schema.version}${schema.cksum ? `, cksum ${schema.cksum}` : ""}. Do not edit.\n` +
      `import type { DatabaseDescription } from "./description";\n`,
    ...tables.map((t) => renderRow(schema.name, t)),
    `${docComment(`The row type of each table of ${schema.name}.`, "")}export interface Tables {\n${map}}\n`,
    renderDescription(schema),
  ].join("\n");
}

/** Parses an installed schema file. */
export function readSchema(file: string): DatabaseSchema {
  return DatabaseSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}

/** Every generated module: output path (absolute) → text, from the installed schemas. */
export function generateAll(root: string = repositoryRoot()): Map<string, string> {
  return new Map(
    SCHEMA_SOURCES.map((s) => [
      path.join(root, s.output),
      renderDatabase(readSchema(s.schemaFile), s.schemaFile),
    ]),
  );
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const root = repositoryRoot();
  let stale = 0;
  for (const [file, text] of generateAll(root)) {
    const rel = path.relative(root, file);
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (current === text) {
      console.log(`${rel} is up to date`);
    } else if (check) {
      console.error(`${rel} is out of date: run \`npm run gen:schema\``);
      stale++;
    } else {
      fs.writeFileSync(file, text);
      console.log(`wrote ${rel}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
