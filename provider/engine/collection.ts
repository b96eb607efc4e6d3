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
 * ({@link Batch}); if any member's guard or write fails, nothing of the collection is written. An
 * update that removes members deletes them in a second transaction, after the members it keeps or
 * adds took over what they take over (a row under a new key is not the old key's to delete).
 *
 * The state holds the member arguments once (the map argument) and the outputs as maps keyed like
 * it (`uuids`, and each output of the singular resource that is not null).
 */
import { z } from "zod";
import { ResourceError, type InputProblem } from "../errors";
import { diffInputs, sameValue, wire, type Props, type ReadResult, type ResourceKind } from "../framework";
import { resourceOf } from "../resources/common";
import { Batch, BatchAborted } from "./batch";
import { inputSchema, tableKind } from "./table";
import { parentProblems } from "./alternatives";
import { isTableSpec, labelOf, specSchema, type ArgSpec, type OutputDoc, type ResourceSpec } from "./spec";

/** What makes a {@link ResourceSpec} a collection of rows of one singular resource. */
export interface CollectionOf {
  /** The singular resource whose rows (or flows) are the members. */
  of: ResourceSpec;
  /**
   * The singular's arguments given once for the whole collection (its parent: `switch`, `bridge`;
   * for flows also the switch's endpoint); every other argument is a member's.
   */
  shared: readonly string[];
  /** The map argument holding the members by key, e.g. `ports`. */
  arg: string;
  /** The SDK interface of one member's arguments, e.g. `LogicalSwitchPortMember`. */
  member: string;
  /** What a key is, for the argument's doc and messages (e.g. `port name`). */
  key: string;
  /**
   * Rules between members that each member's own check cannot see (e.g. two ports of one switch
   * with one static address): problems with paths from the member (`addresses`), by key.
   */
  validateMembers?: (members: Record<string, Props>) => { key: string; problem: InputProblem }[];
}

/** A collection resource's declaration. */
export interface CollectionSpec extends ResourceSpec {
  collection: CollectionOf;
}

export function isCollectionSpec(spec: ResourceSpec): spec is CollectionSpec {
  return "collection" in spec;
}

/** The parent arguments of a singular spec (`switch`; `switch` and `portGroup` for alternatives). */
export function parentArgsOf(of: ResourceSpec): string[] {
  if (!isTableSpec(of)) return [];
  const ps = of.parents ?? (of.parent ? [of.parent] : []);
  return ps.flatMap((p) => (p.arg ? [p.arg] : []));
}

/** The argument that names a singular's row (a member's key), if it has one. */
export const nameArgOf = (of: ResourceSpec): string | undefined => (isTableSpec(of) ? of.nameArg : undefined);

/** The arguments of one member: the singular's own, but those shared and its name (the key). */
export function memberArgsOf(c: Pick<CollectionOf, "of" | "shared">): Record<string, ArgSpec> {
  const name = nameArgOf(c.of);
  const skip = new Set([...c.shared, ...(name ? [name] : [])]);
  return Object.fromEntries(Object.entries(c.of.args).filter(([k]) => !skip.has(k)));
}

/** The owner marker of member `key` of the resource whose marker is `owner`: `proj/stack/name["key"]`. */
export const memberOwner = (owner: string, key: string): string => `${owner}[${JSON.stringify(key)}]`;

/** The collection's owner marker in a member's marker (`proj/stack/name` of `proj/stack/name["key"]`). Pure. */
export function collectionOwnerOf(owner: string): string | undefined {
  return /^(.*)\["(?:[^"\\]|\\.)*"\]$/.exec(owner)?.[1];
}

