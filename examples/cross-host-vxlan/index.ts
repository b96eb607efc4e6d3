/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default" with 2 hosts):
 *   host1Remote, host2Remote   OVSDB remotes of the two hosts
 *   host1Ip, host2Ip           their underlay addresses
 */
import * as pulumi from "@pulumi/pulumi";
import { crossHostVxlan } from "./program";

const config = new pulumi.Config();
const out = crossHostVxlan([
  {
    host: { remote: config.get("host1Remote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/h1/db.sock" },
    bridge: "ovs0",
    underlayIp: config.require("host1Ip"),
    containers: [
      { name: "con6", port: "veth-con6", tag: 100 },
      { name: "con7", port: "veth-con7", tag: 200 },
    ],
  },
  {
    host: { remote: config.get("host2Remote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/h2/db.sock" },
    bridge: "ovs1",
    underlayIp: config.require("host2Ip"),
    containers: [{ name: "con9", port: "veth-con9", tag: 100 }],
  },
]);

export const bridges = out;
