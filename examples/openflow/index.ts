/**
 * `pulumi up` entry point. Stack config:
 *   remote     the host's OVSDB remote (default: the local sandbox's host h1)
 *   forward    add the in_port forwarding flows (default true)
 *   dropCon7   add the priority-2 drop on con7's port (default false)
 */
import * as pulumi from "@pulumi/pulumi";
import { openflowSingleHost } from "./program";

const config = new pulumi.Config();
const out = openflowSingleHost({
  host: { remote: config.get("remote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/h1/db.sock" },
  forward: config.getBoolean("forward") ?? true,
  dropCon7: config.getBoolean("dropCon7") ?? false,
});

export const bridge = out.bridge;
export const ofports = out.ofports;
export const cookies = out.cookies;
