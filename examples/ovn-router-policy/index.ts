/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 2 --ovn`):
 *   nbRemote                 the OVN northbound database
 *   sbRemote                 the OVN southbound database (each policy's match checked by OVN's parser)
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 *   blockAction              what policy `block` does: "drop" (default) or "allow"
 */
import * as pulumi from "@pulumi/pulumi";
import { routerPolicies } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const blockAction = config.get("blockAction") ?? "drop";
if (blockAction !== "drop" && blockAction !== "allow") {
  throw new Error(`blockAction: accepted "drop" or "allow", got ${JSON.stringify(blockAction)}`);
}
export const out = routerPolicies({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  sb: { remote: config.get("sbRemote") ?? `unix:${dir}/central/sb.sock` },
  hosts: [
    { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
    { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
  ],
  blockAction,
});
