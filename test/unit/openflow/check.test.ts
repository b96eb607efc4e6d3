/**
 * Offline syntax checks with the real `ovs-ofctl parse-flow` (no switch, no daemon): ovs-ofctl's
 * own messages for typos, port names accepted, match-dependent action errors left to the whole-flow
 * check. Skipped where ovs-ofctl is not installed.
 */
import { existsSync } from "node:fs";
import {
  checkActionsSyntax,
  checkMatchSyntax,
  ofctlMessage,
  parseFlowOffline,
} from "../../../provider/openflow/check";

const haveOfctl = ["/usr/bin/ovs-ofctl", "/usr/local/bin/ovs-ofctl"].some(existsSync);
const suite = haveOfctl ? describe : describe.skip;
if (!haveOfctl) console.warn("openflow check tests skipped: ovs-ofctl is not installed");

suite("parseFlowOffline", () => {
  it("accepts the field report's flows", () => {
    for (const f of [
      "priority=1,in_port=3,actions=output:4",
      "priority=2,in_port=4,actions=drop",
      "priority=4,in_port=6,actions=output:3",
      "priority=0,actions=NORMAL",
    ]) {
      expect(parseFlowOffline(f)).toEqual({ ok: true, ports: [] });
    }
  });

  it("accepts port names and lists them", () => {
    expect(parseFlowOffline("priority=1,in_port=veth-con6,actions=output:veth-con7")).toEqual({
      ok: true,
      ports: ["veth-con6", "veth-con7"],
    });
    expect(parseFlowOffline('in_port="my_port",actions=enqueue:vx:1,resubmit(vy,2)').ok).toBe(true);
  });

  it("reports ovs-ofctl's message for typos", () => {
    expect(parseFlowOffline("in_prt=3,actions=drop")).toEqual({
      ok: false,
      message: "unknown keyword in_prt",
    });
    expect(parseFlowOffline("in_port=3,actions=outpt:4")).toEqual({
      ok: false,
      message: "unknown action outpt",
    });
    expect(parseFlowOffline("in_port=3,actions=output:4,drop")).toMatchObject({
      ok: false,
      message: expect.stringContaining('"drop" must not be accompanied'),
    });
  });

  it("reports a genuinely invalid port number", () => {
    expect(parseFlowOffline("actions=output:4294967000")).toMatchObject({ ok: false });
  });

  it("honours the OpenFlow version", () => {
    expect(parseFlowOffline("actions=mod_vlan_vid:100,output:2", "OpenFlow13").ok).toBe(true);
    expect(parseFlowOffline("actions=drop", "OpenFlow99" as string)).toMatchObject({ ok: false });
  });
});

suite("checkMatchSyntax / checkActionsSyntax", () => {
  it("checks a match alone", () => {
    expect(checkMatchSyntax("").ok).toBe(true);
    expect(checkMatchSyntax("ip,nw_dst=10.0.0.0/8").ok).toBe(true);
    expect(checkMatchSyntax("in_port=veth-con7").ok).toBe(true);
    expect(checkMatchSyntax("tcp,tp_dst=abc")).toEqual({
      ok: false,
      message: "abc: bad syntax for tcp_dst value",
    });
  });
  it("rejects match fields that OpenFlow would drop for a missing prerequisite", () => {
    expect(checkMatchSyntax("nw_dst=10.0.0.1")).toEqual({
      ok: false,
      message: expect.stringContaining('"nw_dst=10.0.0.1" becomes "(nothing)"; add the protocol'),
    });
    expect(checkMatchSyntax("ip,nw_dst=10.0.0.1").ok).toBe(true);
    expect(checkMatchSyntax("in_port=veth-con6,tp_dst=80")).toMatchObject({ ok: false });
  });
  it("checks actions alone, leaving match-dependent errors to the whole flow", () => {
    expect(checkActionsSyntax("output:veth-con6").ok).toBe(true);
    expect(checkActionsSyntax("ct(commit)").ok).toBe(true); // needs ip: decided with the match
    expect(parseFlowOffline("actions=ct(commit)")).toMatchObject({ ok: false });
    expect(parseFlowOffline("ip,actions=ct(commit)").ok).toBe(true);
    expect(checkActionsSyntax("outpt:4")).toEqual({ ok: false, message: "unknown action outpt" });
  });
});

describe("ofctlMessage", () => {
  it("strips the program prefix and log prefixes", () => {
    expect(ofctlMessage("ovs-ofctl: unknown action outpt\n")).toBe("unknown action outpt");
    expect(
      ofctlMessage(
        "2026-11-24T03:32:04Z|00001|vconn|WARN|unix:/x/t0.mgmt: version negotiation failed (we support version 0x04, peer supports version 0x01)\n" +
          "ovs-ofctl: unix:/x/t0.mgmt: failed to connect to socket (Broken pipe)\n",
      ),
    ).toBe(
      "unix:/x/t0.mgmt: version negotiation failed (we support version 0x04, peer supports version 0x01); unix:/x/t0.mgmt: failed to connect to socket (Broken pipe)",
    );
    expect(ofctlMessage("")).toBe("(no message)");
  });
});

describe("without ovs-ofctl", () => {
  const saved = process.env.PULUMI_OVS_OFCTL;
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_OVS_OFCTL;
    else process.env.PULUMI_OVS_OFCTL = saved;
  });
  it("leaves the flow unchecked (create will say what is missing)", () => {
    process.env.PULUMI_OVS_OFCTL = "/nonexistent/ovs-ofctl";
    const v = parseFlowOffline("in_port=1,actions=output:2,unchecked-marker");
    expect(v).toMatchObject({ ok: "unchecked", reason: expect.stringContaining("not installed") });
  });
});
