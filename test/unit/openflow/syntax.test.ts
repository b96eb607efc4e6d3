/**
 * Flow texts: building add/mod/del texts, reading dump-flows lines (with and without statistics,
 * OpenFlow 1.0 and 1.3 renderings), match checks, and the port-name handling of offline checks.
 */
import {
  DEFAULT_PRIORITY,
  buildFlow,
  buildSelector,
  matchProblems,
  normalizeActions,
  normalizeMatch,
  parseDump,
  parseDumpLine,
  sameIdentity,
  sameSpec,
  splitTopLevel,
  substitutePort,
  unresolvedPortName,
  type FlowSpec,
} from "../../../provider/openflow/syntax";

const spec = (over: Partial<FlowSpec> = {}): FlowSpec => ({
  table: 0,
  priority: 1,
  match: "in_port=veth-con6",
  actions: "output:veth-con7",
  idleTimeout: 0,
  hardTimeout: 0,
  ...over,
});

describe("splitTopLevel", () => {
  it("splits at top-level commas only", () => {
    expect(splitTopLevel('a=1,b(c,d),e="x,y",f[1,2]')).toEqual(["a=1", "b(c,d)", 'e="x,y"', "f[1,2]"]);
  });
  it("drops empty items and trims", () => {
    expect(splitTopLevel(" ip , ,nw_dst=10.0.0.0/8,")).toEqual(["ip", "nw_dst=10.0.0.0/8"]);
    expect(splitTopLevel("")).toEqual([]);
  });
  it("keeps nested parentheses together", () => {
    expect(splitTopLevel("ct(commit,exec(set_field:1->ct_mark)),output:2")).toEqual([
      "ct(commit,exec(set_field:1->ct_mark))",
      "output:2",
    ]);
  });
});

describe("matchProblems", () => {
  it.each([
    ["priority=5,in_port=3", "priority"],
    ["table=1,ip", "table"],
    ["cookie=0x1", "cookie"],
    ["in_port=3,idle_timeout=10", "idleTimeout"],
    ["hard_timeout=10", "hardTimeout"],
    ["in_port=3,actions=drop", "actions"],
    ["in_port=3 actions=drop", "actions"],
    ["ip,send_flow_rem", "flags"],
  ])("rejects %s (says %s)", (match, word) => {
    const p = matchProblems(match);
    expect(p.length).toBeGreaterThan(0);
    expect(p.join(" ")).toContain(word);
  });
  it.each(["", "in_port=veth-con7", "ip,nw_dst=10.0.0.0/8", "tcp,tp_dst=80", "dl_vlan=100", "tun_id=0x5"])(
    "accepts %j",
    (match) => expect(matchProblems(match)).toEqual([]),
  );
});

describe("normalisation", () => {
  it("strips a leading actions= and spaces", () => {
    expect(normalizeActions("  actions=output:2 ")).toBe("output:2");
    expect(normalizeActions("drop")).toBe("drop");
  });
  it("trims a match and trailing commas", () => {
    expect(normalizeMatch(" in_port=3,, ")).toBe("in_port=3");
  });
});

describe("buildFlow / buildSelector", () => {
  it("puts cookie, table, priority, timeouts, match, actions in order", () => {
    expect(buildFlow(spec({ idleTimeout: 10, hardTimeout: 20 }), "0x1201")).toBe(
      "cookie=0x1201,table=0,priority=1,idle_timeout=10,hard_timeout=20,in_port=veth-con6,actions=output:veth-con7",
    );
  });
  it("leaves out an empty match and zero timeouts", () => {
    expect(buildFlow(spec({ match: "", actions: "drop", table: 3 }))).toBe("table=3,priority=1,actions=drop");
  });
  it("builds selectors for dumps and deletes", () => {
    expect(buildSelector({ cookie: "0x1200/0xffffffffffffff00" })).toBe("cookie=0x1200/0xffffffffffffff00");
    expect(buildSelector({ table: 0, match: "ip," })).toBe("table=0,ip");
    expect(buildSelector({ cookie: "0x1/-1", table: 2, priority: 7, match: "" })).toBe(
      "cookie=0x1/-1,table=2,priority=7",
    );
  });
});

