/**
 * The demo's environment from stack config. Two shapes:
 *
 * - `sandbox: NAME` (Pulumi.dev.yaml): the local sandbox of that name, read from its state file.
 * - explicit hosts (Pulumi.prod.yaml): `hosts` (a list of `{ name, remote, underlayIp }`),
 *   `nbRemote`, `sbRemote`, and optionally TLS material `tlsPrivateKey` (secret),
 *   `tlsCertificate`, `tlsCaCert` used for every `ssl:` remote, and `external` (the outside
 *   network of the gateway: `{ physnet, providerBridge, cidr, nexthop, routerIp, gatewayChassis }`).
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSandbox } from "../sandbox";
import type { Connection, TlsArgs } from "../sdk";
import { nthAddress, type DemoExternal } from "./gateway";
import type { DemoEnvironment, DemoHost } from "./program";

/** The provider network name the demo maps to each host's outside bridge. */
export const PHYSNET = "physnet";

export function environmentFromConfig(config = new pulumi.Config()): DemoEnvironment {
  const sandbox = config.get("sandbox");
  if (sandbox) return sandboxEnvironment(sandbox);

  const tlsKey = config.getSecret("tlsPrivateKey");
  const tls: TlsArgs | undefined = tlsKey
    ? {
        privateKey: tlsKey,
        certificate: config.require("tlsCertificate"),
        caCert: config.require("tlsCaCert"),
      }
    : undefined;
  const conn = (remote: string): Connection =>
    remote.startsWith("ssl:") && tls ? { remote, tls } : { remote };
  const hosts = config.requireObject<{ name: string; remote: string; underlayIp: string }[]>("hosts");
  if (hosts.length !== 2) throw new Error(`config "hosts" must list exactly two hosts (got ${hosts.length})`);
  return {
    hosts: hosts.map((h): DemoHost => ({ name: h.name, host: conn(h.remote), underlayIp: h.underlayIp })) as [
      DemoHost,
      DemoHost,
    ],
    nb: conn(config.require("nbRemote")),
    sbRemote: config.require("sbRemote"),
    adoptChassis: config.getBoolean("adoptChassis") ?? false,
    datapathType: (config.get("datapathType") as "system" | "netdev" | undefined) ?? "system",
    external: config.getObject<DemoExternal>("external"),
  };
}

/** The sandbox's hosts and OVN central, as the demo program needs them. */
export function sandboxEnvironment(name: string): DemoEnvironment {
  const sb = loadSandbox(name);
  if (sb.hosts.length < 2 || !sb.central) {
    throw new Error(
      `sandbox "${name}" needs 2 hosts and OVN (npm run sandbox -- up --name ${name} --hosts 2 --ovn)`,
    );
  }
  return {
    hosts: sb.hosts
      .slice(0, 2)
      .map((h) => ({ name: h.name, host: { remote: h.remotes.unix }, underlayIp: h.underlayIp })) as [
      DemoHost,
      DemoHost,
    ],
    nb: { remote: sb.central.nbRemote.unix },
    sbRemote: sb.central.sbRemote.tcp,
    // The sandbox registers its chassis itself; the stack takes those keys over.
    adoptChassis: true,
    datapathType: "netdev",
    // The sandbox's outside network (started with external: true): the gateway on the first host.
    external: sb.external && {
      physnet: PHYSNET,
      providerBridge: sb.external.providerBridge,
      cidr: sb.external.cidr,
      nexthop: sb.external.ip,
      routerIp: nthAddress(sb.external.cidr, 2),
      gatewayChassis: [sb.hosts[0].name],
    },
  };
}
