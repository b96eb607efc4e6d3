/**
 * Alternative parents: a child that hangs off one of several parent tables (an ACL on a logical
 * switch or on a port group), declared by `parents` in its {@link TableSpec}. Each alternative is
 * the spec with that one `parent`; the inputs choose it by the parent argument they set (exactly
 * one), and every lifecycle call goes to that variant's kind. Changing the parent argument replaces
 * the resource, like any parent.
 */
import { ResourceError, type InputProblem } from "../errors";
import type { Props, ResourceKind } from "../framework";
import type { TableSpec } from "./spec";

/** The spec with one of its alternative parents. */
function variants(spec: TableSpec): TableSpec[] {
  return (spec.parents ?? []).map((p) => ({ ...spec, parents: undefined, parent: p }));
}

const parentArgs = (spec: TableSpec): string[] => (spec.parents ?? []).map((p) => p.arg!);

/** Problems unless the inputs set exactly one parent argument. Pure. */
export function parentProblems(spec: TableSpec, i: Props): InputProblem[] {
  const args = parentArgs(spec);
  const set = args.filter((k) => i[k] !== undefined);
  if (set.length === 1) return [];
  const either = args.join(" or ");
  if (set.length === 0) {
    return [{ property: args[0], reason: `set ${either}: the ${spec.noun} hangs off one of them` }];
  }
  return [{ property: set[1], reason: `set only one of ${either}: the ${spec.noun} hangs off one of them` }];
}

/** The spec as the inputs place it: the variant whose parent argument they set. */
export function specFor(spec: TableSpec, i: Props): TableSpec {
  if (!spec.parents) return spec;
  const problems = parentProblems(spec, i);
  if (problems.length) {
    throw new ResourceError("INVALID_INPUT", `${problems[0].property}: ${problems[0].reason}`);
  }
  return variants(spec).find((v) => i[v.parent!.arg!] !== undefined)!;
}

/** The resource kind of a spec with alternative parents (`kindOf`: the kind of one variant). */
export function alternativeKind<I extends Props, O extends Props>(
  spec: TableSpec,
  kindOf: (s: TableSpec) => ResourceKind<I, O>,
): ResourceKind<I, O> {
  const kinds = new Map(variants(spec).map((v) => [v.parent!.arg!, kindOf(v)]));
  const pick = (i: Props): ResourceKind<I, O> => kinds.get(specFor(spec, i).parent!.arg!)!;
  const first = [...kinds.values()][0];
  return {
    ...first,
    inputKeys: [...new Set([...kinds.values()].flatMap((k) => k.inputKeys))],
    replaceOn: [...new Set([...kinds.values()].flatMap((k) => k.replaceOn))],
    createFirstOn: [...new Set([...kinds.values()].flatMap((k) => k.createFirstOn ?? []))],
    validate: (i) => {
      const problems = parentProblems(spec, i);
      return [...problems, ...(problems.length ? [] : (pick(i).validate?.(i) ?? []))];
    },
    create: (i) => pick(i).create(i),
    read: (id, s) => pick(s).read(id, s),
    update: (id, olds, news) => pick(news).update(id, olds, news),
    delete: (id, s) => pick(s).delete(id, s),
  };
}
