/**
 * Chassis with priorities, as a router port's gateway chassis (Gateway_Chassis rows,
 * `lrp-set-gateway-chassis`) and an HA chassis group's members (HA_Chassis rows,
 * `ha-chassis-group-add-chassis`) take them: chassis names in priority order (the first is
 * preferred) or `{ chassis, priority }` objects; a chassis listed twice is refused at check.
 */
import { z } from "zod";
import type { ArgSpec } from "../../engine/spec";
import { ovnName } from "./validation";
import { asSet, intIn } from "../values";

export const priority = intIn("priority", 0, 32767, " (highest wins)");

/** One chassis of a gateway port or an HA chassis group. */
export interface ChassisPriority {
  chassis: string;
  priority: number;
}

/**
 * Chassis names become `{ chassis, priority }`: listed names get descending priorities (the first
 * is preferred), objects keep theirs. Pure.
 */
export function normalizeChassis(list: (string | ChassisPriority)[]): ChassisPriority[] {
  return list.map((e, n) => (typeof e === "string" ? { chassis: e, priority: list.length - n } : e));
}

/** The chassis named more than once in `list` (names and objects alike), once each. Pure. */
function listedTwice(list: (string | ChassisPriority)[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const e of list) {
    const chassis = typeof e === "string" ? e : e.chassis;
    (seen.has(chassis) ? twice : seen).add(chassis);
  }
  return [...twice];
}

/**
 * The schema of argument `arg`: a list of names or objects, as a set of `{ chassis, priority }`. A
 * chassis given twice is refused before the set would merge identical entries.
 */
export function chassisList(arg: string) {
  const entry = z.union([ovnName(arg), z.object({ chassis: ovnName("chassis"), priority })], {
    error: `${arg} entries: accepted a chassis name (system-id) or { chassis: "gw1", priority: 20 }`,
  });
  return z
    .array(entry, {
      error: `${arg}: accepted a list of chassis names in priority order, or { chassis, priority } objects`,
    })
    .superRefine((list, ctx) => {
      for (const chassis of listedTwice(list))
        ctx.addIssue({
          code: "custom",
          message: `chassis ${chassis} is listed twice; give each chassis once, with one priority`,
        });
    })
    .transform((list) => asSet(normalizeChassis(list)));
}

/** The fields of a member row holding a chassis and its priority (`chassis_name`, `priority`). */
export function chassisFields(table: string): Record<string, ArgSpec> {
  return {
    chassis: {
      schema: ovnName("chassis"),
      type: "string",
      doc: `The chassis name (its \`system-id\`; \`${table}.chassis_name\`).`,
      storage: { column: "chassis_name" },
    },
    priority: {
      schema: priority,
      type: "number",
      doc: `0..32767; the highest-priority live chassis hosts the gateway (\`${table}.priority\`).`,
      storage: { column: "priority" },
    },
  };
}
