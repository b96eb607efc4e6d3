/**
 * `npm run demo`: start the local sandbox (two hosts with OVS and ovn-controller, an OVN central),
 * create the field report's containers, deploy the root program to the `dev` stack with the real
 * Pulumi engine, and print who reaches whom. `npm run demo -- down` removes all of it.
 *
 * The state lives in `.pulumi-state/` (local file backend, passphrase "pulumi-ovs-demo").
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as auto from "@pulumi/pulumi/automation";
import { formatTable } from "../bench/table";
import { loadSandbox, startSandbox, stopSandbox } from "../sandbox";
import { pulumiEnv, REPO_ROOT } from "../test/e2e/harness/cli";
import { demoOutputs, fieldReportDemo } from "./program";
import { currentStatus, formatStatus } from "./status";
import { environmentFromConfig } from "./config";
import {
  createDemoContainers,
  MATRIX_HEADER,
  matrixRows,
  outsideOf,
  runChecks,
  runOutsideChecks,
  runServiceChecks,
} from "./topology";
import { SERVICE, startListeners, stopListeners, VIP } from "./service";

const SANDBOX = "demo";
const STACK = "dev";
const STATE_DIR = path.join(REPO_ROOT, ".pulumi-state");
const PASSPHRASE = "pulumi-ovs-demo";

const t0 = Date.now();
function step(msg: string): void {
  process.stderr.write(`\x1b[1m[demo ${((Date.now() - t0) / 1000).toFixed(1)}s]\x1b[0m ${msg}\n`);
}

async function workspaceStack(): Promise<auto.Stack> {
  const env = await pulumiEnv({
    backendDir: STATE_DIR,
    pulumiHome: path.join(STATE_DIR, "home"),
    passphrase: PASSPHRASE,
  });
  return auto.LocalWorkspace.createOrSelectStack(
    {
      stackName: STACK,
      projectName: "pulumi-ovs-demo",
      program: async () => demoOutputs(fieldReportDemo(environmentFromConfig())),
    },
    {
      workDir: REPO_ROOT,
      envVars: env.env,
      pulumiCommand: await auto.PulumiCommand.get({ root: path.dirname(env.cliDir) }),
    },
  );
}

function printTable(header: string[], rows: string[][]): void {
  console.log(formatTable(header, rows));
}

async function up(): Promise<void> {
  step(`starting sandbox "${SANDBOX}" (2 hosts, OVN central, an outside network)...`);
  const sb = await startSandbox({
    name: SANDBOX,
    hosts: 2,
    ovn: true,
    external: true,
    log: (m) => step(`  ${m}`),
  });
  step("creating containers (network namespaces with veths)...");
  const cs = await createDemoContainers(sb);
  step(`pulumi up, stack "${STACK}" (state in ${path.relative(process.cwd(), STATE_DIR) || STATE_DIR})...`);
  const stack = await workspaceStack();
  const res = await stack.up({ color: "always", onOutput: (s) => process.stdout.write(s) });
  step(`deployed: ${JSON.stringify(res.summary.resourceChanges)}`);
  const listeners = await startListeners(sb, cs);
  step(
    `listeners of service "${SERVICE.name}" (answer with their name): ` +
      Object.entries(listeners)
        .map(([vm, pid]) => `${vm} pid ${pid}`)
        .join(", "),
  );
  step(
    "connectivity (ping inside the containers; TCP connections to the service's VIP and to a server " +
      "outside that answers with the address it saw):",
  );
  const results = await runChecks(cs);
  const service = await runServiceChecks(cs);
  const target = outsideOf(sb);
  const outside = target && { results: await runOutsideChecks(cs, target), target };
  printTable(MATRIX_HEADER, matrixRows(results, service, outside));
  // Runtime status (a switch port's `up`, a port's `ofport`) is as fresh as the last create, update
  // or refresh: the ports this `up` created were not bound yet when it read them. Read them now.
  step("runtime status, read now (pulumi refresh):");
  printTable(
    ["resource", "kind", "status"],
    (await currentStatus(stack)).map((r) => [r.name, r.kind, formatStatus(r.status)]),
  );
  const ok = [...results, ...service, ...(outside?.results ?? [])].every((r) => r.ok);
  const h1 = sb.hosts[0];
  const nb = sb.central!.nbRemote.unix;
  console.log(`
Look around:
  ovs-vsctl --db=${h1.remotes.unix} show
  ovs-ofctl dump-flows unix:${sb.hosts[1].runDir}/of0.mgmt
  ovn-nbctl --db=${nb} show
  ovn-nbctl --db=${nb} acl-list demo_web
  ovn-nbctl --db=${nb} lb-list
  npm run sandbox -- exec --name demo vm3 -- bash -c 'cat < /dev/tcp/${VIP.replace(":", "/")}; echo'
  ovn-trace --db=${sb.central!.sbRemote.unix} --minimal sw0 'inport == "vm1" && eth.src == 00:00:00:aa:00:01 && ip4.src == 192.168.0.2 && eth.dst == 00:00:00:00:ff:01 && ip4.dst == 11.0.0.2 && ip.ttl == 64'
  npm run sandbox -- exec --name demo vm1 -- ping -c2 11.0.0.2
  ovn-nbctl --db=${nb} lr-nat-list lr0
  npm run sandbox -- exec --name demo vm3 -- ping -c2 ${target?.ip ?? "203.0.113.1"}
  npm run sandbox -- exec --name demo ext -- tcpdump -ni br-ext icmp    # the outside sees ${target?.snatIp ?? "the SNAT address"}
Change the program and preview:   npm run demo -- preview
Tear everything down:             npm run demo -- down
`);
  if (!ok) {
    step("some pairs did not behave as expected (see the table); tear down with: npm run demo -- down");
    process.exitCode = 1;
  }
}

async function preview(): Promise<void> {
  const stack = await workspaceStack();
  await stack.preview({ diff: true, color: "always", onOutput: (s) => process.stdout.write(s) });
}

async function down(): Promise<void> {
  try {
    const stopped = await stopListeners(loadSandbox(SANDBOX));
    if (stopped.length > 0) step(`stopped the service's listeners (pids ${stopped.join(", ")})`);
  } catch (e) {
    step(`no listeners stopped (${(e as Error).message.split("\n")[0]})`);
  }
  try {
    step(`pulumi destroy, stack "${STACK}"...`);
    const stack = await workspaceStack();
    await stack.destroy({ color: "always", onOutput: (s) => process.stdout.write(s) });
    // The stack itself stays (removing it would also delete Pulumi.dev.yaml from the work tree).
  } catch (e) {
    step(
      `destroy failed or nothing to destroy (${(e as Error).message.split("\n")[0]}); removing the sandbox anyway`,
    );
  }
  step(`stopping sandbox "${SANDBOX}"...`);
  await stopSandbox(SANDBOX);
  step("done");
}

const actions: Record<string, () => Promise<void>> = { up, preview, down };
/** The one positional argument (default `up`); undefined for anything else. */
function command(): string | undefined {
  try {
    const { positionals } = parseArgs({ allowPositionals: true });
    return positionals.length <= 1 ? (positionals[0] ?? "up") : undefined;
  } catch {
    return undefined; // an option: the demo takes none
  }
}
const cmd = command();
if (cmd === undefined || !Object.hasOwn(actions, cmd)) {
  console.error(`usage: npm run demo [-- up|preview|down]`);
  process.exit(2);
}
actions[cmd]().catch((e) => {
  step(`FAILED: ${(e as Error).message}`);
  step(`clean up with: npm run demo -- down`);
  process.exit(1);
});
