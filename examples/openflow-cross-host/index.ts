/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default" with 2 hosts):
 *   host1Remote, host2Remote   OVSDB remotes of the two hosts (unix: remotes)
 *   host1Ip, host2Ip           their underlay addresses (required)
 */
import * as pulumi from "@pulumi/pulumi";
import { openflowCrossHost } from "./program";

const config = new pulumi.Config();
const out = openflowCrossHost([
  {
    host: { remote: config.get("host1Remote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/h1/db.sock" },
    bridge: "ovs0",
    underlayIp: config.require("host1Ip"),
    port: "veth-con6",
    priority: 4,
    failMode: "secure",
  },
  {
    host: { remote: config.get("host2Remote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/h2/db.sock" },
    bridge: "ovs1",
    underlayIp: config.require("host2Ip"),
    port: "veth-con9",
    priority: 1,
    failMode: "standalone",
  },
]);

export const host1 = out.host1;
export const host2 = out.host2;
