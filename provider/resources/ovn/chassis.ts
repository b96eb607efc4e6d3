/**
 * ovn.ChassisConfig: the OVN settings of one hypervisor, kept as keys of its Open_vSwitch row's
 * external_ids (`ovs-vsctl set open . external-ids:ovn-remote=… ovn-encap-type=… ovn-encap-ip=…`).
 *
 * The root row is shared with every other tool, so this resource owns only the keys it sets
 * (a settings spec: see `SettingsSpec`), recorded by its own marker pair; keys that someone else
 * already set are taken over only with `adopt: true`. Declared only: the lifecycle comes from
 * `provider/engine`.
 */
import { z } from "zod";
import { mapArg, type TableSpec } from "../../engine/spec";
import { tableKind } from "../../engine/table";
import { deviceName } from "../common";
import { openVswitch } from "../ovs/database";
import { ENCAP_TYPES, encapTypes, formatBridgeMappings, parseBridgeMappings } from "./validation";
import { asSet, identifier, ip, remoteList } from "../values";

/** external_ids key of the Open_vSwitch row naming the resource that manages the OVN keys. */
export const CHASSIS_OWNER_KEY = "pulumi-ovs-chassis-owner";
/** external_ids key of the Open_vSwitch row holding the token of the resource instance (see holdsRow). */
export const CHASSIS_INSTANCE_KEY = "pulumi-ovs-chassis-instance";

const physnet = z
  .string()
  .min(1, "physical network name must not be empty")
  .refine((s) => !/[\s,:]/.test(s), {
    message: 'physical network names must not contain ",", ":" or spaces',
  });

const mappingsObject = z.record(physnet, deviceName("bridge of a bridge mapping"));

const encapType = z
  .union([z.string(), z.array(z.string())], {
    error:
      'encapType: accepted a type or a list of types: "geneve", "vxlan", "stt" (e.g. ["geneve", "vxlan"])',
  })
  .superRefine((v, ctx) => {
    const types = encapTypes(v);
    if (types.length === 0)
      ctx.addIssue({ code: "custom", message: "encapType must name at least one type" });
    for (const t of types) {
      if (!(ENCAP_TYPES as readonly string[]).includes(t)) {
        ctx.addIssue({
          code: "custom",
          message: `encapType: unknown encapsulation ${JSON.stringify(t)}; accepted: ${ENCAP_TYPES.join(", ")}`,
        });
      }
    }
  })
  .transform((v) => asSet(encapTypes(v)).join(","));

const bridgeMappings = z
  .union([mappingsObject, z.string()], {
    error: 'bridgeMappings: accepted { physnet1: "br-eth0" } or "physnet1:br-eth0,physnet2:br-eth1"',
  })
  .superRefine((v, ctx) => {
    if (typeof v !== "string") return;
    for (const item of v.split(",")) {
      const [net, br, extra] = item.split(":").map((x) => x.trim());
      if (extra !== undefined || !net || !br || !physnet.safeParse(net).success) {
        ctx.addIssue({
          code: "custom",
          message: `bridgeMappings: ${JSON.stringify(item)} is not PHYSNET:BRIDGE; accepted e.g. "physnet1:br-eth0,physnet2:br-eth1"`,
        });
      }
    }
  })
  .transform((v) => (typeof v === "string" ? parseBridgeMappings(v) : v))
  .pipe(mappingsObject);

/** One key of the Open_vSwitch row's external_ids. */
const key = (k: string) => ({ column: "external_ids", key: k });

export const chassisSpec: TableSpec = {
  type: "ovn:ChassisConfig",
  doc:
    "The OVN settings of one hypervisor (`ovs-vsctl set open . external-ids:ovn-remote=… " +
    "external-ids:ovn-encap-type=… external-ids:ovn-encap-ip=…`). The resource owns only the keys it " +
    "sets: keys written by ovn-controller or other tools survive update and destroy. Keys someone " +
    "else already set are taken over only with `adopt: true` (destroy then removes them).",
  // The host's database, with the SDK base interface imported from the ovs namespace.
  db: { ...openVswitch, sdkBase: { ...openVswitch.sdkBase, from: "../ovs/common" } },
  table: "Open_vSwitch",
  noun: "the host's OVN settings",
  settings: {
    marker: { owner: CHASSIS_OWNER_KEY, instance: CHASSIS_INSTANCE_KEY },
    sdk: "initialise the database first (ovs-vsctl init)",
  },
  args: {
    systemId: {
      schema: identifier("systemId", { forbid: "," }).optional(),
      type: "string",
      doc: "`external_ids:system-id`: the chassis name in the southbound database, e.g. `host1` (no spaces or commas).",
      storage: key("system-id"),
    },
    ovnRemote: {
      schema: remoteList(
        "ovnRemote",
        "the southbound database as tcp:IP:6642, ssl:IP:6642 or unix:PATH (comma-separated for a cluster)",
      ).optional(),
      type: "string",
      doc:
        "`external_ids:ovn-remote`: the OVN southbound database as ovn-controller reaches it, e.g. " +
        "`tcp:10.0.0.1:6642` (comma-separated for a clustered database). Written in canonical form: " +
        "no spaces around commas, IPv6 in brackets, compressed, lower case.",
      storage: key("ovn-remote"),
    },
    encapType: {
      schema: encapType.optional(),
      type: "string | string[]",
      outputType: "string",
      doc:
        "`external_ids:ovn-encap-type`: tunnel type(s) other chassis use to reach this one: `geneve`, " +
        '`vxlan`, `stt`, or several (`["geneve", "vxlan"]` or `"geneve,vxlan"`, stored comma-separated, ' +
        "sorted: a set).",
      storage: key("ovn-encap-type"),
    },
    encapIp: {
      schema: ip("encapIp").optional(),
      type: "string",
      doc:
        "`external_ids:ovn-encap-ip`: this host's tunnel endpoint (underlay) IP, e.g. `172.29.101.123` " +
        "(IPv6 written compressed, lower case).",
      storage: key("ovn-encap-ip"),
    },
    bridgeMappings: {
      schema: bridgeMappings.optional(),
      type: "Record<string, string> | string",
      outputType: "Record<string, string>",
      doc:
        "`external_ids:ovn-bridge-mappings`: physical network name → local OVS bridge, e.g. " +
        '`{ physnet1: "br-eth0" }` (or the string form `physnet1:br-eth0,physnet2:br-eth1`).',
      storage: key("ovn-bridge-mappings"),
      encode: formatBridgeMappings,
      decode: parseBridgeMappings,
    },
    bridgeDatapathType: {
      schema: z
        .enum(["system", "netdev"], {
          error: 'bridgeDatapathType: accepted "system" (kernel) or "netdev" (userspace) for br-int',
        })
        .optional(),
      type: '"system" | "netdev"',
      outputType: "string",
      doc:
        "`external_ids:ovn-bridge-datapath-type`: datapath of the br-int ovn-controller creates: " +
        "`netdev` (userspace, where no kernel module is loaded) or `system`.",
      storage: key("ovn-bridge-datapath-type"),
    },
    externalIds: {
      ...mapArg("external_ids"),
      doc:
        "Further keys of the Open_vSwitch row's `external_ids` this resource sets and owns, with their " +
        'OVSDB names, e.g. `{ "ovn-cms-options": "enable-chassis-as-gw", "ovn-remote-probe-interval": "60000" }`.',
    },
  },
};

export const chassisKind = tableKind(chassisSpec);
