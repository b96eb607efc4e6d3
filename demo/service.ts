/**
 * The demo's load-balanced service on the OVN part of the field report: "web", a VIP outside every
 * subnet whose TCP connections OVN spreads over two web containers, vm2 (host 2) and vm4 (host 1),
 * both on sw0 and both in the security policy's web port group. The load balancer is attached to
 * sw0 and sw1, the switches of the clients (vm1 on sw0, vm3 on sw1 behind router lr0): a client
 * sends the VIP to its gateway and its own switch translates it to a backend on the way there, so
 * the distributed router lr0 needs no attachment.
 *
 * The backends answer each connection with their own name (a python3 listener in the container's
 * namespace, started by `startListeners` and stopped by PID by `stopListeners`).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ovn, type Connection } from "../sdk";
import { DEFAULT_VMS, type OvnVm } from "../examples/ovn-two-hosts/program";
import { tcpAnswers, type ContainerInfo, type SandboxInfo } from "../sandbox";
import { isOurs, readPidfile, terminate } from "../sandbox/procs";
import { waitFor } from "../sandbox/wait";

/** The OVN containers of the demo: the field report's three and a second web server, vm4. */
export const DEMO_VMS: OvnVm[] = [
  ...DEFAULT_VMS,
  { name: "vm4", host: 0, switch: "sw0", port: "veth-vm4", mac: "00:00:00:aa:00:04", ip: "192.168.0.4" },
];

export const SERVICE = {
  name: "web",
  /** Load_Balancer.name */
  loadBalancer: "demo-web-lb",
  vip: "10.0.0.100",
  port: 80,
  /** The containers that answer, each with its own name. */
  backends: ["vm2", "vm4"],
} as const;

export const vmIp = (vm: string): string => DEMO_VMS.find((v) => v.name === vm)!.ip;

/** `10.0.0.100:80` */
export const VIP = `${SERVICE.vip}:${SERVICE.port}`;

export function demoService(opts: { nb: Connection; switches: pulumi.Input<string>[] }) {
  const lb = new ovn.LoadBalancer(SERVICE.loadBalancer, {
    nb: opts.nb,
    name: SERVICE.loadBalancer,
    protocol: "tcp",
    vips: { [VIP]: SERVICE.backends.map((b) => `${vmIp(b)}:${SERVICE.port}`) },
    switches: opts.switches,
  });
  return { loadBalancer: lb.name, vip: VIP };
}

/**
 * Listens on argv[1], writes its PID to argv[3] once it listens (the pidfile sits in the sandbox
 * directory, so `stopSandbox` also finds the process), and answers each connection with argv[2].
 */
const LISTENER = `
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
tmp = sys.argv[3] + ".tmp"
with open(tmp, "w") as f: f.write(str(os.getpid()))
os.rename(tmp, sys.argv[3])
while True:
    c, _ = s.accept(); c.sendall(sys.argv[2].encode()); c.close()
`;

const PYTHON = "/usr/bin/python3";
const listenerDir = (sb: SandboxInfo) => join(sb.dir, "demo-listeners");
const pidfileOf = (sb: SandboxInfo, vm: string) => join(listenerDir(sb), `${vm}.pid`);

/**
 * Starts a listener in each backend container (detached: it outlives `npm run demo`), unless one
 * runs already; returns once every backend listens. The PIDs are in `DIR/demo-listeners/VM.pid`.
 */
export async function startListeners(
  sb: SandboxInfo,
  cs: Record<string, ContainerInfo>,
): Promise<Record<string, number>> {
  mkdirSync(listenerDir(sb), { recursive: true });
  const pids: Record<string, number> = {};
  for (const vm of SERVICE.backends) {
    const pidfile = pidfileOf(sb, vm);
    const running = readPidfile(pidfile);
    if (running !== undefined && isOurs(running, sb.dir)) {
      pids[vm] = running;
      continue;
    }
    rmSync(pidfile, { force: true });
    const argv = [cs[vm].namespace, PYTHON, "-c", LISTENER, String(SERVICE.port), vm, pidfile];
    spawn("ip", ["netns", "exec", ...argv], { detached: true, stdio: "ignore" }).unref();
    pids[vm] = await waitFor(
      () => readPidfile(pidfile),
      10_000,
      () => `the listener of ${vm} did not start listening on port ${SERVICE.port} within 10 s`,
      50,
    );
  }
  return pids;
}

/** Stops the listeners `startListeners` started, by the PIDs in their pidfiles. */
export async function stopListeners(sb: SandboxInfo): Promise<number[]> {
  const dir = listenerDir(sb);
  if (!existsSync(dir)) return [];
  const pids = readdirSync(dir)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => readPidfile(join(dir, f)))
    .filter((p): p is number => p !== undefined);
  const { signalled, survivors } = await terminate(pids, sb.dir);
  if (survivors.length > 0) throw new Error(`demo listeners ${survivors.join(", ")} survived SIGKILL`);
  rmSync(dir, { recursive: true, force: true });
  return signalled;
}

/** What `n` connections from a container to the VIP were answered with, in order ("-": failed). */
export function answersFrom(client: ContainerInfo, n: number): Promise<string[]> {
  return tcpAnswers(client, SERVICE.vip, SERVICE.port, n);
}
