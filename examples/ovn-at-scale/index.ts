/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 1 --ovn`):
 *   nbRemote            the OVN northbound database
 *   tenants             number of tenants (default 4)
 *   switchesPerTenant   logical switches per tenant (default 5)
 *   portsPerSwitch      ports per switch (default 50): 4 × 5 × 50 = 1,000 ports in 72 resources
 */
import * as pulumi from "@pulumi/pulumi";
import { atScale } from "./program";

const config = new pulumi.Config();
export const tenants = atScale({
  nb: { remote: config.get("nbRemote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/central/nb.sock" },
  tenants: config.getNumber("tenants") ?? 4,
  switchesPerTenant: config.getNumber("switchesPerTenant") ?? 5,
  portsPerSwitch: config.getNumber("portsPerSwitch") ?? 50,
});
