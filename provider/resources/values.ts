/**
 * Value kinds: every string the package writes into a column has one kind, declared here once.
 * A kind is a canonicaliser: it brings a value to the form OVS/OVN itself stores and prints
 * (lower-case MAC, IPv6 compressed in lower case, a route prefix as `ovn-nbctl lr-route-add`
 * writes it, single spaces between words), or says why the value is refused. The zod schemas of
 * every resource use these kinds, so `check` writes the canonical form into the state, and `diff`
 * compares both sides in that form (see framework.ts `sameInputs`).
 *
 * One rule for whitespace: values made of words (an address entry `"MAC IP"`) are trimmed and
 * their words joined by single spaces; values that are one token (a MAC, an IP, a prefix, a
 * target) are trimmed and refused when whitespace remains inside. Names (of bridges, ports,
 * switches, routers, chassis) are identities and are never rewritten: whitespace in a name is
 * refused. Map columns (`external_ids`, `options`, `other_config`) are written verbatim.
 *
 * Sets: a column OVSDB holds as a set (and lists the package stores as sets, like `exclude_ips`)
 * is canonical when sorted and without repeats, so order never shows as a change.
 */
import { z } from "zod";
import { Address4, Address6 } from "ip-address";

/** A canonical value, or why the value is refused (naming the accepted form). */
export type Canonical = { value: string } | { problem: string };

const ok = (value: string): Canonical => ({ value });
const no = (problem: string): Canonical => ({ problem });

/** Trimmed, with runs of whitespace made one space. */
export function singleSpaced(s: string): string {
  return s.trim().replace(/\s+/g, " ");
}

/** A token: trimmed; refused when whitespace remains inside. */
function token(s: string, canon: (t: string) => Canonical): Canonical {
  const t = s.trim();
  if (/\s/.test(t)) return no(`${JSON.stringify(s)} must not contain whitespace`);
  return canon(t);
}

// ---- MAC ---------------------------------------------------------------------------------------

export const MAC_FORM = "six hex octets like 50:54:00:00:00:01";
const MAC_RE = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/** Whether `s` is a MAC address (six hex octets, either case). Pure. */
export const isMac = (s: string): boolean => MAC_RE.test(s);

/** A MAC address in lower case (as OVS prints it). */
export function canonMac(s: string): Canonical {
  return token(s, (t) =>
    MAC_RE.test(t)
      ? ok(t.toLowerCase())
      : no(`${JSON.stringify(s)} is not a MAC address; accepted: ${MAC_FORM}`),
  );
}

// ---- IP addresses ------------------------------------------------------------------------------

/** An IPv4 address without leading zeros (inet_pton refuses them; `010` could mean octal). */
function ipv4(t: string): string | undefined {
  return !t.includes("/") && Address4.isValid(t) ? new Address4(t).correctForm() : undefined;
}

/** An IPv6 address, compressed in lower case (RFC 5952, as inet_ntop prints it); no zone. */
function ipv6(t: string): string | undefined {
  if (t.includes("/") || t.includes("%") || !t.includes(":") || !Address6.isValid(t)) return undefined;
  return ntop6(new Address6(t));
}

/**
 * An IPv6 address as glibc's inet_ntop (and so ovn-nbctl) prints it: RFC 5952 compression in lower
 * case, except that IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) addresses end
 * in dotted decimal.
 */
function ntop6(a: Address6): string {
  const words = a
    .canonicalForm()
    .split(":")
    .map((w) => parseInt(w, 16));
  let zeros = 0;
  while (zeros < 8 && words[zeros] === 0) zeros++;
  // glibc uses the dotted tail when the longest zero run starts the address and is exactly six
  // words (compatible) or five words followed by ffff (mapped).
  const mapped = zeros === 5 && words[5] === 0xffff;
  if (zeros === 6 || mapped) {
    const v4 = [words[6] >> 8, words[6] & 0xff, words[7] >> 8, words[7] & 0xff].join(".");
    return `::${mapped ? "ffff:" : ""}${v4}`;
  }
  return a.correctForm();
}

function anyIp(t: string): { ip: string; family: 4 | 6 } | undefined {
  const v4 = ipv4(t);
  if (v4 !== undefined) return { ip: v4, family: 4 };
  const v6 = ipv6(t);
  return v6 === undefined ? undefined : { ip: v6, family: 6 };
}

export const IP_FORM = "an IPv4 or IPv6 address, e.g. 172.16.0.10 or fd00::10";

