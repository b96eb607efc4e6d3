/**
 * `pulumi up` entry point. Stack config:
 *   remote   the host's OVSDB remote (default: the local sandbox's host h1)
 *   con7Tag  VLAN tag of con7 (default 200; set 100 to let con8 reach it)
 */
import * as pulumi from "@pulumi/pulumi";
import { singleHostVlan, REPORT_CONTAINERS } from "./program";

const config = new pulumi.Config();
const remote = config.get("remote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/h1/db.sock";
const con7Tag = config.getNumber("con7Tag") ?? 200;

const out = singleHostVlan({
  host: { remote },
  containers: REPORT_CONTAINERS.map((c) => (c.name === "con7" ? { ...c, tag: con7Tag } : c)),
});

export const bridge = out.bridge;
export const ofports = out.ofports;
