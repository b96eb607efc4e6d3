/**
 * Pure checks of OVN argument values: MAC addresses, CIDRs, logical port addresses, port
 * security entries, IPAM settings, encapsulation types and bridge mappings. Each check returns
 * the reason a value is wrong (naming the accepted form), or undefined when it is fine, so that
 * zod refinements and cross-field `validate` functions share one wording.
 */
import { z } from "zod";
import { Address4, Address6 } from "ip-address";
import { isIpv4, isIpv6 } from "../common";

const MAC_RE = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

export const MAC_FORM = "six hex octets like 50:54:00:00:00:01";

export function isMac(s: string): boolean {
  return MAC_RE.test(s);
}

/** An IPv4 or IPv6 address with a prefix length (`192.168.0.1/24`, `fd00::1/64`). */
export function isCidrAny(s: string): boolean {
  const slash = s.indexOf("/");
  if (slash < 0) return false;
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len)) return false;
  const n = Number(len);
  if (isIpv4(addr)) return n <= 32;
  if (isIpv6(addr)) return n <= 128;
  return false;
}

/** True for an IPv4 or IPv6 network whose host bits are zero (`192.168.0.0/24`). */
export function isNetwork(s: string): boolean {
  if (!isCidrAny(s)) return false;
  const [addr] = s.split("/");
  if (isIpv4(addr)) return new Address4(s).startAddress().address === addr;
  const a = new Address6(s);
  return a.startAddress().correctForm() === new Address6(addr).correctForm();
}

/** The address family of an IP or CIDR: 4, 6, or undefined when it is neither. */
export function family(s: string): 4 | 6 | undefined {
  const addr = s.split("/")[0];
  if (isIpv4(addr)) return 4;
  if (isIpv6(addr)) return 6;
  return undefined;
}

/** An IP address, optionally with a prefix length, as OVN accepts after a MAC in `addresses`. */
function isIpMaybeMasked(s: string): boolean {
  return isIpv4(s) || isIpv6(s) || isCidrAny(s);
}

export const LSP_ADDRESS_FORM =
  '"MAC [IP ...]" (e.g. "50:54:00:00:00:01 192.168.0.2"), "dynamic", "MAC dynamic", "dynamic IP [IPv6]", "router" or "unknown"';

/**
 * Why one element of Logical_Switch_Port.addresses is malformed (ovn-nb(5)), or undefined.
 */
export function lspAddressProblem(entry: string): string | undefined {
  const bad = `${JSON.stringify(entry)} is not a logical port address; accepted: ${LSP_ADDRESS_FORM}`;
  const words = entry.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return bad;
  const [first, ...rest] = words;
  if (first === "router" || first === "unknown") return rest.length === 0 ? undefined : bad;
  if (first === "dynamic") {
    if (rest.length > 2) return bad;
    const fams = rest.map((w) => (isIpv4(w) ? 4 : isIpv6(w) ? 6 : 0));
    if (fams.includes(0)) return `${bad} (after "dynamic" only an IPv4 and/or an IPv6 address may follow)`;
    if (fams.length === 2 && fams[0] === fams[1]) return `${bad} (at most one IPv4 and one IPv6 address)`;
    return undefined;
  }
  if (!isMac(first)) return `${bad} (${JSON.stringify(first)} is not a MAC address: ${MAC_FORM})`;
  if (rest.length === 1 && rest[0] === "dynamic") return undefined;
  const wrong = rest.find((w) => !isIpMaybeMasked(w));
  if (wrong !== undefined) return `${bad} (${JSON.stringify(wrong)} is not an IP address)`;
  return undefined;
}

export const PORT_SECURITY_FORM = '"MAC [IP[/PLEN] ...]", e.g. "50:54:00:00:00:01 192.168.0.2"';

/** Why one element of Logical_Switch_Port.port_security is malformed, or undefined. */
export function portSecurityProblem(entry: string): string | undefined {
  const words = entry.trim().split(/\s+/).filter(Boolean);
  const bad = `${JSON.stringify(entry)} is not a port security entry; accepted: ${PORT_SECURITY_FORM}`;
  if (words.length === 0 || !isMac(words[0])) return bad;
  const wrong = words.slice(1).find((w) => !isIpMaybeMasked(w));
  return wrong === undefined ? undefined : `${bad} (${JSON.stringify(wrong)} is not an IP address or CIDR)`;
}

