/**
 * The demo's security policy on the OVN part of the field report: vm2 and vm4 are "web" servers in
 * a port group; the admin hosts (an address set holding vm1) may reach them on anything, everyone
 * may reach their service port (TCP 80, the backends of the load-balanced service in
 * `./service.ts`), and everything else that is IPv4 towards them is dropped. Replies to connections vm2 opens itself still pass (the allow rule
 * is stateful, so OVN tracks connections on the switch). The connectivity matrix
 * (`./topology.ts`) shows the allowed and the blocked rows.
 *
 * Matches are built from the name outputs, so Pulumi creates the set and the group before the
 * rules and deletes the rules first.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, type Connection } from "../sdk";
import { SERVICE, vmIp } from "./service";

/** Who may reach the web group (vm1), and who sits in it (the service's backends). */
export const SECURITY = { admins: ["vm1"], web: SERVICE.backends } as const;

/** The ACL rules of the policy, by resource name (also the rows' log names). */
export const RULES = {
  allow: "web-allow-admins",
  service: "web-allow-service",
  drop: "web-drop-other",
} as const;

export function demoSecurity(opts: { nb: Connection; ports: Record<string, pulumi.Input<string>> }) {
  const { nb } = opts;
  const admins = new ovn.AddressSet("demo-admins", {
    nb,
    name: "demo_admins",
    addresses: SECURITY.admins.map(vmIp),
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
  // The service's connections reach the backends with the backend's port: a to-lport ACL sees the
  // packet after the load balancer has translated the VIP.
  rule(
    RULES.service,
    1000,
    pulumi.interpolate`outport == @${web.name} && tcp.dst == ${SERVICE.port}`,
    "allow-related",
  );
  rule(RULES.drop, 900, pulumi.interpolate`outport == @${web.name} && ip4`, "drop");
  return { addressSet: admins.name, portGroup: web.name };
}
