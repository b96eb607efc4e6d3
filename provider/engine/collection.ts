/**
 * Collection forms: many rows of one table as ONE resource (a switch's ports, a bridge's ports, the
 * ACLs of a port group), declared by a {@link CollectionSpec} over the singular resource's
 * {@link TableSpec}. A stack of thousands of ports is then a few dozen resources: Pulumi's
 * checkpoint, rewritten whole after every resource step, stays small.
 *
 * Every member keeps the guarantees of its singular resource, because every member runs the
 * singular lifecycle (`tableKind(of)`) unchanged: its own owner marker (`<owner>["<key>"]`), foreign
 * rows left alone, `adopt` per member, refresh per member. What changes is the transaction: the
 * members' writes of one `up` of the collection go to the server as one guarded transaction
 * ({@link Batch}); if any member's guard or write fails, nothing of the collection is written.
 *
 * The state holds the member arguments once (the map argument) and the outputs as maps keyed like
 * it (`uuids`, and each output of the singular resource that is not null).
 */
import { z } from "zod";
import { ResourceError, type InputProblem } from "../errors";
import { diffInputs, wire, type Props, type ReadResult, type ResourceKind } from "../framework";
import { resourceOf } from "../resources/common";
import { Batch, BatchAborted } from "./batch";
import { inputSchema, tableKind } from "./table";
import { parentProblems } from "./alternatives";
import {
  labelOf,
  type ArgSpec,
  type DatabaseBinding,
  type OutputDoc,
  type ResourceSpec,
  type TableSpec,
} from "./spec";

/** What makes a {@link ResourceSpec} a collection of rows of one singular resource. */
export interface CollectionOf {
  /** The singular resource whose rows are the members. */
  of: TableSpec;
  /** The map argument holding the members by key, e.g. `ports`. */
  arg: string;
  /** The SDK interface of one member's arguments, e.g. `LogicalSwitchPortMember`. */
  member: string;
  /** What a key is, for the argument's doc and messages (e.g. `port name`). */
  key: string;
}

/** A collection resource's declaration. */
export interface CollectionSpec extends ResourceSpec {
  db: DatabaseBinding;
  collection: CollectionOf;
}

export function isCollectionSpec(spec: ResourceSpec): spec is CollectionSpec {
  return "collection" in spec;
}

/** The parent arguments of a singular spec (`switch`; `switch` and `portGroup` for alternatives). */
export function parentArgsOf(of: TableSpec): string[] {
  const ps = of.parents ?? (of.parent ? [of.parent] : []);
  return ps.flatMap((p) => (p.arg ? [p.arg] : []));
}

/** The arguments of one member: the singular's own, but its parent and its name (the key). */
export function memberArgsOf(of: TableSpec): Record<string, ArgSpec> {
  const skip = new Set([...parentArgsOf(of), ...(of.nameArg ? [of.nameArg] : [])]);
  return Object.fromEntries(Object.entries(of.args).filter(([k]) => !skip.has(k)));
}

/** The owner marker of member `key` of the resource whose marker is `owner`: `proj/stack/name["key"]`. */
export const memberOwner = (owner: string, key: string): string => `${owner}[${JSON.stringify(key)}]`;

/** The declaration of a collection of `of`'s rows (its args, outputs and SDK shape). */
export function collectionSpec(o: {
  type: string;
  doc: string;
  of: TableSpec;
  arg: string;
  member: string;
  key: string;
  /** The doc of the map argument (what a member is); the reference adds the member fields. */
  argDoc: string;
}): CollectionSpec {
  const { of } = o;
  const parents = Object.fromEntries(
    parentArgsOf(of).map((k) => [k, { ...of.args[k], replace: true } satisfies ArgSpec]),
  );
  const keySchema = of.nameArg
    ? of.args[of.nameArg].schema
    : z.string().min(1, "a member key must not be empty");
  const members: ArgSpec = {
    schema: z.record(keySchema as z.ZodType<string>, memberSchema(of)),
    type: `Record<string, ${o.member}>`,
    doc:
      `${o.argDoc} \`adopt\` given to the collection applies to every member that does not set its own. ` +
      `Changes show per member in \`pulumi preview --diff\` (e.g. \`~ ${o.arg}["x"].…\`).`,
  };
  const outputs: Record<string, OutputDoc> = {
    uuids: { type: "Record<string, string>", doc: `Each member's ${of.table} row uuid, by ${o.key}.` },
    ...Object.fromEntries(
      Object.entries(of.outputs ?? {}).map(([k, out]) => [
        k,
        {
          type: `Record<string, ${out.type.replace(/\s*\|\s*null\b/, "")}>`,
          doc: `By ${o.key}, for the members that have one (a member without it is left out): ${out.doc}`,
        },
      ]),
    ),
  };
  return {
    type: o.type,
    doc: o.doc,
    db: of.db,
    args: { ...parents, [o.arg]: members },
    outputs,
    collection: { of, arg: o.arg, member: o.member, key: o.key },
    sdk: {
      ownerDoc:
        "The owner marker of the collection, `project/stack/resource-name`; each member's row carries " +
        `\`project/stack/resource-name["${o.key}"]\` in its \`external_ids\`.`,
    },
  };
}