export function canonIp(s: string): Canonical {
  return token(s, (t) => {
    const a = anyIp(t);
    return a ? ok(a.ip) : no(`${JSON.stringify(s)} is not an IP address; accepted: ${IP_FORM}`);
  });
}

/** Splits `ADDR/PLEN`; the prefix length in decimal without leading zeros, within the family. */
function splitPlen(t: string): { ip: string; family: 4 | 6; plen: number } | undefined {
  const slash = t.indexOf("/");
  if (slash < 0) return undefined;
  const a = anyIp(t.slice(0, slash));
  const len = t.slice(slash + 1);
  if (!a || !/^(0|[1-9]\d{0,2})$/.test(len)) return undefined;
  const plen = Number(len);
  return plen <= (a.family === 4 ? 32 : 128) ? { ...a, plen } : undefined;
}

/** The network address of `ip/plen` (host bits cleared), canonical. */
function networkOf(ip: string, family: 4 | 6, plen: number): string {
  return family === 4
    ? new Address4(`${ip}/${plen}`).startAddress().correctForm()
    : ntop6(new Address6(`${ip}/${plen}`).startAddress());
}

export const INTERFACE_CIDR_FORM = "an address with prefix length, e.g. 192.168.0.1/24 or fd00::1/64";

/** An interface address with its prefix length (`192.168.0.1/24`): host bits are kept. */
export function canonInterfaceCidr(s: string): Canonical {
  return token(s, (t) => {
    const p = splitPlen(t);
    return p
      ? ok(`${p.ip}/${p.plen}`)
      : no(`${JSON.stringify(s)} is not an address with prefix length; accepted: ${INTERFACE_CIDR_FORM}`);
  });
}

/** An IP address with or without a prefix length (a word of `addresses` or `port_security`). */
function canonIpMaybePlen(t: string): string | undefined {
  if (!t.includes("/")) return anyIp(t)?.ip;
  const p = splitPlen(t);
  return p ? `${p.ip}/${p.plen}` : undefined;
}

export const NETWORK_FORM = "an IPv4 network with host bits zero, e.g. 192.168.0.0/24";

/** An IPv4 network with host bits zero, as `ADDR/PLEN` (a switch's `subnet`). */
export function canonIpv4Network(s: string): Canonical {
  return token(s, (t) => {
    const p = splitPlen(t);
    if (!p || p.family !== 4)
      return no(`${JSON.stringify(s)} is not an IPv4 network; accepted: ${NETWORK_FORM}`);
    const net = networkOf(p.ip, 4, p.plen);
    if (net !== p.ip) {
      return no(
        `${JSON.stringify(s)} has host bits set (the network is ${net}/${p.plen}); accepted: ${NETWORK_FORM}`,
      );
    }
    return ok(`${net}/${p.plen}`);
  });
}

export const PREFIX_FORM =
  "a network with host bits zero (e.g. 10.0.0.0/8, 0.0.0.0/0, fd00::/64) or one address";

/**
 * A route or NAT prefix as `ovn-nbctl` writes it (normalize_prefix_str): the network with host
 * bits zero, and a full-length prefix (`/32`, `/128`) as the bare address.
 */
export function canonPrefix(s: string): Canonical {
  return token(s, (t) => {
    const bad = no(`${JSON.stringify(s)} is not a prefix; accepted: ${PREFIX_FORM}`);
    if (!t.includes("/")) {
      const a = anyIp(t);
      return a ? ok(a.ip) : bad;
    }
    const p = splitPlen(t);
    if (!p) return bad;
    const net = networkOf(p.ip, p.family, p.plen);
    if (net !== p.ip) {
      return no(
        `${JSON.stringify(s)} has host bits set (the network is ${net}/${p.plen}); accepted: ${PREFIX_FORM}`,
      );
    }
    return ok(p.plen === (p.family === 4 ? 32 : 128) ? net : `${net}/${p.plen}`);
  });
}

export const IPV6_PREFIX_FORM = 'an IPv6 /64 prefix, e.g. "fd00::" or "fd00::/64"';

/** A switch's IPv6 IPAM prefix as OVN stores it: the /64 network address, without the length. */
export function canonIpv6Prefix(s: string): Canonical {
  return token(s, (t) => {
    const bad = no(`${JSON.stringify(s)} is not ${IPV6_PREFIX_FORM}`);
    const p = t.includes("/")
      ? splitPlen(t)
      : (() => {
          const ip = ipv6(t);
          return ip === undefined ? undefined : { ip, family: 6 as const, plen: 64 };
        })();
    if (!p || p.family !== 6 || p.plen !== 64) return bad;
    const net = networkOf(p.ip, 6, 64);
    return net === p.ip
      ? ok(net)
      : no(`${JSON.stringify(s)} has bits set after the first 64; the prefix is ${net}`);
  });
}

