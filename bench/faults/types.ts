/**
 * One line of the reliability table printed by `npm run bench:faults`: a fault scenario and what it
 * left behind. Tests run the same scenarios and assert the zeros.
 */
export interface FaultRow {
  /** What was done, e.g. `up --replace ovs.Port` or `NB ovsdb-server restarted mid-up`. */
  scenario: string;
  /** Rows and flows the stack manages in the scenario. */
  objects: number;
  /** How the scenario ended, e.g. `converged` or `failed: [CODE] …`. */
  outcome: string;
  /** Identities (a name, a cookie family) held by more than one row or flow. */
  duplicates: number;
  /** Rows or flows that carry the stack's owner marker but that the stack's state does not hold. */
  orphans: number;
  /** Rows, map keys or flows the stack does not own that existed before and are gone or changed after. */
  foreignLost: number;
  /** Seconds the scenario took (recovery included). */
  seconds?: number;
}