describe("parseDumpLine", () => {
  it("reads a line with statistics", () => {
    const f = parseDumpLine(
      " cookie=0x1234, duration=0.070s, table=0, n_packets=0, n_bytes=0, idle_timeout=100, idle_age=0, priority=5,in_port=3 actions=output:2",
    );
    expect(f).toMatchObject({
      cookie: 0x1234n,
      table: 0,
      priority: 5,
      match: "in_port=3",
      actions: "output:2",
      idleTimeout: 100,
      hardTimeout: 0,
    });
  });
  it("reads the --no-stats form with names", () => {
    const f = parseDumpLine(
      ' cookie=0x1235, priority=5,in_port="my_port" actions=mod_vlan_vid:100,output:vc',
    );
    expect(f).toMatchObject({
      cookie: 0x1235n,
      priority: 5,
      match: 'in_port="my_port"',
      actions: "mod_vlan_vid:100,output:vc",
    });
  });
  it("defaults: no cookie is 0, no priority is 32768, empty match", () => {
    const f = parseDumpLine(" table=3, hard_timeout=50, actions=drop");
    expect(f).toMatchObject({
      cookie: 0n,
      table: 3,
      priority: DEFAULT_PRIORITY,
      match: "",
      actions: "drop",
      hardTimeout: 50,
    });
  });
  it("reads flags printed by OpenFlow 1.3 dumps", () => {
    const f = parseDumpLine(
      " cookie=0x98, table=2, reset_counts priority=0 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:vc",
    );
    expect(f).toMatchObject({ table: 2, priority: 0, match: "", flags: ["reset_counts"] });
    expect(f.actions).toBe("push_vlan:0x8100,set_field:4196->vlan_vid,output:vc");
  });
  it("keeps actions that contain the word actions (learn)", () => {
    const f = parseDumpLine(
      " priority=100,tcp actions=learn(table=10,actions=output:NXM_OF_IN_PORT[]),ct(commit)",
    );
    expect(f.match).toBe("tcp");
    expect(f.actions).toBe("learn(table=10,actions=output:NXM_OF_IN_PORT[]),ct(commit)");
  });
  it("rejects a line without actions", () => {
    expect(() => parseDumpLine("NXST_FLOW reply (xid=0x4):")).toThrow(/actions/);
  });
});

describe("parseDump", () => {
  it("skips reply headers and blank lines", () => {
    const out = [
      "NXST_FLOW reply (xid=0x4):",
      " priority=7,ip,nw_dst=10.0.0.0/8 actions=drop",
      "",
      " cookie=0x99, table=3, hard_timeout=50, actions=drop",
      "OFPST_FLOW reply (OF1.3) (xid=0x2):",
    ].join("\n");
    const flows = parseDump(out);
    expect(flows.map((f) => f.match)).toEqual(["ip,nw_dst=10.0.0.0/8", ""]);
    expect(flows[1].cookie).toBe(0x99n);
  });
  it("reads an empty table", () => {
    expect(parseDump("NXST_FLOW reply (xid=0x4):\n")).toEqual([]);
    expect(parseDump("")).toEqual([]);
  });
});

describe("sameIdentity / sameSpec", () => {
  it("identity is table, priority, match and timeouts", () => {
    expect(sameIdentity(spec(), spec({ actions: "drop" }))).toBe(true);
    expect(sameIdentity(spec(), spec({ priority: 2 }))).toBe(false);
    expect(sameIdentity(spec(), spec({ idleTimeout: 5 }))).toBe(false);
    expect(sameIdentity(spec(), spec({ match: "in_port=veth-con6," }))).toBe(true);
  });
  it("spec adds the actions", () => {
    expect(sameSpec(spec(), spec({ actions: "actions=output:veth-con7" }))).toBe(true);
    expect(sameSpec(spec(), spec({ actions: "drop" }))).toBe(false);
  });
});

describe("unresolvedPortName", () => {
  it.each([
    ["veth-con7: invalid or unknown port for in_port", "veth-con7"],
    ['"veth-con7": invalid or unknown port for in_port', "veth-con7"],
    ["veth-con6: output to unknown port", "veth-con6"],
    ["vx: enqueue to unknown port", "vx"],
    ["vx: resubmit to unknown port", "vx"],
    ["output to unknown truncate port: vx", "vx"],
    ["vx: bad port number", "vx"],
    [
      "table=1,in_port=vx: in_port value vx cannot be parsed as a subfield (vx: unknown field `vx') or an immediate value (vx: invalid or unknown port for in_port)",
      "vx",
    ],
  ])("%s → %s", (message, name) => expect(unresolvedPortName(message)).toBe(name));
  it.each(["unknown action outpt", "4294967000: output to unknown port", "unknown keyword in_prt"])(
    "is undefined for %s",
    (message) => expect(unresolvedPortName(message)).toBeUndefined(),
  );
});

describe("substitutePort", () => {
  it("replaces value positions, bare and quoted", () => {
    expect(substitutePort("in_port=veth-con7,actions=output:veth-con7", "veth-con7", "65000")).toBe(
      "in_port=65000,actions=output:65000",
    );
    expect(substitutePort('in_port="my port",actions=drop', "my port", "65000")).toBe(
      "in_port=65000,actions=drop",
    );
    expect(substitutePort("actions=enqueue:vx:1", "vx", "65000")).toBe("actions=enqueue:65000:1");
    expect(substitutePort("actions=resubmit(vx,1)", "vx", "65000")).toBe("actions=resubmit(65000,1)");
    expect(substitutePort("actions=bundle(eth_src,0,hrw,ofport,members:vx,vy)", "vy", "64999")).toBe(
      "actions=bundle(eth_src,0,hrw,ofport,members:vx,64999)",
    );
  });
  it("does not touch field names or longer names", () => {
    expect(substitutePort("vx=1,in_port=vx1,actions=drop", "vx", "65000")).toBeUndefined();
  });
  it("escapes regular-expression characters in names", () => {
    expect(substitutePort("in_port=a.b,actions=output:a+b", "a+b", "65000")).toBe(
      "in_port=a.b,actions=output:65000",
    );
  });
});
