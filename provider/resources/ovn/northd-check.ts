/**
 * The check with the southbound database (`sb`) that ovn.Acl and ovn.Qos share: after the insert,
 * wait until ovn-northd has written the southbound database for it, then let OVN's own expression
 * parser read every logical flow there (`ovn-trace`, which warns about each flow whose match it
 * cannot parse, the flows ovn-controller would ignore). A flow made from the rule's match that OVN
 * cannot parse undoes the insert and fails with OVN's message.
 */
import { z } from "zod";
import { eq, mutate, type OvsdbClient } from "../../ovsdb";
import { spawnArgv } from "../../openflow/ofctl";
import { ResourceError } from "../../errors";
import type { Props } from "../../framework";
import type { ArgSpec, WriteContext } from "../../engine/spec";
import { NB_DB, bumpNbCfg, waitForCfg } from "./common";

/** How long create waits for ovn-northd to turn a new rule into logical flows (with `sb`). */
const NORTHD_TIMEOUT_MS = 10_000;

/** A logical flow OVN's parser refused: its match and OVN's message. */
export interface RefusedFlow {
  match: string;
  reason: string;
}

/**
 * Bumps `nb_cfg` and blocks until ovn-northd has written the southbound database for it
 * (`sb_cfg`), as `ovn-nbctl --wait=sb sync` does; NOT_APPLIED after 10 s. `noun`: what was written.
 */
export async function waitForNorthd(c: OvsdbClient, noun: string): Promise<void> {
  const results = await c.transact(NB_DB, bumpNbCfg());
  const target = results[1].rows?.[0]?.nb_cfg as number | undefined;
  if (target === undefined || (await waitForCfg(c, "sb_cfg", target, NORTHD_TIMEOUT_MS))) return;
  throw new ResourceError(
    "NOT_APPLIED",
    `the ${noun} was written, but ovn-northd did not process it within ${NORTHD_TIMEOUT_MS / 1000} s, so its ` +
      "match could not be confirmed (is ovn-northd running?)",
  );
}

/**
 * The logical flows of the southbound database at `sbRemote` that OVN's expression parser refuses,
 * as `ovn-trace` reports them while it loads the flows (it is asked to trace through a datapath
 * that does not exist, so it loads them and stops).
 */
export async function refusedFlows(sbRemote: string): Promise<RefusedFlow[]> {
  const r = await spawnArgv(["ovn-trace", `--db=${sbRemote}`, "pulumi-ovs-no-such-datapath", "1"], 30_000);
  if (r.spawnError) {
    throw new ResourceError(
      "INVALID_INPUT",
      `sb: cannot run ovn-trace to check the match: ${r.spawnError.message}`,
    );
  }
  // One log entry per refused flow, starting with its timestamp; a match may span lines.
  return r.stderr
    .split(/\n(?=\d{4}-\d\d-\d\dT)/)
    .map((l) => /\|WARN\|([^]*): parsing expression failed \((.*)\)\n?$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ match: m[1], reason: m[2] }));
}

/** The `sb` argument of a rule whose match ovn-northd copies into logical flows; `noun`: "ACL", "QoS rule". */
export function sbArg(noun: string, extra = ""): ArgSpec {
  return {
    schema: z.object({ remote: z.string({ error: "sb.remote must be a string" }) }).optional(),
    type: "{ remote: string }",
    fields: { remote: "The southbound database's remote, e.g. `unix:/run/ovn/ovnsb_db.sock`." },
    doc:
      'The southbound database (e.g. `{ remote: "unix:/run/ovn/ovnsb_db.sock" }`; no TLS): when set, create ' +
      `waits for ovn-northd and checks the ${noun}'s logical flows with OVN's own parser (\`ovn-trace\`, which ` +
      "must be installed where Pulumi runs); a match OVN cannot parse undoes the create and fails with OVN's " +
      `message.${extra}`,
  };
}

/**
 * The afterWrite hook of a rule with an `sb` argument: waits for ovn-northd, and when a flow made
 * from the rule's match is refused by OVN's parser ({@link refusedFlows}; `madeFrom` tells a flow's
 * match from the rule's), removes the rule from its parent (`parent(i)`: table, column, name) and
 * fails with INVALID_INPUT naming `match` and quoting OVN's message.
 */
export function confirmParsed(
  noun: string,
  parent: (i: Props) => { table: string; column: string; name: string },
  madeFrom: (flowMatch: string, match: string) => boolean,
): (x: WriteContext & { uuid: string }) => Promise<void> {
  return async ({ c, i, uuid }) => {
    const sb = i.sb as { remote: string } | undefined;
    if (!sb) return;
    await waitForNorthd(c, noun);
    const match = i.match as string;
    const refused = (await refusedFlows(sb.remote)).find((f) => madeFrom(f.match, match));
    if (!refused) return;
    const p = parent(i);
    await c.transact(NB_DB, [mutate(p.table, [eq("name", p.name)], [[p.column, "delete", [uuid]]])]);
    throw new ResourceError(
      "INVALID_INPUT",
      `match: OVN cannot parse it: ${refused.reason} (the ${noun} was removed again)`,
    );
  };
}
