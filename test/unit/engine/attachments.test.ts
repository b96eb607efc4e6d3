/**
 * Attachments (`attachedTo` storage) without a server, on a spec declared here: a root row listed
 * by name in other rows' reference column (a load balancer in `Logical_Switch.load_balancer`).
 * Create attaches through the insert's named uuid in the same transaction; an update attaches and
 * detaches only what the inputs changed and leaves other members of the column alone; refresh shows
 * a removed attachment as drift; delete detaches from every holder; names are resolved first and
 * every missing one is named.
 */
import * as fs from "node:fs";
import { z } from "zod";
import { DatabaseSchema, NamedUuid, checkOperations, type Operation } from "../../../provider/ovsdb";
import type { OvsdbClient } from "../../../provider/ovsdb";
import { checkInputs, type Props } from "../../../provider/framework";
import { inputsFromRow, planCreate, planUpdate, tableKind } from "../../../provider/engine/table";
import { planDetachAll, resolveAttachments } from "../../../provider/engine/attachments";
import type { TableSpec } from "../../../provider/engine/spec";
import { northbound } from "../../../provider/resources/ovn/common";
import { ResourceError } from "../../../provider/errors";
import { INSTANCE_KEY, OWNER_KEY } from "../../../provider/resources/common";

const schema = DatabaseSchema.parse(JSON.parse(fs.readFileSync("/usr/share/ovn/ovn-nb.ovsschema", "utf8")));
const nb = { remote: "unix:/run/ovn/ovnnb_db.sock" };
const owner = "proj/dev/lb";
const instance = "0123456789abcdef";
const U = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
const LB = U(99);
const FOREIGN = U(98);

const spec: TableSpec = {
  type: "ovn:TestAttached",
  doc: "a load balancer attached to switches and routers",
  db: northbound,
  table: "Load_Balancer",
  noun: "load balancer",
  nameArg: "name",
  args: {
    name: { schema: z.string(), type: "string", doc: "name", storage: { column: "name" } },
    switches: {
      schema: z.array(z.string()).optional(),
      type: "string[]",
      doc: "switches",
      storage: {
        attachedTo: {
          table: "Logical_Switch",
          column: "load_balancer",
          noun: "logical switch",
          sdk: "ovn.LogicalSwitch",
        },
      },
    },
    routers: {
      schema: z.array(z.string()).optional(),
      type: "string[]",
      doc: "routers",
      storage: {
        attachedTo: {
          table: "Logical_Router",
          column: "load_balancer",
          noun: "logical router",
          sdk: "ovn.LogicalRouter",
        },
      },
    },
  },
};

function parsed(raw: Props): Props & { owner: string } {
  const r = checkInputs(tableKind(spec), { nb, ...raw, owner });
  expect(r.failures).toEqual([]);
  return { ...r.inputs, owner, instance } as Props & { owner: string };
}
const shape = (ops: Operation[]) => ops.map((o) => `${o.op} ${"table" in o ? o.table : ""}`);
const mutations = (ops: Operation[]) =>
  ops.flatMap((o) => (o.op === "mutate" ? [[o.table, o.where[0][2], ...o.mutations[0]]] : []));

