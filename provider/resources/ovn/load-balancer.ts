/**
 * ovn.LoadBalancer: a Load_Balancer row of the northbound database (`ovn-nbctl lb-add LB VIP
 * BACKENDS [PROTOCOL]`), attached to logical switches and routers (`ls-lb-add`, `lr-lb-add`: the
 * switch's or router's `load_balancer` column holds it; the attachment is owned, other load
 * balancers on the same switch stay), with health checks (Load_Balancer_Health_Check rows, one per
 * VIP, `ovn-nbctl lb-hc-add`-style) and the backend-to-port mapping OVN needs for them
 * (`ip_port_mappings`). VIPs and backends are checked at preview: addresses, ports, the family of
 * the backends, a port on the VIP and on every backend or on none. Declared only: the lifecycle
 * comes from `provider/engine`.
 */
import { z } from "zod";
import type { InputProblem } from "../../errors";
import type { Props } from "../../framework";
import {
  MANAGED_KEYS_DOC,
  mapArg,
  objectSchema,
  type ArgSpec,
  type RowRef,
  type TableSpec,
} from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { northbound } from "./common";
import { ovnName } from "./validation";
import { asSet, canonIp, familyOf, setOf } from "../values";

export const LB_PROTOCOLS = ["tcp", "udp", "sctp"] as const;
export const LB_SELECTION_FIELDS = ["eth_src", "eth_dst", "ip_src", "ip_dst", "tp_src", "tp_dst"] as const;

const ENDPOINT_FORM =
  '"IP:PORT" ("[IPv6]:PORT" for IPv6) or a bare "IP", e.g. "10.0.0.10:80" or "[fd00::10]:80"';

/** An endpoint of a VIP or backend: its canonical address, family and port (absent for a bare IP). */
export interface Endpoint {
  ip: string;
  family: 4 | 6;
  port?: number;
}

/** `IP`, `IP:PORT`, `[IP6]:PORT`, bare `IP6` (or `[IP6]`), parsed; a reason when it is none of them. */
export function parseEndpoint(s: string): Endpoint | string {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  const colons = s.split(":").length - 1;
  const [addr, port] = bracketed
    ? [bracketed[1], bracketed[2]]
    : colons === 1
      ? (s.split(":") as [string, string])
      : [s, undefined];
  const c = canonIp(addr);
  if ("problem" in c || /\s/.test(s))
    return `${JSON.stringify(s)} is not an endpoint; accepted: ${ENDPOINT_FORM}`;
  const family = familyOf(c.value)!;
  if (bracketed && family !== 6) return `${JSON.stringify(s)}: brackets are for IPv6 addresses only`;
  if (port === undefined) return { ip: c.value, family };
  if (!/^[1-9]\d{0,4}$/.test(port) || Number(port) > 65535)
    return `${JSON.stringify(s)}: the port must be 1..65535`;
  return { ip: c.value, family, port: Number(port) };
}

