/**
 * Errors raised by resource handlers. Each carries a stable `code`; the message names the
 * resource, the host and what to do.
 */

export type ResourceErrorCode =
  | "INVALID_INPUT" // arguments failed validation
  | "PARENT_MISSING" // e.g. a port on a bridge that does not exist
  | "NAME_TAKEN" // a row with this name exists and is not ours (see `adopt`)
  | "OWNED_ELSEWHERE" // a row with this name belongs to another stack or resource
  | "FOREIGN_CHILDREN" // delete refused: the row holds children the stack does not own
  | "CONCURRENT_CHANGE" // the row changed between read and write, repeatedly
  | "NOT_APPLIED" // written, but the chassis did not apply it in time (waitForChassis)
  | "ADDRESS_IN_USE" // a static address another port on the switch already has
  | "UNREACHABLE" // the parent is there but its daemon does not answer (a bridge whose ovs-vswitchd is down)
  | "OVSDB"; // the database refused the transaction

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

/** One argument problem, reported by `check` before anything is written. */
export interface InputProblem {
  /** Dotted path of the argument, e.g. `tag` or `interface.options.remote_ip`. */
  property: string;
  reason: string;
}
