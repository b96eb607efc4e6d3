/**
 * ovs.Flow through the provider handler against a real ovs-vswitchd (one-host sandbox): cookie
 * ownership (hand-added flows survive everything), drift on refresh, actions-only updates in place,
 * match/priority updates without a window, the guard against replacing a foreign flow, deletion,
 * errors with codes, and the secure fail mode's empty flow table.
 */
import { handler, closeAll } from "../../../provider";
import { ResourceError } from "../../../provider/errors";
import { OpenFlowError } from "../../../provider/openflow";
import type { HostInfo, SandboxInfo } from "../../../sandbox";
import {
  flowLines,
  makeBridge,
  mgmt,
  ofctl,
  reason,
  runnable,
  sh,
  startHost,
  stopHost,
  uniqueName,
  vsctl,
} from "./fixture";

if (!runnable) console.warn(`openflow integration tests skipped: ${reason}`);
const suite = runnable ? describe : describe.skip;

jest.setTimeout(120_000);

type Props = Record<string, unknown>;
const flow = handler("ovs:Flow");
const NAME = uniqueName("of-int-");

let sb: SandboxInfo | undefined;
let h: HostInfo;

/** check, then create, as the engine does. */
async function create(inputs: Props): Promise<{ id: string; outs: Props }> {
  const checked = await flow.check({}, inputs);
  if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
  return flow.create(checked.inputs);
}
async function update(id: string, olds: Props, news: Props): Promise<Props> {
  const checked = await flow.check(olds, news);
  if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
  return (await flow.update(id, olds, checked.inputs)).outs;
}

const inputs = (bridge: string, extra: Props = {}): Props => ({
  host: { remote: h.remotes.unix },
  bridge,
  priority: 1,
  match: `in_port=${bridge}-p1`,
  actions: `output:${bridge}-p2`,
  owner: `proj/dev/${bridge}-fwd`,
  ...extra,
});

