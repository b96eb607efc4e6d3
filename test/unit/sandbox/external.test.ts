/** The external network's plan and options, and the peer-echo server's argument checks (issue 12). */
import { checkContainerOptions } from "../../../sandbox/containers";
import { EXTERNAL, planExternal, providerBridgeTxn } from "../../../sandbox/external";
import { resolveOptions } from "../../../sandbox/lifecycle";
import { SandboxError } from "../../../sandbox/exec";
import { checkPort, sandboxOfNamespace } from "../../../sandbox/servers";
import type { SandboxInfo } from "../../../sandbox/state";

describe("external network options", () => {
  test("off by default, so existing sandboxes keep their options", () => {
    expect(resolveOptions({})).toEqual({
      hosts: 2,
      ovn: true,
      encap: "geneve",
      underlayMtu: 1600,
      external: false,
    });
    expect(resolveOptions({ external: true }).external).toBe(true);
  });

  test("the plan names the namespace after the sandbox and uses TEST-NET-3", () => {
    const info = { prefix: "sbx-demo." } as SandboxInfo;
    expect(planExternal(info)).toEqual({
      namespace: "sbx-demo.ext",
      bridge: "br-ext",
      providerBridge: "br-ex",
      cidr: "203.0.113.0/24",
      ip: "203.0.113.1",
    });
  });

  test("each host gets a netdev br-ex holding ext0, with MTU 1500 and no address", () => {
    const txn = providerBridgeTxn().join(" ");
    expect(txn).toContain("-- add-br br-ex");
    expect(txn).toContain("-- set bridge br-ex datapath_type=netdev");
    expect(txn).toContain("-- add-port br-ex ext0");
    expect(txn).toContain("mtu_request=1500");
    expect(txn).not.toMatch(/bridge-mappings/);
    expect(EXTERNAL.mtu).toBe(1500);
  });

  test('containers cannot take the external namespace ("ext") or its device names', () => {
    const base = { host: "h1", name: "vm1" };
    expect(() => checkContainerOptions({ ...base, name: "ext" })).toThrow(SandboxError);
    expect(() => checkContainerOptions({ ...base, portName: "ext0" })).toThrow(SandboxError);
    expect(() => checkContainerOptions({ ...base, portName: "br-ex" })).toThrow(SandboxError);
    expect(checkContainerOptions({ ...base, name: "ext1" }).portName).toBe("ext1");
  });
});

describe("peer-echo server arguments", () => {
  test.each([0, -1, 65536, 1.5, Number.NaN])("refuses port %p", (port) => {
    expect(() => checkPort(port)).toThrow(SandboxError);
  });

  test("accepts 1 and 65535", () => {
    expect(() => checkPort(1)).not.toThrow();
    expect(() => checkPort(65535)).not.toThrow();
  });

  test("a target must be a namespace of a running sandbox", () => {
    expect(() => sandboxOfNamespace("not-a-sandbox")).toThrow(/not a sandbox namespace/);
    const dir = process.env.PULUMI_OVS_SANDBOX_DIR;
    process.env.PULUMI_OVS_SANDBOX_DIR = "/nonexistent-pulumi-ovs-sandbox-root";
    try {
      expect(() => sandboxOfNamespace("sbx-nosuch.ext")).toThrow(/not running/);
    } finally {
      if (dir === undefined) delete process.env.PULUMI_OVS_SANDBOX_DIR;
      else process.env.PULUMI_OVS_SANDBOX_DIR = dir;
    }
  });
});
