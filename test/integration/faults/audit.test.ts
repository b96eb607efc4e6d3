/**
 * The fault audit (bench/faults/audit.ts) against a real OVN northbound ovsdb-server: it counts
 * a name held by two rows, a row with the stack's marker that the state does not hold, and a
 * foreign row or key that disappeared, and nothing else. The e2e fault tests' zeros rest on it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { audit, foreignFacts, readLive, type AuditScope } from "../../../bench/faults/audit";
import { TestOvsdbServer } from "../../../sandbox/ovsdb-server";
import type { ExportedState } from "../../e2e/harness/pulumi";

jest.setTimeout(60_000);
const execFileP = promisify(execFile);

/** A stack export holding the given owner markers (what the audit reads from the state). */
function stateWith(owners: string[]): ExportedState {
  const resources = owners.map((owner) => ({
    urn: `urn:pulumi:s::p::pulumi-nodejs:dynamic:Resource::${owner}`,
    type: "pulumi-nodejs:dynamic:Resource",
    outputs: { owner, externalIds: { app: "x" } },
  }));
  return { version: 3, deployment: { manifest: {}, resources } } as unknown as ExportedState;
}

describe("fault audit", () => {
  let nb: TestOvsdbServer;
  let scope: AuditScope;
  const nbctl = async (...args: string[]) =>
    (await execFileP("ovn-nbctl", [`--db=${nb.unix}`, ...args])).stdout;
  /** `ovn-nbctl create` (unlike ls-add, it writes a name twice: the schema does not index it). */
  const owned = (name: string, owner = `p/s/${name}`) => [
    "--",
    "create",
    "Logical_Switch",
    `name=${name}`,
    `external_ids:pulumi-ovs-owner=${owner}`,
  ];

  beforeAll(async () => {
    nb = await TestOvsdbServer.start("nb");
    scope = { stack: "p/s", dbs: [{ database: "OVN_Northbound", remote: nb.unix }] };
  });
  afterAll(async () => {
    await nb?.stop();
  });

  it("counts duplicates, orphans and lost foreign facts, and only those", async () => {
    await nbctl(
      ...owned("a").slice(1),
      ...owned("b"),
      "--",
      "ls-add",
      "foreign",
      "--",
      "set",
      "Logical_Switch",
      "foreign",
      "external_ids:keep=1",
    );
    await nbctl("set", "Logical_Switch", "a", "external_ids:other-tool=1", "external_ids:app=x");
    const state = stateWith(["p/s/a", "p/s/b"]);
    const before = foreignFacts(scope, await readLive(scope), state);
    // The foreign switch, its key, and a's other-tool key; not a's managed "app" nor the markers.
    expect([...before].sort()).toEqual([
      "OVN_Northbound/Logical_Switch/a external_ids:other-tool=1",
      "OVN_Northbound/Logical_Switch/foreign",
      "OVN_Northbound/Logical_Switch/foreign external_ids:keep=1",
    ]);
    expect(await audit(scope, state, before)).toMatchObject({ duplicates: 0, orphans: 0, foreignLost: 0 });

    // A second row named "a" with a's marker, a row of this stack the state does not hold, a row of
    // another stack (not ours: no orphan), a lost foreign key and a changed managed key (allowed).
    await nbctl(...owned("a").slice(1), ...owned("c"), ...owned("d", "p/other/d"));
    await nbctl(
      "remove",
      "Logical_Switch",
      "foreign",
      "external_ids",
      "keep",
      "--",
      "set",
      "Logical_Switch",
      "b",
      "external_ids:app=y",
    );
    const r = await audit(scope, state, before);
    // The second "a" is one extra row, counted once though it repeats both a name and a marker.
    expect(r).toMatchObject({ duplicates: 1, orphans: 1, foreignLost: 1 });
    expect(r.details).toEqual(
      expect.arrayContaining([
        "orphan: OVN_Northbound/Logical_Switch c (owner p/s/c)",
        "duplicate: OVN_Northbound/Logical_Switch name=a held by 2 rows",
        "duplicate: OVN_Northbound/Logical_Switch owner=p/s/a held by 2 rows",
        "foreign lost: OVN_Northbound/Logical_Switch/foreign external_ids:keep=1",
      ]),
    );
  });
});