/** The address family of a canonical IP, prefix or CIDR. */
export function familyOf(s: string): 4 | 6 | undefined {
  return anyIp(s.split("/")[0])?.family;
}

// ---- OVN address lists -------------------------------------------------------------------------

export const EXCLUDE_FORM = 'an IPv4 address or a range "FIRST..LAST", e.g. "192.168.0.2..192.168.0.10"';

const ipv4Number = (ip: string): bigint => new Address4(ip).bigInt();

/** One `exclude_ips` entry: an IPv4 address or an ascending range `A..B`. */
export function canonExcludeEntry(s: string): Canonical {
  return token(s, (t) => {
    const parts = t.split("..");
    const ips = parts.map(ipv4);
    if (parts.length > 2 || ips.some((x) => x === undefined)) {
      return no(`${JSON.stringify(s)} is not ${EXCLUDE_FORM}`);
    }
    const [a, b] = ips as string[];
    if (b !== undefined && ipv4Number(a) > ipv4Number(b)) {
      return no(`${JSON.stringify(s)}: the range's first address is above its last`);
    }
    return ok(b === undefined ? a : `${a}..${b}`);
  });
}

export const LSP_ADDRESS_FORM =
  '"MAC [IP ...]" (e.g. "50:54:00:00:00:01 192.168.0.2"), "dynamic", "MAC dynamic", "dynamic IP [IPv6]", "router" or "unknown"';

/** One element of Logical_Switch_Port.addresses (ovn-nb(5)), its words canonical and single-spaced. */
export function canonLspAddress(s: string): Canonical {
  const bad = `${JSON.stringify(s)} is not a logical port address; accepted: ${LSP_ADDRESS_FORM}`;
  const words = singleSpaced(s).split(" ").filter(Boolean);
  if (words.length === 0) return no(bad);
  const [first, ...rest] = words;
  if (first === "router" || first === "unknown") return rest.length === 0 ? ok(first) : no(bad);
  if (first === "dynamic") {
    if (rest.length > 2) return no(bad);
    const ips = rest.map(anyIp);
    if (ips.some((x) => x === undefined)) {
      return no(`${bad} (after "dynamic" only an IPv4 and/or an IPv6 address may follow)`);
    }
    if (ips.length === 2 && ips[0]!.family === ips[1]!.family) {
      return no(`${bad} (at most one IPv4 and one IPv6 address)`);
    }
    return ok(["dynamic", ...ips.map((x) => x!.ip)].join(" "));
  }
  const mac = canonMac(first);
  if ("problem" in mac) return no(`${bad} (${JSON.stringify(first)} is not a MAC address: ${MAC_FORM})`);
  if (rest.length === 1 && rest[0] === "dynamic") return ok(`${mac.value} dynamic`);
  const out = [mac.value];
  for (const w of rest) {
    const ip = canonIpMaybePlen(w);
    if (ip === undefined) return no(`${bad} (${JSON.stringify(w)} is not an IP address)`);
    out.push(ip);
  }
  return ok(out.join(" "));
}

export const PORT_SECURITY_FORM = '"MAC [IP[/PLEN] ...]", e.g. "50:54:00:00:00:01 192.168.0.2"';

/** One element of Logical_Switch_Port.port_security, its words canonical and single-spaced. */
export function canonPortSecurity(s: string): Canonical {
  const words = singleSpaced(s).split(" ").filter(Boolean);
  const bad = `${JSON.stringify(s)} is not a port security entry; accepted: ${PORT_SECURITY_FORM}`;
  const mac = words.length ? canonMac(words[0]) : undefined;
  if (!mac || "problem" in mac) return no(bad);
  const out = [mac.value];
  for (const w of words.slice(1)) {
    const ip = canonIpMaybePlen(w);
    if (ip === undefined) return no(`${bad} (${JSON.stringify(w)} is not an IP address or CIDR)`);
    out.push(ip);
  }
  return ok(out.join(" "));
}

// ---- connection targets ------------------------------------------------------------------------

const HOSTNAME_RE =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function port(text: string, min: number): string | undefined {
  return /^(0|[1-9]\d{0,4})$/.test(text) && Number(text) >= min && Number(text) <= 65535 ? text : undefined;
}

