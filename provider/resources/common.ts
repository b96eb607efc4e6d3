/**
 * Pieces shared by resource handlers: argument schemas (host, maps, names, addresses), the owner
 * marker, map-column planning, and guarded transactions.
 */
import { z } from "zod";
import { Address4, Address6 } from "ip-address";
import {
  OvsdbTransactionError,
  parseRemotes,
  select,
  eq,
  type OvsdbClient,
  type Operation,
  type Row,
  type Mutation,
} from "../ovsdb";
import { ResourceError } from "../errors";
import type { Connection } from "../pool";

/** external_ids key that marks rows created (or adopted) by a stack. */
export const OWNER_KEY = "pulumi-ovs-owner";
/**
 * external_ids key holding the token of the resource *instance* that holds the row (see
 * {@link holdsRow}). The owner marker names the resource (`project/stack/name`); a replacement
 * (`pulumi up --replace`) is a second instance of the same resource, with the same marker.
 */
export const INSTANCE_KEY = "pulumi-ovs-instance";

// ---- argument schemas --------------------------------------------------------------------------

export const tlsSchema = z.object(
  {
    privateKey: z.string({ error: "privateKey: PEM text of the private key" }).min(1),
    certificate: z.string({ error: "certificate: PEM text of the certificate" }).min(1),
    caCert: z.string({ error: "caCert: PEM text of the CA certificate" }).min(1),
  },
  { error: "tls must be { privateKey, certificate, caCert } (PEM texts)" },
);

export const connectionSchema = z.object(
  {
    remote: z.string().superRefine((s, ctx) => {
      try {
        parseRemotes(s);
      } catch (e) {
        ctx.addIssue({
          code: "custom",
          message: `${(e as Error).message}; accepted: unix:PATH, tcp:HOST:PORT, ssl:HOST:PORT, comma-separated`,
        });
      }
    }),
    tls: tlsSchema.optional(),
  },
  { error: "expected a connection { remote: string, tls?: {...} }" },
);

/** A map column (`external_ids`, `options`, `other_config`): string keys and values. */
export const stringMap = z.record(z.string(), z.string({ error: "map values must be strings" }));

export const ownerSchema = z.string().min(1, "owner marker is missing (set by the SDK)");

/**
 * Network device names: what Linux accepts for an interface (1..15 bytes, no "/", no whitespace,
 * not "." or ".."). OVS bridges and ports become devices, so this is the practical rule.
 */
export const deviceName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(15, `${what} must be at most 15 characters (a Linux interface name)`)
    .refine((s) => !/[\s/]/.test(s) && s !== "." && s !== "..", {
      message: `${what} must not contain "/" or whitespace`,
    });

export function isIpv4(s: string): boolean {
  return Address4.isValid(s) && !s.includes("/");
}
export function isIpv6(s: string): boolean {
  return Address6.isValid(s) && !s.includes("/");
}
export function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}

export const ipAddress = z
  .string()
  .refine(isIp, { message: "not an IP address; accepted: IPv4 or IPv6, e.g. 172.29.101.82" });

// ---- ownership ---------------------------------------------------------------------------------

export function ownerOf(row: Row): string | undefined {
  const ids = row.external_ids as Record<string, string> | undefined;
  return ids?.[OWNER_KEY];
}

/** An owner marker without the member part of a collection's member (`…/ports["web-3"]` → `…/ports`). */
function withoutMember(owner: string): { base: string; member: string } {
  const m = /\["(?:[^"\\]|\\.)*"\]$/.exec(owner);
  return m ? { base: owner.slice(0, m.index), member: m[0] } : { base: owner, member: "" };
}

/**
 * The stack part (project/stack) of an owner marker `project/stack/resource` (or, for a member
 * of a collection resource, `project/stack/resource["key"]`).
 */
export function stackOf(owner: string): string {
  const { base } = withoutMember(owner);
  const i = base.lastIndexOf("/");
  return i < 0 ? base : base.slice(0, i);
}

/**
 * The resource part of an owner marker `project/stack/resource` (the Pulumi resource name; for a
 * collection's member, with its key: `ports["web-3"]`).
 */
export function resourceOf(owner: string): string {
  const { base, member } = withoutMember(owner);
  return base.slice(base.lastIndexOf("/") + 1) + member;
}

/** The two external_ids keys that say who holds a row (a ChassisConfig uses its own pair). */
export interface MarkerKeys {
  owner: string;
  instance: string;
}
export const ROW_MARKER: MarkerKeys = { owner: OWNER_KEY, instance: INSTANCE_KEY };

