/**
 * Which row a resource declares, from its declaration alone: the values that make two resources of
 * one program the same OVSDB row (or the same OpenFlow flow), as the provider finds the row. The SDK
 * compares them across the resources of a program before anything is written (`sdk/declarations.ts`);
 * the provider would otherwise write the first and refuse the second (NAME_TAKEN, OWNED_ELSEWHERE).
 *
 * - a named row (`nameArg`): its name on its connection; the engine treats the name as unique in the
 *   whole table (a port's name is unique on its host, whatever its bridge);
 * - a child found on its parent (`matchArgs`): the parent argument(s) and those columns, empty ones
 *   read as their `implied` value, as the engine's `matchesRow` compares them;
 * - settings (keys of the only row, e.g. `ovn.ChassisConfig`): one resource per connection;
 * - a row found by its owner marker (`markerIdentity`): none, two such rows never collide;
 * - a resource that is no row (`ovs.Flow`): the arguments its spec lists in `identity`.
 *
 * Values are compared in the canonical form the argument's own schema gives (the form check hands
 * the provider: a NAT's `logicalIp` `10.0.0.5/32` is `10.0.0.5`, IPv6 compressed), so two
 * spellings of one row are one row; a value its schema refuses, or unknown during preview, makes the
 * identity unknown (check reports the first; nothing can be said of the second). Pure.
 */
import type { z } from "zod";
import { canonical } from "./rows";
import { isTableSpec, labelOf, type ResourceSpec } from "./spec";
import { UNKNOWN, type Props } from "../framework";

/** What identifies a resource's row, derived from its spec. */
export interface IdentityRule {
  /** The connection argument (`nb`, `host`); its `remote` is part of the identity. */
  connection: string;
  /** The arguments whose values identify the row on that connection, in the order messages show them. */
  args: readonly string[];
}

/** The identity of one resource's inputs. */
export interface RowIdentity {
  /** Equal for two resources exactly when they declare the same row. */
  key: string;
  /** The identifying values as a message shows them: `router lr0, type snat, …, on nb unix:/…`. */
  text: string;
}

/** The rule of a spec, or undefined when two of its resources never declare the same row. */
export function identityRule(spec: ResourceSpec): IdentityRule | undefined {
  const connection = spec.db.connectionArg;
  if (!isTableSpec(spec)) return spec.identity ? { connection, args: spec.identity.args } : undefined;
  if (spec.markerIdentity) return undefined;
  if (spec.settings) return { connection, args: [] };
  if (spec.nameArg) return { connection, args: [spec.nameArg] };
  const parents = (spec.parents ?? (spec.parent ? [spec.parent] : [])).flatMap((p) => (p.arg ? [p.arg] : []));
  return { connection, args: [...parents, ...(spec.matchArgs ?? [])] };
}

/** Whether a value is (or holds) preview's placeholder for an unknown value. */
function holdsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(holdsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(holdsUnknown);
  return false;
}

/** A value as a message shows it: bare when it is one plain word, quoted otherwise. */
function shown(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string" && /^[\w.:/@$-]+$/.test(v)) return v;
  return JSON.stringify(v);
}

/** An argument's value in its canonical form, or `invalid` when its schema refuses it. */
function canonicalArg(spec: ResourceSpec, k: string, v: unknown): { value: unknown } | "invalid" {
  const form = !isTableSpec(spec) ? spec.identity?.form?.[k] : undefined;
  if (form) return { value: form(v as never) };
  const schema: z.ZodType | undefined = spec.args[k]?.schema;
  if (!schema) return { value: v };
  const r = schema.safeParse(v);
  if (!r.success) return "invalid";
  const sameAs = isTableSpec(spec) ? spec.args[k]?.sameAs : undefined;
  return { value: sameAs && r.data !== undefined ? sameAs(r.data as never) : r.data };
}

/**
 * The identity of inputs `i` (plain values, as the program gives them) under `rule`; undefined when
 * it cannot be known: a value unknown (preview) or refused by its schema, or no connection remote.
 */
export function rowIdentity(spec: ResourceSpec, rule: IdentityRule, i: Props): RowIdentity | undefined {
  const remote = (i[rule.connection] as { remote?: unknown } | undefined)?.remote;
  if (holdsUnknown(i[rule.connection]) || (remote !== undefined && typeof remote !== "string"))
    return undefined;
  const values: unknown[] = [];
  const parts: string[] = [];
  for (const k of rule.args) {
    if (holdsUnknown(i[k])) return undefined;
    const c = canonicalArg(spec, k, i[k]);
    if (c === "invalid") return undefined;
    const value = c.value === undefined ? spec.args[k]?.implied : c.value;
    values.push(value ?? null);
    if (value !== undefined) parts.push(`${k} ${shown(value)}`);
  }
  const on = remote === undefined ? [] : [`on ${rule.connection} ${remote.trim()}`];
  return {
    key: JSON.stringify([labelOf(spec), remote?.trim() ?? null, ...values.map((v) => canonical(v))]),
    text: [parts.join(", "), ...on].filter(Boolean).join(" "),
  };
}
