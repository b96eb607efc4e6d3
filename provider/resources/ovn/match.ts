/**
 * What can be checked of an OVN match (ovn-sb(5) "Logical_Flow" match syntax) without the database:
 * quotes and brackets balanced, `&&` and `||` not mixed without parentheses, every field name one
 * OVN 23.03 knows (the list was checked against OVN's own parser, `ovn-trace`, which refused every
 * name left out), `$set` and `@group` names well formed. What needs the database (the address sets
 * and port groups a match names) is checked at create ({@link matchReferences}).
 */

/** The logical fields and predicates OVN 23.03's expression parser knows. */
const FIELDS = new Set(
  (
    "inport outport eth.src eth.dst eth.type eth.bcast eth.mcast eth.mcastv6 vlan.tci vlan.vid vlan.pcp " +
    "vlan.present ip4 ip6 ip ip4.src ip4.dst ip4.mcast ip4.src_mcast ip6.src ip6.dst ip6.label ip6.mcast " +
    "ip6.mcast_rsvd ip6.mcast_all_nodes ip6.mcast_all_rtrs ip6.mcast_sol_node ip6.mcast_flood ip.proto " +
    "ip.dscp ip.ecn ip.ttl ip.frag ip.first_frag ip.later_frag ip.is_frag arp arp.op arp.spa arp.tpa " +
    "arp.sha arp.tha rarp rarp.op rarp.spa rarp.tpa rarp.sha rarp.tha tcp tcp.src tcp.dst tcp.flags udp " +
    "udp.src udp.dst sctp sctp.src sctp.dst icmp icmp4 icmp4.type icmp4.code icmp4.frag_mtu icmp6 " +
    "icmp6.type icmp6.code icmp6.frag_mtu nd nd.target nd.sll nd.tll nd_ns nd_na nd_rs nd_ra igmp mldv1 " +
    "mldv2 ct.new ct.est ct.rel ct.rpl ct.inv ct.trk ct.snat ct.dnat ct_state ct_mark ct_label " +
    "ct_mark.blocked ct_mark.natted ct_mark.force_snat ct_mark.skip_snat ct_mark.ecmp_reply_port " +
    "ct_label.blocked ct_label.natted ct_label.ecmp_reply_eth ct_label.ecmp_reply_port " +
    "ct_label.force_snat ct_label.skip_snat ct_label.label pkt.mark reg0 reg1 reg2 reg3 reg4 reg5 reg6 " +
    "reg7 reg8 reg9 xreg0 xreg1 xreg2 xreg3 xreg4 xxreg0 xxreg1 flags.loopback flags.force_snat_for_dnat " +
    "flags.force_snat_for_lb flags.skip_snat_for_lb flags.use_snat_zone"
  ).split(" "),
);
const FUNCTIONS = new Set(["is_chassis_resident"]);

/** What OVN's lexer takes as an identifier (a field, or a name after `$` / `@`). */
const ID = /^[A-Za-z_.][A-Za-z0-9_.]*/;
/** A word: an identifier, or a constant (a number, an IPv4/IPv6/MAC address, a subscript range). */
const WORD = /^[A-Za-z0-9_.:]+/;
const CLOSE: Record<string, string> = { ")": "(", "}": "{", "]": "[" };

/** The address sets (`$name`) and port groups (`@name`) a match names. */
export interface MatchNames {
  addressSets: string[];
  portGroups: string[];
}

/** Reads a match token by token: its problem (undefined when none was found) and the names it uses. */
export function scanMatch(match: string): { problem?: string; names: MatchNames } {
  const names: MatchNames = { addressSets: [], portGroups: [] };
  const open: { bracket: string; at: number; ops: Set<string> }[] = [{ bracket: "", at: 0, ops: new Set() }];
  const fail = (problem: string) => ({ problem, names });
  let i = 0;
  while (i < match.length) {
    const ch = match[i];
    const rest = match.slice(i);
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!end) return fail(`the quoted string at position ${i} is not closed`);
      i += end[0].length;
    } else if (ch === "(" || ch === "{" || ch === "[") {
      open.push({ bracket: ch, at: i, ops: new Set() });
      i++;
    } else if (ch in CLOSE) {
      const top = open.pop()!;
      if (top.bracket !== CLOSE[ch]) {
        return fail(
          top.bracket
            ? `'${ch}' at position ${i} closes '${top.bracket}' at position ${top.at}`
            : `'${ch}' at position ${i} has no opening '${CLOSE[ch]}'`,
        );
      }
      i++;
    } else if (rest.startsWith("&&") || rest.startsWith("||")) {
      const ops = open[open.length - 1].ops;
      ops.add(rest.slice(0, 2));
      if (ops.size > 1) return fail("&& and || must be parenthesized when used together (OVN's rule)");
      i += 2;
    } else if (ch === "$" || ch === "@") {
      const name = ID.exec(match.slice(i + 1));
      const what = ch === "$" ? "an address set name" : "a port group name";
      if (!name) return fail(`'${ch}' at position ${i} must be followed by ${what}`);
      (ch === "$" ? names.addressSets : names.portGroups).push(name[0]);
      i += 1 + name[0].length;
    } else {
      const word = WORD.exec(rest);
      if (!word) {
        i++; // an operator: == != < <= > >= ! / , ..
        continue;
      }
      const w = word[0];
      i += w.length;
      if (/^[0-9:]/.test(w) || w.includes(":") || !ID.test(w)) continue; // a constant
      const call = /^\s*\(/.test(match.slice(i));
      if (call ? !FUNCTIONS.has(w) : !FIELDS.has(w)) {
        return fail(call ? `unknown function ${w}()` : `unknown field ${w}`);
      }
    }
  }
  const top = open.pop()!;
  if (top.bracket) return fail(`'${top.bracket}' at position ${top.at} is not closed`);
  if (!match.trim()) return fail("the match is empty");
  return { names };
}

/** Why a match cannot be valid, as far as it can be told without the database; undefined when none. */
export function matchProblem(match: string): string | undefined {
  return scanMatch(match).problem;
}

/** The address sets and port groups a match names (deduplicated). */
export function matchReferences(match: string): MatchNames {
  const { names } = scanMatch(match);
  return { addressSets: [...new Set(names.addressSets)], portGroups: [...new Set(names.portGroups)] };
}

/** The columns that tell ACLs apart, as `ovn-nbctl acl-del` and `acl-list` do. */
export const ACL_IDENTITY = ["direction", "priority", "match"] as const;

/**
 * How a match names the address set or port group `name` of `table`: `$name` for an address set;
 * `@name` and the address sets ovn-northd makes of a group's addresses, `$name_ip4` and `$name_ip6`,
 * for a port group. The tokens found, e.g. `["@web", "$web_ip4"]`; empty when it names none. Pure.
 */
export function namesOf(match: string, table: "Address_Set" | "Port_Group", name: string): string[] {
  const { addressSets, portGroups } = matchReferences(match);
  if (table === "Address_Set") return addressSets.filter((s) => s === name).map((s) => `$${s}`);
  return [
    ...portGroups.filter((g) => g === name).map((g) => `@${g}`),
    ...addressSets.filter((s) => s === `${name}_ip4` || s === `${name}_ip6`).map((s) => `$${s}`),
  ];
}
