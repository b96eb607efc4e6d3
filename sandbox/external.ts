/**
 * The sandbox's external network (`startSandbox({ external: true })`): a namespace standing for
 * the outside world, whose Linux bridge holds the external router/server address, joined to each
 * host by a veth whose host end is a port of the host's OVS provider bridge (`br-ex`). OVN reaches
 * it through a localnet port once a program maps a physical network to `br-ex`
 * (`ovn.ChassisConfig` `bridgeMappings`); the sandbox sets no bridge mappings itself.
 */
import { checkAbort, type Ctx } from "./context";
import { addVeth, ipIn, txOff } from "./netns";
import type { ExternalInfo, HostInfo, SandboxInfo } from "./state";

/** Device and address names of the external network (TEST-NET-3, RFC 5737). */
export const EXTERNAL = {
  /** Linux bridge in the external namespace. */
  bridge: "br-ext",
  /** OVS bridge each host gets for its external NIC. */
  providerBridge: "br-ex",
  /** The external NIC inside each host namespace (a port of br-ex). */
  nic: "ext0",
  cidr: "203.0.113.0/24",
  ip: "203.0.113.1",
  /**
   * The bridge's MAC, fixed: a Linux bridge otherwise takes the lowest MAC of its ports, which
   * changes as hosts join, and the gateways' ARP entries for `ip` would go stale.
   */
  mac: "02:00:cb:00:71:01",
  prefixLength: 24,
  mtu: 1500,
} as const;

export function planExternal(info: SandboxInfo): ExternalInfo {
  return {
    namespace: `${info.prefix}ext`,
    bridge: EXTERNAL.bridge,
    providerBridge: EXTERNAL.providerBridge,
    cidr: EXTERNAL.cidr,
    ip: EXTERNAL.ip,
  };
}

/** The Linux bridge of the external namespace, holding the external router/server address. */
export async function setupExternalBridge(ctx: Ctx, ext: ExternalInfo): Promise<void> {
  checkAbort(ctx);
  const ns = ext.namespace;
  const mtu = String(EXTERNAL.mtu);
  const link = [ext.bridge, "address", EXTERNAL.mac, "mtu", mtu, "type", "bridge"];
  await ipIn(ns, "creating the external bridge", "link", "add", ...link);
  const cidr = `${ext.ip}/${EXTERNAL.prefixLength}`;
  await ipIn(ns, "addressing the external bridge", "addr", "add", cidr, "dev", ext.bridge);
  await ipIn(ns, "bringing up the external bridge", "link", "set", ext.bridge, "up");
  await txOff(ns, ext.bridge);
}

/**
 * The host's external NIC: a veth from the host namespace (`ext0`, added to `br-ex` by the host's
 * initial configuration, see {@link providerBridgeTxn}) to the external bridge (peer named after
 * the host). Recorded in the state before it is created.
 */
export async function connectHostToExternal(ctx: Ctx, h: HostInfo, ext: ExternalInfo): Promise<void> {
  checkAbort(ctx);
  const nic = EXTERNAL.nic;
  ctx.info.veths.push({ namespace: h.namespace, name: nic, peerNamespace: ext.namespace, peer: h.name });
  ctx.save();
  await addVeth(h.namespace, nic, ext.namespace, h.name, EXTERNAL.mtu);
  const master = ["master", ext.bridge];
  await ipIn(
    ext.namespace,
    `attaching ${h.name} to the external bridge`,
    "link",
    "set",
    h.name,
    ...master,
    "up",
  );
  await ipIn(h.namespace, `bringing up ${h.namespace}/${nic}`, "link", "set", nic, "up");
  await Promise.all([txOff(h.namespace, nic), txOff(ext.namespace, h.name)]);
}

/** ovs-vsctl arguments (for the host's initial transaction) creating br-ex with ext0 as a port. */
export function providerBridgeTxn(): string[] {
  const br = EXTERNAL.providerBridge;
  return [
    ...["--", "add-br", br],
    ...["--", "set", "bridge", br, "datapath_type=netdev", "fail_mode=standalone"],
    ...["--", "set", "interface", br, `mtu_request=${EXTERNAL.mtu}`],
    ...["--", "add-port", br, EXTERNAL.nic],
  ];
}
