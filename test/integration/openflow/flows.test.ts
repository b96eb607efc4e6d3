/**
 * ovs.Flows (a bridge's flows as one resource) through the provider handler against a real
 * ovs-vswitchd: every member a flow under its own cookie, per-member drift, update (changed,
 * added, removed members), a hand-added flow left alone by everything, delete of the members only.
 */
import { handler, closeAll } from "../../../provider";
import { ofctlRuns } from "../../../provider/openflow/ofctl";
import type { HostInfo, SandboxInfo } from "../../../sandbox";
import { flowLines, makeBridge, ofctl, reason, runnable, startHost, stopHost, uniqueName } from "./fixture";

if (!runnable) console.warn(`openflow integration tests skipped: ${reason}`);
const suite = runnable ? describe : describe.skip;

jest.setTimeout(120_000);

type Props = Record<string, unknown>;
const flows = handler("ovs:Flows");
const NAME = uniqueName("ofs-int-");

let sb: SandboxInfo | undefined;
let h: HostInfo;

suite("ovs.Flows against ovs-vswitchd", () => {
  beforeAll(async () => {
    ({ sb, host: h } = await startHost(NAME));
  }, 120_000);
  afterAll(async () => {
    await closeAll();
    await stopHost(sb, NAME);
  });

  it("writes, reads, updates and deletes a bridge's flows per member; a hand-added flow survives", async () => {
    await makeBridge(h, "brc", { failMode: "secure", ports: 3 });
    await ofctl(h, "brc", "add-flow", "priority=7,in_port=3,actions=drop");
    const members: Record<string, Props> = Object.fromEntries(
      Array.from({ length: 12 }, (_, k) => [
        `tcp-${k}`,
        { priority: 100, match: `tcp,in_port=brc-p1,tp_dst=${8000 + k}`, actions: "output:brc-p2" },
      ]),
    );
    const inputs = {
      host: { remote: h.remotes.unix },
      bridge: "brc",
      flows: members,
      owner: "proj/dev/brc-flows",
    };
    const checked = await flows.check({}, inputs);
    expect(checked.failures).toEqual([]);
    const { id, outs } = await flows.create(checked.inputs);
    const cookies = outs.cookie as Record<string, string>;
    expect(Object.keys(cookies)).toHaveLength(12);
    expect(new Set(Object.values(cookies)).size).toBe(12);
    expect(await flowLines(h, "brc")).toHaveLength(13);

    // No drift, then drift in one member: its actions changed by hand.
    const fresh = await flows.read(id, outs);
    expect((await flows.diff(id, fresh.props!, checked.inputs)).changes).toBe(false);
    await ofctl(h, "brc", "mod-flows", `cookie=${cookies["tcp-3"]}/-1,actions=drop`);
    const dumps = ofctlRuns["dump-flows"] ?? 0;
    const drifted = await flows.read(id, outs);
    // The 12 members' reads share their dumps: one of the first member's family, one of the table.
    expect((ofctlRuns["dump-flows"] ?? 0) - dumps).toBeLessThanOrEqual(2);
    const read = drifted.inputs!.flows as Record<string, Props>;
    expect(Object.keys(read).sort()).toEqual(Object.keys(members).sort());
    expect(read["tcp-3"].actions).toBe("drop");
    for (const k of Object.keys(members).filter((k) => k !== "tcp-3"))
      expect({ k, actions: read[k].actions }).toEqual({ k, actions: members[k].actions });

    // Update: tcp-3 restored, tcp-0 removed, tcp-20 added, tcp-1 with new actions.
    const next = { ...members };
    delete next["tcp-0"];
    next["tcp-20"] = { priority: 100, match: "tcp,in_port=brc-p1,tp_dst=9020", actions: "output:brc-p2" };
    next["tcp-1"] = { ...members["tcp-1"], actions: "drop" };
    const news = (await flows.check(drifted.props!, { ...inputs, flows: next })).inputs;
    const { outs: outs2 } = await flows.update(id, drifted.props!, news);
    const lines = await flowLines(h, "brc");
    expect(lines).toHaveLength(13);
    expect(lines.join("\n")).toContain("tp_dst=9020");
    expect(lines.join("\n")).not.toContain("tp_dst=8000");
    expect(lines.filter((l) => l.includes("tp_dst=8003"))[0]).toContain('output:"brc-p2"');
    expect(lines.filter((l) => l.includes("tp_dst=8001"))[0]).toContain("actions=drop");

    await flows.delete(id, outs2);
    expect(await flowLines(h, "brc")).toEqual(['priority=7,in_port="brc-p3" actions=drop']);
  });

  it("a flow added by hand with a member's cookie is not read as the member; the member's delete removes it too", async () => {
    await makeBridge(h, "bre", { failMode: "secure", ports: 2 });
    const inputs = {
      host: { remote: h.remotes.unix },
      bridge: "bre",
      flows: { a: { priority: 100, match: "in_port=bre-p1", actions: "output:bre-p2" } },
      owner: "proj/dev/bre-flows",
    };
    const checked = await flows.check({}, inputs);
    const { id, outs } = await flows.create(checked.inputs);
    const cookie = (outs.cookie as Record<string, string>).a;
    // Copied from dump-flows with the cookie, new matches, on either side of the member's priority.
    await ofctl(h, "bre", "add-flow", `cookie=${cookie},priority=150,udp,in_port=bre-p1,actions=drop`);
    await ofctl(h, "bre", "add-flow", `cookie=${cookie},priority=50,tcp,in_port=bre-p1,actions=drop`);
    const fresh = await flows.read(id, outs);
    expect((fresh.inputs!.flows as Record<string, Props>).a).toEqual(inputs.flows.a);
    expect((await flows.diff(id, fresh.props!, checked.inputs)).changes).toBe(false);
    await flows.delete(id, fresh.props!);
    expect(await flowLines(h, "bre")).toEqual([]);
  });

  it("reads adopt back where the program put it: on the collection, or on a member", async () => {
    await makeBridge(h, "brd", { failMode: "secure", ports: 2 });
    const host = { host: { remote: h.remotes.unix }, bridge: "brd" };
    for (const adopt of [true, false]) {
      const inputs = {
        ...host,
        adopt,
        flows: {
          a: { priority: 100, match: "ip,nw_dst=10.8.0.1", actions: "drop" },
          b: { priority: 101, match: "ip,nw_dst=10.8.0.2", actions: "drop", adopt: !adopt },
        },
        owner: `proj/dev/brd-flows-${adopt}`,
      };
      const checked = await flows.check({}, inputs);
      expect(checked.failures).toEqual([]);
      const { id, outs } = await flows.create(checked.inputs);
      const fresh = await flows.read(id, outs);
      expect(fresh.inputs!.adopt).toBe(adopt);
      expect(fresh.inputs!.flows).toEqual({
        a: { priority: 100, match: "ip,nw_dst=10.8.0.1", actions: "drop" },
        b: { priority: 101, match: "ip,nw_dst=10.8.0.2", actions: "drop", adopt: !adopt },
      });
      expect((await flows.diff(id, fresh.props!, checked.inputs)).changes).toBe(false);
      await flows.delete(id, outs);
    }
  });
});
