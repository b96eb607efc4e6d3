/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default" with 2 hosts):
 *   nbRemote                 the OVN northbound database
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 */
import * as pulumi from "@pulumi/pulumi";
import { ovnIpam, DEFAULT_IPAM } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const out = ovnIpam({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  hosts: [
    { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
    { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
  ],
  ...DEFAULT_IPAM,
});

/** `{ web1: { mac, ip }, … }`: configure each container's eth0 with these. */
export const addresses = out.addresses;
