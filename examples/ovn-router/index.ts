/**
 * `pulumi up` entry point. Stack config:
 *   nbRemote             the OVN northbound database (default: the local sandbox "default")
 *   attachmentAddresses  "mac" (the field report's form, default) or "router"
 *   waitForChassis       true to return only once every chassis applied the change
 */
import * as pulumi from "@pulumi/pulumi";
import { ovnRouter } from "./program";

const config = new pulumi.Config();
const out = ovnRouter({
  nb: { remote: config.get("nbRemote") ?? "unix:/tmp/pulumi-ovs-sandbox/default/central/nb.sock" },
  attachmentAddresses: config.get("attachmentAddresses") === "router" ? "router" : "mac",
  waitForChassis: config.getBoolean("waitForChassis") ?? false,
});

export const topology = out;
