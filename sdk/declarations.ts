/**
 * One row, one declaration: two resources of one program that declare the same OVSDB row (two
 * `ovn.LogicalSwitch` named `sw0` on one northbound database, two ACLs of one port group with the
 * same direction, priority and match, two `ovs.Bridge` of one name on one host, …) fail the whole
 * run with `[DUPLICATE]` before anything is written, instead of the provider writing the first and
 * refusing the second at `up`.
 *
 * Every SDK resource ({@link DynamicResource} in `./shim`) hands its inputs to {@link gate} while
 * it is constructed; its registration waits for the gate's answer. The gate computes the
 * resource's identity from its declaration (`provider/engine/identity.ts`) once the inputs are
 * known, records it in the registry of the current Pulumi run, waits one turn of the event loop (so
 * that the resources declared together, or waiting on the same output, are all recorded) and
 * answers: nothing (go on), or the refusal, with which the resource is registered so that the
 * provider's `check` fails (the engine then stops before any write): the duplicate's message for
 * the two resources of a pair, `[DUPLICATE] not applied: …` for every other resource of the run.
 * Values unknown during preview are not compared.
 *
 * A refused resource is still registered (rather than failing its registration in the program): a
 * registration that fails before its RPC leaves the resource's outputs unresolved forever, and
 * every dependent, and the stack outputs, would wait for them.
 *
 * The registry belongs to one run of one stack: runs of an Automation API process (several stacks,
 * up after up) each have their own root `Stack` resource, the key of the registry (a WeakMap, so a
 * finished run's registry goes with it).
 */
import * as pulumi from "@pulumi/pulumi";
import type { IdentityRule, RowIdentity } from "../provider/engine/identity";
import type { ResourceSpec } from "../provider/engine/spec";

/** How the refusal of a resource that is not one of the pair starts. */
const NOT_APPLIED = "[DUPLICATE] not applied: ";

/** Why a resource's registration is refused, as its provider's `check` reports it. */
export interface Refusal {
  /** The argument the engine's message names (the first identifying one the program sets). */
  property: string;
  reason: string;
}

/** The declarations of one run, by identity key. */
export class Declarations {
  private readonly rows = new Map<string, Declarer>();
  private readonly refused = new Map<string, Refusal>();
  private first: string | undefined;
  private found: () => void = () => undefined;
  /** Resolves once the run declares a row twice (what a gate waiting for unknown values gives up on). */
  readonly failed = new Promise<void>((resolve) => (this.found = resolve));

  /**
   * Records that resource `name` of `label` (`ovn.Acl`) declares the row `id` (a `what`: row,
   * flow); for a member of a collection resource, `member` is its path (`ports["web-3"]`).
   */
  declare(
    label: string,
    name: string,
    id: RowIdentity,
    what = "row",
    property = "name",
    member?: string,
  ): void {
    const prior = this.rows.get(id.key);
    const now: Declarer = { label, name, member };
    if (prior === undefined) {
      this.rows.set(id.key, now);
      return;
    }
    // One resource twice: Pulumi reports the duplicate URN itself.
    if (prior.label === label && prior.name === name && prior.member === member) return;
    const e = { property, reason: duplicateMessage(now, prior, id, what) };
    if (!this.refused.has(`${prior.label} ${prior.name}`))
      this.refused.set(`${prior.label} ${prior.name}`, e);
    this.refused.set(`${label} ${name}`, e);
    this.first ??= e.reason;
    this.found();
  }

  /**
   * The error that refuses the registration of resource `name` of `label`: its own duplicate's,
   * else the first duplicate of the run (nothing of a run with a duplicate is written); undefined
   * if none. Identity keys include the type, so names are compared within one type.
   */
  refusal(label: string, name: string, property: string): Refusal | undefined {
    const own = this.refused.get(`${label} ${name}`);
    if (own || !this.first) return own;
    return { property, reason: `${NOT_APPLIED}${this.first.replace(/^\[DUPLICATE\] /, "")}` };
  }
}

/** A resource that declares a row: its type label, its name, and its member's path in a collection. */
export interface Declarer {
  label: string;
  name: string;
  member?: string;
}

/**
 * The message of a duplicate: `[DUPLICATE] ovn.Acl "b" declares the same row as "a": …; declare each
 * row once`; the other's type is named when it differs, a member by its path
 * (`ovn.LogicalSwitchPorts "web" ports["p3"] declares the same row as ovn.LogicalSwitchPort "p3"`).
 */
export function duplicateMessage(now: Declarer, prior: Declarer, id: RowIdentity, what = "row"): string {
  const shown = (d: Declarer, label: boolean) =>
    `${label ? `${d.label} ` : ""}${JSON.stringify(d.name)}${d.member ? ` ${d.member}` : ""}`;
  return (
    `[DUPLICATE] ${shown(now, true)} declares the same ${what} as ${shown(prior, prior.label !== now.label)}` +
    `${id.text ? `: ${id.text}` : ""}; declare each ${what} once`
  );
}

/** A run's registry, by its root resource (or the mock monitor, in unit tests). */
const runs = new WeakMap<object, Declarations>();
const outsideAnyRun = {};