/** An endpoint as OVN stores it: `IP:PORT`, `[IP6]:PORT`, or the bare address. */
export function formatEndpoint(e: Endpoint): string {
  if (e.port === undefined) return e.ip;
  return e.family === 6 ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** A VIP with its backends, in canonical form, or the reason they do not fit together. */
function canonVip(vip: string, backends: string[]): { vip: string; backends: string[] } | string {
  const v = parseEndpoint(vip);
  if (typeof v === "string") return `VIP ${v}`;
  const out: string[] = [];
  for (const b of backends) {
    const e = parseEndpoint(b);
    if (typeof e === "string") return `VIP ${vip}: backend ${e}`;
    if (e.family !== v.family) return `VIP ${vip}: backend ${b} is IPv${e.family}, the VIP IPv${v.family}`;
    if (v.port !== undefined && e.port === undefined) {
      return (
        `VIP ${vip} has a port, backend ${b} has none; give every backend a port ` +
        `(e.g. ${formatEndpoint({ ...e, port: v.port })}) or the VIP none`
      );
    }
    if (v.port === undefined && e.port !== undefined) {
      return `VIP ${vip} has no port, backend ${b} has one; give the VIP a port (e.g. ${formatEndpoint({ ...v, port: e.port })}) or the backends none`;
    }
    out.push(formatEndpoint(e));
  }
  return { vip: formatEndpoint(v), backends: asSet(out) };
}

const vipsSchema = z
  .record(z.string(), z.array(z.string({ error: "backends must be strings" })), {
    error:
      'vips: accepted a map of "VIP:PORT" to a list of "BACKEND:PORT", e.g. { "10.0.0.10:80": ["10.0.1.2:80"] }',
  })
  .transform((m, ctx) => {
    const out: Record<string, string[]> = {};
    const spelled: Record<string, string> = {}; // canonical VIP → as the program wrote it first
    for (const [vip, backends] of Object.entries(m)) {
      const c = canonVip(vip, backends);
      if (typeof c === "string") ctx.addIssue({ code: "custom", message: `vips: ${c}` });
      else if (c.vip in out) {
        ctx.addIssue({
          code: "custom",
          message: `vips: VIP ${spelled[c.vip]} and ${vip} are the same VIP (${c.vip}), given twice; keep one`,
        });
      } else {
        out[c.vip] = c.backends;
        spelled[c.vip] = vip;
      }
    }
    return out;
  });

/** A health check's VIP: an endpoint with a port (OVN monitors a backend's port). */
const checkedVip = z.string({ error: "vip must be a string" }).transform((s, ctx) => {
  const e = parseEndpoint(s);
  if (typeof e === "string" || e.port === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `vip: ${typeof e === "string" ? e : `${s} has no port`}; accepted a VIP of vips with its port`,
    });
    return z.NEVER;
  }
  return formatEndpoint(e);
});

/** `ip_port_mappings`: backend IP → `PORT_NAME:SOURCE_IP` (IPv6 source in brackets). */
const ipPortMappingsSchema = z
  .record(z.string(), z.string(), {
    error:
      'ipPortMappings: accepted a map of backend IP to "PORT_NAME:SOURCE_IP", e.g. { "10.0.1.2": "web1:10.0.1.254" }',
  })
  .transform((m, ctx) => {
    const out: Record<string, string> = {};
    for (const [backend, value] of Object.entries(m)) {
      const b = parseEndpoint(backend);
      const at = /^([^\s:"[\]]+):(.+)$/.exec(value);
      const src = at ? parseEndpoint(at[2]) : undefined;
      if (typeof b === "string" || b.port !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `ipPortMappings: key ${backend} must be a backend's IP address, without port`,
        });
      } else if (
        !at ||
        src === undefined ||
        typeof src === "string" ||
        src.port !== undefined ||
        src.family !== b.family
      ) {
        ctx.addIssue({
          code: "custom",
          message:
            `ipPortMappings.${backend}: ${JSON.stringify(value)} is not "PORT_NAME:SOURCE_IP" (the backend's logical ` +
            `switch port and the IPv${b.family} address health checks come from, e.g. ` +
            `${b.family === 6 ? '"web1:[fd00::fe]"' : '"web1:10.0.1.254"'})`,
        });
      } else {
        out[b.ip] = `${at[1]}:${src.family === 6 ? `[${src.ip}]` : src.ip}`;
      }
    }
    return out;
  });

const count = (what: string, meaning: string, dflt: number, column: string): ArgSpec => ({
  schema: z
    .number({ error: `${what} must be an integer` })
    .int(`${what}: accepted a whole number`)
    .min(1, `${what}: accepted 1 or more`)
    .optional(),
  type: "number",
  doc: `${meaning} (\`options:${column}\`). OVN's default: ${dflt}.`,
  storage: { column: "options", key: column },
  encode: (v: number) => String(v),
  decode: (v: string) => Number(v),
});

/** An argument listing the switches or routers (`to`) whose `load_balancer` column holds the row. */
function attachment(what: string, to: RowRef, doc: string): ArgSpec {
  return {
    schema: setOf(ovnName(what), `${what}: accepted a list of ${to.noun} names, e.g. ["x"]`).optional(),
    type: "string[]",
    doc: `${doc} A set: order and repeats do not matter.`,
    storage: { attachedTo: { ...to, column: "load_balancer" } },
  };
}

