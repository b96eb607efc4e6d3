/**
 * The root Pulumi program: the whole field report on the hosts named by the stack's config.
 * `npm run demo` deploys it to the local sandbox (stack `dev`); see Pulumi.prod.yaml for real hosts.
 */
import { fieldReportDemo } from "./demo/program";
import { environmentFromConfig } from "./demo/config";

const out = fieldReportDemo(environmentFromConfig());

export const bridges = out.vxlan;
export const flowCookies = out.flows.cookies;
export const chassis = out.ovn.chassis;
export const portsUp = out.ovn.up;