/** The registry of the Pulumi run constructing resources now. */
export function declarationsOfRun(): Declarations {
  const key: object = pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor() ?? outsideAnyRun;
  let d = runs.get(key);
  if (!d) runs.set(key, (d = new Declarations()));
  return d;
}

interface Declared {
  spec: ResourceSpec;
  /** The rule of the spec, or for a collection, of its singular resource. */
  rule: IdentityRule;
  /** For a collection: its singular resource and how a member's inputs are made. */
  collection?: {
    of: ResourceSpec;
    arg: string;
    parents: readonly string[];
    memberInputs(values: Record<string, unknown>, key: string): Record<string, unknown>;
  };
  rowIdentity: (
    spec: ResourceSpec,
    rule: IdentityRule,
    i: Record<string, unknown>,
  ) => RowIdentity | undefined;
}

const rules = new Map<string, Declared | null>();

/**
 * The declaration and identity rule of a resource type (`ovn:Acl`), null for a type whose resources
 * never declare the same row. Loaded on first use: the declarations live with the provider.
 */
function declaredType(type: string): Declared | null {
  if (!rules.has(type)) {
    const { resourceSpecs } =
      require("../provider/resources/specs") as typeof import("../provider/resources/specs");
    const identity = require("../provider/engine/identity") as typeof import("../provider/engine/identity");
    const collections =
      require("../provider/engine/collection") as typeof import("../provider/engine/collection");
    const spec = resourceSpecs.find((s) => s.type === type);
    if (spec && collections.isCollectionSpec(spec)) {
      const { of, arg } = spec.collection;
      const rule = identity.identityRule(of);
      const parents = spec.collection.shared;
      const name = collections.nameArgOf(of);
      const memberInputs = (v: Record<string, unknown>, key: string) => ({
        ...Object.fromEntries([rule?.connection ?? "", ...parents].map((k) => [k, v[k]])),
        ...((v[arg] as Record<string, Record<string, unknown>>)[key] ?? {}),
        ...(name ? { [name]: key } : {}),
      });
      const collection = { of, arg, parents, memberInputs };
      rules.set(type, rule ? { spec, rule, collection, rowIdentity: identity.rowIdentity } : null);
      return rules.get(type)!;
    }
    const rule = spec && identity.identityRule(spec);
    rules.set(type, spec && rule ? { spec, rule, rowIdentity: identity.rowIdentity } : null);
  }
  return rules.get(type)!;
}

/** The value of an output once known; undefined when it is unknown (preview). */
async function knownValue<T>(o: pulumi.Output<T>): Promise<T | undefined> {
  // `isKnown` is not in the typed API; every Output of @pulumi/pulumi has it (its RPC code reads it).
  const known = await (o as unknown as { isKnown: Promise<boolean> }).isKnown;
  if (!known) return undefined;
  return new Promise<T>((resolve) => o.apply((v) => (resolve(v), v)));
}

/** Waits one turn of the event loop: the microtasks of outputs resolved together run before it. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What the registration of resource `name` of `type` (`ovn:Acl`) with inputs `props` waits for:
 * undefined when it may go on, the refusal (`[DUPLICATE] …`) when the run declares a row twice.
 */
export async function gate(type: string, name: string, props: pulumi.Inputs): Promise<Refusal | undefined> {
  const run = declarationsOfRun();
  const label = type.replace(":", ".");
  const d = declaredType(type);
  // The engine's message names one argument: the first identifying one the program sets.
  const property = d?.collection
    ? d.collection.arg
    : d
      ? (d.rule.args.find((k) => props[k] !== undefined) ?? d.rule.connection)
      : "owner";
  if (d) {
    const args = d.collection
      ? [d.rule.connection, ...d.collection.parents, d.collection.arg]
      : [d.rule.connection, ...d.rule.args];
    let values: Record<string, unknown> | undefined;
    try {
      const known = knownValue(pulumi.output(Object.fromEntries(args.map((k) => [k, props[k]]))));
      values = await Promise.race([known, run.failed.then(() => undefined)]);
    } catch {
      values = undefined; // an input failed: its registration reports that
    }
    if (values && d.collection) {
      // Each member declares its row as its singular resource would: the two forms share rows' keys.
      const c = d.collection;
      for (const key of Object.keys((values[c.arg] ?? {}) as object)) {
        const id = d.rowIdentity(c.of, d.rule, c.memberInputs(values, key));
        const what = "table" in c.of ? "row" : "flow";
        if (id) run.declare(label, name, id, what, property, `${c.arg}[${JSON.stringify(key)}]`);
      }
    } else {
      const id = values && d.rowIdentity(d.spec, d.rule, values);
      if (id) run.declare(label, name, id, "table" in d.spec ? "row" : "flow", property);
    }
  }
  await nextTurn();
  const refused = run.refusal(label, name, property);
  // The others' refusals come a moment later: the engine stops at the first, best the pair's own.
  if (refused?.reason.startsWith(NOT_APPLIED)) await new Promise((r) => setTimeout(r, 200));
  return refused;
}
