/**
 * What can be checked of an OVN match (ovn-sb(5) "Logical_Flow" match syntax) without the database,
 * by reading it as OVN 23.03's own lexer and parser do (ovn/lib/lex.c, expr.c): quotes, brackets and
 * comments closed, `&&` and `||` not mixed without parentheses, no operator without its operand
 * (`ip4 &&`), every field name one OVN knows, constants well formed (decimal without leading zeros,
 * hex, MAC, IPv4, IPv6, prefix lengths up to 32 / 128) and no wider than their field (`tcp.dst ==
 * 99999`), string fields compared with strings, subscripts within the field, OVN's rules for
 * nominal fields and predicates (`inport != "p1"`, `!ip4` are refused) and for `!` (before a
 * parenthesized comparison). Every verdict was compared with OVN's parser (`ovn-trace`; see
 * test/integration/resources/ovn-match-oracle.test.ts). What needs the database (the address sets
 * and port groups a match names) is checked at create ({@link matchReferences}).
 */
import { isIPv4, isIPv6 } from "node:net";
import { Address4, Address6 } from "ip-address";

/**
 * The logical fields and predicates OVN 23.03's expression parser knows, by width in bits (0: a
 * string field). Each width was checked against OVN's own parser (`ovn-trace`): the largest
 * constant of the width passes, one bit more is refused.
 */
const WIDTHS: Record<string, number> = Object.fromEntries(
  (
    [
      [0, "inport outport"],
      [
        1,
        "vlan.present eth.bcast eth.mcast eth.mcastv6 ip4 ip6 ip ip4.mcast ip4.src_mcast ip6.mcast " +
          "ip6.mcast_rsvd ip6.mcast_all_nodes ip6.mcast_all_rtrs ip6.mcast_sol_node ip6.mcast_flood " +
          "ip.first_frag ip.later_frag ip.is_frag arp rarp tcp udp sctp icmp icmp4 icmp6 nd nd_ns nd_na " +
          "nd_rs nd_ra igmp mldv1 mldv2 ct.new ct.est ct.rel ct.rpl ct.inv ct.trk ct.snat ct.dnat " +
          "ct_mark.blocked ct_mark.natted ct_mark.force_snat ct_mark.skip_snat ct_label.blocked " +
          "ct_label.natted ct_label.force_snat ct_label.skip_snat flags.loopback flags.force_snat_for_dnat " +
          "flags.force_snat_for_lb flags.skip_snat_for_lb flags.use_snat_zone",
      ],
      [2, "ip.ecn ip.frag"],
      [3, "vlan.pcp"],
      [6, "ip.dscp"],
      [8, "ip.proto ip.ttl icmp4.type icmp4.code icmp6.type icmp6.code"],
      [12, "vlan.vid tcp.flags"],
      [
        16,
        "eth.type vlan.tci arp.op rarp.op tcp.src tcp.dst udp.src udp.dst sctp.src sctp.dst icmp4.frag_mtu " +
          "ct_mark.ecmp_reply_port ct_label.ecmp_reply_port",
      ],
      [20, "ip6.label"],
      [
        32,
        "ip4.src ip4.dst arp.spa arp.tpa rarp.spa rarp.tpa icmp6.frag_mtu ct_state ct_mark ct_label.label " +
          "pkt.mark reg0 reg1 reg2 reg3 reg4 reg5 reg6 reg7 reg8 reg9",
      ],
      [48, "eth.src eth.dst arp.sha arp.tha rarp.sha rarp.tha nd.sll nd.tll ct_label.ecmp_reply_eth"],
      [64, "xreg0 xreg1 xreg2 xreg3 xreg4"],
      [128, "ip6.src ip6.dst nd.target ct_label xxreg0 xxreg1"],
    ] as const
  ).flatMap(([width, names]) => names.split(" ").map((n) => [n, width])),
);
/** The field names OVN knows (the list was checked against `ovn-trace`, which refused every name left out). */
export const FIELD_WIDTHS: Readonly<Record<string, number>> = WIDTHS;
const FIELDS = new Set(Object.keys(WIDTHS));
/**
 * The nominal fields and predicates: OVN compares them only with == (!= inside a `!`) and tests a
 * predicate only positively (each checked against `ovn-trace`).
 */
