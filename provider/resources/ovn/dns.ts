/**
 * ovn.Dns: a DNS row of the northbound database (`ovn-nbctl create DNS records=…` and `add
 * Logical_Switch SWITCH dns_records UUID`), the names OVN's native DNS answers on the logical
 * switches it is attached to: ovn-controller answers a port's A/AAAA query for a hostname of the
 * records itself, whatever server address the query was sent to. The row has no name: it is found
 * by its owner marker; the attachment to switches is owned switch by switch (other DNS rows on the
 * same switch stay). Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import type { Props } from "../../framework";
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound, type StringMap } from "./common";
import { ovnName } from "./validation";
import { asSet, ip, setOf } from "../values";

/** Hostname → addresses, as the argument holds them (addresses canonical, a set). */
type Records = Record<string, string[]>;

const RECORDS_FORM = 'an object of hostname → list of IP addresses, e.g. { "web.example.org": ["10.0.0.5"] }';

/** What a hostname may be, for messages. */
const HOSTNAME_FORM =
  "dot-separated RFC 1123 labels of 1 to 63 letters, digits and hyphens, not beginning or ending with a " +
  'hyphen, at most 253 characters, e.g. "web.example.org"';
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * A hostname as OVN answers for it: ovn-controller looks the query's name up in lower case and
 * without a trailing dot, so a hostname is written in lower case and a trailing dot (the
 * fully-qualified form) is dropped; anything else outside RFC 1123 would never be answered.
 */
export function canonHostname(s: string): { value: string } | { problem: string } {
  const name = s.endsWith(".") ? s.slice(0, -1) : s;
  if (name.length === 0 || name.length > 253 || !name.split(".").every((l) => LABEL.test(l))) {
    return { problem: `${JSON.stringify(s)} is not a valid hostname; accepted: ${HOSTNAME_FORM}` };
  }
  return { value: name.toLowerCase() };
}

const records = z
  .record(z.string(), setOf(ip("records"), `records: ${RECORDS_FORM}`), { error: `records: ${RECORDS_FORM}` })
  .superRefine((r, ctx) => {
    const seen = new Map<string, string>();
    for (const [h, addrs] of Object.entries(r)) {
      const c = canonHostname(h);
      if ("problem" in c) {
        ctx.addIssue({ code: "custom", path: [h], message: c.problem });
        continue;
      }
      const other = seen.get(c.value);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [h],
          message:
            `${JSON.stringify(h)} and ${JSON.stringify(other)} are the same hostname to OVN (${c.value}: ` +
            "compared in lower case, without a trailing dot); give it once with all its addresses",
        });
      }
      seen.set(c.value, h);
      if (addrs.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: [h],
          message: `${JSON.stringify(h)} has no address; accepted: at least one IPv4 or IPv6 address`,
        });
      }
    }
  })
  .transform((r): Records =>
    Object.fromEntries(Object.entries(r).map(([h, a]) => [(canonHostname(h) as { value: string }).value, a])),
  );

export const dnsSpec: TableSpec = {
  type: "ovn:Dns",
  doc:
    "Names answered by OVN's native DNS on the logical switches it is attached to (`switches`): a port's " +
    "A/AAAA query for one of the hostnames is answered by ovn-controller with the addresses given, whatever " +
    "server it was sent to (`ovn-nbctl create DNS records=…`, then the switch's `dns_records`). The row has " +
    "no name: it is found by its owner marker.",
  db: northbound,
  table: "DNS",
  noun: "DNS records",
  markerIdentity: { adoptBy: ["records"] },
  describe: (i: Props) => `DNS records ${Object.keys((i.records as Records | undefined) ?? {}).join(", ")}`,
  args: {
    records: {
      schema: records,
      type: "Record<string, string[]>",
      doc:
        "Hostname → IPv4/IPv6 addresses (`DNS.records`, stored as `ovn-nbctl` writes them: the addresses " +
        'separated by spaces), e.g. `{ "web.example.org": ["10.0.0.5", "fd00::5"] }`. Hostnames are RFC 1123 ' +
        "names (labels of letters, digits and hyphens), written in lower case and without a trailing dot, as " +
        "OVN looks queries up; two hostnames that differ only in that, or a hostname without addresses, are " +
        "refused. The row is owned: records added by hand are " +
        "removed by the next update and show as drift on refresh. With `adopt`, a DNS row no stack manages " +
        "is taken over only when its records are exactly these (the same hostnames with the same addresses); " +
        "when no row matches, `adopt: true` creates a new row.",
      storage: { column: "records" },
      encode: (r: Records) => Object.fromEntries(Object.entries(r).map(([h, a]) => [h, a.join(" ")])),
      decode: (m: StringMap) =>
        Object.fromEntries(Object.entries(m).map(([h, a]) => [h, asSet(a.split(/[\s,]+/).filter(Boolean))])),
    },
    switches: {
      schema: setOf(
        ovnName("switches"),
        'switches: accepted a list of logical switch names, e.g. ["sw0"]',
      ).optional(),
      type: "string[]",
      doc:
        "Logical switches whose ports get the answers (the switch's `dns_records`), e.g. `[sw0.name]`. Owned " +
        "switch by switch: switches listed get the records, switches listed before and no longer lose them, " +
        "other DNS rows on the same switch stay. Every switch must exist.",
      storage: {
        attachedTo: {
          table: "Logical_Switch",
          column: "dns_records",
          noun: "logical switch",
          sdk: "ovn.LogicalSwitch",
        },
      },
    },
    externalIds: mapArg("external_ids"),
  },
};

export const dnsKind = tableKind(dnsSpec);
