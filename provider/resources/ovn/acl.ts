/**
 * ovn.Acl: an ACL row referenced from a logical switch's or a port group's `acls` (`ovn-nbctl
 * acl-add SWITCH|PORT_GROUP DIRECTION PRIORITY MATCH VERDICT`). A rule is identified on its parent
 * by direction, priority and match, as `acl-del` identifies it: changing one of them replaces it;
 * rules others added to the same parent are left alone. The match is checked at preview as far as
 * that is possible without the database (`./match.ts`), and before the write for the address sets
 * and port groups it names. Declared only: the lifecycle comes from `provider/engine`.
 */
import { collectionKind, collectionSpec } from "../../engine/collection";
import { z } from "zod";
import { eq, select, type OvsdbClient } from "../../ovsdb";
import { ResourceError } from "../../errors";
import type { Props } from "../../framework";
import { mapArg, type ArgSpec, type TableSpec, type WriteContext } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { NB_DB, northbound } from "./common";
import { confirmParsed, sbArg } from "./northd-check";
import { ACL_IDENTITY, matchProblem, matchReferences, matchTokens } from "./match";
import { MATCH_EXAMPLE } from "./match-users";
import { ovnName } from "./validation";
import { intIn } from "../values";
import { priority } from "./logical-router-port";

export const ACL_DIRECTIONS = ["from-lport", "to-lport"] as const;
export const ACL_ACTIONS = ["allow", "allow-related", "allow-stateless", "drop", "reject", "pass"] as const;
export const ACL_SEVERITIES = ["alert", "warning", "notice", "info", "debug"] as const;

const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(", ");

/** Whether rows named `names` exist in `table` of the northbound database: the names that do not. */
async function missingNames(c: OvsdbClient, table: string, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  const results = await c.transact(
    NB_DB,
    names.map((n) => select(table, [eq("name", n)], ["name"])),
  );
  return names.filter((_, n) => (results[n].rows ?? []).length === 0);
}

/**
 * Before the write of a rule whose `match` names address sets (`$name`, or a port group's `$pg_ip4`
 * / `$pg_ip6`) and port groups (`@name`): each of them exists (PARENT_MISSING naming `match`
 * otherwise). Shared by ovn.Acl and ovn.Qos.
 */
export async function checkMatchReferences(c: OvsdbClient, match: string): Promise<void> {
  const refs = matchReferences(match);
  const sets = await missingNames(c, "Address_Set", refs.addressSets);
  const groupSets = sets.map((s) => /^(.+)_ip[46]$/.exec(s)?.[1]).filter((g): g is string => g !== undefined);
  const missingGroupSets = new Set(await missingNames(c, "Port_Group", groupSets));
  const missingSets = sets.filter((s) => {
    const g = /^(.+)_ip[46]$/.exec(s)?.[1];
    return g === undefined || missingGroupSets.has(g);
  });
  const groups = await missingNames(c, "Port_Group", refs.portGroups);
  const missing = [
    ...missingSets.map((s) => `address set $${s} (ovn.AddressSet)`),
    ...groups.map((g) => `port group @${g} (ovn.PortGroup)`),
  ];
  if (missing.length) {
    const examples = [
      ...(missingSets.length ? [MATCH_EXAMPLE.Address_Set] : []),
      ...(groups.length ? [MATCH_EXAMPLE.Port_Group] : []),
    ];
    throw new ResourceError(
      "PARENT_MISSING",
      `match: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist; create ` +
        `${missing.length === 1 ? "it" : "them"} first, or build the match from the name output ` +
        `(e.g. ${examples.join(" or ")}) so Pulumi orders the creation`,
    );
  }
}

/**
 * Before the write: the meter the rule names exists, every address set and port group the match
 * names exists ({@link checkMatchReferences}), and the server's schema knows the action (`pass`
 * needs OVN 23.06 or later). Nothing is written when one is missing.
 */
async function beforeWrite({ c, i }: WriteContext): Promise<void> {
  const meter = i.meter as string | undefined;
  if (meter !== undefined && (await missingNames(c, "Meter", [meter])).length) {
    throw new ResourceError(
      "PARENT_MISSING",
      `meter: meter ${meter} does not exist; create it first (ovn.Meter), or pass its name output ` +
        "(meter: m.name) so Pulumi orders the creation",
    );
  }
  await checkMatchReferences(c, i.match as string);
  const schema = await c.getSchema(NB_DB);
  const actions = schema.tables.get("ACL")?.columns.get("action")?.type.key.enum;
  if (actions && !actions.includes(i.action as string)) {
    throw new ResourceError(
      "INVALID_INPUT",
      `action: this northbound database does not accept "${String(i.action)}" (it accepts ` +
        `${quoted(actions.map(String))}); "pass" needs OVN 23.06 or later`,
    );
  }
}

