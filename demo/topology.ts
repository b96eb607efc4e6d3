/**
 * The demo's containers and the connectivity it promises: who must reach whom, and who must not.
 * Used by `npm run demo` and by its end-to-end test.
 */
import {
  addContainer,
  ping,
  loadSandbox,
  startPeerEcho,
  tcpAnswers,
  type SandboxInfo,
  type ContainerInfo,
} from "../sandbox";
import { poll } from "../sandbox/wait";
import { sandboxEnvironment } from "./config";
import { GATEWAY } from "./gateway";
import { DEMO_CONTAINERS } from "./program";
import { SUBNETS } from "../examples/ovn-two-hosts/program";
import { RULES } from "./security";
import { answersFrom, DEMO_VMS, SERVICE, VIP } from "./service";

/** The containers the program expects, created once (a re-run reuses them). */
export async function createDemoContainers(sb: SandboxInfo): Promise<Record<string, ContainerInfo>> {
  const out: Record<string, ContainerInfo> = {};
  for (const c of sb.containers) out[c.name] = c;
  for (const [name, c] of Object.entries(DEMO_CONTAINERS)) {
    if (!out[name])
      out[name] = await addContainer(sb, { host: sb.hosts[c.host].name, name, portName: c.port, ip: c.ip });
  }
  for (const vm of DEMO_VMS) {
    if (out[vm.name]) continue;
    const gw = SUBNETS[vm.switch].gateway;
    const prefix = SUBNETS[vm.switch].network.split("/")[1];
    out[vm.name] = await addContainer(loadSandbox(sb.name), {
      host: sb.hosts[vm.host].name,
      name: vm.name,
      portName: vm.port,
      mac: vm.mac,
      ip: `${vm.ip}/${prefix}`,
      gateway: gw,
    });
  }
  return out;
}

export interface Check {
  from: string;
  to: string;
  what: string;
  expect: boolean;
  /** For a pair that must not reach: what blocks it (the VLAN, the ACL rule…). */
  blockedBy?: string;
}

export const CHECKS: Check[] = [
  { from: "con8", to: "con6", what: "same host, VLAN 100", expect: true },
  { from: "con8", to: "con7", what: "same host, VLAN 100 -> 200", expect: false, blockedBy: "VLAN tags" },
  { from: "con6", to: "con9", what: "VXLAN to host 2, VLAN 100", expect: true },
  { from: "con7", to: "con10", what: "VXLAN to host 2, VLAN 200", expect: true },
  { from: "con6", to: "con10", what: "VXLAN, VLAN 100 -> 200", expect: false, blockedBy: "VLAN tags" },
  { from: "con11", to: "con12", what: "in_port flows on of0 (no NORMAL)", expect: true },
  { from: "vm1", to: "vm2", what: "OVN sw0, across chassis; admin -> port group web", expect: true },
  { from: "vm1", to: "vm3", what: "OVN sw0 -> lr0 -> sw1, across chassis", expect: true },
  { from: "con6", to: "vm1", what: "OVS VLAN net -> OVN net", expect: false, blockedBy: "separate networks" },
  // The security policy (./security.ts): only the admins reach the web group; its own connections
  // out get their replies.
  {
    from: "vm3",
    to: "vm2",
    what: "OVN sw1 -> lr0 -> sw0; non-admin -> port group web",
    expect: false,
    blockedBy: `ACL ${RULES.drop}`,
  },
  { from: "vm2", to: "vm3", what: "OVN sw0 -> lr0 -> sw1; web's own connection, replies pass", expect: true },
];

/** How the matrix shows what a pair is expected to do. */
export function expectedText(c: Check): string {
  if (c.expect) return "reach";
  return c.blockedBy ? `blocked (${c.blockedBy})` : "blocked";
}

/** How the matrix shows the outcome: a pair blocked as expected is no failure. */
export function outcomeText(r: CheckResult): string {
  if (!r.ok) return "MISMATCH";
  return r.expect ? "ok" : "ok, blocked as expected";
}