/** The resource and instance a state (or inputs) stands for: its owner marker and instance token. */
export interface Holder {
  owner: string;
  /** The token its create (or takeover) wrote; undefined in state written before tokens existed. */
  instance?: string;
}

/**
 * Whether the instance `h` holds a row whose external_ids are `ids`: the row carries its owner
 * marker and its instance token. A create that finds a row with its own marker (an interrupted
 * create, or the old instance during a create-before-delete replacement) takes it over and writes a
 * fresh token; from then on only the new instance holds the row, and the old instance's delete
 * leaves it. State without a token (written before tokens existed) holds only rows without one. Pure.
 */
export function holdsRow(
  ids: Record<string, string> | undefined,
  h: Holder,
  keys: MarkerKeys = ROW_MARKER,
): boolean {
  return ids?.[keys.owner] === h.owner && ids?.[keys.instance] === h.instance;
}

/**
 * Whether a row carries the marker of `h`'s resource but another instance holds it (a newer
 * instance took it over). Refresh reports such a row as gone for `h`, delete leaves it, update
 * refuses to change it. Pure.
 */
export function supersededRow(
  ids: Record<string, string> | undefined,
  h: Holder,
  keys: MarkerKeys = ROW_MARKER,
): boolean {
  return ids?.[keys.owner] === h.owner && ids?.[keys.instance] !== h.instance;
}

/** external_ids of a new row (or the keys a takeover writes): the user's keys, the marker and the token. Pure. */
export function ownedIds(
  externalIds: Record<string, string> | undefined,
  h: Holder,
  keys: MarkerKeys = ROW_MARKER,
): Record<string, string> {
  return {
    ...(externalIds ?? {}),
    [keys.owner]: h.owner,
    ...(h.instance !== undefined ? { [keys.instance]: h.instance } : {}),
  };
}

/** The marker keys of `h` that a live row lacks or holds with another value (to set on takeover or update). Pure. */
export function markerChanges(
  ids: Record<string, string> | undefined,
  h: Holder,
  keys: MarkerKeys = ROW_MARKER,
): Record<string, string> {
  const want = ownedIds(undefined, h, keys);
  return Object.fromEntries(Object.entries(want).filter(([k, v]) => ids?.[k] !== v));
}

/**
 * Refuse an update of a row that a newer instance of the same resource holds (`prev`: the state
 * being updated). Never happens in a normal run: the engine updates only the live instance.
 */
export function refuseSuperseded(
  what: string,
  ids: Record<string, string> | undefined,
  prev: Holder | undefined,
  keys: MarkerKeys = ROW_MARKER,
): void {
  if (prev && supersededRow(ids, prev, keys)) {
    throw new ResourceError(
      "OWNED_ELSEWHERE",
      `${what} is now held by a newer instance of this resource (a replacement); refresh the stack`,
    );
  }
}

/**
 * What create does when a row with the wanted name exists: continue (the row is this resource's, or
 * another resource's of the same stack, or `adopt` takes a row no stack manages), or fail with a
 * message that says whose it is and how to adopt it.
 */
export function claimExisting(opts: {
  what: string;
  row: Row;
  owner: string;
  adopt: boolean;
  /** The other way out, for a row that is not found by a name: e.g. `change its direction, priority or match`. */
  instead?: string;
}): void {
  const current = ownerOf(opts.row);
  if (current === opts.owner) return; // ours already (an earlier, interrupted create)
  // Another resource of this stack held it: the row moves to the resource that declares it now (from
  // an ovn.LogicalSwitchPort to an ovn.LogicalSwitchPorts member, or a renamed resource). The SDK
  // refuses a program that declares one row twice ([DUPLICATE]), so the old holder is a resource the
  // program dropped; its delete leaves the row, which no longer carries its marker and instance.
  if (current !== undefined && stackOf(current) === stackOf(opts.owner)) return;
  if (current !== undefined) {
    throw new ResourceError(
      "OWNED_ELSEWHERE",
      `${opts.what} already exists and belongs to "${current}"; remove it there first`,
    );
  }
  if (!opts.adopt) {
    throw new ResourceError(
      "NAME_TAKEN",
      `${opts.what} already exists and is not managed by this stack; set "adopt: true" to take it over ` +
        `(Pulumi cannot import dynamic resources), or ${opts.instead ?? "choose another name"}`,
    );
  }
}

/**
 * The create step shared by resources whose rows are found by a unique name: when a row with the
 * name exists, claim it (ours already, or `adopt`) and bring it to the inputs with `update`;
 * otherwise `insert` it. Returns the row's uuid.
 */
