/**
 * `pulumi-ovs/sandbox`: simulated OVS/OVN hosts in network namespaces, for tests and demos.
 *
 * ```ts
 * import { startSandbox, addContainer, ping, stopSandbox } from "pulumi-ovs/sandbox";
 * const sb = await startSandbox({ name: "demo", hosts: 2, ovn: true });
 * const vm1 = await addContainer(sb, { host: "h1", name: "vm1", ip: "192.168.1.1/24" });
 * // … ovs-vsctl --db=sb.hosts[0].remotes.unix add-port br-int vm1 …
 * await stopSandbox(sb);
 * ```
 */
export { requireRoot } from "./context";
export { ovnNbctl, ovnSbctl } from "./ovn";
export { addContainer, execIn, ping, removeContainer, tcpAnswers, tcpListener } from "./containers";
export type { ContainerOptions } from "./containers";
export { startPeerEcho } from "./servers";
export type { PeerEcho } from "./servers";
export { restartDaemon, startSandbox, stopSandbox } from "./lifecycle";
export type { SandboxOptions, StopReport } from "./lifecycle";
export { loadSandbox, sandboxStatus } from "./status";
export type { DaemonStatus, SandboxStatus } from "./status";
export type {
  CentralInfo,
  ContainerInfo,
  DaemonInfo,
  EncapType,
  ExternalInfo,
  HostInfo,
  Remotes,
  ResolvedOptions,
  SandboxInfo,
} from "./state";
export { SandboxError } from "./exec";
export type { ExecResult, PingOptions, RunOptions } from "./exec";
