/**
 * Issue 12: ovn.HaChassisGroup (HA_Chassis_Group with its HA_Chassis rows) and a router port's
 * `haChassisGroup`, through the provider handlers against a real NB ovsdb-server with ovn-northd;
 * rows checked with ovn-nbctl.
 */
import { OWNER_KEY } from "../../../provider/resources/common";
import {
  codeOf,
  createVia,
  errorOf,
  nbGet,
  provider,
  startCentral,
  updateVia,
  type OvnCentral,
  type Props,
} from "./ovn-fixtures";

jest.setTimeout(60_000);

const owner = (name: string) => `proj/dev/${name}`;
let central: OvnCentral;
let nb: { remote: string };

beforeAll(async () => {
  central = await startCentral({ northd: true });
  nb = { remote: central.nb.unix };
});
afterAll(async () => {
  await provider.closeAll();
  await central?.stop();
});

/** A group's HA_Chassis rows as `[chassis, priority]` pairs, highest priority first. */
async function members(group: string): Promise<[string, number][]> {
  const refs = (
    await central.nbctl("--bare", "--columns=ha_chassis", "find", "HA_Chassis_Group", `name=${group}`)
  ).split(/\s+/);
  const out: [string, number][] = [];
  for (const r of refs.filter(Boolean)) {
    const [chassis, prio] = (
      await central.nbctl("--bare", "--columns=chassis_name,priority", "list", "HA_Chassis", r)
    )
      .split(/\s+/)
      .filter(Boolean);
    out.push([chassis, Number(prio)]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

/** The uuids of the HA_Chassis rows, by chassis. */
async function memberUuids(): Promise<Record<string, string>> {
  const out = await central.nbctl("--bare", "--columns=_uuid,chassis_name", "list", "HA_Chassis");
  const words = out.split(/\s+/).filter(Boolean);
  const m: Record<string, string> = {};
  for (let n = 0; n + 1 < words.length; n += 2) m[words[n + 1]] = words[n];
  return m;
}

/** Inputs for the next write: the outputs without the read-only ones. */
const inputsOf = (outs: Props, more: Props = {}): Props => {
  const i = { ...outs, ...more };
  delete i.uuid;
  delete i.switchPortUuid;
  return i;
};

describe("ovn:HaChassisGroup", () => {
  let grp: { id: string; outs: Props };

  it("creates the group with its chassis as ha-chassis-group-add / -add-chassis do", async () => {
    grp = await createVia("ovn:HaChassisGroup", {
      nb,
      name: "gw-group",
      chassis: ["h1", { chassis: "h2", priority: 5 }],
      externalIds: { team: "net" },
      owner: owner("grp"),
    });
    expect(grp.outs.uuid).toBe(await nbGet(central, "HA_Chassis_Group", "gw-group", "_uuid"));
    expect(grp.id).toBe(grp.outs.uuid);
    expect(await members("gw-group")).toEqual([
      ["h2", 5],
      ["h1", 2],
    ]);
    expect(await nbGet(central, "HA_Chassis_Group", "gw-group", "external_ids:team")).toBe("net");
    expect(await nbGet(central, "HA_Chassis_Group", "gw-group", `external_ids:${OWNER_KEY}`)).toBe(
      owner("grp"),
    );
    expect(grp.outs.chassis).toEqual([
      { chassis: "h1", priority: 2 },
      { chassis: "h2", priority: 5 },
    ]);
  });

  it("a taken name is refused (NAME_TAKEN) and writes nothing", async () => {
    await central.nbctl("ha-chassis-group-add", "by-hand");
    expect(
      await codeOf(
        createVia("ovn:HaChassisGroup", { nb, name: "by-hand", chassis: ["h9"], owner: owner("x") }),
      ),
    ).toBe("NAME_TAKEN");
    expect(await members("by-hand")).toEqual([]);
    await central.nbctl("ha-chassis-group-del", "by-hand");
  });

  it("reprioritises in place (same HA_Chassis rows), adds and removes chassis; refresh shows drift", async () => {
    const before = await memberUuids();
    const up = await updateVia(
      "ovn:HaChassisGroup",
      grp.id,
      grp.outs,
      inputsOf(grp.outs, {
        chassis: [
          { chassis: "h1", priority: 1 },
          { chassis: "h2", priority: 20 },
        ],
      }),
    );
    expect(up.diff).toMatchObject({ changes: true, replaces: [], diffs: ["chassis"] });
    expect(await members("gw-group")).toEqual([
      ["h2", 20],
      ["h1", 1],
    ]);
    expect(await memberUuids()).toEqual(before);
    grp = { id: grp.id, outs: up.outs };

    const swap = await updateVia(
      "ovn:HaChassisGroup",
      grp.id,
      grp.outs,
      inputsOf(grp.outs, { chassis: ["h3", "h2"] }),
    );
    expect(swap.diff.replaces).toEqual([]);
    expect(await members("gw-group")).toEqual([
      ["h3", 2],
      ["h2", 1],
    ]);
    expect(Object.keys(await memberUuids()).sort()).toEqual(["h2", "h3"]); // h1's row is gone
    grp = { id: grp.id, outs: swap.outs };

    await central.nbctl("ha-chassis-group-add-chassis", "gw-group", "h3", "7");
    const read = await provider.handler("ovn:HaChassisGroup").read(grp.id, grp.outs);
    expect(read.inputs?.chassis).toEqual(
      expect.arrayContaining([
        { chassis: "h2", priority: 1 },
        { chassis: "h3", priority: 7 },
      ]),
    );
    const d = await provider.handler("ovn:HaChassisGroup").diff(grp.id, read.props!, inputsOf(grp.outs));
    expect(d).toMatchObject({ changes: true, diffs: ["chassis"] });
    const back = await updateVia("ovn:HaChassisGroup", grp.id, read.props!, inputsOf(grp.outs));
    expect(await members("gw-group")).toEqual([
      ["h3", 2],
      ["h2", 1],
    ]);
    grp = { id: grp.id, outs: back.outs };
  });

  it("a router port uses the group by name (PARENT_MISSING before it exists), switches from gatewayChassis in place; a used group is not deleted", async () => {
    await createVia("ovn:LogicalRouter", { nb, name: "lr-ha", owner: owner("lr-ha") });
    const missing = await errorOf(
      createVia("ovn:LogicalRouterPort", {
        nb,
        router: "lr-ha",
        name: "lr-ha-gw",
        mac: "00:00:00:00:aa:01",
        networks: ["172.16.0.1/24"],
        haChassisGroup: "no-such-group",
        owner: owner("lrp-missing"),
      }),
    );
    expect(missing.code).toBe("PARENT_MISSING");
    expect(missing.message).toMatch(/HA chassis group no-such-group does not exist.*ovn\.HaChassisGroup/);
    expect((await central.nbctl("--bare", "--columns=name", "list", "Logical_Router_Port")).trim()).toBe("");

    let lrp = await createVia("ovn:LogicalRouterPort", {
      nb,
      router: "lr-ha",
      name: "lr-ha-gw",
      mac: "00:00:00:00:aa:01",
      networks: ["172.16.0.1/24"],
      gatewayChassis: ["h1"],
      owner: owner("lrp"),
    });
    const up = await updateVia(
      "ovn:LogicalRouterPort",
      lrp.id,
      lrp.outs,
      inputsOf(lrp.outs, { gatewayChassis: undefined, haChassisGroup: "gw-group" }),
    );
    expect(up.diff.replaces).toEqual([]);
    expect(await nbGet(central, "Logical_Router_Port", "lr-ha-gw", "ha_chassis_group")).toBe(grp.id);
    expect(await nbGet(central, "Logical_Router_Port", "lr-ha-gw", "gateway_chassis")).toBe("[]");
    lrp = { id: lrp.id, outs: up.outs };
    const read = await provider.handler("ovn:LogicalRouterPort").read(lrp.id, lrp.outs);
    expect(read.inputs?.haChassisGroup).toBe("gw-group");

    // A group still used is not deleted: STILL_REFERENCED naming the port; the row stays.
    const used = await errorOf(provider.handler("ovn:HaChassisGroup").delete(grp.id, grp.outs));
    expect(used.code).toBe("STILL_REFERENCED");
    expect(used.message).toMatch(
      /gw-group .*still used by logical router port lr-ha-gw \(managed by proj\/dev\/lrp\)/,
    );
    expect(await nbGet(central, "HA_Chassis_Group", "gw-group", "name")).toBe("gw-group");

    // Also through a logical switch port (ha_chassis_group of an external port), set by hand.
    await central.nbctl("ls-add", "ls-ha", "--", "lsp-add", "ls-ha", "ext-port");
    await central.nbctl("set", "Logical_Switch_Port", "ext-port", `ha_chassis_group=${grp.id}`);
    await provider.handler("ovn:LogicalRouterPort").delete(lrp.id, lrp.outs);
    const byLsp = await errorOf(provider.handler("ovn:HaChassisGroup").delete(grp.id, grp.outs));
    expect(byLsp.code).toBe("STILL_REFERENCED");
    expect(byLsp.message).toMatch(/logical switch port ext-port \(not managed by pulumi-ovs\)/);
    await central.nbctl("ls-del", "ls-ha");

    await provider.handler("ovn:HaChassisGroup").delete(grp.id, grp.outs);
    expect((await central.nbctl("--bare", "--columns=_uuid", "list", "HA_Chassis_Group")).trim()).toBe("");
    expect((await central.nbctl("--bare", "--columns=_uuid", "list", "HA_Chassis")).trim()).toBe("");
  });
});
