/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default" with 2 hosts):
 *   nbRemote                 the OVN northbound database
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 *   gatewayChassis           chassis of the tenants' gateway ports (default h1)
 */
import * as pulumi from "@pulumi/pulumi";
import { ovnMultitenant, DEFAULT_TENANTS, EXTERNAL_NET } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
export const tenants = ovnMultitenant({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  hosts: [
    { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
    { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
  ],
  gatewayChassis: config.get("gatewayChassis") ?? "h1",
  tenants: DEFAULT_TENANTS,
  external: { host: 0, mac: "00:00:00:ee:00:01", ip: `${EXTERNAL_NET}.1` },
});