/** The `direction` of a rule stored in `table` (an ACL, a QoS rule). */
export function directionArg(table: string): ArgSpec {
  return {
    schema: z.enum(ACL_DIRECTIONS, {
      error: 'direction: accepted "from-lport" (traffic from the port) or "to-lport" (traffic to it)',
    }),
    type: '"from-lport" | "to-lport"',
    doc: `\`from-lport\` (traffic leaving a port into the network) or \`to-lport\` (traffic to a port). Column \`${table}.direction\`.`,
    storage: { column: "direction" },
  };
}

/**
 * The `match` of a rule stored in `table`, checked at preview ({@link matchProblem}); `example`: a
 * match in backquotes. Its references are checked before the write ({@link checkMatchReferences}).
 */
export function matchArg(table: string, example: string): ArgSpec {
  return {
    schema: z.string({ error: "match must be a string" }).superRefine((s, ctx) => {
      const p = matchProblem(s);
      if (p) ctx.addIssue({ code: "custom", message: `match: ${p}` });
    }),
    type: "string",
    doc:
      `The packets the rule applies to, in OVN match syntax (\`${table}.match\`), e.g. ${example}; address ` +
      "sets as `$name`, port groups as `@name`. Checked at preview as OVN's own parser reads it (known field " +
      "names, no operator without its operand, constants well formed and no wider than their field, e.g. " +
      "`tcp.dst` 16 bits, prefix lengths up to 32 / 128), before the write (the address sets and port groups " +
      "it names exist) and, with `sb`, after it by OVN's parser itself.",
    storage: { column: "match" },
    sameAs: (m: string) => matchTokens(m),
  };
}

/**
 * With `sb`: after the insert, ovn-northd's flows of the ACL are checked with OVN's own parser
 * ({@link confirmParsed}); ovn-northd puts the ACL's match inside its flows' matches, in parentheses.
 */
const afterWrite = confirmParsed(
  "ACL",
  (i) =>
    i.switch !== undefined
      ? { table: "Logical_Switch", column: "acls", name: i.switch as string }
      : { table: "Port_Group", column: "acls", name: i.portGroup as string },
  (flowMatch, match) => flowMatch.includes(match),
);

