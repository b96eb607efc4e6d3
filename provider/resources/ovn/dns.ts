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

const hostname = z
  .string()
  .regex(/^[^\s]+$/, "records: a hostname must be non-empty and without whitespace")
  .transform((s) => s.toLowerCase());

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
      schema: z.record(hostname, setOf(ip("records"), `records: ${RECORDS_FORM}`), {
        error: `records: ${RECORDS_FORM}`,
      }),
      type: "Record<string, string[]>",
      doc:
        "Hostname → IPv4/IPv6 addresses (`DNS.records`, stored as `ovn-nbctl` writes them: the addresses " +
        'separated by spaces), e.g. `{ "web.example.org": ["10.0.0.5", "fd00::5"] }`. Hostnames are written in ' +
        "lower case (OVN compares queries in lower case). The row is owned: records added by hand are " +
        "removed by the next update and show as drift on refresh.",
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
