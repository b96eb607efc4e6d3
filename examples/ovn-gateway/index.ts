/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 3 --ovn --external`):
 *   nbRemote                              the OVN northbound database
 *   host1Remote, host2Remote, host3Remote the hosts' Open_vSwitch databases
 */
import * as pulumi from "@pulumi/pulumi";
import { ovnGateway } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const out = ovnGateway({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  hosts: [1, 2, 3].map((k) => ({ remote: config.get(`host${k}Remote`) ?? `unix:${dir}/h${k}/db.sock` })),
});

export const router = out.router;
export const gatewayPort = out.gatewayPort;
export const snatIp = out.snatIp;
export const floatingIp = out.floatingIp;
