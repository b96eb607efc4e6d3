/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 2 --ovn`):
 *   nbRemote                 the OVN northbound database
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 *   dscp                     the DSCP value of vm1's packets (default 46)
 *   rate, burst              vm3's limit in kbit/s and its burst in kbit (default 5000 and 500)
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_LIMIT, qos } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
export const out = qos({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  hosts: [
    { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
    { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
  ],
  dscp: config.getNumber("dscp"),
  limit: {
    rate: config.getNumber("rate") ?? DEFAULT_LIMIT.rate,
    burst: config.getNumber("burst") ?? DEFAULT_LIMIT.burst,
  },
});
