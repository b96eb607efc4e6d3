/**
 * Issue 10: `ovn.LogicalSwitchPort` `tag` became `tagRequest` (column tag_request) and its output
 * `assignedTag` became `tag`; `ovs.Port` `interface.macRequest` became `interface.mac`. A stack
 * deployed before the rename holds the old names in its state: diff, update, read and delete see
 * that state in today's names (no change, no replacement), and a program still passing an old name
 * fails check, naming the new one.
 */
import fc from "fast-check";
import { z } from "zod";
import {
  checkInputs,
  diffInputs,
  makeHandler,
  type Props,
  type ResourceKind,
} from "../../../provider/framework";
import { renamedInputs, upgradeState } from "../../../provider/renamed";
import { lspKind } from "../../../provider/resources/ovn/logical-switch-port";
import { portKind } from "../../../provider/resources/ovs/port";

const nb = { remote: "tcp:10.0.0.1:6641" };
const host = { remote: "unix:/run/openvswitch/db.sock" };
const owner = "proj/dev/c1";

/** Inputs of a container port as today's program writes them. */
const lspInputs = (extra: Props = {}): Props => ({
  nb,
  switch: "sw0",
  name: "c1",
  parentName: "vm1",
  addresses: ["50:54:00:00:00:42 192.168.0.42"],
  owner,
  ...extra,
});
/** Its state as today's release writes it. */
const lspState = (tagRequest: number | undefined, tag: number | null): Props => ({
  ...lspInputs(tagRequest === undefined ? {} : { tagRequest }),
  uuid: "8c3b0b4a-0000-4000-8000-000000000001",
  dynamicAddresses: null,
  up: false,
  tag,
  instance: "0123456789abcdef",
});
/** The same state as the release before the rename wrote it. */
function lspOldState(s: Props): Props {
  const { tagRequest, tag, ...rest } = s;
  return { ...rest, ...(tagRequest === undefined ? {} : { tag: tagRequest }), assignedTag: tag };
}

const portInputs = (iface: Props): Props => ({ host, bridge: "ovs0", name: "int0", interface: iface, owner });

describe("state written before the rename", () => {
  it("LogicalSwitchPort: tag is read as tagRequest and assignedTag as tag", () => {
    expect(upgradeState(lspKind.renamed, lspOldState(lspState(42, 42)))).toEqual(lspState(42, 42));
    // ovn-northd chose the tag: the old state had no tag input
    expect(upgradeState(lspKind.renamed, lspOldState(lspState(undefined, 7)))).toEqual(
      lspState(undefined, 7),
    );
    // ovn-northd had not answered yet
    expect(upgradeState(lspKind.renamed, lspOldState(lspState(100, null)))).toEqual(lspState(100, null));
  });

  it("leaves state in today's layout as it is, also a tag with no tagRequest (ovn-northd chose it)", () => {
    for (const s of [lspState(42, 42), lspState(undefined, 7), lspState(undefined, null)]) {
      expect(upgradeState(lspKind.renamed, s)).toBe(s);
    }
    const { tag: _none, ...plain } = lspState(undefined, null); // a port that is not a container
    expect(upgradeState(lspKind.renamed, plain)).toBe(plain);
  });

  it("any state survives being written by the old release and read by this one", () => {
    const tagRequest = fc.option(fc.integer({ min: 0, max: 4095 }), { nil: undefined });
    const tag = fc.option(fc.integer({ min: 1, max: 4095 }), { nil: null });
    fc.assert(
      fc.property(tagRequest, tag, (r, t) => {
        const s = lspState(r, t);
        expect(upgradeState(lspKind.renamed, lspOldState(s))).toEqual(s);
        expect(upgradeState(lspKind.renamed, s)).toBe(s);
      }),
    );
  });

  it("Port: interface.macRequest is read as interface.mac; nothing else moves", () => {
    const old: Props = {
      ...portInputs({ type: "internal", macRequest: "50:54:00:00:00:0a", mtuRequest: 1400 }),
      ofport: 3,
    };
    const s = upgradeState(portKind.renamed, old);
    expect(s).toEqual({
      ...portInputs({ type: "internal", mac: "50:54:00:00:00:0a", mtuRequest: 1400 }),
      ofport: 3,
    });
    expect(old.interface).toHaveProperty("macRequest"); // the given state is not changed
    const current = portInputs({ type: "internal" });
    expect(upgradeState(portKind.renamed, current)).toBe(current);
    const none = { host, bridge: "ovs0", name: "int0", owner };
    expect(upgradeState(portKind.renamed, none)).toBe(none);
  });

  it("diff shows no change (and no replacement) against a program using the new names", () => {
    const news = lspInputs({ tagRequest: 42 });
    expect(diffInputs(lspKind, lspOldState(lspState(42, 42)), news)).toMatchObject({
      changes: false,
      replaces: [],
    });
    const d = diffInputs(lspKind, lspOldState(lspState(42, 42)), lspInputs({ tagRequest: 43 }));
    expect(d).toMatchObject({ changes: true, diffs: ["tagRequest"], replaces: [] });
    expect(diffInputs(lspKind, lspOldState(lspState(undefined, 7)), lspInputs()).changes).toBe(false);

    const oldPort = portInputs({ type: "internal", macRequest: "50:54:00:00:00:0a" });
    expect(
      diffInputs(portKind, oldPort, portInputs({ type: "internal", mac: "50:54:00:00:00:0A" })).changes,
    ).toBe(false);
    expect(
      diffInputs(portKind, oldPort, portInputs({ type: "internal", mac: "50:54:00:00:00:0b" })).diffs,
    ).toEqual(["interface"]);
  });
});

