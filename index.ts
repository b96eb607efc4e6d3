/**
 * The root Pulumi program: the whole field report on the hosts named by the stack's config.
 * `npm run demo` deploys it to the local sandbox (stack `dev`); see Pulumi.prod.yaml for real hosts.
 */
import { demoOutputs, fieldReportDemo } from "./demo/program";
import { environmentFromConfig } from "./demo/config";

// Configuration only: runtime status (a switch port's `up`) would be stale as a stack output.
const out = demoOutputs(fieldReportDemo(environmentFromConfig()));

export const bridges = out.bridges;
export const flowCookies = out.flowCookies;
export const chassis = out.chassis;
