/**
 * Generated inputs for every resource type (fast-check), shared by the unit property test and the
 * `property-inputs` fault scenario.
 *
 * Valid inputs are written the way users write them, not the canonical way: MACs in mixed case,
 * IPv6 in upper case or in full form, stray and doubled spaces, sets shuffled with repeats. Invalid
 * inputs take a valid base and break ONE argument (`argument`), so the refusal must name it.
 */
import fc from "fast-check";
import { Address6 } from "ip-address";

export type Props = Record<string, unknown>;

/** Where generated resources live (connections and parents). */
export interface Context {
  host: { remote: string };
  nb: { remote: string };
  sb: { remote: string };
  /** A bridge for ports and flows (flows need ovs-vswitchd). */
  bridge: string;
  /** A switch with subnet 10.64.0.0/10 and ipv6_prefix fd00:64::. */
  switch: string;
  /** A gateway router with ports on 10.0.0.1/8 and fd00::1/16 (next hops in there are reachable). */
  router: string;
  /** A directory for punix targets. */
  tmpDir: string;
}

export interface TypeSpec {
  /** Pulumi type, e.g. `ovn:LogicalSwitch`. */
  type: string;
  /** Which server the rows live in. */
  db: "vswitch" | "nb" | "sb";
  /** Valid inputs (without `owner`), in the user's non-canonical spelling. */
  valid(ctx: Context): fc.Arbitrary<Props>;
  /** What must differ between resources created side by side (names, addresses), from canonical inputs. */
  keys(canonical: Props): string[];
  /** Invalid inputs: a valid base with one argument broken. */
  invalid(ctx: Context): fc.Arbitrary<{ inputs: Props; argument: string }>;
  /** Resources of this type that can exist at once on one host (ChassisConfig: one). */
  oneAtATime?: boolean;
}

// ---- spelling noise ----------------------------------------------------------------------------

const pad = fc.constantFrom("", "", " ", "  ", "\t");
/** A value with stray spaces around it. */
const padded = (s: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(pad, s, pad).map(([a, v, b]) => `${a}${v}${b}`);
/** Words joined by one or more spaces, with stray spaces around. */
const spaced = (words: fc.Arbitrary<string[]>): fc.Arbitrary<string> =>
  fc
    .tuple(words, fc.array(fc.constantFrom(" ", "  ", " \t "), { minLength: 8, maxLength: 8 }), pad, pad)
    .map(([ws, seps, a, b]) => a + ws.map((w, i) => (i ? seps[i % seps.length] : "") + w).join("") + b);
/** A set written shuffled, sometimes with a repeated element. */
const setNoise = <T>(xs: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> =>
  xs.chain((a) =>
    fc
      .tuple(fc.shuffledSubarray(a, { minLength: a.length, maxLength: a.length }), fc.boolean())
      .map(([s, dup]) => (dup && s.length ? [...s, s[0]] : s)),
  );

const octet = fc.integer({ min: 0, max: 255 });
const hexByte = (first?: number) =>
  (first === undefined ? octet : fc.constant(first)).map((n) => n.toString(16).padStart(2, "0"));
/** A unicast MAC (first octet 0a) in mixed case. */
export const macArb = fc
  .tuple(hexByte(0x0a), hexByte(), hexByte(), hexByte(), hexByte(), hexByte())
  .chain((bs) => fc.mixedCase(fc.constant(bs.join(":"))));

/** An IPv4 address inside `a.b.0.0/16`-style space: fixed leading octets, random rest. */
const ipv4In = (...fixed: number[]) =>
  fc
    .tuple(...Array.from({ length: 4 - fixed.length }, () => fc.integer({ min: 1, max: 254 })))
    .map((rest) => [...fixed, ...rest].join("."));

/** An IPv6 address under `prefix` (e.g. "fd00:64"), spelt compressed, in full, or in upper case. */
const ipv6In = (prefix: string, groups = 8 - prefix.split(":").length) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: groups, maxLength: groups }),
      fc.constantFrom("compressed", "full", "upper"),
    )
    .map(([gs, style]) => {
      const a = new Address6(`${prefix}:${gs.map((g) => g.toString(16)).join(":")}`);
      return style === "full"
        ? a.canonicalForm()
        : style === "upper"
          ? a.correctForm().toUpperCase()
          : a.correctForm();
    });

