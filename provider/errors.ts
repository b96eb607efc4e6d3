/**
 * Errors raised by resource handlers. Each carries a stable `code`; the message names the
 * resource, the host and what to do. Every message the provider hands to the Pulumi engine starts
 * with its code in brackets (`[ADDRESS_IN_USE] ovn.LogicalSwitchPort "p" on …: …`): in a Node
 * dynamic provider only the message crosses to the engine, so the code travels inside it.
 * `provider/framework.ts` (`translate`) is the one place that gives every error its code.
 *
 * The README lists every code with what it means and what to do (a unit test keeps the two in step).
 */

/** Every code a user can see, in the order the README lists them. */
export const RESOURCE_ERROR_CODES = [
  "INVALID_INPUT", // arguments failed validation (check failures carry it too)
  "PARENT_MISSING", // e.g. a port on a bridge that does not exist
  "NAME_TAKEN", // a row (or flow) with this name exists and is not ours (see `adopt`)
  "OWNED_ELSEWHERE", // a row with this name belongs to another stack or resource
  "DUPLICATE", // two resources of one program declare the same row (refused before anything is written)
  "FOREIGN_CHILDREN", // delete refused: the row holds children the stack does not own
  "STILL_REFERENCED", // delete refused: an ACL match still names the address set or port group
  "CONCURRENT_CHANGE", // the row changed between read and write, repeatedly
  "NOT_APPLIED", // written, but the chassis did not apply it in time (waitForChassis)
  "ADDRESS_IN_USE", // a static address another port on the switch already has
  "UNREACHABLE", // the OVSDB server or the bridge's OpenFlow socket could not be reached in time
  "OVSDB", // the database refused the transaction (or broke the protocol)
  "OPENFLOW", // ovs-ofctl or the switch refused a flow
  "INTERNAL", // an unexpected error: a bug in pulumi-ovs
] as const;

export type ResourceErrorCode = (typeof RESOURCE_ERROR_CODES)[number];

export class ResourceError extends Error {
  constructor(
    readonly code: ResourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ResourceError";
  }
}

/** `text` with the code in front, as the engine shows it: `[NAME_TAKEN] text`. Idempotent. */
export function withCode(code: ResourceErrorCode, text: string): string {
  return text.startsWith(`[${code}] `) ? text : `[${code}] ${text}`;
}

/** One argument problem, reported by `check` before anything is written. */
export interface InputProblem {
  /** Dotted path of the argument, e.g. `tag` or `interface.options.remote_ip`. */
  property: string;
  reason: string;
}