suite("ovs.Flow against ovs-vswitchd (issue 5)", () => {
  beforeAll(async () => {
    ({ sb, host: h } = await startHost(NAME));
  }, 120_000);
  afterAll(async () => {
    await closeAll();
    await stopHost(sb, NAME);
  });

  it("a bridge with failMode secure starts with an empty flow table; standalone has the NORMAL flow", async () => {
    await makeBridge(h, "sec0", { failMode: "secure" });
    await makeBridge(h, "std0", { failMode: "standalone" });
    await makeBridge(h, "def0");
    expect(await flowLines(h, "sec0")).toEqual([]);
    expect(await flowLines(h, "std0")).toEqual(["priority=0 actions=NORMAL"]);
    expect(await flowLines(h, "def0")).toEqual(["priority=0 actions=NORMAL"]);
  });

  it("creates a flow with port names under its own cookie; hand-added flows survive create, update and delete", async () => {
    await makeBridge(h, "br1", { failMode: "secure", ports: 3 });
    await ofctl(h, "br1", "add-flow", "priority=7,in_port=3,actions=drop");
    await ofctl(h, "br1", "add-flow", "cookie=0x77,priority=1,in_port=2,actions=output:1");

    const { id, outs } = await create(inputs("br1"));
    expect(outs.target).toBe(mgmt(h, "br1"));
    expect(outs.cookie).toMatch(/^0x[0-9a-f]+01$/);
    expect(outs.installed).toEqual({
      table: 0,
      priority: 1,
      match: 'in_port="br1-p1"',
      actions: 'output:"br1-p2"',
      idleTimeout: 0,
      hardTimeout: 0,
    });
    const cookie = outs.cookie as string;
    expect(await flowLines(h, "br1")).toEqual(
      expect.arrayContaining([
        'priority=7,in_port="br1-p3" actions=drop',
        'cookie=0x77, priority=1,in_port="br1-p2" actions=output:"br1-p1"',
        `cookie=${cookie}, priority=1,in_port="br1-p1" actions=output:"br1-p2"`,
      ]),
    );

    // read: no drift
    const r = await flow.read(id, outs);
    expect(r.id).toBe(id);
    expect(r.inputs).toMatchObject({ match: "in_port=br1-p1", actions: "output:br1-p2", priority: 1 });

    // actions only: mod-flows --strict under the same cookie
    const o2 = await update(id, outs, inputs("br1", { actions: "output:br1-p3" }));
    expect(o2.cookie).toBe(cookie);
    expect((o2.installed as Props).actions).toBe('output:"br1-p3"');

    // priority: a new generation is added, then the old one deleted
    const o3 = await update(id, o2, inputs("br1", { actions: "output:br1-p3", priority: 5 }));
    expect(o3.cookie).not.toBe(cookie);
    let lines = await flowLines(h, "br1");
    expect(lines.filter((l) => l.includes(`cookie=${cookie},`))).toEqual([]);
    expect(lines).toContain(`cookie=${o3.cookie}, priority=5,in_port="br1-p1" actions=output:"br1-p3"`);

    await flow.delete(id, o3);
    lines = await flowLines(h, "br1");
    expect(lines).toEqual(
      expect.arrayContaining([
        'priority=7,in_port="br1-p3" actions=drop',
        'cookie=0x77, priority=1,in_port="br1-p2" actions=output:"br1-p1"',
      ]),
    );
    expect(lines).toHaveLength(2);
    await flow.delete(id, o3); // twice is fine
  });

  it("refresh shows drift: actions changed by hand, then the flow deleted by hand", async () => {
    await makeBridge(h, "br2", { failMode: "secure", ports: 2 });
    const { id, outs } = await create(inputs("br2", { owner: "proj/dev/drift" }));
    const cookie = outs.cookie as string;
    await ofctl(h, "br2", "mod-flows", `cookie=${cookie}/-1,actions=drop`);
    const r = await flow.read(id, outs);
    expect(r.inputs).toMatchObject({ actions: "drop", match: "in_port=br2-p1", priority: 1 });
    expect((r.props?.installed as Props).actions).toBe("drop");
    // the next diff sees it, and update puts the program's actions back in place
    const d = await flow.diff(id, r.props as Props, inputs("br2", { owner: "proj/dev/drift" }));
    expect(d).toMatchObject({ changes: true, replaces: [], diffs: ["actions"] });
    const o2 = await update(id, r.props as Props, inputs("br2", { owner: "proj/dev/drift" }));
    expect(o2.cookie).toBe(cookie);
    expect(await flowLines(h, "br2", `cookie=${cookie}/-1`)).toEqual([
      `cookie=${cookie}, priority=1,in_port="br2-p1" actions=output:"br2-p2"`,
    ]);

    await ofctl(h, "br2", "del-flows", `cookie=${cookie}/-1`);
    expect(await flow.read(id, o2)).toEqual({ id: "" });
    // up after refresh recreates it (create); without refresh, update re-adds it
    const o3 = await update(id, o2, inputs("br2", { owner: "proj/dev/drift" }));
    expect(await flowLines(h, "br2", `cookie=${o3.cookie}/-1`)).toHaveLength(1);
    await flow.delete(id, o3);
  });

  it("a match change never leaves the bridge without the flow", async () => {
    await makeBridge(h, "br3", { failMode: "secure", ports: 3 });
    const owner = "proj/dev/nowindow";
    const created = await create(inputs("br3", { owner, match: "in_port=br3-p1", actions: "output:br3-p3" }));
    const id = created.id;
    let outs = created.outs;
    const base = (outs.cookie as string).slice(0, -2) + "00";
    let stop = false;
    let snapshots = 0;
    const empty: number[] = [];
    const poller = (async () => {
      while (!stop) {
        const out = await sh([
          "ovs-ofctl",
          "--no-stats",
          "dump-flows",
          mgmt(h, "br3"),
          `cookie=${base}/0xffffffffffffff00`,
        ]);
        snapshots++;
        if (!out.includes("actions=")) empty.push(snapshots);
      }
    })();
    for (let i = 0; i < 6; i++) {
      const match = i % 2 === 0 ? "in_port=br3-p2" : "in_port=br3-p1";
      outs = await update(
        id,
        outs,
        inputs("br3", { owner, match, actions: "output:br3-p3", priority: 10 + i }),
      );
    }
    stop = true;
    await poller;
    expect(snapshots).toBeGreaterThan(3);
    expect(empty).toEqual([]);
    expect(await flowLines(h, "br3", `cookie=${base}/0xffffffffffffff00`)).toEqual([
      `cookie=${outs.cookie}, priority=15,in_port="br3-p1" actions=output:"br3-p3"`,
    ]);
    await flow.delete(id, outs);
  });

  it("refuses to replace a foreign flow with the same table, priority and match, and leaves it as it was; adopt takes it over", async () => {
    await makeBridge(h, "br4", { failMode: "secure", ports: 2 });
    await ofctl(h, "br4", "add-flow", "cookie=0x55,priority=1,in_port=1,idle_timeout=600,actions=output:2");
    const before = await flowLines(h, "br4");
    const err = await create(inputs("br4", { owner: "proj/dev/taken", actions: "drop" })).catch((e) => e);
    expect(err).toBeInstanceOf(ResourceError);
    expect(err.code).toBe("NAME_TAKEN");
    expect(err.message).toMatch(/adopt: true/);
    expect(await flowLines(h, "br4")).toEqual(before);

    // a foreign flow that merely overlaps (other priority, or more specific) is no obstacle
    const other = await create(inputs("br4", { owner: "proj/dev/other", priority: 2, actions: "drop" }));
    await flow.delete(other.id, other.outs);

    const { id, outs } = await create(
      inputs("br4", { owner: "proj/dev/taken", actions: "drop", adopt: true }),
    );
    expect(await flowLines(h, "br4")).toEqual([
      `cookie=${outs.cookie}, priority=1,in_port="br4-p1" actions=drop`,
    ]);
    await flow.delete(id, outs);
    expect(await flowLines(h, "br4")).toEqual([]);
  });

  it("manages flows in other tables, with timeouts, and deletes every generation", async () => {
    await makeBridge(h, "br5", { failMode: "secure", ports: 2 });
    const { id, outs } = await create(
      inputs("br5", {
        owner: "proj/dev/t3",
        table: 3,
        match: "ip,nw_dst=10.0.0.0/8",
        actions: "drop",
        idleTimeout: 600,
      }),
    );
    expect(outs.installed).toMatchObject({ table: 3, match: "ip,nw_dst=10.0.0.0/8", idleTimeout: 600 });
    // a leftover of another generation (an interrupted run) goes with the resource
    const base = BigInt(outs.cookie as string) & 0xffffffffffffff00n;
    await ofctl(h, "br5", "add-flow", `cookie=0x${(base | 9n).toString(16)},table=1,actions=drop`);
    await flow.delete(id, outs);
    expect(await flowLines(h, "br5")).toEqual([]);
  });

  it("speaks the requested OpenFlow version and fails clearly when the bridge does not allow it", async () => {
    await makeBridge(h, "br6", { failMode: "secure", ports: 2, protocols: "OpenFlow10" });
    const err = await create(inputs("br6", { owner: "proj/dev/v13", openflowVersion: "OpenFlow13" })).catch(
      (e) => e,
    );
    // What the engine sees: the package-wide code first; the OpenFlow layer's own code in the cause.
    expect(err).toBeInstanceOf(ResourceError);
    expect(err.code).toBe("OPENFLOW");
    expect(err.cause).toBeInstanceOf(OpenFlowError);
    expect(err.cause.code).toBe("VERSION");
    expect(err.message).toMatch(/^\[OPENFLOW\] ovs\.Flow on bridge br6 at unix:.*protocols/);

    await vsctl(h, "set", "bridge", "br6", "protocols=OpenFlow10,OpenFlow13");
    const { id, outs } = await create(
      inputs("br6", {
        owner: "proj/dev/v13",
        openflowVersion: "OpenFlow13",
        actions: "mod_vlan_vid:100,output:br6-p2",
      }),
    );
    expect((outs.installed as Props).actions).toBe(
      'push_vlan:0x8100,set_field:4196->vlan_vid,output:"br6-p2"',
    );
    const r = await flow.read(id, outs);
    expect(r.inputs).toMatchObject({ actions: "mod_vlan_vid:100,output:br6-p2" }); // no false drift
    await flow.delete(id, outs);
  });

  it("fails with codes: unknown port name (ovs-ofctl's message), missing bridge", async () => {
    await makeBridge(h, "br7", { failMode: "secure", ports: 1 });
    const unknownPort = await create(inputs("br7", { owner: "proj/dev/np", match: "in_port=nope0" })).catch(
      (e) => e,
    );
    expect(unknownPort).toBeInstanceOf(ResourceError);
    expect(unknownPort.code).toBe("OPENFLOW");
    expect(unknownPort.cause).toBeInstanceOf(OpenFlowError);
    expect(unknownPort.cause.code).toBe("UNKNOWN_PORT");
    expect(unknownPort.message).toMatch(
      /^\[OPENFLOW\] ovs\.Flow on bridge br7 at .*nope0: invalid or unknown port for in_port/,
    );
    expect(await flowLines(h, "br7")).toEqual([]);

    const noBridge = await create(inputs("nobr", { owner: "proj/dev/nb" })).catch((e) => e);
    expect(noBridge).toBeInstanceOf(ResourceError);
    expect(noBridge.code).toBe("PARENT_MISSING");
    expect(noBridge.message).toMatch(
      /^\[PARENT_MISSING\] ovs\.Flow on bridge nobr at .*nobr\.mgmt does not exist/,
    );
  });

  it("waits for a bridge and port created a moment later (same deployment)", async () => {
    const pending = create(inputs("br8", { owner: "proj/dev/late" }));
    await new Promise((r) => setTimeout(r, 300));
    await makeBridge(h, "br8", { failMode: "secure", ports: 2 });
    const { id, outs } = await pending;
    expect((outs.installed as Props).match).toBe('in_port="br8-p1"');
    await flow.delete(id, outs);
  });

  it("read: a flow whose bridge was deleted by hand is gone; a bridge whose switch is silent is an error (issue 9)", async () => {
    await makeBridge(h, "br10", { failMode: "secure", ports: 2 });
    const gone = await create(inputs("br10", { owner: "proj/dev/pg-gone" }));
    await vsctl(h, "del-br", "br10");
    // At once, even while ovs-vswitchd may still be removing the socket: the database decides.
    expect(await flow.read(gone.id, gone.outs)).toEqual({ id: "" });

    await makeBridge(h, "br11", { failMode: "secure", ports: 2 });
    const live = await create(inputs("br11", { owner: "proj/dev/pg-silent" }));
    // The bridge is in the database, but nothing answers at the target (ovs-vswitchd down, or another run directory).
    const silent = { ...live.outs, target: `unix:${h.runDir}/no-such-dir/br11.mgmt` };
    const readErr = await flow.read(live.id, silent).catch((e) => e);
    expect(readErr).toBeInstanceOf(ResourceError);
    expect(readErr.code).toBe("UNREACHABLE");
    expect(readErr.message).toMatch(/bridge br11 exists on unix:.*does not answer at unix:.*no-such-dir/);
    const deleteErr = await flow.delete(live.id, silent).catch((e) => e);
    expect(deleteErr.code).toBe("UNREACHABLE");
    expect(await flowLines(h, "br11", `cookie=${live.outs.cookie as string}/-1`)).toHaveLength(1);
    await flow.delete(live.id, live.outs);
    expect(await flowLines(h, "br11", `cookie=${live.outs.cookie as string}/-1`)).toEqual([]);
  });

  it("read without host (endpoint only) cannot tell a deleted bridge from a stopped switch and says so (issue 9)", async () => {
    await makeBridge(h, "br12", { failMode: "secure", ports: 2 });
    const { id, outs } = await create(
      inputs("br12", { host: undefined, endpoint: mgmt(h, "br12"), owner: "proj/dev/pg-endpoint" }),
    );
    await vsctl(h, "del-br", "br12");
    for (let i = 0; i < 200 && (await sh(["ls", h.runDir])).includes("br12.mgmt"); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const err = await flow.read(id, outs).catch((e) => e);
    expect(err).toBeInstanceOf(ResourceError);
    expect(err.code).toBe("UNREACHABLE");
    expect(err.message).toMatch(/give host/);
    await expect(flow.delete(id, outs)).resolves.toBeUndefined();
  });

  it("delete succeeds when the bridge is already gone", async () => {
    await makeBridge(h, "br9", { failMode: "secure", ports: 2 });
    const { id, outs } = await create(inputs("br9", { owner: "proj/dev/gone" }));
    await vsctl(h, "del-br", "br9");
    for (let i = 0; i < 200 && (await sh(["ls", h.runDir])).includes("br9.mgmt"); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await expect(flow.delete(id, outs)).resolves.toBeUndefined();
  });
});
