/**
 * Errors of the OpenFlow layer. Each carries a stable `code`; the message says what failed, on
 * which OpenFlow target, and quotes ovs-ofctl's own words.
 */

export type OpenFlowErrorCode =
  | "OFCTL_MISSING" // ovs-ofctl is not installed (or not on PATH)
  | "CONNECT" // the switch could not be reached (socket missing, refused, TLS failure)
  | "VERSION" // OpenFlow version negotiation failed (bridge `protocols` vs `openflowVersion`)
  | "UNKNOWN_PORT" // a port name in match or actions does not exist on the bridge
  | "REJECTED" // ovs-ofctl refused the flow, or the switch answered with an OpenFlow error
  | "TIMEOUT" // ovs-ofctl did not finish in time
  | "UNEXPECTED_OUTPUT" // ovs-ofctl printed something this driver cannot read
  | "TAKEN"; // a flow not managed by this resource has the same table, priority and match

export class OpenFlowError extends Error {
  constructor(
    readonly code: OpenFlowErrorCode,
    message: string,
    /** The OpenFlow target the command was aimed at, e.g. `unix:/run/openvswitch/br0.mgmt`. */
    readonly target?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OpenFlowError";
  }
}

/** Flow fields as dumped, for {@link FlowTakenError}. */
export interface ForeignFlow {
  /** The flow as `dump-flows --no-stats` printed it. */
  line: string;
}

/**
 * Adding the flow would have replaced a flow this resource does not own (same table, priority and
 * match: OpenFlow keeps one flow per match and priority). The foreign flow was put back as it was.
 */
export class FlowTakenError extends OpenFlowError {
  constructor(
    readonly flows: ForeignFlow[],
    target: string,
  ) {
    super(
      "TAKEN",
      `a flow with the same table, priority and match already exists and is not managed by this resource: ` +
        `${flows.map((f) => f.line).join(" | ")}; it was left as it was. Remove it (ovs-ofctl del-flows --strict), ` +
        `choose another priority or match, or set "adopt: true" to take it over`,
      target,
    );
    this.name = "FlowTakenError";
  }
}