/** The declaration of a collection of `of`'s rows (its args, outputs and SDK shape). */
export function collectionSpec(o: {
  type: string;
  doc: string;
  of: ResourceSpec;
  /** The singular's arguments given once (default: its parent arguments). */
  shared?: readonly string[];
  arg: string;
  member: string;
  key: string;
  /** The doc of the map argument (what a member is); the reference adds the member fields. */
  argDoc: string;
  validateMembers?: CollectionOf["validateMembers"];
}): CollectionSpec {
  const { of } = o;
  const shared = o.shared ?? parentArgsOf(of);
  // A shared argument replaces the collection (its members are made anew); what the singular's doc
  // says a change does (a port moves in place) is not so here.
  const parents = Object.fromEntries(
    shared.map((k) => {
      const doc = of.args[k].doc.replace(/\s*Changing it [^.]*\.\s*$/, "");
      return [k, { ...of.args[k], doc, replace: of.args[k].diff !== false } satisfies ArgSpec];
    }),
  );
  // A key that names the row is checked as the singular's name (validate below), so that its
  // message says what a name must be, rather than zod's "Invalid key in record".
  const keySchema = z.string().min(1, "a member key must not be empty");
  const members: ArgSpec = {
    schema: z.record(keySchema as z.ZodType<string>, memberSchema({ of, shared })),
    type: `Record<string, ${o.member}>`,
    doc:
      `${o.argDoc} \`adopt\` given to the collection applies to every member that does not set its own. ` +
      `An empty map is accepted: the resource then holds no rows, and its delete removes none. ` +
      `Changes show per member in \`pulumi preview --diff\`, nested under the argument ` +
      `(\`~ ${o.arg}: { ~ x: { ~ field: … } }\`).`,
  };
  const outputs: Record<string, OutputDoc> = {
    ...(isTableSpec(of)
      ? { uuids: { type: "Record<string, string>", doc: `Each member's ${of.table} row uuid, by ${o.key}.` } }
      : {}),
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
  // A singular whose `adopt` is its own argument (ovs.Flow), not its database's: the collection
  // takes it too, for every member that does not set its own.
  const adopt: Record<string, ArgSpec> =
    !("adopt" in of.db.base) && of.args.adopt
      ? { adopt: { ...of.args.adopt, doc: "Default of every member's `adopt`. " + of.args.adopt.doc } }
      : {};
  return {
    type: o.type,
    doc: o.doc,
    db: of.db,
    args: { ...parents, ...adopt, [o.arg]: members },
    outputs,
    collection: { of, shared, arg: o.arg, member: o.member, key: o.key, validateMembers: o.validateMembers },
    sdk: {
      ownerDoc:
        "The owner marker of the collection, `project/stack/resource-name`; each member's row carries " +
        `\`project/stack/resource-name["${o.key}"]\` in its \`external_ids\`.`,
    },
  };
}

/** The schema of one member's arguments: the singular's, but those shared and its name; unknown fields refused. */
function memberSchema(c: Pick<CollectionOf, "of" | "shared">): z.ZodType {
  const full = isTableSpec(c.of) ? inputSchema(c.of) : specSchema(c.of);
  const keep = new Set([...Object.keys(memberArgsOf(c)), "adopt"]);
  const shape = Object.fromEntries(Object.entries(full.shape).filter(([k]) => keep.has(k)));
  return z.strictObject(shape);
}

type Inputs = Props & { owner: string; instance?: string; adopt?: boolean };
type State = Inputs & { uuids?: Record<string, string> };

/** A member key as Pulumi shows a property path: `ports["web-3"]`. */
export const memberPath = (arg: string, key: string): string => `${arg}[${JSON.stringify(key)}]`;

/**
 * How many members of a collection of non-table resources (flows) are written at once. Reads all
 * start at once: the flow reads of one switch share their dumps (`dumpFamily`).
 */
const PARALLEL_MEMBERS = 8;

type MemberKind = ResourceKind<Inputs, Inputs & { uuid?: string }>;

/**
 * The resource kind (lifecycle) of a collection: every member through its singular lifecycle. For
 * a table, the members' writes are batched into one transaction per round ({@link Batch}); for a
 * singular with its own lifecycle (`plain`, e.g. ovs.Flow, written by ovs-ofctl), members run
 * {@link PARALLEL_MEMBERS} at a time, each as its singular resource would, without a common
 * transaction (a failure part-way leaves the members written so far; each carries its own marker,
 * so the next `up` takes them over).
 */
export function collectionKind(
  spec: CollectionSpec,
  plain?: ResourceKind<Props, Props>,
): ResourceKind<Inputs, State> {
  const { of, arg } = spec.collection;
  const table = isTableSpec(of) ? of : undefined;
  const single = (table ? tableKind(table) : plain) as MemberKind | undefined;
  if (!single)
    throw new ResourceError("INTERNAL", `${labelOf(spec)}: a collection of ${labelOf(of)} needs its kind`);
  const parents = spec.collection.shared;
  const outputKeys = Object.keys(of.outputs ?? {});
  const connection = of.db.connectionArg;
  const shared = Object.keys(of.db.base).filter((k) => k !== "owner" && k !== "adopt");
  const memberKeys = new Set(Object.keys(memberArgsOf(spec.collection)));
  const nameArg = nameArgOf(of);

  const membersOf = (i: Props): Record<string, Props> => (i[arg] ?? {}) as Record<string, Props>;

  /** The singular inputs of member `key` (`m`: its arguments). */
  function memberInputs(i: Props, key: string, m: Props): Inputs {
    const out: Props = {};
    for (const k of [...shared, ...parents]) out[k] = i[k];
    Object.assign(out, m);
    if (nameArg) out[nameArg] = key;
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

  /** The id of member `key`'s singular resource (a row's uuid; a flow reads its own from its state). */
  const idOf = (s: State, key: string): string => s.uuids?.[key] ?? "";

  /** The member arguments a singular read gives back. */
  function memberArgs(inputs: Props, stated: Props): Props {
    const out: Props = {};
    // `adopt` as the member states it (a singular read gives back the collection's default too).
    for (const [k, v] of Object.entries(inputs)) if (memberKeys.has(k) && k !== "adopt") out[k] = v;
    if (stated.adopt !== undefined) out.adopt = stated.adopt;
    return out;
  }

  /** The collection's outputs from the members' singular outputs, by key. */
  function outputsOf(outs: Map<string, Props>): Props {
    const uuids: Record<string, string> = {};
    const maps: Record<string, Record<string, unknown>> = Object.fromEntries(outputKeys.map((k) => [k, {}]));
    for (const [key, o] of outs) {
      if (table) uuids[key] = o.uuid as string;
      for (const k of outputKeys) if (o[k] !== null && o[k] !== undefined) maps[k][key] = o[k];
    }
    return table ? { uuids, ...maps } : maps;
  }

  /**
   * Runs `work` for every member key (through the singular kind of its batched binding), all
   * writes in one transaction per round; the results by key, or the first member's error, named.
   * `parallel`: how many members of a non-table collection run at once.
   */
  async function batched<T>(
    i: Props,
    keys: string[],
    work: (kind: MemberKind, key: string) => Promise<T>,
    parallel = PARALLEL_MEMBERS,
  ): Promise<Map<string, T>> {
    let settled: PromiseSettledResult<T>[];
    if (table) {
      const batch = new Batch(table.db, await table.db.client(i), i);
      settled = await batch.run(
        keys.map((key) => (db) => work(tableKind({ ...table, db }) as MemberKind, key)),
      );
    } else {
      settled = await inTurns(
        keys.map((key) => () => work(single!, key)),
        parallel,
      );
    }
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
  const compared = [...new Set([connection, ...parents, arg])].filter((k) => spec.args[k]?.diff !== false);

  return {
    label: labelOf(spec),
    schema: schema as unknown as z.ZodType<Inputs>,
    inputKeys: compared,
    replaceOn: [...new Set([connection, ...parents.filter((k) => spec.args[k]?.replace)])],
    instanceToken: single.instanceToken,
    memberArg: arg,
    validate(i) {
      const problems: InputProblem[] = table?.parents ? parentProblems(table, i) : [];
      const at = (key: string, p: InputProblem): InputProblem => {
        const path = memberPath(arg, key);
        return { property: p.property ? `${path}.${p.property}` : path, reason: p.reason };
      };
      const keyName = nameArg ? of.args[nameArg].schema : undefined;
      for (const [key, m] of Object.entries(membersOf(i))) {
        const named = keyName?.safeParse(key);
        if (named && !named.success) {
          for (const issue of named.error.issues)
            problems.push(
              at(key, {
                property: "",
                reason: `the key is the ${table?.noun ?? "member"}'s ${nameArg}: ${issue.message}`,
              }),
            );
          continue;
        }
        for (const p of single.validate?.(memberInputs(i, key, m)) ?? []) problems.push(at(key, p));
      }
      for (const x of spec.collection.validateMembers?.(membersOf(i)) ?? [])
        problems.push(at(x.key, x.problem));
      return problems;
    },
    where: (i) => single.where(i),
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
      const found = await batched(
        s,
        keys,
        (k, key) => k.read(idOf(s, key), memberState(s, key)),
        Math.max(1, keys.length),
      );
      const members: Record<string, Props> = {};
      const outs = new Map<string, Props>();
      for (const [key, r] of found) {
        // Gone, or moved to another parent: not a member of this collection any more.
        if (!r || parents.some((p) => !sameValue(r.inputs[p], s[p]))) continue;
        members[key] = memberArgs(r.inputs, membersOf(s)[key]);
        outs.set(key, { ...r.outs, uuid: r.id });
      }
      const own = [...Object.keys(of.db.base), ...parents, ...("adopt" in spec.args ? ["adopt"] : [])];
      const inputs = wire({ ...pick(s, own), [arg]: members }) as Inputs;
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
        await batched(olds, renewed, (k, key) => k.delete(idOf(olds, key), memberState(olds, key)));
      }
      // Members kept or added are written first; members removed are deleted after that, in a
      // transaction of their own, so that a row a new member took over (an ACL under a new label)
      // is no longer theirs to delete.
      const written = keys.filter((key) => key in after);
      const outs = await batched(news, written, async (k, key): Promise<Props> => {
        const old = key in before && !renewed.includes(key) ? memberState(olds, key) : undefined;
        const want = memberInputs(news, key, after[key]);
        if (!old) return (await k.create(want)).outs;
        if (!diffInputs(single, old, want).changes && old.uuid) return old;
        return { ...(await k.update(old.uuid, old, want)), uuid: old.uuid };
      });
      const removed = keys.filter((key) => !(key in after));
      if (removed.length) {
        await batched(olds, removed, (k, key) => k.delete(idOf(olds, key), memberState(olds, key)));
      }
      return { ...news, ...outputsOf(outs) };
    },

    async delete(_id, s) {
      const keys = Object.keys(membersOf(s));
      await batched(s, keys, (k, key) => k.delete(idOf(s, key), memberState(s, key)));
    },
  };
}

/** Runs `jobs`, at most `n` at a time; their outcomes in order. */
async function inTurns<T>(jobs: (() => Promise<T>)[], n: number): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const at = next++;
      try {
        out[at] = { status: "fulfilled", value: await jobs[at]() };
      } catch (reason) {
        out[at] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

function pick(o: Props, keys: readonly string[]): Props {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
