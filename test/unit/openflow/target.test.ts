/** OpenFlow targets: parsing ovs-ofctl's connection methods, the mgmt socket, passive listeners. */
import { activeTargetFor, mgmtTarget, parseTarget } from "../../../provider/openflow/target";

describe("parseTarget", () => {
  it.each([
    ["unix:/var/run/openvswitch/br0.mgmt", { kind: "unix", path: "/var/run/openvswitch/br0.mgmt" }],
    ["tcp:10.0.0.5", { kind: "tcp", host: "10.0.0.5", port: 6653 }],
    ["ssl:10.0.0.5:6654", { kind: "ssl", host: "10.0.0.5", port: 6654 }],
    ["tcp:[fd00::5]:6653", { kind: "tcp", host: "fd00::5", port: 6653 }],
    ["ssl:ovs1.example.net", { kind: "ssl", host: "ovs1.example.net", port: 6653 }],
  ])("%s", (text, want) => expect(parseTarget(text)).toMatchObject(want));

  it.each([
    ["ptcp:6653", /listening.*tcp:HOST:PORT/],
    ["pssl:6653", /listening.*ssl:HOST:PORT/],
    ["http://x", /not an OpenFlow target/],
    ["unix:", /empty socket path/],
    ["tcp:", /missing host/],
    ["tcp:fd00::5:6653", /brackets/],
    ["tcp:1.2.3.4:99999", /port/],
    ["tcp:[fd00::5", /unterminated/],
  ])("rejects %s", (text, re) => expect(() => parseTarget(text)).toThrow(re));
});

describe("mgmtTarget", () => {
  it("puts BRIDGE.mgmt next to the database socket", () => {
    expect(mgmtTarget("/tmp/sbx/h1/db.sock", "ovs0")).toBe("unix:/tmp/sbx/h1/ovs0.mgmt");
    expect(mgmtTarget("/var/run/openvswitch/db.sock", "br-int")).toBe(
      "unix:/var/run/openvswitch/br-int.mgmt",
    );
  });
});

describe("activeTargetFor", () => {
  it("prefers pssl over ptcp", () => {
    expect(activeTargetFor(["ptcp:6653", "pssl:6654"], "10.0.0.5")).toBe("ssl:10.0.0.5:6654");
  });
  it("uses the bound address when the listener has one", () => {
    expect(activeTargetFor(["ptcp:6653:192.168.9.1"], "10.0.0.5")).toBe("tcp:192.168.9.1:6653");
    expect(activeTargetFor(["ptcp:6653:0.0.0.0"], "10.0.0.5")).toBe("tcp:10.0.0.5:6653");
    expect(activeTargetFor(["pssl:6653:[fd00::1]"], "10.0.0.5")).toBe("ssl:[fd00::1]:6653");
  });
  it("defaults the port and brackets IPv6 hosts", () => {
    expect(activeTargetFor(["ptcp:"], "fd00::5")).toBe("tcp:[fd00::5]:6653");
  });
  it("ignores active controllers and is undefined without a listener", () => {
    expect(activeTargetFor(["tcp:10.0.0.1:6653", "unix:/x"], "10.0.0.5")).toBeUndefined();
    expect(activeTargetFor([], "10.0.0.5")).toBeUndefined();
  });
});
