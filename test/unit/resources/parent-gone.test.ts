/**
 * Issue 9, kind 2: a child whose parent was deleted by hand reads as gone. The pure decisions:
 * which parent a child row is read under (none: gone), and what a flow read or delete concludes
 * from where its bridge stands and what the switch answered.
 */
import { ResourceError } from "../../../provider/errors";
import { OpenFlowError } from "../../../provider/openflow";
import { parentOf } from "../../../provider/resources/common";
import { bridgeVerdict, type BridgePresence } from "../../../provider/resources/ovs/flow";

describe("parentOf: the parent a child row is read under", () => {
  const rows = (...names: string[]) => names.map((name, i) => ({ _uuid: `u${i}`, name }));

  it("no parent holds the child: gone (undefined)", () => {
    expect(parentOf([], "br0")).toBeUndefined();
  });
  it("the program's parent when it holds the child", () => {
    expect(parentOf(rows("other", "br0"), "br0")).toBe("br0");
  });
  it("another parent (moved by hand): that one, so refresh shows the move", () => {
    expect(parentOf(rows("other"), "br0")).toBe("other");
  });
});

describe("bridgeVerdict: a flow whose bridge may be gone", () => {
  const i = { bridge: "rc-br", host: { remote: "unix:/run/h1/db.sock" } };
  const target = "unix:/run/h1/rc-br.mgmt";
  const missing = new OpenFlowError(
    "CONNECT",
    `${target}: failed to connect (No such file or directory)`,
    target,
  );
  const refused = new OpenFlowError("CONNECT", "tcp:10.0.0.5:6653: Connection refused", "tcp:10.0.0.5:6653");
  const rejected = new OpenFlowError("REJECTED", "bad flow", target);

  it.each<["read" | "delete", BridgePresence, unknown, string]>([
    // bridge deleted by hand: gone, whatever the switch said (or before asking it)
    ["read", "absent", undefined, "gone"],
    ["read", "absent", missing, "gone"],
    ["delete", "absent", refused, "gone"],
    // the switch answered
    ["read", "present", undefined, "ok"],
    ["read", "unknown", undefined, "ok"],
    ["delete", "present", undefined, "ok"],
    // bridge there, switch silent (ovs-vswitchd down): an error, never a silent loss
    ["read", "present", missing, "UNREACHABLE"],
    ["read", "present", refused, "UNREACHABLE"],
    ["delete", "present", missing, "UNREACHABLE"],
    // no host to ask: read cannot tell and says so; delete of a socket nobody serves has nothing to remove
    ["read", "unknown", missing, "UNREACHABLE"],
    ["delete", "unknown", missing, "gone"],
    ["delete", "unknown", refused, "UNREACHABLE"],
    // errors that are not about reaching the switch pass through unchanged
    ["read", "present", rejected, "REJECTED"],
  ])("%s, bridge %s, switch error %p → %s", (op, presence, error, expected) => {
    const v = bridgeVerdict(op, presence, i, target, error);
    if (expected === "gone" || expected === "ok") {
      expect(v.kind).toBe(expected);
      return;
    }
    expect(v.kind).toBe("error");
    const e = (v as { error: unknown }).error as { code: string; message: string };
    expect(e.code).toBe(expected);
    if (expected === "UNREACHABLE") {
      expect(e).toBeInstanceOf(ResourceError);
      expect(e.message).toContain(presence === "present" ? "exists on unix:/run/h1/db.sock" : "give host");
    } else {
      expect(e).toBe(error);
    }
  });
});
