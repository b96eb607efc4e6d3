/**
 * The demo's containers and the connectivity it promises: who must reach whom, and who must not.
 * Used by `npm run demo` and by its end-to-end test.
 */
import { addContainer, ping, loadSandbox, type SandboxInfo, type ContainerInfo } from "../sandbox";
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

/** The matrix's columns: pair, addresses, path, expected, seen, outcome. */
export const MATRIX_HEADER = ["pair", "addresses", "path", "expected", "seen", ""];

/** The connectivity matrix: the ping pairs, then the service's rows ("web via VIP … → vm2, vm4"). */
export function matrixRows(pings: CheckResult[], service: ServiceResult[]): string[][] {
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
  ];
}

/** `vm2 ×11, vm4 ×9` (connections that failed as `failed ×N`). */
export function answeredText(answered: Record<string, number>): string {
  return Object.entries(answered)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name === "-" ? "failed" : name} ×${n}`)
    .join(", ");
}