export function ipOf(name: string): string {
  const c = (DEMO_CONTAINERS as Record<string, { ip: string }>)[name];
  if (c) return c.ip.split("/")[0];
  return DEMO_VMS.find((v) => v.name === name)!.ip;
}

export interface CheckResult extends Check {
  seen: boolean;
  ok: boolean;
}

/** Ping each pair inside the containers; `ok` when what was seen is what was expected. */
export async function runChecks(cs: Record<string, ContainerInfo>): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const ch of CHECKS) {
    const seen = await ping(cs[ch.from], ipOf(ch.to), {
      count: ch.expect ? 3 : 2,
      timeoutS: ch.expect ? 2 : 1,
    });
    out.push({ ...ch, seen, ok: seen === ch.expect });
  }
  return out;
}

/** A client of the load-balanced service (`./service.ts`): who connects, and the way there. */
export interface ServiceCheck {
  from: string;
  what: string;
}

export const SERVICE_CHECKS: ServiceCheck[] = [
  { from: "vm1", what: `OVN sw0, ${SERVICE.loadBalancer}; admin -> port group web` },
  {
    from: "vm3",
    what: `OVN sw1 (${SERVICE.loadBalancer}) -> lr0 -> sw0; non-admin, ACL ${RULES.service}`,
  },
];

/** Connections each client opens to the VIP. */
export const SERVICE_CONNECTIONS = 20;

export interface ServiceResult extends ServiceCheck {
  /** Answers by backend name ("-": connections that failed). */
  answered: Record<string, number>;
  /** Every connection answered, by the backends only, and by each of them. */
  ok: boolean;
}

/** Opens {@link SERVICE_CONNECTIONS} TCP connections from each client to the VIP, counting who answered. */
export async function runServiceChecks(cs: Record<string, ContainerInfo>): Promise<ServiceResult[]> {
  const out: ServiceResult[] = [];
  for (const ch of SERVICE_CHECKS) {
    const answered: Record<string, number> = {};
    for (const a of await answersFrom(cs[ch.from], SERVICE_CONNECTIONS)) answered[a] = (answered[a] ?? 0) + 1;
    const names = Object.keys(answered).sort();
    const ok = names.join() === [...SERVICE.backends].sort().join();
    out.push({ ...ch, answered, ok });
  }
  return out;
}

/** A tenant reaching the outside network through lr0's gateway port. */
export interface OutsideCheck {
  from: string;
  what: string;
}

export const OUTSIDE_CHECKS: OutsideCheck[] = [
  { from: "vm1", what: `OVN sw0 -> lr0 -> ${GATEWAY.routerPort} (gateway on h1), SNAT` },
  { from: "vm2", what: `OVN sw0 (port group web) -> lr0 -> gateway, SNAT; replies pass the ACLs` },
  { from: "vm3", what: `OVN sw1 (on h2) -> lr0 -> gateway on h1, SNAT` },
];

/** The outside server's TCP port (a peer-echo server: it answers with the address it saw). */
export const OUTSIDE_PORT = 8080;
/** Connections each tenant opens to the outside server. */
export const OUTSIDE_CONNECTIONS = 3;

/** The sandbox's outside network as the checks need it; undefined without one. */
export function outsideOf(sb: SandboxInfo): Outside | undefined {
  const ext = sandboxEnvironment(sb.name).external;
  if (!sb.external || !ext) return undefined;
  return { namespace: sb.external.namespace, ip: sb.external.ip, snatIp: ext.routerIp };
}

/** Where the outside server runs and which address the tenants should be seen with. */
export interface Outside {
  /** Namespace of the outside network (`info.external.namespace`). */
  namespace: string;
  /** The outside server's address. */
  ip: string;
  /** The address the gateway translates the tenants to. */
  snatIp: string;
}

export interface OutsideResult extends OutsideCheck {
  /** The address the outside server saw, per connection ("-": failed). */
  seenAs: string[];
  /** Every connection answered, and the server saw the SNAT address only. */
  ok: boolean;
}

