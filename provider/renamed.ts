/**
 * Arguments and outputs a release renamed. A stack deployed before the rename still holds the old
 * names in its state: {@link upgradeState} turns such state into today's layout before `diff`,
 * `update`, `read` and `delete` see it, so the first `pulumi up` after upgrading shows no change.
 * A program that still passes an old argument name fails `check` with {@link renamedInputs},
 * instead of the value being dropped without a word.
 */
import type { InputProblem } from "./errors";

export interface Renamed {
  /** The old name; a dotted path for a nested argument (`interface.macRequest`). */
  from: string;
  /** The name it has now. */
  to: string;
  /** The OVSDB column it maps to, named in the message (`Logical_Switch_Port.tag_request`). */
  column: string;
  /** An output: only old state holds it, a program never passed it (default: an argument). */
  output?: boolean;
}

type Props = Record<string, unknown>;

function isObject(v: unknown): v is Props {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object holding the last key of dotted `path` in `o` (undefined if there is none), and that key. */
function locate(o: Props, path: string): { holder: Props | undefined; key: string } {
  const parts = path.split(".");
  let holder: unknown = o;
  for (const k of parts.slice(0, -1)) holder = isObject(holder) ? holder[k] : undefined;
  return { holder: isObject(holder) ? holder : undefined, key: parts[parts.length - 1] };
}

/** The value at dotted `path` in `o`, or undefined. */
function valueAt(o: Props, path: string): unknown {
  const { holder, key } = locate(o, path);
  return holder?.[key];
}

/**
 * `check` failures for old argument names in a program's inputs: the engine shows them as
 * `property tag … has a problem: [INVALID_INPUT] tag was renamed tagRequest (column …)`.
 */
export function renamedInputs(renames: readonly Renamed[] | undefined, news: Props): InputProblem[] {
  return (renames ?? [])
    .filter((r) => !r.output && valueAt(news, r.from) != null) // null: nothing, like an absent argument
    .map((r) => ({ property: r.from, reason: `${r.from} was renamed ${r.to} (column ${r.column})` }));
}

/**
 * State (outputs) in today's layout. State is old when it holds a name that no longer exists (one
 * renamed from and not reused: `assignedTag`, `interface.macRequest`); then every rename is
 * applied in the order listed, so a name that was reused (`tag`, now the assigned tag) moves
 * before it is refilled. State in today's layout is returned as it is. Pure.
 */
export function upgradeState<T extends Props>(renames: readonly Renamed[] | undefined, state: T): T {
  if (!renames?.length) return state;
  const reused = new Set(renames.map((r) => r.to));
  // A null output counts: state keeps it (`assignedTag: null` is old state).
  if (!renames.some((r) => !reused.has(r.from) && valueAt(state, r.from) !== undefined)) return state;
  const out = structuredClone(state) as Props;
  for (const r of renames) {
    const from = locate(out, r.from);
    const value = from.holder?.[from.key];
    if (!from.holder || value === undefined) continue;
    delete from.holder[from.key];
    const to = locate(out, r.to);
    if (to.holder) to.holder[to.key] = value;
  }
  return out as T;
}