/** A host part: an IP (IPv6 in brackets, canonical) or a host name (lower case). */
function host(text: string): string | undefined {
  if (text.startsWith("[") && text.endsWith("]")) {
    const v6 = ipv6(text.slice(1, -1));
    return v6 === undefined ? undefined : `[${v6}]`;
  }
  const v4 = ipv4(text);
  if (v4 !== undefined) return v4;
  if (/^\d+(\.\d+)*$/.test(text)) return undefined; // looks numeric but is no address
  return HOSTNAME_RE.test(text) ? text.toLowerCase() : undefined;
}

/** `HOST[:PORT]` or `[IPv6][:PORT]`, canonical; `portRequired` for forms that need the port. */
function hostPort(rest: string, portRequired: boolean): string | undefined {
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(.*))?$/.exec(rest);
  if (!m) return undefined;
  const h = host(m[1]);
  if (h === undefined) return undefined;
  if (m[2] === undefined) return portRequired ? undefined : h;
  const p = port(m[2], 1);
  return p === undefined ? undefined : `${h}:${p}`;
}

/** `PORT[:IP]` of a listening target, canonical. */
function listen(rest: string): string | undefined {
  const i = rest.indexOf(":");
  const p = port(i < 0 ? rest : rest.slice(0, i), 0);
  if (p === undefined) return undefined;
  if (i < 0) return p;
  const addr = rest.slice(i + 1);
  const h = addr.startsWith("[")
    ? host(addr)
    : (ipv4(addr) ?? (ipv6(addr) !== undefined ? `[${ipv6(addr)}]` : undefined));
  return h === undefined ? undefined : `${p}:${h}`;
}

export const TARGET_FORM =
  "ptcp:PORT[:IP], pssl:PORT[:IP], punix:PATH (listen) or tcp:HOST:PORT, ssl:HOST:PORT, unix:PATH (connect out), e.g. ptcp:6641:0.0.0.0";

export interface TargetRules {
  /** Listening forms (ptcp:, pssl:, punix:) are accepted. */
  passive: boolean;
  /** Active tcp:/ssl: forms may leave out the port (OpenFlow controllers: 6653). */
  portOptional?: boolean;
}

/**
 * An OVS connection target (Manager, Controller, OVN Connection, ovn-remote), canonical: the IP
 * in canonical form (IPv6 in brackets), a host name in lower case, the port without leading zeros.
 */
export function canonTarget(s: string, rules: TargetRules): Canonical {
  return token(s, (t) => {
    const bad = no(`${JSON.stringify(s)} is not a connection target; accepted: ${TARGET_FORM}`);
    const m = /^(p?)(tcp|ssl|unix):(.*)$/.exec(t);
    if (!m) return bad;
    const [, passive, proto, rest] = m;
    if (passive && !rules.passive)
      return no(`${JSON.stringify(s)}: a listening target is not accepted here; use ${proto}:…`);
    if (proto === "unix") return rest ? ok(t) : bad;
    const canon = passive ? listen(rest) : hostPort(rest, !rules.portOptional);
    return canon === undefined ? bad : ok(`${passive}${proto}:${canon}`);
  });
}

export const REMOTE_LIST_FORM = "tcp:IP:PORT, ssl:IP:PORT or unix:PATH, comma-separated for a cluster";

/**
 * A comma-separated list of active targets (`ovn-remote`, a cluster's members), each canonical,
 * joined without spaces. `form` names what is accepted in the refusal.
 */
export function canonRemoteList(s: string, form = REMOTE_LIST_FORM): Canonical {
  const items = s.split(",").map((x) => x.trim());
  const out: string[] = [];
  for (const item of items) {
    const c = item === "" ? undefined : canonTarget(item, { passive: false });
    if (!c || "problem" in c) {
      return no(`${JSON.stringify(item)} (in ${JSON.stringify(s)}) is not a remote; accepted: ${form}`);
    }
    out.push(c.value);
  }
  return ok(out.join(","));
}

// ---- zod kinds ---------------------------------------------------------------------------------

/**
 * A zod string schema for a value kind: the output is the canonical form; a refused value is an
 * issue at the argument, worded `WHAT: reason`.
 */
export function valueKind(what: string, canon: (s: string) => Canonical) {
  return z.string({ error: `${what} must be a string` }).transform((s, ctx) => {
    const c = canon(s);
    if ("problem" in c) {
      ctx.addIssue({ code: "custom", message: `${what}: ${c.problem}` });
      return z.NEVER;
    }
    return c.value;
  });
}