export const aclSpec: TableSpec = {
  type: "ovn:Acl",
  doc:
    "An OVN ACL on a logical switch or a port group: `ovn-nbctl acl-add SWITCH|PORT_GROUP DIRECTION " +
    "PRIORITY MATCH VERDICT`. Identified by direction, priority and match; rules others added to the same " +
    "switch or port group are left alone.",
  db: northbound,
  table: "ACL",
  noun: "ACL",
  parents: [
    {
      arg: "switch",
      table: "Logical_Switch",
      column: "acls",
      noun: "logical switch",
      sdk: "ovn.LogicalSwitch",
    },
    { arg: "portGroup", table: "Port_Group", column: "acls", noun: "port group", sdk: "ovn.PortGroup" },
  ],
  matchArgs: ACL_IDENTITY,
  describe: (i: Props) => `${String(i.direction)} ACL ${String(i.priority)} ${JSON.stringify(i.match)}`,
  attempts: 20, // rules created in parallel on one parent all guard its `acls` column
  args: {
    switch: {
      schema: ovnName("switch").optional(),
      type: "string",
      doc: "Name of the logical switch the rule applies to (e.g. `sw0.name`); set this or `portGroup`.",
    },
    portGroup: {
      schema: ovnName("portGroup").optional(),
      type: "string",
      doc:
        "Name of the port group the rule applies to (e.g. `web.name`): it applies to the group's ports " +
        "on every switch; set this or `switch`.",
    },
    sb: sbArg(
      "ACL",
      " Checks the flows ovn-northd made, and ovn-northd makes none for an ACL on a port group without ports: " +
        "then create waits for ovn-northd only and succeeds with the match checked as at preview; OVN's parser " +
        "reads it once the group has ports (a refused match shows in ovn-northd's log, and in a later create " +
        "or replacement of the ACL with `sb`).",
    ),
    direction: directionArg("ACL"),
    priority: {
      schema: priority,
      type: "number",
      doc: "0..32767; the highest matching rule decides (`ACL.priority`).",
      storage: { column: "priority" },
    },
    match: matchArg("ACL", "`outport == @db && ip4.src == $web_ip4 && tcp.dst == 5432`"),
    action: {
      schema: z.enum(ACL_ACTIONS, { error: `action: accepted ${quoted(ACL_ACTIONS)}` }),
      type: '"allow" | "allow-related" | "allow-stateless" | "drop" | "reject" | "pass"',
      doc:
        "`allow`, `allow-related` (replies and related traffic allowed too), `allow-stateless` (no " +
        "connection tracking), `drop`, `reject` (answered with a TCP RST or ICMP unreachable) or `pass` " +
        "(to the next tier; OVN 23.06 or later). Column `ACL.action`.",
      storage: { column: "action" },
    },
    log: {
      schema: z.boolean({ error: "log must be true or false" }).optional(),
      type: "boolean",
      doc: "Log the packets the rule matches through ovn-controller (`ACL.log`). Default: false.",
      storage: { column: "log" },
      empty: false,
      implied: false,
    },
    name: {
      schema: z
        .string({ error: "name must be a string" })
        .min(1, "name must not be empty")
        .max(63, "name: at most 63 characters (the schema's limit)")
        .optional(),
      type: "string",
      doc:
        "Name shown in the log entries of the rule (`ACL.name`, at most 63 characters), so a log line can be " +
        "traced to it. Default: none; ovn-controller then logs `name=<unnamed>`. Only seen with `log`.",
      storage: { column: "name" },
    },
    severity: {
      schema: z.enum(ACL_SEVERITIES, { error: `severity: accepted ${quoted(ACL_SEVERITIES)}` }).optional(),
      type: '"alert" | "warning" | "notice" | "info" | "debug"',
      doc:
        "Severity of the log entries (`ACL.severity`), in syslog's order: `alert`, `warning`, `notice`, " +
        "`info`, `debug`. Default: none, which OVN logs as `info` (ovn-nb(5)). Only seen with `log`.",
      storage: { column: "severity" },
    },
    meter: {
      schema: ovnName("meter").optional(),
      type: "string",
      doc:
        "Name of the meter that rate-limits the log entries (`ACL.meter`; an `ovn.Meter`'s name, e.g. " +
        "`m.name`). The meter must exist when the rule is written. Default: none, log entries are not " +
        "rate-limited.",
      storage: { column: "meter" },
    },
    label: {
      schema: intIn("label", 0, 4294967295).optional(),
      type: "number",
      doc:
        "A 32-bit label OVN writes to the connection tracking entries the rule creates (`ACL.label`), to " +
        "trace a connection back to its rule; only `allow` and `allow-related` create entries. Default: 0, " +
        "no label.",
      storage: { column: "label" },
      empty: 0,
      implied: 0,
    },
    options: mapArg("options", '`apply-after-lb`: `"true"`'),
    externalIds: mapArg("external_ids"),
  },
  hooks: { beforeWrite, afterWrite },
};

export const aclKind = tableKind(aclSpec);

/** The ACLs of one switch or port group as one resource (see provider/engine/collection.ts). */
export const aclCollectionSpec = collectionSpec({
  type: "ovn:Acls",
  doc:
    "Many ACLs of one logical switch or port group as one resource: `ovn-nbctl acl-add` for each member, " +
    "written in one transaction. Each member is an `ACL` row identified, like an `ovn.Acl`, by direction, " +
    "priority and match, with its own owner marker (adopt per member, rules others added left alone, drift " +
    "per member); the map's keys are labels of your choice. Use it for a security policy of many rules.",
  of: aclSpec,
  arg: "acls",
  member: "AclMember",
  key: "label",
  argDoc:
    "The rules, by a label of your choice (used in messages, diffs and the owner marker; changing a label " +
    "deletes the rule and makes it anew): each takes the arguments of `ovn.Acl` but `nb`, `switch` and " +
    "`portGroup`, and `adopt`. A rule added to the map is created, one removed is deleted, one changed is " +
    "updated in place (a new direction, priority or match makes a new row).",
});
export const aclCollectionKind = collectionKind(aclCollectionSpec);