describe("attachments", () => {
  const resolved = {
    switches: { sw0: { uuid: U(1), holds: false }, sw1: { uuid: U(2), holds: false } },
    routers: { lr0: { uuid: U(3), holds: false } },
  };

  it("create: the insert, then each listed row references it by the named uuid, guarded by its name", () => {
    const i = parsed({ name: "lb", switches: ["sw0", "sw1"], routers: ["lr0"] });
    const ops = planCreate(spec, i, undefined, resolved);
    expect(shape(ops)).toEqual([
      "wait Load_Balancer",
      "insert Load_Balancer",
      "wait Logical_Switch",
      "mutate Logical_Switch",
      "wait Logical_Switch",
      "mutate Logical_Switch",
      "wait Logical_Router",
      "mutate Logical_Router",
    ]);
    expect(mutations(ops)).toEqual([
      ["Logical_Switch", U(1), "load_balancer", "insert", [new NamedUuid("row")]],
      ["Logical_Switch", U(2), "load_balancer", "insert", [new NamedUuid("row")]],
      ["Logical_Router", U(3), "load_balancer", "insert", [new NamedUuid("row")]],
    ]);
    expect(ops[2]).toMatchObject({ where: [["_uuid", "==", U(1)]], rows: [{ name: "sw0" }] });
    expect(checkOperations(schema, ops)).toEqual([]);
  });

  it("update: attaches the new row, detaches the dropped one, nothing else (other members stay)", () => {
    const prev = parsed({ name: "lb", switches: ["sw0", "sw1"] });
    const next = parsed({ name: "lb", switches: ["sw0", "sw2"] });
    const live = { _uuid: LB, name: "lb", external_ids: { [OWNER_KEY]: owner, [INSTANCE_KEY]: instance } };
    const r = {
      switches: {
        sw0: { uuid: U(1), holds: true },
        sw1: { uuid: U(2), holds: true },
        sw2: { uuid: U(4), holds: false },
      },
    };
    const ops = planUpdate(spec, live, prev, next, r);
    // Only our uuid is removed from sw1 (a mutate delete of one member): a foreign load balancer
    // in the same column is not named, so it stays.
    expect(mutations(ops)).toEqual([
      ["Logical_Switch", U(2), "load_balancer", "delete", [LB]],
      ["Logical_Switch", U(4), "load_balancer", "insert", [LB]],
    ]);
    expect(JSON.stringify(ops)).not.toContain(FOREIGN);
    expect(checkOperations(schema, ops)).toEqual([]);
    // Same inputs and every listed row holds it: nothing to write.
    expect(planUpdate(spec, live, prev, prev, r)).toEqual([]);
    // A row removed by hand is attached again.
    const gone = { switches: { ...r.switches, sw0: { uuid: U(1), holds: false } } };
    expect(mutations(planUpdate(spec, live, prev, prev, gone))).toEqual([
      ["Logical_Switch", U(1), "load_balancer", "insert", [LB]],
    ]);
    // A dropped row that no longer holds it (or is gone) needs nothing.
    const { sw1: _gone, ...without } = r.switches;
    expect(mutations(planUpdate(spec, live, prev, next, { switches: without }))).toEqual([
      ["Logical_Switch", U(4), "load_balancer", "insert", [LB]],
    ]);
  });

  it("refresh: the listed rows that still hold it; a detachment by hand is drift, foreign holders are not shown", () => {
    const s = parsed({ name: "lb", switches: ["sw0", "sw1"] });
    const live = { _uuid: LB, name: "lb", external_ids: {} };
    const now = {
      switches: { sw0: { uuid: U(1), holds: true }, other: { uuid: U(7), holds: true } },
      routers: {},
    };
    const back = inputsFromRow(spec, live, s as never, now);
    expect(back.switches).toEqual(["sw0"]);
    expect(back.routers).toBeUndefined();
  });

  it("delete: detaches from every row holding it", () => {
    const now = {
      switches: { sw0: { uuid: U(1), holds: true } },
      routers: { lr0: { uuid: U(3), holds: true } },
    };
    const ops = planDetachAll(spec, LB, now);
    expect(mutations(ops)).toEqual([
      ["Logical_Switch", U(1), "load_balancer", "delete", [LB]],
      ["Logical_Router", U(3), "load_balancer", "delete", [LB]],
    ]);
    expect(checkOperations(schema, ops)).toEqual([]);
  });

  describe("resolution, before any write", () => {
    const rows: Record<string, Record<string, unknown>> = {
      sw0: { _uuid: U(1), name: "sw0", load_balancer: [FOREIGN, LB] },
      sw1: { _uuid: U(2), name: "sw1", load_balancer: [FOREIGN] },
    };
    const client = {
      transact: async (_db: string, ops: Operation[]) =>
        ops.map((o) => {
          const name = o.op === "select" ? (o.where[0][2] as string) : "";
          const row = o.op === "select" && o.table === "Logical_Switch" ? rows[name] : undefined;
          // Only the columns asked for, as a server answers.
          const cols = o.op === "select" ? o.columns : undefined;
          return { rows: row ? [cols ? Object.fromEntries(cols.map((k) => [k, row[k]])) : row] : [] };
        }),
    } as unknown as OvsdbClient;

    it("finds each listed row and whether it holds the row", async () => {
      const r = await resolveAttachments(
        client,
        "OVN_Northbound",
        spec,
        undefined,
        { switches: ["sw0", "sw1"] },
        LB,
      );
      expect(r.switches).toEqual({ sw0: { uuid: U(1), holds: true }, sw1: { uuid: U(2), holds: false } });
      expect(r.routers).toEqual({});
    });

    it("names every missing row in one PARENT_MISSING; a row only the previous inputs listed may be gone", async () => {
      const err = await resolveAttachments(
        client,
        "OVN_Northbound",
        spec,
        { switches: ["old"] },
        { switches: ["sw0", "nope1", "nope2"] },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceError);
      expect((err as ResourceError).code).toBe("PARENT_MISSING");
      expect((err as Error).message).toMatch(/switches: logical switch nope1, nope2 does not exist/);
      await expect(
        resolveAttachments(client, "OVN_Northbound", spec, { switches: ["old"] }, { switches: ["sw0"] }),
      ).resolves.toEqual({ switches: { sw0: { uuid: U(1), holds: false } }, routers: {} });
    });
  });
});