/** Sorted without repeats: the canonical form of a set (elements compared as JSON). */
export function asSet<T>(items: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const x of items) byKey.set(JSON.stringify(x), x);
  const order = ([ka, a]: [string, T], [kb, b]: [string, T]): number =>
    typeof a === "number" && typeof b === "number" ? a - b : ka < kb ? -1 : ka > kb ? 1 : 0;
  return [...byKey.entries()].sort(order).map(([, x]) => x);
}

/**
 * An integer argument within the bounds of its column: one message for every way it can be wrong,
 * with the accepted range (`note`: what the value means, e.g. " (highest wins)"); a value of
 * another type (`"46"`) says so, as the range alone would not tell what is wrong.
 */
export function intIn(what: string, min: number, max: number, note = "") {
  const accepted = `${what}: accepted an integer ${min}..${max}${note}`;
  return z
    .number({
      error: (iss) =>
        iss.input === undefined
          ? accepted
          : `${accepted}, got ${typeof iss.input === "string" ? `the string ${JSON.stringify(iss.input)} (write it without quotes)` : `a ${iss.input === null ? "null" : typeof iss.input}`}`,
    })
    .int(accepted)
    .min(min, accepted)
    .max(max, accepted);
}

/** A set-valued argument: an array of `item`, canonical as a sorted list without repeats. */
export function setOf<T extends z.ZodType>(item: T, error: string) {
  return z.array(item, { error }).transform((xs) => asSet(xs as z.output<T>[]));
}

export const mac = (what: string) => valueKind(what, canonMac);
export const ip = (what: string) => valueKind(what, canonIp);
export const interfaceCidr = (what: string) => valueKind(what, canonInterfaceCidr);
export const ipv4Network = (what: string) => valueKind(what, canonIpv4Network);
export const prefix = (what: string) => valueKind(what, canonPrefix);
export const ipv6Prefix = (what: string) => valueKind(what, canonIpv6Prefix);
export const excludeEntry = (what: string) => valueKind(what, canonExcludeEntry);
export const lspAddress = (what: string) => valueKind(what, canonLspAddress);
export const portSecurityEntry = (what: string) => valueKind(what, canonPortSecurity);
export const target = (what: string, rules: TargetRules) => valueKind(what, (s) => canonTarget(s, rules));
export const remoteList = (what: string, form?: string) => valueKind(what, (s) => canonRemoteList(s, form));

/**
 * An identifier that is written as given (route table names, RBAC roles, system-ids): no
 * whitespace and none of the characters in `forbid` (OVN matches these strings exactly; a stray
 * space would make a second, different name). With `emptyIsUnset`, `""` is the column's default
 * and canonical as "not set"; otherwise it is refused.
 */
export const identifier = (what: string, opts: { emptyIsUnset?: boolean; forbid?: string } = {}) =>
  z
    .string({ error: `${what} must be a string` })
    .refine((s) => opts.emptyIsUnset || s.length > 0, { message: `${what} must not be empty` })
    .refine((s) => !/\s/.test(s) && ![...(opts.forbid ?? "")].some((ch) => s.includes(ch)), {
      message: `${what} must not contain whitespace${opts.forbid ? ` or any of ${JSON.stringify(opts.forbid)}` : ""}`,
    })
    .transform((s) => (s === "" ? undefined : s));

// ---- small kinds -------------------------------------------------------------------------------

export const PORT_RANGE_FORM = '"PORT" or "FIRST-LAST" within 1..65535, e.g. "1024-65535"';

/** A NAT port range: `PORT` or ascending `FIRST-LAST`, decimal without leading zeros. */
export function canonPortRange(s: string): Canonical {
  return token(s, (t) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(t);
    const [a, b] = m ? [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])] : [NaN, undefined];
    if (!m || a < 1 || a > 65535 || (b !== undefined && (b < a || b > 65535))) {
      return no(`${JSON.stringify(s)} is not a port range; accepted: ${PORT_RANGE_FORM}`);
    }
    return ok(b === undefined ? String(a) : `${a}-${b}`);
  });
}

/** A static route's next hop: an IP address (canonical) or `discard`. */
export function canonNexthop(s: string): Canonical {
  if (s.trim() === "discard") return ok("discard");
  const c = canonIp(s);
  return "problem" in c
    ? no(`${JSON.stringify(s)} is not an IP address or "discard"; accepted e.g. 192.168.0.254`)
    : c;
}

export const portRange = (what: string) => valueKind(what, canonPortRange);
export const nexthop = (what: string) => valueKind(what, canonNexthop);
