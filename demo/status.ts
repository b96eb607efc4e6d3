/**
 * Runtime status as it is now. Outputs that describe runtime status (a switch port's `up`, a
 * port's `ofport` and `interfaceError`) are read at create, update and refresh, so right after
 * `pulumi up` the switch ports it just created say `up: false` although they pass traffic: a
 * chassis binds a port only after its interface exists. The demo therefore refreshes the stack
 * (reads every row again) and prints the values from the refreshed state.
 */
import type * as auto from "@pulumi/pulumi/automation";

/** Per resource type, the outputs that describe runtime status. */
export const RUNTIME_STATUS: Record<string, readonly string[]> = {
  "ovs:Port": ["ofport", "interfaceError"],
  "ovn:LogicalSwitchPort": ["up", "dynamicAddresses"],
};

export interface StatusRow {
  /** The resource's name in the program, e.g. `vm1`. */
  name: string;
  /** `ovs.Port`, `ovn.LogicalSwitchPort`. */
  kind: string;
  /** The runtime-status outputs the resource reports (empty ones left out). */
  status: Record<string, unknown>;
}

/** `pulumi refresh`, then the runtime-status outputs of every resource, read from the fresh state. */
export async function currentStatus(stack: auto.Stack): Promise<StatusRow[]> {
  await stack.refresh({ color: "never" });
  return statusRows(await stack.exportStack());
}

/** The runtime-status outputs held in a stack's state. */
export function statusRows(state: auto.Deployment): StatusRow[] {
  const resources =
    (state.deployment as { resources?: { type: string; urn: string; outputs?: Record<string, unknown> }[] })
      .resources ?? [];
  const rows: StatusRow[] = [];
  for (const r of resources) {
    const type = r.type.replace(/^pulumi-nodejs:dynamic\//, "");
    const keys = RUNTIME_STATUS[type];
    if (!keys) continue;
    const status = Object.fromEntries(
      keys.map((k) => [k, r.outputs?.[k]]).filter(([, v]) => v !== undefined && v !== null),
    );
    rows.push({ name: r.urn.split("::").pop() ?? r.urn, kind: type.replace(":", "."), status });
  }
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** `up: true, ofport: 3` */
export function formatStatus(status: Record<string, unknown>): string {
  return Object.entries(status)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}