/** The schema of one member's arguments: the singular's, but parent and name; unknown fields refused. */
function memberSchema(of: TableSpec): z.ZodType {
  const full = inputSchema(of);
  const keep = new Set([...Object.keys(memberArgsOf(of)), "adopt"]);
  const shape = Object.fromEntries(Object.entries(full.shape).filter(([k]) => keep.has(k)));
  return z.strictObject(shape);
}

type Inputs = Props & { owner: string; instance?: string; adopt?: boolean };
type State = Inputs & { uuids?: Record<string, string> };

/** A member key as Pulumi shows a property path: `ports["web-3"]`. */
export const memberPath = (arg: string, key: string): string => `${arg}[${JSON.stringify(key)}]`;

/** The resource kind (lifecycle) of a collection: every member through its singular lifecycle, batched. */
export function collectionKind(spec: CollectionSpec): ResourceKind<Inputs, State> {
  const { of, arg } = spec.collection;
  const single = tableKind(of);
  const parents = parentArgsOf(of);
  const outputKeys = Object.keys(of.outputs ?? {});
  const shared = Object.keys(of.db.base).filter((k) => k !== "owner" && k !== "adopt");
  const memberKeys = new Set(Object.keys(memberArgsOf(of)));

  const membersOf = (i: Props): Record<string, Props> => (i[arg] ?? {}) as Record<string, Props>;

  /** The singular inputs of member `key` (`m`: its arguments). */
  function memberInputs(i: Props, key: string, m: Props): Inputs {
    const out: Props = {};
    for (const k of [...shared, ...parents]) out[k] = i[k];
    Object.assign(out, m);
    if (of.nameArg) out[of.nameArg] = key;
    out.adopt = (m.adopt as boolean | undefined) ?? i.adopt;
    out.owner = memberOwner(i.owner as string, key);
    out.instance = i.instance;
    return wire(out) as Inputs;
  }

  /** The singular state of member `key` of the collection state `s`. */
  function memberState(s: State, key: string): Inputs & { uuid: string } {
    const outs = Object.fromEntries(
      outputKeys.map((k) => [k, (s[k] as Record<string, unknown> | undefined)?.[key] ?? null]),
    );
    return { ...memberInputs(s, key, membersOf(s)[key]), ...outs, uuid: s.uuids?.[key] ?? "" };
  }

  /** The member arguments a singular read gives back. */
  function memberArgs(inputs: Props, stated: Props): Props {
    const out: Props = {};
    for (const [k, v] of Object.entries(inputs)) if (memberKeys.has(k)) out[k] = v;
    if (stated.adopt !== undefined) out.adopt = stated.adopt;
    return out;
  }

  /** The collection's outputs from the members' singular outputs, by key. */
  function outputsOf(outs: Map<string, Props>): Props {
    const uuids: Record<string, string> = {};
    const maps: Record<string, Record<string, unknown>> = Object.fromEntries(outputKeys.map((k) => [k, {}]));
    for (const [key, o] of outs) {
      uuids[key] = o.uuid as string;
      for (const k of outputKeys) if (o[k] !== null && o[k] !== undefined) maps[k][key] = o[k];
    }
    return { uuids, ...maps };
  }

  /**
   * Runs `work` for every member key (through the singular kind of its batched binding), all
   * writes in one transaction per round; the results by key, or the first member's error, named.
   */
  async function batched<T>(
    i: Props,
    keys: string[],
    work: (kind: ResourceKind<Inputs, Inputs & { uuid: string }>, key: string) => Promise<T>,
  ): Promise<Map<string, T>> {
    const c = await of.db.client(i);
    const batch = new Batch(of.db, c, i);
    const settled = await batch.run(keys.map((key) => (db) => work(tableKind({ ...of, db }), key)));
    const failed = settled
      .map((r, n) => ({ r, key: keys[n] }))
      .filter((x): x is { r: PromiseRejectedResult; key: string } => x.r.status === "rejected");
    const first = failed.find((f) => !(f.r.reason instanceof BatchAborted)) ?? failed[0];
    if (first) throw named(first.key, first.r.reason);
    return new Map(settled.map((r, n) => [keys[n], (r as PromiseFulfilledResult<T>).value]));
  }

  /** A member's error, with the member's path in front of its message. */
  function named(key: string, e: unknown): unknown {
    const cause = e instanceof BatchAborted ? e.cause : e;
    const text = cause instanceof Error ? cause.message : String(cause);
    const message = `${memberPath(arg, key)}: ${text.replace(/^\[[A-Z_]+\] /, "")}`;
    if (cause instanceof ResourceError) return new ResourceError(cause.code, message, { cause });
    if (cause instanceof Error) {
      cause.message = message;
      return cause;
    }
    return new Error(message);
  }

  const schema = z.object({
    ...of.db.base,
    ...Object.fromEntries(Object.entries(spec.args).map(([k, a]) => [k, a.schema])),
  });

  return {
    label: labelOf(spec),
    schema: schema as unknown as z.ZodType<Inputs>,
    inputKeys: [of.db.connectionArg, ...parents, arg],
    replaceOn: [of.db.connectionArg, ...parents],
    memberArg: arg,
    validate(i) {
      const problems: InputProblem[] = of.parents ? parentProblems(of, i) : [];
      for (const [key, m] of Object.entries(membersOf(i))) {
        for (const p of single.validate?.(memberInputs(i, key, m)) ?? []) {
          const at = memberPath(arg, key);
          problems.push({ property: p.property ? `${at}.${p.property}` : at, reason: p.reason });
        }
      }
      return problems;
    },
    where: (i) => of.db.where(i),
    identify: (i) => resourceOf(String(i.owner ?? "")),

    async create(i) {
      const keys = Object.keys(membersOf(i));
      const outs = await batched(i, keys, async (k, key) => {
        const r = await k.create(memberInputs(i, key, membersOf(i)[key]));
        return r.outs;
      });
      return { id: i.owner, outs: { ...i, ...outputsOf(outs) } };
    },

    async read(id, s): Promise<ReadResult<State> | undefined> {
      const keys = Object.keys(membersOf(s));
      const found = await batched(s, keys, (k, key) => k.read(s.uuids?.[key] ?? "", memberState(s, key)));
      const members: Record<string, Props> = {};
      const outs = new Map<string, Props>();
      for (const [key, r] of found) {
        // Gone, or moved to another parent: not a member of this collection any more.
        if (!r || parents.some((p) => r.inputs[p] !== s[p])) continue;
        members[key] = memberArgs(r.inputs, membersOf(s)[key]);
        outs.set(key, { ...r.outs, uuid: r.id });
      }
      const inputs = wire({ ...pick(s, [...Object.keys(of.db.base), ...parents]), [arg]: members }) as Inputs;
      return { id, outs: { ...inputs, ...outputsOf(outs) } as State, inputs };
    },

    async update(_id, olds, news) {
      const before = membersOf(olds);
      const after = membersOf(news);
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
      // A member whose change needs a new row is deleted in a first transaction, made in the next.
      const renewed = keys.filter(
        (key) =>
          key in before &&
          key in after &&
          diffInputs(single, memberState(olds, key), memberInputs(news, key, after[key])).replaces.length > 0,
      );
      if (renewed.length) {
        await batched(olds, renewed, (k, key) => k.delete(olds.uuids?.[key] ?? "", memberState(olds, key)));
      }
      const outs = await batched(news, keys, async (k, key): Promise<Props | undefined> => {
        const old = key in before && !renewed.includes(key) ? memberState(olds, key) : undefined;
        if (!(key in after)) {
          await k.delete(old!.uuid, old!);
          return undefined;
        }
        const want = memberInputs(news, key, after[key]);
        if (!old) return (await k.create(want)).outs;
        if (!diffInputs(single, old, want).changes && old.uuid) return old;
        return { ...(await k.update(old.uuid, old, want)), uuid: old.uuid };
      });
      const kept = new Map([...outs].filter((e): e is [string, Props] => e[1] !== undefined));
      return { ...news, ...outputsOf(kept) };
    },

    async delete(_id, s) {
      const keys = Object.keys(membersOf(s));
      await batched(s, keys, (k, key) => k.delete(s.uuids?.[key] ?? "", memberState(s, key)));
    },
  };
}

function pick(o: Props, keys: string[]): Props {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
