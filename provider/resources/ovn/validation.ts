/**
 * Pure checks of OVN argument values: MAC addresses, CIDRs, logical port addresses, port
 * security entries, IPAM settings, encapsulation types and bridge mappings. Each check returns
 * the reason a value is wrong (naming the accepted form), or undefined when it is fine, so that
 * zod refinements and cross-field `validate` functions share one wording.
 */
import { z } from "zod";
import { Address4 } from "ip-address";
import {
  canonExcludeEntry,
  canonInterfaceCidr,
  canonLspAddress,
  canonPortSecurity,
  canonPrefix,
  familyOf,
  type Canonical,
} from "../values";

export {
  EXCLUDE_FORM,
  LSP_ADDRESS_FORM,
  MAC_FORM,
  PORT_SECURITY_FORM,
  interfaceCidr,
  ipv4Network,
} from "../values";

const problemOf = (c: Canonical): string | undefined => ("problem" in c ? c.problem : undefined);

/** An IPv4 or IPv6 address with a prefix length (`192.168.0.1/24`, `fd00::1/64`). */
export function isCidrAny(s: string): boolean {
  return "value" in canonInterfaceCidr(s) && !/\s/.test(s);
}

/** True for an IPv4 or IPv6 network whose host bits are zero (`192.168.0.0/24`). */
export function isNetwork(s: string): boolean {
  return s.includes("/") && "value" in canonPrefix(s) && !/\s/.test(s);
}

/** The address family of an IP or CIDR: 4, 6, or undefined when it is neither. */
export function family(s: string): 4 | 6 | undefined {
  return familyOf(s);
}

/** Why one element of Logical_Switch_Port.addresses is malformed (ovn-nb(5)), or undefined. */
export function lspAddressProblem(entry: string): string | undefined {
  return problemOf(canonLspAddress(entry));
}

/** Why one element of Logical_Switch_Port.port_security is malformed, or undefined. */
export function portSecurityProblem(entry: string): string | undefined {
  return problemOf(canonPortSecurity(entry));
}

/** Whether `ip` lies inside IPv4 network `cidr`. */
export function inIpv4Network(ip: string, cidr: string): boolean {
  try {
    return new Address4(ip).isInSubnet(new Address4(cidr));
  } catch {
    return false;
  }
}

/** Why one element of `excludeIps` is malformed (or outside `subnet` when given), or undefined. */
export function excludeIpProblem(entry: string, subnet?: string): string | undefined {
  const c = canonExcludeEntry(entry);
  if ("problem" in c) return c.problem;
  const parts = c.value.split("..");
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