/** Whether `ip` lies inside IPv4 network `cidr`. */
export function inIpv4Network(ip: string, cidr: string): boolean {
  try {
    return new Address4(ip).isInSubnet(new Address4(cidr));
  } catch {
    return false;
  }
}

function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

export const EXCLUDE_FORM = 'an IPv4 address or a range "FIRST..LAST", e.g. "192.168.0.2..192.168.0.10"';

/** Why one element of `excludeIps` is malformed (or outside `subnet` when given), or undefined. */
export function excludeIpProblem(entry: string, subnet?: string): string | undefined {
  const parts = entry.split("..");
  if (parts.length > 2 || !parts.every(isIpv4)) {
    return `${JSON.stringify(entry)} is not ${EXCLUDE_FORM}`;
  }
  if (parts.length === 2 && ipv4ToNumber(parts[0]) > ipv4ToNumber(parts[1])) {
    return `${JSON.stringify(entry)}: the range's first address is above its last`;
  }
  if (subnet && isNetwork(subnet) && !parts.every((p) => inIpv4Network(p, subnet))) {
    return `${JSON.stringify(entry)} is outside subnet ${subnet}`;
  }
  return undefined;
}

export const ENCAP_TYPES = ["geneve", "vxlan", "stt"] as const;

/** Splits `"geneve,vxlan"` or `["geneve", "vxlan"]` into types. */
export function encapTypes(v: string | string[]): string[] {
  return (Array.isArray(v) ? v : [v])
    .flatMap((x) => x.split(","))
    .map((x) => x.trim())
    .filter(Boolean);
}

/** OVN chassis `ovn-bridge-mappings`: `physnet1:br-eth0,physnet2:br-eth1`, from an object. */
export function formatBridgeMappings(m: Record<string, string>): string {
  return Object.entries(m)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}`)
    .join(",");
}

/** The object form of an `ovn-bridge-mappings` value (entries without ":" are skipped). */
export function parseBridgeMappings(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of s.split(",")) {
    const i = item.indexOf(":");
    if (i > 0) out[item.slice(0, i).trim()] = item.slice(i + 1).trim();
  }
  return out;
}

// ---- zod pieces --------------------------------------------------------------------------------

/** A name of an OVN logical object: non-empty, no whitespace or double quotes (used in matches). */
export const ovnName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(255, `${what} must be at most 255 characters`)
    .refine((s) => !/[\s"]/.test(s), { message: `${what} must not contain whitespace or double quotes` });

export const macSchema = (what: string) =>
  z.string({ error: `${what} must be a string` }).refine(isMac, {
    message: `${what}: not a MAC address; accepted: ${MAC_FORM}`,
  });

export const ipSchema = (what: string) =>
  z.string({ error: `${what} must be a string` }).refine((s) => isIpv4(s) || isIpv6(s), {
    message: `${what}: not an IP address; accepted: IPv4 or IPv6, e.g. 172.16.0.10`,
  });

/** `192.168.0.1/24` style: an interface address with its prefix length (IPv4 or IPv6). */
export const interfaceCidr = (what: string) =>
  z.string({ error: `${what} must be a string` }).refine(isCidrAny, {
    message: `${what}: not an address with prefix length; accepted: e.g. 192.168.0.1/24 or fd00::1/64`,
  });

/** An IPv4 network with host bits zero (a switch's `subnet`). */
export const ipv4Network = (what: string) =>
  z.string({ error: `${what} must be a string` }).refine((s) => isNetwork(s) && family(s) === 4, {
    message: `${what}: not an IPv4 network; accepted: a CIDR with host bits zero, e.g. 192.168.0.0/24`,
  });

/** IPv6 IPAM prefix: `fd00::` (as OVN stores it) or `fd00::/64` (normalised to `fd00::`). */
export const ipv6Prefix = z
  .string({ error: "ipv6Prefix must be a string" })
  .refine(
    (s) => {
      const addr = s.endsWith("/64") ? s.slice(0, -3) : s;
      return isIpv6(addr) && (s.endsWith("/64") ? isNetwork(s) : true);
    },
    { message: 'ipv6Prefix: not an IPv6 /64 prefix; accepted: e.g. "fd00::" or "fd00::/64"' },
  )
  .transform((s) => (s.endsWith("/64") ? new Address6(s).startAddress().correctForm() : s));