const NOMINAL = new Set(
  (
    "inport outport eth.type ip.proto ip.dscp ip.ecn ip.ttl icmp4.type icmp4.code icmp4.frag_mtu icmp6.type " +
    "icmp6.code icmp6.frag_mtu arp.op rarp.op arp rarp ip ip4 ip6 icmp icmp4 icmp6 igmp mldv1 mldv2 nd nd_na " +
    "nd_ns nd_ra nd_rs sctp tcp udp"
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
    const comment = /^(?:\/\/[^\n]*|\/\*.*?\*\/)/.exec(rest);
    if (/\s/.test(ch)) {
      i++;
    } else if (comment) {
      i += comment[0].length; // OVN's comments: to the end of the line, or /* on one line */
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

/** A token of OVN's expression lexer (ovn/lib/lex.c), with its position in the match. */
type Token =
  | { t: "id" | "str" | "set" | "group" | "op" | "end"; at: number; text: string }
  | { t: "int"; at: number; text: string; width: number; decimal?: bigint }
  | { t: "error"; at: number; text: string; problem: string };

/** The bit length of `v` (0 for 0), as OVN counts a constant's width. */
const bitLength = (v: bigint) => (v === 0n ? 0 : v.toString(2).length);

/**
 * A numeric constant as OVN's lexer reads it: decimal (no leading zero, below 2**64), `0x` hex, a
 * MAC, an IPv4 or IPv6 address, each optionally `/MASK` (a prefix length of at most 32 / 128 after
 * an address, a mask in the value's own format, or `0/0xHEX`). Its width in bits (a masked
 * constant's is its mask's), or why OVN refuses it.
 */
function readNumber(text: string): { width: number; decimal?: bigint } | { problem: string } {
  // A decimal constant 0 or 1 alone is `false` / `true`, so its value matters.
  const slash = text.indexOf("/");
  const value = constant(slash < 0 ? text : text.slice(0, slash));
  if ("problem" in value) return value;
  if (slash < 0)
    return { width: value.width, ...(value.format === "decimal" ? { decimal: value.value } : {}) };
  const mask = constant(text.slice(slash + 1));
  if ("problem" in mask) return mask;
  if (value.format === mask.format) return { width: bitLength(mask.value) };
  const prefix = mask.format === "decimal" ? Number(mask.value) : undefined;
  const max = { ipv4: 32, ipv6: 128 }[value.format as string];
  if (max !== undefined && prefix !== undefined) {
    if (prefix > max) return { problem: `the prefix length of ${text} is above ${max}` };
    return { width: prefix ? max : 0 };
  }
  if (value.format === "decimal" && value.value === 0n && mask.format === "hex") {
    return { width: mask.width };
  }
  return { problem: `${text}: value and mask have incompatible formats` };
}

type Format = "decimal" | "hex" | "mac" | "ipv4" | "ipv6";
/** One constant without a mask: its format, its value, and its width in bits as OVN counts it. */
function constant(text: string): { format: Format; value: bigint; width: number } | { problem: string } {
  const int = (format: Format, value: bigint, width = bitLength(value)) => ({ format, value, width });
  if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text))
    return int("mac", BigInt(`0x${text.replace(/:/g, "")}`), 48);
  if (/^[0-9]+$/.test(text)) {
    if (text.length > 1 && text.startsWith("0")) {
      return { problem: `${text}: decimal constants must not have leading zeros` };
    }
    const value = BigInt(text);
    if (value >= 2n ** 64n) return { problem: `${text}: decimal constants must be less than 2**64` };
    return int("decimal", value);
  }
  if (/^0[xX]/.test(text)) {
    if (!/^0[xX][0-9a-fA-F]+$/.test(text)) return { problem: `${text} is not a hexadecimal constant` };
    return int("hex", BigInt(text));
  }
  if (isIPv4(text)) return int("ipv4", BigInt(new Address4(text).bigInt()), 32);
  if (isIPv6(text)) return int("ipv6", BigInt(new Address6(text).bigInt()), 128);
  return { problem: `${text} is not a number, a MAC, an IPv4 or an IPv6 address` };
}

/**
 * The characters OVN's lexer takes as one number from the start of `s`: letters, digits, dots (but
 * not `..`, a range) and colons (but not after a dot: `1.2.3.4:80` is an address, then a port).
 */
function numberExtent(s: string): string {
  let n = 0;
  let dot = false;
  while (
    n < s.length &&
    (/[0-9A-Za-z]/.test(s[n]) || (s[n] === ":" && !dot) || (s[n] === "." && s[n + 1] !== "."))
  ) {
    dot ||= s[n] === ".";
    n++;
  }
  return s.slice(0, n);
}

/**
 * A match as OVN's lexer sees it: its tokens joined by single spaces, comments dropped, so that
 * `ip4.dst==10.0.0.5` and `ip4.dst == 10.0.0.5` read the same. The form two resources' matches are
 * compared in when they may declare the same row. Pure.
 */
export function matchTokens(match: string): string {
  return tokenize(match)
    .filter((t) => t.t !== "end")
    .map((t) => (t.t === "set" ? `$${t.text}` : t.t === "group" ? `@${t.text}` : t.text))
    .join(" ");
}

/** The identifiers of a match as OVN's lexer reads them (fields, predicates; not strings or comments). Pure. */
export function matchIdentifiers(match: string): string[] {
  return tokenize(match)
    .filter((t) => t.t === "id")
    .map((t) => t.text);
}

/** Splits a match into OVN's tokens (ovn/lib/lex.c), the last one `end`, or stops at an `error` token. */
function tokenize(match: string): Token[] {
  const tokens: Token[] = [];
  const OPS = [
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "..",
    "<",
    ">",
    "!",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    "=",
  ];
  let i = 0;
  const error = (at: number, problem: string) => {
    tokens.push({ t: "error", at, text: match.slice(at, at + 1), problem });
    return tokens;
  };
  while (i < match.length) {
    const rest = match.slice(i);
    const space = /^(?:\s+|\/\/[^\n]*|\/\*.*?\*\/)/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const ch = match[i];
    // A number: a digit, hex digits then ':' (a MAC or IPv6 address), or '::'.
    if (/^(?:[0-9]|[0-9a-fA-F]*:)/.test(rest) && !(ch === ":" && rest[1] !== ":")) {
      let text = numberExtent(rest);
      if (rest[text.length] === "/") text += `/${numberExtent(rest.slice(text.length + 1))}`;
      const n = readNumber(text);
      if ("problem" in n) return error(i, `at position ${i}: ${n.problem}`);
      tokens.push({ t: "int", at: i, text, ...n });
      i += text.length;
    } else if (ch === '"') {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!end) return error(i, `the quoted string at position ${i} is not closed`);
      tokens.push({ t: "str", at: i, text: end[0] });
      i += end[0].length;
    } else if (ch === "$" || ch === "@" || (ch !== "." && ID.test(rest))) {
      const sigil = ch === "$" || ch === "@" ? 1 : 0;
      const id = ID.exec(match.slice(i + sigil));
      if (!id) return error(i, `'${ch}' at position ${i} must be followed by a name`);
      tokens.push({ t: sigil ? (ch === "$" ? "set" : "group") : "id", at: i, text: id[0] });
      i += sigil + id[0].length;
    } else {
      const op = OPS.find((o) => rest.startsWith(o));
      if (!op) return error(i, `'${ch}' at position ${i} is not part of OVN's match syntax`);
      tokens.push({ t: "op", at: i, text: op });
      i += op.length;
    }
  }
  tokens.push({ t: "end", at: match.length, text: "" });
  return tokens;
}