export async function adoptOrInsert(p: {
  what: string;
  existing: Row | undefined;
  owner: string;
  adopt: boolean | undefined;
  update: (uuid: string) => Promise<void>;
  insert: () => Promise<string>;
}): Promise<string> {
  if (!p.existing) return p.insert();
  claimExisting({ what: p.what, row: p.existing, owner: p.owner, adopt: p.adopt ?? false });
  const uuid = p.existing._uuid as string;
  await p.update(uuid);
  return uuid;
}

// ---- map columns -------------------------------------------------------------------------------

export interface MapPlan {
  set: Record<string, string>;
  remove: string[];
}

/**
 * Plan a map column: set the desired keys whose live value differs, remove keys the program no
 * longer mentions (they were in the previous inputs), and leave every other key alone (written
 * by ovs-vswitchd, ovn-controller or other tools).
 */
export function planMap(
  live: Record<string, string> | undefined,
  previous: Record<string, string> | undefined,
  desired: Record<string, string> | undefined,
): MapPlan {
  const cur = live ?? {};
  const want = desired ?? {};
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (cur[k] !== v) set[k] = v;
  const remove = Object.keys(previous ?? {}).filter((k) => !(k in want) && k in cur);
  return { set, remove };
}

/** Mutations for a map plan: delete changed and removed keys, then insert new values. */
export function mapMutations(column: string, plan: MapPlan): Mutation[] {
  const out: Mutation[] = [];
  const del = [...plan.remove, ...Object.keys(plan.set)];
  if (del.length) out.push([column, "delete", del]);
  if (Object.keys(plan.set).length) out.push([column, "insert", plan.set]);
  return out;
}

/** The managed keys of a live map: what `read` reports, so refresh shows drift in those keys only. */
export function managedView(
  live: Record<string, string> | undefined,
  managed: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(managed ?? {})) if (live && k in live) out[k] = live[k];
  return out;
}

// ---- children and their parents -----------------------------------------------------------------

/**
 * The name of the parent a child row is read under: the one the program names when it holds the
 * child, else the first that does; undefined when none does. A child whose parent is gone (deleted
 * by hand, e.g. `ovs-vsctl del-br`, `ovn-nbctl ls-del`/`lr-del`) reads as gone, so `refresh` drops
 * it and the next `up` creates it again under the re-created parent. Every child's `read` decides
 * this here. Pure.
 */
export function parentOf(parents: readonly Row[], wanted: string): string | undefined {
  if (parents.length === 0) return undefined;
  return parents.some((p) => p.name === wanted) ? wanted : (parents[0].name as string);
}

// ---- transactions ------------------------------------------------------------------------------

export async function selectOne(
  client: OvsdbClient,
  db: string,
  table: string,
  column: string,
  value: string,
  columns?: string[],
): Promise<Row | undefined> {
  const rows = await selectRows(client, db, table, [eq(column, value)], columns);
  return rows[0];
}

export async function selectRows(
  client: OvsdbClient,
  db: string,
  table: string,
  where: ReturnType<typeof eq>[],
  columns?: string[],
): Promise<Row[]> {
  const cols = columns ? [...new Set(["_uuid", ...columns])] : undefined;
  const [r] = await client.transact(db, [select(table, where, cols)]);
  return (r.rows ?? []) as Row[];
}

/**
 * Run a plan-and-transact step; when a guard (`wait` with timeout 0) fails because a row changed
 * between read and write, read and plan again, a few times, then give up naming the conflict.
 */
export async function withGuards<T>(what: string, step: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (e) {
      const guardFailed = e instanceof OvsdbTransactionError && e.error === "timed out";
      if (!guardFailed) throw e;
      if (i >= attempts) {
        throw new ResourceError(
          "CONCURRENT_CHANGE",
          `${what} kept changing while being updated (another writer?); nothing was written, run again`,
          { cause: e },
        );
      }
    }
  }
}

export function describeConnection(c: Connection | undefined): string {
  return c?.remote ? `host ${c.remote}` : "host (unknown)";
}

/**
 * Runs `waits` (wait operations whose timeout is `ms`) in one transaction of database `db`: true
 * when their conditions came true, false when they timed out.
 */
export async function waitUntil(
  c: OvsdbClient,
  db: string,
  waits: Operation[],
  ms: number,
): Promise<boolean> {
  try {
    await c.transact(db, waits, { timeoutMs: ms + 10_000 });
    return true;
  } catch (e) {
    if (e instanceof OvsdbTransactionError && e.error === "timed out") return false;
    throw e;
  }
}
