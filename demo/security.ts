/**
 * The demo's security policy on the OVN part of the field report: vm2 is a "web" server in a port
 * group, and only the admin hosts (an address set holding vm1) may reach it; everything else that
 * is IPv4 towards it is dropped. Replies to connections vm2 opens itself still pass (the allow rule
 * is stateful, so OVN tracks connections on the switch). The connectivity matrix
 * (`./topology.ts`) shows the allowed and the blocked rows.
 *
 * Matches are built from the name outputs, so Pulumi creates the set and the group before the
 * rules and deletes the rules first.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, type Connection } from "../sdk";
import { DEFAULT_VMS } from "../examples/ovn-two-hosts/program";

/** Who may reach the web group (vm1), and who sits in it (vm2). */
export const SECURITY = { admins: ["vm1"], web: ["vm2"] } as const;

const ipOf = (vm: string) => DEFAULT_VMS.find((v) => v.name === vm)!.ip;

/** The ACL rules of the policy, by resource name (also the rows' log names). */
export const RULES = { allow: "web-allow-admins", drop: "web-drop-other" } as const;

export function demoSecurity(opts: { nb: Connection; ports: Record<string, pulumi.Input<string>> }) {
  const { nb } = opts;
  const admins = new ovn.AddressSet("demo-admins", {
    nb,
    name: "demo_admins",
    addresses: SECURITY.admins.map(ipOf),
  });
  const web = new ovn.PortGroup("demo-web", {
    nb,
    name: "demo_web",
    ports: SECURITY.web.map((vm) => opts.ports[vm]),
  });
  const rule = (
    name: string,
    priority: number,
    match: pulumi.Input<string>,
    action: "allow-related" | "drop",
  ) => new ovn.Acl(name, { nb, portGroup: web.name, direction: "to-lport", priority, match, action, name });
  rule(
    RULES.allow,
    1000,
    pulumi.interpolate`outport == @${web.name} && ip4.src == $${admins.name}`,
    "allow-related",
  );
  rule(RULES.drop, 900, pulumi.interpolate`outport == @${web.name} && ip4`, "drop");
  return { addressSet: admins.name, portGroup: web.name };
}
