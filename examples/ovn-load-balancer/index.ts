/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 2 --ovn`):
 *   nbRemote                 the OVN northbound database
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 *   healthCheck              "true" to add the health check (probes every 2 s, out after 2 failures)
 */
import * as pulumi from "@pulumi/pulumi";
import { loadBalancedService } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const out = loadBalancedService({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  hosts: [
    { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
    { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
  ],
  healthCheck: config.getBoolean("healthCheck")
    ? { interval: 2, timeout: 1, failureCount: 2, successCount: 1 }
    : undefined,
});

export const vip = out.vip;
export const loadBalancer = out.loadBalancer;
