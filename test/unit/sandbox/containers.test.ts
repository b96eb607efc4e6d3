/** Container options are checked before anything is created: names, MAC, addresses (issue 10: ip-address, not a regex). */
import { checkContainerOptions } from "../../../sandbox/containers";
import { SandboxError } from "../../../sandbox/exec";

const base = { host: "h1", name: "vm1" };

describe("checkContainerOptions", () => {
  test("accepts IPv4 CIDRs and gateways, and defaults the port name and MTU", () => {
    expect(checkContainerOptions({ ...base, ip: "192.168.1.2/24", gateway: "192.168.1.254" })).toEqual({
      portName: "vm1",
      mtu: 1500,
    });
    expect(checkContainerOptions({ ...base, ip: "10.0.0.1/32", portName: "veth-vm1", mtu: 1400 })).toEqual({
      portName: "veth-vm1",
      mtu: 1400,
    });
  });

  test.each([
    ["999.1.1.1/24", "an octet above 255"],
    ["192.168.1.256/24", "an octet above 255"],
    ["192.168.1.2/33", "a prefix longer than 32"],
    ["192.168.1.2", "no prefix length"],
    ["010.0.0.1/8", "a leading zero"],
    ["192.168.1/24", "three octets"],
    ["fd00::1/64", "IPv6"],
  ])("refuses ip %s (%s)", (ip) => {
    expect(() => checkContainerOptions({ ...base, ip })).toThrow(SandboxError);
  });

  test.each(["999.1.1.1", "192.168.1.254/24", "1.2.3"])("refuses gateway %s", (gateway) => {
    expect(() => checkContainerOptions({ ...base, gateway })).toThrow(SandboxError);
  });

  test("refuses malformed MACs, reserved port names, bad container names and MTUs", () => {
    expect(() => checkContainerOptions({ ...base, mac: "00:00:00:aa:00" })).toThrow(SandboxError);
    expect(() => checkContainerOptions({ ...base, mac: "00:00:00:aa:00:0g" })).toThrow(SandboxError);
    expect(checkContainerOptions({ ...base, mac: "00:00:00:AA:00:01" }).portName).toBe("vm1");
    expect(() => checkContainerOptions({ ...base, portName: "br-int" })).toThrow(SandboxError);
    expect(() => checkContainerOptions({ ...base, name: "h3" })).toThrow(SandboxError);
    expect(() => checkContainerOptions({ ...base, name: "net" })).toThrow(SandboxError);
    expect(() => checkContainerOptions({ ...base, mtu: 100 })).toThrow(SandboxError);
  });
});