/** The fields of one health check (a Load_Balancer_Health_Check row). */
const healthCheckArgs: Record<string, ArgSpec> = {
  vip: {
    schema: checkedVip,
    type: "string",
    doc: 'The VIP checked, as in `vips`, with its port (`Load_Balancer_Health_Check.vip`), e.g. `"10.0.0.10:80"`.',
    storage: { column: "vip" },
  },
  interval: count("interval", "Seconds between two probes of a backend", 5, "interval"),
  timeout: count("timeout", "Seconds a probe waits for the answer", 20, "timeout"),
  successCount: count(
    "successCount",
    "Probes that must succeed to mark a backend online",
    3,
    "success_count",
  ),
  failureCount: count("failureCount", "Probes that must fail to mark a backend offline", 3, "failure_count"),
};

/** Problems of health checks naming no VIP of `vips`, or whose backends lack an `ipPortMappings` entry. Pure. */
function validate(i: Props): InputProblem[] {
  const vips = (i.vips ?? {}) as Record<string, string[]>;
  const mappings = (i.ipPortMappings ?? {}) as Record<string, string>;
  const problems: InputProblem[] = [];
  ((i.healthChecks ?? []) as { vip: string }[]).forEach((hc, n) => {
    if ((parseEndpoint(hc.vip) as Endpoint).family === 6) {
      // ovn-northd (23.03) creates no Service_Monitor for an IPv6 VIP: the check would do nothing.
      problems.push({
        property: `healthChecks[${n}].vip`,
        reason:
          `${hc.vip} is an IPv6 VIP: ovn-northd monitors backends of IPv4 VIPs only (it creates no ` +
          "Service_Monitor for an IPv6 one, so the check would never take a backend out); check an IPv4 VIP",
      });
      return;
    }
    if (!(hc.vip in vips)) {
      problems.push({
        property: `healthChecks[${n}].vip`,
        reason: `${hc.vip} is not a VIP of vips (${Object.keys(vips).join(", ") || "none"})`,
      });
      return;
    }
    const unmapped = vips[hc.vip]
      .map((b) => (parseEndpoint(b) as Endpoint).ip)
      .filter((ip) => !(ip in mappings));
    if (unmapped.length) {
      problems.push({
        property: "ipPortMappings",
        reason:
          `the health check of ${hc.vip} needs an entry for backend ${unmapped.join(", ")} ` +
          '("PORT_NAME:SOURCE_IP": OVN probes a backend from the source IP through its logical switch port)',
      });
    }
  });
  return problems;
}

