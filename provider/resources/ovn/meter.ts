/**
 * ovn.Meter: a Meter row of the northbound database with its Meter_Band rows (`ovn-nbctl meter-add
 * NAME ACTION RATE UNIT [BURST]`), a named rate limit that ACL logging (`ovn.Acl` `meter`) and
 * control-plane protection refer to by name; ovn-controller installs it as an OpenFlow meter on every
 * chassis. Bands are member rows: a band whose action, rate and burst stay is kept, a changed band is
 * a new row. Declared only: the lifecycle comes from `provider/engine`.
 */
import { z } from "zod";
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound } from "./common";
import { ovnName } from "./validation";
import { refuseWhileNamed } from "./match-users";
import { intIn, setOf } from "../values";

export const METER_UNITS = ["kbps", "pktps"] as const;

export const meterSpec: TableSpec = {
  type: "ovn:Meter",
  doc:
    "An OVN meter: a named rate limit with its bands (`ovn-nbctl meter-add NAME drop RATE kbps|pktps " +
    "[BURST]`), used by ACL logging (`ovn.Acl` `meter`); ovn-controller installs it as an OpenFlow meter " +
    "on every chassis.",
  db: northbound,
  table: "Meter",
  noun: "meter",
  nameArg: "name",
  args: {
    name: {
      schema: ovnName("name"),
      type: "string",
      doc:
        "Meter name (`Meter.name`, unique), as `ovn.Acl` `meter` refers to it. Renaming replaces the row (the " +
        "new one is made first), so ACLs whose `meter` is the name output (`meter: m.name`) follow it; the " +
        "old row is not deleted while an ACL still names it (STILL_REFERENCED).",
      storage: { column: "name" },
      replace: true,
      createsFirst: true,
    },
    unit: {
      schema: z.enum(METER_UNITS, {
        error: 'unit: accepted "kbps" (kilobits per second) or "pktps" (packets per second)',
      }),
      type: '"kbps" | "pktps"',
      doc: "What the bands' rates count: `kbps` (kilobits per second) or `pktps` (packets per second) (`Meter.unit`).",
      storage: { column: "unit" },
    },
    bands: {
      schema: setOf(
        z.object({
          action: z.enum(["drop"], { error: 'action: accepted "drop"' }).default("drop"),
          rate: intIn("rate", 1, 4294967295),
          burstSize: intIn("burstSize", 0, 4294967295).default(0),
        }),
        "bands: accepted a list of { rate, burstSize? } objects, e.g. [{ rate: 1000 }]",
      ).refine((bands) => bands.length > 0, "bands: at least one band (the schema requires one)"),
      type: "MeterBandArgs[]",
      doc:
        "The bands (`Meter.bands`, Meter_Band rows): each drops the traffic above its `rate` (in `unit`), " +
        "allowing bursts of `burstSize`. `ovn-nbctl meter-add` writes one band. Compared as a set; a band " +
        "whose values change is replaced by a new Meter_Band row.",
      storage: {
        column: "bands",
        rows: {
          table: "Meter_Band",
          doc: "One band of a meter: a Meter_Band row.",
          args: {
            action: {
              schema: z.enum(["drop"]).optional(),
              type: '"drop"',
              doc: "What happens to the traffic above the rate: `drop`, the only action OVN knows (`Meter_Band.action`). Default: `drop`.",
              storage: { column: "action" },
            },
            rate: {
              schema: intIn("rate", 1, 4294967295),
              type: "number",
              doc: "The rate above which the band acts, in the meter's `unit` (`Meter_Band.rate`, 1..4294967295).",
              storage: { column: "rate" },
            },
            burstSize: {
              schema: intIn("burstSize", 0, 4294967295).optional(),
              type: "number",
              doc:
                "The burst allowed above the rate, in kilobits (`kbps`) or packets (`pktps`) " +
                "(`Meter_Band.burst_size`). Default: 0 (the datapath's own).",
              storage: { column: "burst_size" },
            },
          },
        },
      },
    },
    fair: {
      schema: z.boolean({ error: "fair must be true or false" }).optional(),
      type: "boolean",
      doc:
        "Whether the meter is shared by every flow that uses it (`false`) or each of them gets its own " +
        "instance (`true`; `meter-add --fair`) (`Meter.fair`). Default: false.",
      storage: { column: "fair" },
    },
    externalIds: mapArg("external_ids"),
  },
  hooks: { beforeDelete: refuseWhileNamed("Meter", "meter") },
};

export const meterKind = tableKind(meterSpec);