/** How long the first tenant may wait for the gateway (its chassis claims it after `pulumi up`). */
const GATEWAY_READY_MS = 20_000;

/**
 * Starts a peer-echo server in the outside namespace, opens {@link OUTSIDE_CONNECTIONS} TCP
 * connections to it from each tenant of {@link OUTSIDE_CHECKS}, and stops it again. Right after a
 * `pulumi up` the gateway chassis may not have claimed the gateway port yet: the first tenant
 * retries one connection for up to {@link GATEWAY_READY_MS} before the connections that count.
 */
export async function runOutsideChecks(
  cs: Record<string, ContainerInfo>,
  outside: Outside,
): Promise<OutsideResult[]> {
  const server = await startPeerEcho(outside.namespace, { port: OUTSIDE_PORT });
  try {
    const first = cs[OUTSIDE_CHECKS[0].from];
    await poll(async () => (await tcpAnswers(first, outside.ip, OUTSIDE_PORT, 1))[0] !== "-", {
      timeoutMs: GATEWAY_READY_MS,
      intervalMs: 500,
    });
    const out: OutsideResult[] = [];
    for (const ch of OUTSIDE_CHECKS) {
      const seenAs = await tcpAnswers(cs[ch.from], outside.ip, OUTSIDE_PORT, OUTSIDE_CONNECTIONS);
      out.push({ ...ch, seenAs, ok: seenAs.every((a) => a === outside.snatIp) });
    }
    return out;
  } finally {
    await server.stop();
  }
}

/** The matrix's columns: pair, addresses, path, expected, seen, outcome. */
export const MATRIX_HEADER = ["pair", "addresses", "path", "expected", "seen", ""];

/**
 * The connectivity matrix: the ping pairs, the service's rows ("web via VIP … → vm2, vm4"), then
 * the tenants reaching the outside ("vm1 -> outside 203.0.113.1:8080", seen as the SNAT address).
 */
export function matrixRows(
  pings: CheckResult[],
  service: ServiceResult[],
  outside: { results: OutsideResult[]; target: Outside } | undefined = undefined,
): string[][] {
  const backends = SERVICE.backends.join(", ");
  return [
    ...pings.map((r) => [
      `${r.from} -> ${r.to}`,
      `${ipOf(r.from)} -> ${ipOf(r.to)}`,
      r.what,
      expectedText(r),
      r.seen ? "reach" : "blocked",
      outcomeText(r),
    ]),
    ...service.map((r) => [
      `${r.from} -> ${SERVICE.name} via VIP ${VIP}`,
      `${ipOf(r.from)} -> ${VIP}`,
      r.what,
      `→ ${backends}`,
      `→ ${answeredText(r.answered)}`,
      r.ok ? "ok" : "MISMATCH",
    ]),
    ...(outside ? outsideRows(outside.results, outside.target) : []),
  ];
}

function outsideRows(results: OutsideResult[], target: Outside): string[][] {
  const to = `${target.ip}:${OUTSIDE_PORT}`;
  return results.map((r) => [
    `${r.from} -> outside ${to}`,
    `${ipOf(r.from)} -> ${to}`,
    r.what,
    `reach, seen as ${target.snatIp}`,
    seenAsText(r.seenAs),
    r.ok ? "ok" : "MISMATCH",
  ]);
}

/** `reach, seen as 203.0.113.2` (`blocked` when every connection failed; each address once). */
export function seenAsText(seenAs: string[]): string {
  const reached = [...new Set(seenAs.filter((a) => a !== "-"))];
  if (reached.length === 0) return "blocked";
  const failed = seenAs.filter((a) => a === "-").length;
  return `reach, seen as ${reached.join(", ")}${failed > 0 ? ` (${failed} failed)` : ""}`;
}

/** `vm2 ×11, vm4 ×9` (connections that failed as `failed ×N`). */
export function answeredText(answered: Record<string, number>): string {
  return Object.entries(answered)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name === "-" ? "failed" : name} ×${n}`)
    .join(", ");
}
