import { parseRemote, parseRemotes } from "../../../provider/ovsdb/transport";
import { OvsdbInvalidRemoteError } from "../../../provider/ovsdb/errors";

describe("remote parsing", () => {
  it("parses unix, tcp and ssl remotes", () => {
    expect(parseRemote("unix:/run/openvswitch/db.sock")).toMatchObject({
      kind: "unix",
      path: "/run/openvswitch/db.sock",
    });
    expect(parseRemote("tcp:172.29.101.123:6640")).toMatchObject({
      kind: "tcp",
      host: "172.29.101.123",
      port: 6640,
    });
    expect(parseRemote("ssl:ovn.example.com:6641")).toMatchObject({
      kind: "ssl",
      host: "ovn.example.com",
      port: 6641,
    });
  });

  it("defaults the port to 6640", () => {
    expect(parseRemote("tcp:10.0.0.1")).toMatchObject({ port: 6640 });
  });

  it("parses IPv6 literals in brackets", () => {
    expect(parseRemote("tcp:[::1]:6641")).toMatchObject({ kind: "tcp", host: "::1", port: 6641 });
    expect(parseRemote("ssl:[fd00::10]")).toMatchObject({ kind: "ssl", host: "fd00::10", port: 6640 });
  });

  it("splits comma-separated lists", () => {
    const r = parseRemotes("tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,tcp:[::1]:6641");
    expect(r.map((x) => x.text)).toEqual(["tcp:10.0.0.1:6641", "tcp:10.0.0.2:6641", "tcp:[::1]:6641"]);
    expect(parseRemotes(["unix:/a", "unix:/b"])).toHaveLength(2);
  });

  it.each([
    ["ptcp:6640", /listening remote/],
    ["http:host:1", /unknown connection method/],
    ["tcp:::1:6640", /brackets/],
    ["tcp:[::1", /unterminated/],
    ["tcp:host:99999", /out of range/],
    ["tcp:host:abc", /not a number/],
    ["unix:", /empty socket path/],
    ["nonsense", /expected/],
    ["tcp:[zz]:1", /not an IPv6 address/],
  ])("rejects %s", (text, msg) => {
    expect(() => parseRemote(text)).toThrow(OvsdbInvalidRemoteError);
    expect(() => parseRemote(text)).toThrow(msg);
  });

  it("rejects an empty list", () => {
    expect(() => parseRemotes(" , ")).toThrow(OvsdbInvalidRemoteError);
  });
});
