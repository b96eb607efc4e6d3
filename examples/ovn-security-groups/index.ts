/**
 * `pulumi up` entry point. Stack config (defaults: the local sandbox "default", started with
 * `npm run sandbox -- up --name default --hosts 2 --ovn`):
 *   nbRemote                 the OVN northbound database
 *   host1Remote, host2Remote the hosts' Open_vSwitch databases
 *   adminDbAction            "allow-related" (default) or "drop": the admins' SSH rule to the db tier
 */
import * as pulumi from "@pulumi/pulumi";
import { securityGroups, VMS } from "./program";

const config = new pulumi.Config();
const dir = "/tmp/pulumi-ovs-sandbox/default";
const out = securityGroups({
  nb: { remote: config.get("nbRemote") ?? `unix:${dir}/central/nb.sock` },
  hosts: [
    { remote: config.get("host1Remote") ?? `unix:${dir}/h1/db.sock` },
    { remote: config.get("host2Remote") ?? `unix:${dir}/h2/db.sock` },
  ],
  admins: [VMS.find((v) => v.name === "admin")!.ip],
  adminDbAction: config.get("adminDbAction") === "drop" ? "drop" : "allow-related",
});

export const groups = { web: out.web, db: out.db };
