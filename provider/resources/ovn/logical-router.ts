/**
 * ovn.LogicalRouter: a Logical_Router row of the northbound database (`ovn-nbctl lr-add`).
 *
 * Logical_Router.name is not unique in the OVN schema: creation is guarded by a `wait` that no
 * row holds the name, in the same transaction as the insert.
 */
import { z } from "zod";
import { del, insert, eq, type OvsdbClient, type Operation, type Row } from "../../ovsdb";
import { ResourceError } from "../../errors";
import type { ResourceKind, ReadResult, Instance } from "../../framework";
import {
  adoptOrInsert,
  holdsRow,
  refuseSuperseded,
  selectOne,
  stringMap,
  supersededRow,
  withGuards,
} from "../common";
import {
  NB_DB,
  commitNb,
  compact,
  describeNb,
  findByName,
  foreignRows,
  guardAbsent,
  guardPresent,
  managedKeys,
  nbBase,
  nbClient,
  ownedIds,
  planRowUpdate,
  selectByUuids,
  type StringMap,
} from "./common";
import { ovnName } from "./validation";

export const routerInputs = z.object({
  ...nbBase,
  name: ovnName("name"),
  enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
  options: stringMap.optional(),
  externalIds: stringMap.optional(),
});
export type RouterInputs = z.infer<typeof routerInputs> & Instance;
export type RouterState = RouterInputs & { uuid: string };

/** The guarded insert of a new router. Pure. */
export function planRouterCreate(i: RouterInputs): Operation[] {
  return [
    guardAbsent("Logical_Router", "name", i.name),
    insert(
      "Logical_Router",
      {
        name: i.name,
        enabled: i.enabled ?? null,
        options: i.options ?? {},
        external_ids: ownedIds(i.externalIds, i),
      },
      { uuidName: "lr" },
    ),
  ];
}

/** Operations bringing a live router row to the inputs. Pure. */
export function planRouterUpdate(live: Row, prev: RouterInputs | undefined, i: RouterInputs): Operation[] {
  const ops = planRowUpdate("Logical_Router", live._uuid as string, live, {
    columns: { name: i.name, enabled: i.enabled ?? null },
    maps: {
      options: { previous: prev?.options, desired: i.options },
      external_ids: { previous: prev?.externalIds, desired: i.externalIds },
    },
    owner: i.owner,
    instance: i.instance,
  });
  if (live.name !== i.name) ops.unshift(guardAbsent("Logical_Router", "name", i.name));
  return ops;
}

async function applyUpdate(c: OvsdbClient, uuid: string, prev: RouterInputs | undefined, i: RouterInputs) {
  const live = await selectOne(c, NB_DB, "Logical_Router", "_uuid", uuid);
  if (!live) {
    throw new ResourceError(
      "PARENT_MISSING",
      `logical router ${i.name} (${uuid}) no longer exists; refresh the stack`,
    );
  }
  refuseSuperseded(`logical router ${i.name}`, live.external_ids as StringMap, prev);
  await commitNb(c, planRouterUpdate(live, prev, i), i);
}

async function create(i: RouterInputs): Promise<{ id: string; outs: RouterState }> {
  const c = await nbClient(i);
  const uuid = await withGuards(`logical router ${i.name}`, async () => {
    return adoptOrInsert({
      what: `logical router ${i.name}`,
      existing: await findByName(c, "Logical_Router", i.name),
      owner: i.owner,
      adopt: i.adopt,
      update: (uuid) => applyUpdate(c, uuid, undefined, i),
      insert: async () => (await commitNb(c, planRouterCreate(i), i))![1].uuid as string,
    });
  });
  return { id: uuid, outs: { ...i, uuid } };
}

async function read(id: string, s: RouterState): Promise<ReadResult<RouterState> | undefined> {
  const c = await nbClient(s);
  const live = await selectOne(c, NB_DB, "Logical_Router", "_uuid", id);
  if (!live || supersededRow(live.external_ids as StringMap, s)) return undefined;
  const inputs = compact({
    nb: s.nb,
    name: live.name as string,
    enabled: (live.enabled as boolean | null) ?? undefined,
    options: managedKeys(live.options, s.options),
    externalIds: managedKeys(live.external_ids, s.externalIds),
    waitForChassis: s.waitForChassis,
    waitTimeoutSeconds: s.waitTimeoutSeconds,
    adopt: s.adopt,
    owner: s.owner,
  }) as RouterInputs;
  return { id, outs: { ...inputs, uuid: id }, inputs };
}

async function updateRouter(id: string, olds: RouterState, news: RouterInputs): Promise<RouterState> {
  const c = await nbClient(news);
  await withGuards(`logical router ${news.name}`, () => applyUpdate(c, id, olds, news));
  return { ...news, uuid: id };
}

async function deleteRouter(id: string, s: RouterState): Promise<void> {
  const c = await nbClient(s);
  await withGuards(`logical router ${s.name}`, async () => {
    const live = await selectOne(c, NB_DB, "Logical_Router", "_uuid", id, [
      "name",
      "ports",
      "static_routes",
      "nat",
      "external_ids",
    ]);
    if (!live || !holdsRow(live.external_ids as StringMap, s)) return; // gone, or not this instance's: leave it
    const children = [
      ["port", "Logical_Router_Port", live.ports],
      ["static route", "Logical_Router_Static_Route", live.static_routes],
      ["NAT rule", "NAT", live.nat],
    ] as const;
    const foreign: string[] = [];
    for (const [what, table, uuids] of children) {
      const cols = table === "Logical_Router_Port" ? ["name", "external_ids"] : ["external_ids"];
      const rows = await selectByUuids(c, table, uuids as string[], cols);
      for (const r of foreignRows(rows, s.owner)) foreign.push(`${what} ${(r.name as string) ?? r._uuid}`);
    }
    if (foreign.length) {
      throw new ResourceError(
        "FOREIGN_CHILDREN",
        `logical router ${s.name} still holds rows this stack does not manage: ${foreign.sort().join(", ")}; ` +
          `remove them (or adopt them) before deleting the router`,
      );
    }
    await commitNb(
      c,
      [
        guardPresent("Logical_Router", id, "ports", live.ports),
        guardPresent("Logical_Router", id, "static_routes", live.static_routes),
        guardPresent("Logical_Router", id, "nat", live.nat),
        del("Logical_Router", [eq("_uuid", id)]),
      ],
      s,
    );
  });
}

export const routerKind: ResourceKind<RouterInputs, RouterState> = {
  label: "ovn.LogicalRouter",
  schema: routerInputs as unknown as z.ZodType<RouterInputs>,
  inputKeys: ["nb", "name", "enabled", "options", "externalIds"],
  replaceOn: ["nb"],
  create,
  read,
  update: updateRouter,
  delete: deleteRouter,
  where: (i) => describeNb(i.nb as RouterInputs["nb"]),
};
