/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --ovn`):
 *   nbRemote    the OVN northbound database
 *   hostRemote  the host's Open_vSwitch database
 */
import * as pulumi from "@pulumi/pulumi";
import { dhcpDns } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const out = dhcpDns({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  host: { remote: config.get("hostRemote") ?? `unix:${dir}/h1/db.sock` },
});

export const dhcpOptions = out.dhcpOptions;
export const dnsRecords = out.dns;