describe("a program passing an old name", () => {
  it("fails check naming the new argument and its column", () => {
    const r = checkInputs(lspKind, lspInputs({ tag: 42 }));
    expect(r.failures).toEqual([
      { property: "tag", reason: "tag was renamed tagRequest (column Logical_Switch_Port.tag_request)" },
    ]);
    const p = checkInputs(portKind, portInputs({ type: "internal", macRequest: "50:54:00:00:00:0a" }));
    expect(p.failures).toEqual([
      {
        property: "interface.macRequest",
        reason: "interface.macRequest was renamed interface.mac (column Interface.mac)",
      },
    ]);
  });

  it("fails also when the value is unknown at preview, and next to other problems", () => {
    expect(
      renamedInputs(lspKind.renamed, lspInputs({ tag: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })),
    ).toHaveLength(1);
    const r = checkInputs(lspKind, lspInputs({ tag: 5, addresses: ["bogus"] }));
    expect(r.failures.map((f) => f.property).sort()).toEqual(["addresses[0]", "tag"]);
  });

  it("accepts the new names, and the outputs' names are not inputs", () => {
    expect(checkInputs(lspKind, lspInputs({ tagRequest: 42 })).failures).toEqual([]);
    expect(
      checkInputs(portKind, portInputs({ type: "internal", mac: "50:54:00:00:00:0A" })).inputs,
    ).toMatchObject({
      interface: { mac: "50:54:00:00:00:0a" },
    });
    expect(renamedInputs(lspKind.renamed, { assignedTag: 5 })).toEqual([]);
    expect(renamedInputs(lspKind.renamed, { tag: null })).toEqual([]); // nothing, like absent
  });
});

describe("the handler", () => {
  it("gives update, read and delete the state in today's names, and check's failure its code", async () => {
    const seen: Record<string, Props> = {};
    const kind: ResourceKind<Props, Props> = {
      label: "test.Renamed",
      schema: z.object({
        name: z.string(),
        tagRequest: z.number().optional(),
      }) as unknown as z.ZodType<Props>,
      inputKeys: ["name", "tagRequest"],
      replaceOn: ["name"],
      renamed: lspKind.renamed,
      create: async (i) => ({ id: "1", outs: { ...i, tag: null } }),
      read: async (id, s) => {
        seen.read = s;
        return { id, outs: s, inputs: { name: s.name, tagRequest: s.tagRequest } };
      },
      update: async (_id, olds, news) => {
        seen.update = olds;
        return { ...news, tag: olds.tag };
      },
      delete: async (_id, s) => {
        seen.delete = s;
      },
      where: () => "nowhere",
    };
    const h = makeHandler(kind);
    const old = { name: "c1", tag: 42, assignedTag: 42, instance: "0123456789abcdef" };
    const today = { name: "c1", tagRequest: 42, tag: 42, instance: "0123456789abcdef" };
    expect((await h.diff("1", old, { name: "c1", tagRequest: 42 })).changes).toBe(false);
    expect((await h.read("1", old)).props).toEqual(today);
    expect(seen.read).toEqual(today);
    expect((await h.update("1", old, { name: "c1", tagRequest: 42 })).outs).toEqual(today);
    expect(seen.update).toEqual(today);
    await h.delete("1", old);
    expect(seen.delete).toEqual(today);
    expect((await h.check({}, { name: "c1", tag: 42 })).failures).toEqual([
      {
        property: "tag",
        reason: "[INVALID_INPUT] tag was renamed tagRequest (column Logical_Switch_Port.tag_request)",
      },
    ]);
  });
});