class MatchError extends Error {}
const RELOPS = new Set(["==", "!=", "<", "<=", ">", ">="]);

/**
 * OVN's expression grammar (ovn/lib/expr.c) over the tokens, with its type checks that need no
 * database: a field compared with a constant of its type and at most its width, subscripts within
 * the field, `==` / `!=` only for string fields and value sets, a multi-bit field alone only
 * under `!`, ranges as `x < field < y`. Throws a MatchError with the first problem.
 */
function parse(tokens: Token[]): void {
  let k = 0;
  let negated = false;
  const tok = () => tokens[k];
  const is = (text: string) => tok().t === "op" && tok().text === text;
  const where = () =>
    tok().t === "end" ? "at the end of the match" : `at position ${tok().at} ('${tok().text}')`;
  const fail = (problem: string): never => {
    throw new MatchError(problem);
  };
  const expect = (text: string) => (is(text) ? k++ : fail(`'${text}' expected ${where()}`));
  const relop = () => (tok().t === "op" && RELOPS.has(tok().text) ? tokens[k++].text : undefined);

  /** A field, maybe with a `[low..high]` subscript: its symbol's width and its own. */
  const field = (): { name: string; width: number; bits: number } => {
    const t = tok();
    if (t.t !== "id" || !(t.text in WIDTHS)) return fail(`a field name expected ${where()}`);
    k++;
    const width = WIDTHS[t.text];
    if (!is("[")) return { name: t.text, width, bits: width };
    if (!width) fail(`${t.text} is a string field: it has no bits to select`);
    k++;
    const bit = () => {
      const b = tok();
      if (b.t !== "int" || b.decimal === undefined) return fail(`a bit number expected ${where()}`);
      k++;
      return Number(b.decimal);
    };
    const low = bit();
    const high = is("..") ? (k++, bit()) : low;
    expect("]");
    if (low > high) fail(`${t.text}[${low}..${high}]: the bit range runs backwards`);
    if (high >= width) fail(`${t.text}[${low}..${high}]: ${t.text} has ${width} bits (0..${width - 1})`);
    return { name: t.text, width, bits: high - low + 1 };
  };

  /** A constant or a `{...}` set of them: their kind and widths (an address set's members are not known here). */
  const constants = () => {
    const curly = is("{");
    const values: Token[] = [];
    const one = () => {
      const t = tok();
      if (t.t !== "int" && t.t !== "str" && t.t !== "set" && t.t !== "group") {
        return fail(`a constant expected ${where()}`);
      }
      const kind = (x: Token) => (x.t === "str" || x.t === "group" ? "string" : "integer");
      if (values.length && kind(values[0]) !== kind(t)) fail(`${kind(values[0])} expected ${where()}`);
      values.push(t);
      k++;
    };
    if (!curly) one();
    else {
      k++;
      do {
        one();
        if (is(",")) k++;
      } while (!is("}") || (k++, false));
    }
    return { curly, values };
  };

  /** OVN's checks of `field RELOP constants`. */
  const compare = (f: { name: string; width: number }, op: string, cs: ReturnType<typeof constants>) => {
    const str = cs.values[0].t === "str" || cs.values[0].t === "group";
    if (str !== !f.width) {
      fail(
        `${f.name} is ${f.width ? "an integer" : "a string"} field: it cannot be compared with ${str ? "a string" : "an integer"} constant`,
      );
    }
    for (const c of cs.values) {
      if (c.t === "int" && c.width > f.width) {
        fail(
          `${c.text} is a ${c.width}-bit constant; ${f.name} has ${f.width} bits` +
            (f.width <= 32 ? ` (at most ${2 ** f.width - 1})` : ""),
        );
      }
    }
    if (op !== "==" && op !== "!=") {
      if (cs.curly) fail(`only == and != compare a field with a set of values ({...})`);
      if (NOMINAL.has(f.name)) fail(`only == and != compare ${f.name} (a nominal field)`);
    } else if (NOMINAL.has(f.name)) {
      const c = cs.values[0];
      if (f.width !== 1) {
        if (op !== (negated ? "!=" : "==")) {
          fail(
            `OVN tests ${f.name} (a nominal field) only for equality, counting the enclosing '!': write == ` +
              "(or != inside a '!')",
          );
        }
      } else if (!cs.curly && c.t === "int" && c.decimal !== undefined) {
        positive((op === "==") === (c.decimal !== 0n), f.name);
      }
    }
  };
  /** OVN's rule for a nominal predicate (ip4, tcp, …): tested positively only, counting the enclosing '!'. */
  const positive = (test: boolean, name: string) => {
    if (test === negated) {
      fail(
        `OVN tests ${name} (a nominal predicate) only positively: ${name} or ${name} == 1, not !${name} or ${name} == 0`,
      );
    }
  };

  /** A primary expression; whether it is atomic (what a '!' may stand before without parentheses). */
  const primary = (): boolean => {
    if (is("(")) {
      k++;
      or();
      expect(")");
      return true;
    }
    const t = tok();
    if (t.t === "id" && tokens[k + 1].t === "op" && tokens[k + 1].text === "(") {
      if (!FUNCTIONS.has(t.text)) fail(`unknown function ${t.text}()`);
      k += 2;
      if (tok().t !== "str") fail(`a quoted port name expected ${where()}`);
      k++;
      expect(")");
      return true;
    }
    if (t.t === "id") {
      const f = field();
      const op = relop();
      if (op === undefined) {
        if (!f.bits || is("=")) fail(`a comparison (==, !=, <, <=, >, >=) expected ${where()}`);
        if (f.bits > 1 && !negated) {
          fail(`${f.name} alone: write ${f.name} != 0 (OVN's rule for a multi-bit field)`);
        }
        if (f.bits === 1 && NOMINAL.has(f.name)) positive(true, f.name);
        return true;
      }
      compare(f, op, constants());
      return false;
    }
    const c1 = constants();
    const only = c1.values[0];
    const r1 = relop();
    if (r1 === undefined) {
      const bool = !c1.curly && only.t === "int" && only.decimal !== undefined && only.decimal <= 1n;
      if (bool) return true; // 0 or 1 alone: false or true
      return fail(`a comparison (==, !=, <, <=, >, >=) expected ${where()}`);
    }
    const f = field();
    const r2 = relop();
    const turned = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" }[r1] ?? r1;
    compare(f, turned, c1);
    if (r2 === undefined) return false;
    const ordered = (a: string, b: string) =>
      a.startsWith("<") === b.startsWith("<") && /[<>]/.test(a) && /[<>]/.test(b);
    if (!ordered(r1, r2)) fail(`a range is written x < ${f.name} < y or x > ${f.name} > y`);
    compare(f, r2, constants());
    return false;
  };
  /** `!` stands before an atomic primary only: `!!ip4` and `!tcp.dst == 80` are refused. */
  const not = (): void => {
    if (!is("!")) {
      primary();
      return;
    }
    k++;
    negated = !negated;
    if (!primary()) fail("'!' needs parentheses around a comparison, e.g. !(tcp.dst == 80)");
    negated = !negated;
  };
  const or = (): void => {
    not();
    if (!is("&&") && !is("||")) return;
    const op = tok().text;
    k++;
    not();
    while (is(op)) {
      k++;
      not();
    }
    if (is("&&") || is("||")) fail("&& and || must be parenthesized when used together (OVN's rule)");
  };
  or();
  if (tok().t !== "end") fail(`the match should end ${where()}`);
}

/** Why a match cannot be valid, as far as it can be told without the database; undefined when none. */
export function matchProblem(match: string): string | undefined {
  const scanned = scanMatch(match).problem;
  if (scanned) return scanned;
  const tokens = tokenize(match);
  const last = tokens[tokens.length - 1];
  if (last.t === "error") return last.problem;
  try {
    parse(tokens);
    return undefined;
  } catch (e) {
    if (e instanceof MatchError) return e.message;
    throw e;
  }
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
