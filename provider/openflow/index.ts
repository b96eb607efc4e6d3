/**
 * OpenFlow flow handling. Today every switch operation is an `ovs-ofctl` run (argv only):
 *
 * - `syntax`  flow texts in and out: building add/mod/del texts, reading dump-flows lines (pure)
 * - `cookie`  ownership: a cookie family per resource, generations for window-free replacement (pure)
 * - `plan`    the steps from observed flows to the desired one (pure)
 * - `target`  where to connect: the bridge's mgmt socket, or a passive controller listener (pure)
 * - `check`   offline syntax checking with `ovs-ofctl parse-flow` (used by preview)
 * - `ofctl`   the driver: dump-flows, add-flow, mod-flows --strict, del-flows, errors with codes
 * - `apply`   running planned steps with the foreign-flow guard, reading the installed flow back
 *
 * No Pulumi imports.
 */
export * from "./errors";
export * from "./cookie";
export * from "./syntax";
export * from "./plan";
export * from "./target";
export * from "./check";
export * from "./ofctl";
export * from "./apply";