/** A name of `[a-z0-9-]`, 1..`max` characters. */
const nameArb = (max: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{0,${max - 1}}$`));
const mapArb = fc.dictionary(fc.stringMatching(/^pt-[a-z]{1,6}$/), fc.string({ maxLength: 12 }), {
  maxKeys: 3,
});

// ---- invalid values ----------------------------------------------------------------------------

const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}), fc.constant(null));
/** A word that is no IP/MAC/number: contains a letter outside hex, or stray symbols. */
const junk = fc.stringMatching(/^[g-z!#$%&*+;=?@^_~]{1,6}$/);
/** Whitespace inside a token. */
const innerSpace = (t: fc.Arbitrary<string>) =>
  t.chain((s) =>
    fc.integer({ min: 1, max: Math.max(1, s.length - 1) }).map((i) => `${s.slice(0, i)} ${s.slice(i)}`),
  );

const badIpv4 = fc.oneof(
  fc.tuple(octet, octet, octet).map((o) => o.join(".")), // three octets
  fc.tuple(fc.integer({ min: 256, max: 999 }), octet, octet, octet).map((o) => o.join(".")),
  fc.tuple(octet, octet, octet, octet).map(([a, b, c, d]) => `0${a}.${b}.${c}.${d}`), // leading zero
  ipv4In(10).chain((ip) => fc.constantFrom(`${ip}.1`, `${ip}/`, `${ip}:`)),
);
const badIpv6 = fc.oneof(
  ipv6In("fd00").map((a) => `${a}%eth0`),
  fc.constantFrom("1::2::3", ":::", "fd00::g", "fd00:0:0:0:0:0:0:0:1", "12345::1"),
);
/** Strings that are no IP address (to embed in a longer value). */
const badIpText = fc.oneof(badIpv4, badIpv6, junk, innerSpace(ipv4In(10)));
const badIp = fc.oneof(badIpText, notAString);
const badMacText = fc.oneof(
  macArb.map((m) => m.slice(0, 14)),
  macArb.map((m) => `${m}:00`),
  macArb.map((m) => `g${m.slice(1)}`),
  macArb.map((m) => m.replace(/:/g, "-")),
  innerSpace(macArb),
  junk,
);
const badMac = fc.oneof(badMacText, notAString);
const badCidr = fc.oneof(
  ipv4In(10).chain((ip) => fc.constantFrom(ip, `${ip}/33`, `${ip}/024`, `${ip}/-1`, `${ip}/x`)),
  ipv6In("fd00").map((a) => `${a}/129`),
  badIpText.map((b) => `${b}/24`),
  notAString,
);
/** Networks with host bits set, or no network at all (a bare address is a valid prefix, not listed). */
const badPrefix = fc.oneof(
  fc
    .tuple(ipv4In(10), fc.integer({ min: 8, max: 24 }))
    .map(([ip, n]) => `${ip.replace(/\.\d+$/, ".1")}/${n}`),
  ipv4In(10).chain((ip) => fc.constantFrom(`${ip}/33`, `${ip}/024`, `${ip}/-1`, `${ip}/x`, `${ip}/`)),
  ipv6In("fd00").map((a) => `${a.replace(/:[0-9a-fA-F]*$/, ":1")}/129`),
  badIpText,
  notAString,
);
const badNetwork = fc.oneof(badCidr, badPrefix);
const badDeviceName = fc.oneof(
  fc.constantFrom("", ".", "..", "a/b", "has space", "x".repeat(16)),
  innerSpace(nameArb(10)),
  notAString,
);
const badOvnName = fc.oneof(
  fc.constantFrom("", 'q"q', "tab\tname", "x".repeat(256)),
  innerSpace(nameArb(10)),
  notAString,
);
/** Not a target even where the port may be left out (OpenFlow controllers). */
const badControllerTarget = fc.oneof(
  fc.constantFrom(
    "tcp:",
    "ptcp:",
    "ptcp:70000",
    "tcp:1.2.3.4:0",
    "tcp:1.2.3",
    "tcp:1.2.3.4:x",
    "unix:",
    "http://x",
  ),
  junk,
  notAString,
);
const badTarget = fc.oneof(
  badControllerTarget,
  fc.constantFrom("tcp:", "ptcp:", "tcp:1.2.3.4", "ssl:1.2.3.4", "ptcp:70000", "ptcp:06640", "udp:1.2.3.4:1"),
  fc.constantFrom("tcp:[fd00::1:6640", "tcp:fd00::1:6640", "tcp:1.2.3:6640", "ptcp:6640:host name", "unix:"),
  fc.integer({ min: 65536, max: 99999 }).map((p) => `tcp:10.0.0.1:${p}`),
  junk,
  notAString,
);
const badInt = (min: number, max?: number) =>
  fc.oneof(
    max === undefined
      ? fc.integer({ min: min - 100000, max: min - 1 })
      : fc.integer({ min: max + 1, max: max + 100000 }),
    fc.integer({ min: min - 100000, max: min - 1 }),
    fc.double({ min: min + 0.1, max: (max ?? min + 1000) - 0.1, noInteger: true }),
    fc.string({ maxLength: 3 }),
    fc.constant(null),
  );
const badList = (badItem: fc.Arbitrary<unknown>, goodItem: fc.Arbitrary<unknown>) =>
  fc.oneof(
    fc.tuple(fc.array(goodItem, { maxLength: 2 }), badItem).map(([g, b]) => [...g, b]),
    fc.constantFrom("not-a-list", 7, { a: 1 }),
  );

/** Base inputs with one argument replaced by a value from its invalid arbitrary. */
function breakOne(
  base: fc.Arbitrary<Props>,
  bad: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<{ inputs: Props; argument: string }> {
  return fc
    .tuple(base, fc.constantFrom(...Object.keys(bad)))
    .chain(([b, argument]) => bad[argument].map((v) => ({ inputs: { ...b, [argument]: v }, argument })));
}

// ---- per type ----------------------------------------------------------------------------------

const PROTOCOLS = ["OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14", "OpenFlow15"];

/** A listening target on loopback or a unix socket in `dir`, noisy. */
const listenTarget = (dir: string) =>
  fc.oneof(
    fc.tuple(fc.integer({ min: 20000, max: 60000 }), pad).map(([p, s]) => `${s}ptcp:${p}:127.0.0.1`),
    fc
      .tuple(
        fc.integer({ min: 20000, max: 60000 }),
        fc.constantFrom("[::1]", "[0:0:0:0:0:0:0:1]", "[0000::0001]"),
      )
      .map(([p, h]) => `ptcp:${p}:${h}`),
    nameArb(8)
      .map((n) => padded(fc.constant(`punix:${dir}/${n}.sock`)))
      .chain((x) => x),
  );
/** An outgoing target toward an address nobody listens on, noisy. */
const activeTarget = fc.oneof(
  fc.tuple(ipv4In(10, 99), fc.integer({ min: 1, max: 65535 })).map(([ip, p]) => `tcp:${ip}:${p}`),
  fc.tuple(ipv6In("fd00:99"), fc.integer({ min: 1, max: 65535 })).map(([ip, p]) => `ssl:[${ip}]:${p}`),
);

export function typeSpecs(): TypeSpec[] {
  const bridge: TypeSpec = {
    type: "ovs:Bridge",
    db: "vswitch",
    valid: (ctx) =>
      fc.record(
        {
          host: fc.constant(ctx.host),
          name: nameArb(10).map((n) => `pb-${n}`),
          datapathType: fc.constant("netdev"),
          failMode: fc.constantFrom("standalone", "secure"),
          protocols: setNoise(fc.subarray(PROTOCOLS, { minLength: 1 })),
          controllers: setNoise(fc.array(fc.oneof(activeTarget, listenTarget(ctx.tmpDir)), { maxLength: 2 })),
          stpEnable: fc.boolean(),
          externalIds: mapArb,
        },
        { requiredKeys: ["host", "name", "datapathType"] },
      ),
    keys: (i) => [String(i.name)],
    invalid: (ctx) =>
      breakOne(bridge.valid(ctx), {
        name: badDeviceName,
        datapathType: fc.constantFrom("kernel", "NETDEV", "", 1),
        failMode: fc.constantFrom("open", "Secure", true),
        protocols: badList(
          fc.constantFrom("OpenFlow16", "openflow13", "OF13", ""),
          fc.constantFrom(...PROTOCOLS),
        ),
        controllers: badList(badControllerTarget, activeTarget),
        stpEnable: fc.constantFrom("true", 1, "yes"),
        externalIds: fc.constantFrom({ k: 1 }, "k=v", ["k"]),
      }),
  };

  const port: TypeSpec = {
    type: "ovs:Port",
    db: "vswitch",
    valid: (ctx) =>
      fc.record(
        {
          host: fc.constant(ctx.host),
          bridge: fc.constant(ctx.bridge),
          name: nameArb(10).map((n) => `pp-${n}`),
          tag: fc.integer({ min: 0, max: 4095 }),
          trunks: setNoise(fc.uniqueArray(fc.integer({ min: 0, max: 4095 }), { maxLength: 4 })),
          vlanMode: fc.constantFrom("trunk", "access", "native-tagged", "native-untagged"),
          interface: fc.record(
            {
              type: fc.constant("internal"),
              mac: padded(macArb),
              mtuRequest: fc.integer({ min: 1280, max: 9000 }),
              externalIds: mapArb,
            },
            { requiredKeys: ["type"] },
          ),
          externalIds: mapArb,
        },
        { requiredKeys: ["host", "bridge", "name", "interface"] },
      ),
    keys: (i) => [String(i.name)],
    invalid: (ctx) =>
      breakOne(port.valid(ctx), {
        bridge: badDeviceName,
        name: badDeviceName,
        tag: badInt(0, 4095),
        trunks: badList(badInt(0, 4095), fc.integer({ min: 0, max: 4095 })),
        vlanMode: fc.constantFrom("Trunk", "tagged", ""),
        interface: fc.oneof(
          badMac.map((m) => ({ type: "internal", mac: m })),
          fc.constantFrom({ type: "vxlan2" }, { mtuRequest: 10 }, { ofportRequest: 0 }, "internal"),
        ),
      }),
  };

  const flow: TypeSpec = {
    type: "ovs:Flow",
    db: "vswitch",
    valid: (ctx) =>
      fc.record(
        {
          host: fc.constant(ctx.host),
          bridge: fc.constant(ctx.bridge),
          table: fc.integer({ min: 0, max: 200 }),
          priority: fc.integer({ min: 1, max: 65535 }),
          match: fc.oneof(
            fc.tuple(ipv4In(10), pad).map(([ip, s]) => `${s}ip,nw_dst=${ip}`),
            fc.tuple(fc.integer({ min: 1, max: 4094 }), pad).map(([v, s]) => `dl_vlan=${v},${s}`),
            fc.tuple(macArb, pad).map(([m, s]) => `dl_src=${m.toLowerCase()}${s}`),
          ),
          actions: fc.constantFrom("drop", " drop ", "actions=drop", "mod_vlan_vid:100,normal", "NORMAL"),
        },
        { requiredKeys: ["host", "bridge", "table", "priority", "match", "actions"] },
      ),
    keys: (i) => [`${i.table}/${i.priority}/${i.match}`],
    invalid: (ctx) =>
      breakOne(flow.valid(ctx), {
        bridge: badDeviceName,
        table: badInt(0, 253),
        priority: badInt(0, 65535),
        idleTimeout: badInt(0, 65535),
        openflowVersion: fc.constantFrom("OpenFlow16", "of13", ""),
        actions: fc.constantFrom("", "   ", 5),
        endpoint: fc.constantFrom("ptcp:6653", "http://x", "tcp:1.2.3.4:70000", ""),
      }),
  };

  const manager: TypeSpec = {
    type: "ovs:Manager",
    db: "vswitch",
    valid: (ctx) =>
      fc.record(
        {
          host: fc.constant(ctx.host),
          target: fc.oneof(listenTarget(ctx.tmpDir), activeTarget),
          inactivityProbe: fc.integer({ min: 0, max: 100000 }),
          maxBackoff: fc.integer({ min: 1000, max: 100000 }),
          connectionMode: fc.constantFrom("in-band", "out-of-band"),
          externalIds: mapArb,
        },
        { requiredKeys: ["host", "target"] },
      ),
    keys: (i) => [String(i.target)],
    invalid: (ctx) =>
      breakOne(manager.valid(ctx), {
        target: badTarget,
        inactivityProbe: badInt(0),
        maxBackoff: badInt(1000),
        connectionMode: fc.constantFrom("inband", ""),
      }),
  };

  const chassis: TypeSpec = {
    type: "ovn:ChassisConfig",
    db: "vswitch",
    oneAtATime: true,
    valid: (ctx) =>
      fc.record(
        {
          host: fc.constant(ctx.host),
          systemId: nameArb(12),
          ovnRemote: fc
            .array(activeTarget, { minLength: 1, maxLength: 3 })
            .chain((ts) => fc.constantFrom(ts.join(","), ts.join(", "), ts.join(" ,"))),
          encapType: fc.oneof(
            setNoise(fc.subarray(["geneve", "vxlan"], { minLength: 1 })),
            fc.constantFrom("geneve", "vxlan,geneve", " geneve , vxlan"),
          ),
          encapIp: fc.oneof(padded(ipv4In(172, 29)), ipv6In("fd00:29")),
          bridgeMappings: fc.oneof(
            fc.constant({ physnet1: "br-ex" }),
            fc.constantFrom("physnet1:br-ex", "physnet1: br-ex , physnet2:br-eth1"),
          ),
          bridgeDatapathType: fc.constantFrom("system", "netdev"),
        },
        { requiredKeys: ["host"] },
      ),
    keys: () => ["one per host"],
    invalid: (ctx) =>
      breakOne(chassis.valid(ctx), {
        systemId: fc.constantFrom("", "a,b", "a b", 5),
        ovnRemote: fc.oneof(badTarget, fc.constantFrom("tcp:1.2.3.4:6642,,tcp:1.2.3.5:6642", "ptcp:6642")),
        encapType: fc.constantFrom("gre", ["geneve", "ipsec"], "", [], 5),
        encapIp: badIp,
        bridgeMappings: fc.constantFrom(
          "physnet1",
          "a:b:c",
          "p n:br",
          { physnet1: "br/ex" },
          { "a,b": "br" },
        ),
        bridgeDatapathType: fc.constantFrom("dpdk", ""),
      }),
  };

  const nbConnection: TypeSpec = {
    type: "ovn:NorthboundConnection",
    db: "nb",
    valid: (ctx) =>
      fc.record(
        {
          nb: fc.constant(ctx.nb),
          target: fc.oneof(listenTarget(ctx.tmpDir), activeTarget),
          inactivityProbe: fc.integer({ min: 0, max: 100000 }),
          maxBackoff: fc.integer({ min: 1000, max: 100000 }),
          externalIds: mapArb,
        },
        { requiredKeys: ["nb", "target"] },
      ),
    keys: (i) => [String(i.target)],
    invalid: (ctx) =>
      breakOne(nbConnection.valid(ctx), {
        target: badTarget,
        inactivityProbe: badInt(0),
        maxBackoff: badInt(1000),
      }),
  };

  const sbConnection: TypeSpec = {
    type: "ovn:SouthboundConnection",
    db: "sb",
    valid: (ctx) =>
      fc.record(
        {
          sb: fc.constant(ctx.sb),
          target: fc.oneof(listenTarget(ctx.tmpDir), activeTarget),
          readOnly: fc.boolean(),
          role: fc.constantFrom("", "ovn-controller"),
          inactivityProbe: fc.integer({ min: 0, max: 100000 }),
        },
        { requiredKeys: ["sb", "target"] },
      ),
    keys: (i) => [String(i.target)],
    invalid: (ctx) =>
      breakOne(sbConnection.valid(ctx), {
        target: badTarget,
        readOnly: fc.constantFrom("yes", 1),
        role: fc.constantFrom("ovn controller", " x", 5),
        inactivityProbe: badInt(0),
      }),
  };

  const logicalSwitch: TypeSpec = {
    type: "ovn:LogicalSwitch",
    db: "nb",
    valid: (ctx) =>
      fc
        .tuple(
          fc.record(
            {
              nb: fc.constant(ctx.nb),
              name: nameArb(12).map((n) => `ls-${n}`),
              ipv6Prefix: fc
                .tuple(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom("", "/64"), fc.boolean())
                .map(([g, plen, up]) => {
                  const s = `FD00:${g.toString(16)}:0:0::${plen}`;
                  return up ? s : s.toLowerCase();
                }),
              macOnly: fc.boolean(),
              externalIds: mapArb,
            },
            { requiredKeys: ["nb", "name"] },
          ),
          fc.option(
            fc.tuple(
              fc.integer({ min: 1, max: 254 }),
              fc.integer({ min: 1, max: 200 }),
              fc.integer({ min: 1, max: 50 }),
            ),
          ),
          pad,
        )
        .map(([r, net, s]) =>
          net
            ? {
                ...r,
                subnet: `${s}10.${net[0]}.0.0/16`,
                excludeIps: [
                  `10.${net[0]}.0.${net[1]}`,
                  ` 10.${net[0]}.1.1..10.${net[0]}.1.${net[2]} `,
                  `10.${net[0]}.0.${net[1]}`,
                ],
              }
            : r,
        ),
    keys: (i) => [String(i.name)],
    invalid: (ctx) =>
      breakOne(logicalSwitch.valid(ctx), {
        name: badOvnName,
        subnet: fc.oneof(
          badNetwork,
          ipv6In("fd00").map((a) => `${a}/64`),
        ),
        excludeIps: badList(
          fc.oneof(badIpv4, fc.constantFrom("10.0.0.9..10.0.0.2", "10.0.0.1-10.0.0.3", "10.0.0.1..")),
          fc.constant("10.1.0.5"),
        ),
        ipv6Prefix: fc.oneof(badIpv6, fc.constantFrom("fd00::/48", "fd00::1", "10.0.0.0/64"), notAString),
        macOnly: fc.constantFrom("true", 1),
        otherConfig: fc.constantFrom({ k: 1 }, "subnet=x"),
      }),
  };

  const staticAddress = fc
    .tuple(macArb, fc.array(fc.oneof(ipv4In(10, 64), ipv6In("fd00:64:0:0")), { minLength: 1, maxLength: 2 }))
    .chain(([m, ips]) => spaced(fc.constant([m, ...ips])));
  const dynamicEntry = fc.oneof(
    padded(fc.constant("dynamic")),
    macArb.chain((m) => spaced(fc.constant([m, "dynamic"]))),
    ipv4In(10, 64).chain((ip) => spaced(fc.constant(["dynamic", ip]))),
  );
  const lsp: TypeSpec = {
    type: "ovn:LogicalSwitchPort",
    db: "nb",
    valid: (ctx) =>
      fc.record(
        {
          nb: fc.constant(ctx.nb),
          switch: fc.constant(ctx.switch),
          name: nameArb(12).map((n) => `lsp-${n}`),
          addresses: fc
            .tuple(setNoise(fc.array(staticAddress, { maxLength: 2 })), fc.option(dynamicEntry), fc.boolean())
            .map(([st, dyn, unknown]) => [...st, ...(dyn ? [dyn] : []), ...(unknown ? ["unknown"] : [])]),
          portSecurity: setNoise(fc.array(staticAddress, { maxLength: 2 })),
          enabled: fc.boolean(),
          externalIds: mapArb,
        },
        { requiredKeys: ["nb", "switch", "name"] },
      ),
    keys: (i) => [
      String(i.name),
      ...((i.addresses as string[] | undefined) ?? []).flatMap((a) =>
        a.split(" ").filter((w) => w !== "dynamic" && w !== "unknown"),
      ),
    ],
    invalid: (ctx) =>
      breakOne(lsp.valid(ctx), {
        switch: badOvnName,
        name: badOvnName,
        addresses: badList(
          fc.oneof(
            badMacText.map((m) => `${m} 10.64.0.1`),
            badIpText.map((ip) => `0a:00:00:00:00:01 ${ip}`),
            fc.constantFrom(
              "",
              "  ",
              "Dynamic",
              "dynamic 10.0.0.1 10.0.0.2",
              "unknown 10.0.0.1",
              "dynamic junk",
            ),
          ),
          staticAddress,
        ),
        portSecurity: badList(
          fc.oneof(
            badMac,
            badIpText.map((ip) => `0a:00:00:00:00:01 ${ip}`),
            fc.constant("dynamic"),
          ),
          staticAddress,
        ),
        type: fc.constantFrom("vif", "Router", 3),
        tagRequest: badInt(0, 4095),
        enabled: fc.constantFrom("no", 0),
      }),
  };

  const router: TypeSpec = {
    type: "ovn:LogicalRouter",
    db: "nb",
    valid: (ctx) =>
      fc.record(
        {
          nb: fc.constant(ctx.nb),
          name: nameArb(12).map((n) => `lr-${n}`),
          enabled: fc.boolean(),
          options: fc.constantFrom({}, { always_learn_from_arp_request: "false" }),
          externalIds: mapArb,
        },
        { requiredKeys: ["nb", "name"] },
      ),
    keys: (i) => [String(i.name)],
    invalid: (ctx) =>
      breakOne(router.valid(ctx), {
        name: badOvnName,
        enabled: fc.constantFrom("yes", 1),
        options: fc.constantFrom({ a: 1 }, "a=b"),
        nb: fc.constantFrom({ remote: "http://x" }, { remote: "" }, "tcp:1.2.3.4:6641", {}),
      }),
  };

  const lrp: TypeSpec = {
    type: "ovn:LogicalRouterPort",
    db: "nb",
    valid: (ctx) =>
      fc.record(
        {
          nb: fc.constant(ctx.nb),
          router: fc.constant(ctx.router),
          name: nameArb(12).map((n) => `lrp-${n}`),
          mac: padded(macArb),
          networks: setNoise(
            fc.uniqueArray(
              fc.oneof(
                fc.tuple(ipv4In(172), fc.integer({ min: 8, max: 30 })).map(([ip, n]) => `${ip}/${n}`),
                fc.tuple(ipv6In("fd02"), fc.integer({ min: 48, max: 126 })).map(([ip, n]) => `${ip}/${n}`),
              ),
              { minLength: 1, maxLength: 3 },
            ),
          ),
          gatewayChassis: fc.uniqueArray(nameArb(8), { maxLength: 3 }),
          enabled: fc.boolean(),
          externalIds: mapArb,
        },
        { requiredKeys: ["nb", "router", "name", "mac", "networks"] },
      ),
    keys: (i) => [String(i.name), String(i.mac), ...(i.networks as string[]).map((n) => n.split("/")[0])],
    invalid: (ctx) =>
      breakOne(lrp.valid(ctx), {
        router: badOvnName,
        name: badOvnName,
        mac: badMac,
        networks: fc.oneof(fc.constant([]), badList(badCidr, fc.constant("172.16.0.1/24"))),
        gatewayChassis: badList(
          fc.constantFrom("", "a b", { chassis: "gw", priority: 40000 }),
          fc.constant("gw1"),
        ),
        switchPortAddresses: badList(fc.constantFrom("", "bogus"), fc.constant("router")),
      }),
  };

  const route: TypeSpec = {
    type: "ovn:LogicalRouterStaticRoute",
    db: "nb",
    valid: (ctx) =>
      fc
        .oneof(
          fc
            .tuple(ipv4In(192, 168), fc.integer({ min: 16, max: 32 }), ipv4In(10))
            .map(([ip, n, hop]) => [networkOf4(ip, n), hop]),
          fc
            .tuple(ipv6In("fd03"), fc.constantFrom(48, 64, 128), ipv6In("fd00"))
            .map(([ip, n, hop]) => [networkOf6(ip, n), hop]),
        )
        .chain(([prefix, hop]) =>
          fc.record(
            {
              nb: fc.constant(ctx.nb),
              router: fc.constant(ctx.router),
              ipPrefix: padded(fc.constant(prefix)),
              nexthop: padded(fc.constant(hop)),
              policy: fc.constantFrom("dst-ip", "src-ip"),
              routeTable: fc.constantFrom("", "rtb-1"),
              externalIds: mapArb,
            },
            { requiredKeys: ["nb", "router", "ipPrefix", "nexthop"] },
          ),
        ),
    keys: (i) => [`${i.ipPrefix}|${i.policy ?? "dst-ip"}|${i.routeTable ?? ""}`],
    invalid: (ctx) =>
      breakOne(route.valid(ctx), {
        router: badOvnName,
        ipPrefix: badPrefix,
        nexthop: fc.oneof(badIp, fc.constantFrom("Discard", "10.0.0.1/32")),
        policy: fc.constantFrom("dst", "src_ip", ""),
        routeTable: fc.constantFrom("main table", " t", 7),
      }),
  };

  const nat: TypeSpec = {
    type: "ovn:LogicalRouterNat",
    db: "nb",
    valid: (ctx) =>
      fc
        .oneof(
          fc
            .tuple(ipv4In(198, 51), ipv4In(10, 1), fc.integer({ min: 16, max: 32 }))
            .map(([ext, lip, n]) => ({ type: "snat", externalIp: ext, logicalIp: `${networkOf4(lip, n)}` })),
          fc
            .tuple(ipv4In(198, 52), ipv4In(10, 2), fc.constantFrom("dnat", "dnat_and_snat"))
            .map(([ext, lip, type]) => ({ type, externalIp: ext, logicalIp: `${lip}/32` })),
          fc
            .tuple(ipv6In("fd04"), ipv6In("fd05"))
            .map(([ext, lip]) => ({ type: "dnat_and_snat", externalIp: ext, logicalIp: lip })),
        )
        .chain((key) =>
          fc.record(
            {
              nb: fc.constant(ctx.nb),
              router: fc.constant(ctx.router),
              type: fc.constant(key.type),
              externalIp: padded(fc.constant(key.externalIp)),
              logicalIp: padded(fc.constant(key.logicalIp)),
              externalPortRange: fc
                .tuple(fc.integer({ min: 1, max: 30000 }), fc.integer({ min: 0, max: 30000 }))
                .map(([a, d]) => (d ? `${a}-${a + d}` : `${a}`)),
              externalIds: mapArb,
            },
            { requiredKeys: ["nb", "router", "type", "externalIp", "logicalIp"] },
          ),
        ),
    keys: (i) => [String(i.externalIp), `${i.type}|${i.logicalIp}`],
    invalid: (ctx) =>
      breakOne(nat.valid(ctx), {
        router: badOvnName,
        type: fc.constantFrom("SNAT", "nat", ""),
        externalIp: badIp,
        logicalIp: badPrefix,
        externalMac: badMac,
        externalPortRange: fc.constantFrom("0", "70000", "10-5", "1-", "a-b", " 1 - 2", "1-2-3"),
      }),
  };

  return [
    bridge,
    port,
    flow,
    manager,
    chassis,
    nbConnection,
    sbConnection,
    logicalSwitch,
    lsp,
    router,
    lrp,
    route,
    nat,
  ];
}

function networkOf4(ip: string, plen: number): string {
  const n = ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const masked = plen === 0 ? 0 : n - (n % 2 ** (32 - plen));
  const dotted = [24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join(".");
  return plen === 32 ? `${dotted}/32` : `${dotted}/${plen}`;
}

function networkOf6(ip: string, plen: number): string {
  const start = new Address6(`${ip}/${plen}`).startAddress();
  return `${start.canonicalForm().toUpperCase()}/${plen}`;
}
