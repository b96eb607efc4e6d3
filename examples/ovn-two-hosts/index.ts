/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 2 --ovn`):
 *   nbRemote                 the OVN northbound database
 *   sbRemote                 the southbound database as the chassis reach it (required)
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 *   host1Ip, host2Ip         their tunnel endpoint addresses (required)
 *   adoptChassis             true to take over chassis settings already on the hosts
 */
import * as pulumi from "@pulumi/pulumi";
import { ovnTwoHosts, DEFAULT_VMS } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const out = ovnTwoHosts({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  sbRemote: config.require("sbRemote"),
  hosts: [
    {
      systemId: "h1",
      host: { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
      encapIp: config.require("host1Ip"),
    },
    {
      systemId: "h2",
      host: { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
      encapIp: config.require("host2Ip"),
    },
  ],
  vms: DEFAULT_VMS,
  adoptChassis: config.getBoolean("adoptChassis") ?? false,
});

export const chassis = out.chassis;
// Runtime status: as of the last create, update or refresh. Ports created by this `pulumi up` say
// false (a chassis binds them a moment later); the next operation refreshes first
// (Pulumi.yaml: refresh: always) and shows the current value.
export const portsUp = out.up;