export const loadBalancerSpec: TableSpec = {
  type: "ovn:LoadBalancer",
  doc:
    "An OVN load balancer (`ovn-nbctl lb-add NAME VIP BACKENDS [PROTOCOL]`): virtual IPs whose connections " +
    "are spread over backends, applied on the logical switches and routers it is attached to " +
    "(`ls-lb-add`, `lr-lb-add`), with optional health checks.",
  db: northbound,
  table: "Load_Balancer",
  noun: "load balancer",
  nameArg: "name",
  args: {
    name: {
      schema: ovnName("name"),
      type: "string",
      doc: "Load balancer name (`Load_Balancer.name`, unique here). Renaming is done in place.",
      storage: { column: "name" },
    },
    vips: {
      schema: vipsSchema.optional(),
      type: "Record<string, string[]>",
      doc:
        'Virtual IPs and their backends (`Load_Balancer.vips`): `"VIP:PORT"` → `["BACKEND:PORT", …]`, IPv6 ' +
        'as `"[fd00::10]:80"`; or a bare `"VIP"` → bare backend IPs (all ports). A port on the VIP and on ' +
        "every backend, or on none; backends of the VIP's family. The backends of a VIP are a set (order " +
        "does not matter). Checked at preview. Default: none.",
      storage: { column: "vips" },
      encode: (v: Record<string, string[]>) =>
        Object.fromEntries(Object.entries(v).map(([k, b]) => [k, b.join(",")])),
      decode: (v: Record<string, string>) =>
        Object.fromEntries(Object.entries(v).map(([k, b]) => [k, asSet(b.split(",").filter(Boolean))])),
    },
    protocol: {
      schema: z.enum(LB_PROTOCOLS, { error: `protocol: accepted ${LB_PROTOCOLS.join(", ")}` }).optional(),
      type: '"tcp" | "udp" | "sctp"',
      doc: "Transport protocol of VIPs with a port (`Load_Balancer.protocol`). Default: tcp.",
      storage: { column: "protocol" },
      implied: "tcp",
    },
    selectionFields: {
      schema: setOf(
        z.enum(LB_SELECTION_FIELDS, { error: `selectionFields: accepted ${LB_SELECTION_FIELDS.join(", ")}` }),
        `selectionFields: accepted a list of ${LB_SELECTION_FIELDS.join(", ")}`,
      ).optional(),
      type: "string[]",
      doc:
        "Fields hashed to pick a backend (`Load_Balancer.selection_fields`: `eth_src`, `eth_dst`, `ip_src`, " +
        "`ip_dst`, `tp_src`, `tp_dst`; `ovn-nbctl lb-add --selection-fields`). Default: OVS's 5-tuple hash.",
      storage: { column: "selection_fields" },
    },
    options: mapArg("options", "`reject`, `hairpin_snat_ip`, `skip_snat`"),
    externalIds: mapArg("external_ids"),
    switches: attachment(
      "switches",
      { table: "Logical_Switch", noun: "logical switch", sdk: "ovn.LogicalSwitch" },
      "Logical switches the load balancer applies on (`ovn-nbctl ls-lb-add`; the switch's `load_balancer` " +
        "column), e.g. `[sw0.name]`. Owned switch by switch: switches listed get it, switches listed before " +
        "and no longer lose it, other load balancers on the same switch stay. Every switch must exist.",
    ),
    routers: attachment(
      "routers",
      { table: "Logical_Router", noun: "logical router", sdk: "ovn.LogicalRouter" },
      "Logical routers the load balancer applies on (`ovn-nbctl lr-lb-add`; the router's `load_balancer` " +
        "column), owned router by router like `switches`. Every router must exist.",
    ),
    healthChecks: {
      schema: z
        .array(objectSchema(healthCheckArgs), {
          error:
            'healthChecks: accepted a list of { vip: "VIP:PORT", interval?, timeout?, successCount?, failureCount? }',
        })
        .optional(),
      type: "LoadBalancerHealthCheckArgs[]",
      doc:
        "Health checks, one per VIP (Load_Balancer_Health_Check rows): ovn-controller probes each backend of " +
        "the VIP (a TCP SYN, or a UDP datagram) from the source address of its `ipPortMappings` entry and " +
        "leaves backends that fail out of the VIP. Needs `ipPortMappings` for every backend of the VIP. IPv4 " +
        "VIPs only: ovn-northd monitors no IPv6 backends, so a health check of an IPv6 VIP is refused at preview.",
      storage: {
        column: "health_check",
        rows: {
          table: "Load_Balancer_Health_Check",
          key: "vip",
          marked: true,
          doc: "One health check of `ovn.LoadBalancer`: the VIP it checks and how (Load_Balancer_Health_Check).",
          args: healthCheckArgs,
        },
      },
    },
    ipPortMappings: {
      schema: ipPortMappingsSchema.optional(),
      type: "Record<string, string>",
      doc:
        'Where health checks of a backend come from (`Load_Balancer.ip_port_mappings`): backend IP → `"PORT_NAME:SOURCE_IP"`, ' +
        "the backend's logical switch port and an unused address of its subnet that the probes use as source " +
        '(e.g. `{ "10.0.1.2": "web1:10.0.1.254" }`). ' +
        MANAGED_KEYS_DOC,
      storage: { column: "ip_port_mappings", managedKeys: true },
    },
  },
  validate,
};

export const loadBalancerKind = tableKind(loadBalancerSpec);
