#!/usr/bin/env node
/**
 * Command line for the sandbox: `node dist/sandbox/cli.js up|down|status|list|container|exec …`
 * (or `npm run sandbox -- …`). Run `… help` for usage.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { formatTable } from "../bench/table";
import { SandboxError, execInNs } from "./exec";
import {
  addContainer,
  loadSandbox,
  removeContainer,
  requireRoot,
  sandboxStatus,
  startSandbox,
  stopSandbox,
} from ".";
import { registryEntries } from "./state";

const USAGE = `usage: sandbox <command> [options]

  up        [--name N] [--hosts N] [--ovn|--no-ovn] [--encap geneve|vxlan] [--mtu N] [--external]
            [--dir PATH] [--quiet]
            start a sandbox (reused if it already runs healthy with the same options); prints its state JSON;
            --external adds the outside network (namespace sbx-N.ext, 203.0.113.1/24) on each host's br-ex
  down      [--name N]                 stop it and remove its daemons, namespaces, veths and directory
  status    [--name N] [--json]        is every daemon alive (exit 0 healthy, 1 not)
  list                                 sandboxes known on this machine
  container add NAME --host hK [--ip CIDR] [--mac MAC] [--gateway IP] [--mtu N] [--port-name P]
                [--attach [--bridge BR] [--iface-id ID]] [--name N]
  container del NAME [--detach] [--name N]
  exec      [--name N] TARGET -- COMMAND…   run COMMAND in host hK, "net", "ext" or container TARGET's namespace

  --name defaults to "default"; the directory to $PULUMI_OVS_SANDBOX_DIR/NAME or /tmp/pulumi-ovs-sandbox/NAME.
  Needs root.`;

/** Every option of every command; {@link allowOnly} says which apply to which command. */
const OPTIONS = {
  name: { type: "string" },
  hosts: { type: "string" },
  ovn: { type: "boolean" },
  encap: { type: "string" },
  mtu: { type: "string" },
  external: { type: "boolean" },
  dir: { type: "string" },
  quiet: { type: "boolean" },
  json: { type: "boolean" },
  host: { type: "string" },
  ip: { type: "string" },
  mac: { type: "string" },
  gateway: { type: "string" },
  "port-name": { type: "string" },
  attach: { type: "boolean" },
  bridge: { type: "string" },
  "iface-id": { type: "string" },
  detach: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

interface Parsed {
  positional: string[];
  flags: Record<string, string | boolean | undefined>;
  /** What follows `--`, passed through unparsed. */
  rest: string[];
}

/** `--flag value`, `--flag=value`, `--bool`, `--no-bool`, and `--` (the rest is passed through). */
function parse(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
      allowNegative: true,
      tokens: true,
    });
  } catch (e) {
    throw new SandboxError(`${(e as Error).message}\n\n${USAGE}`);
  }
  const end = parsed.tokens.find((t) => t.kind === "option-terminator")?.index ?? argv.length;
  const positional = parsed.tokens.flatMap((t) =>
    t.kind === "positional" && t.index < end ? [t.value] : [],
  );
  return { positional, flags: parsed.values, rest: argv.slice(end + 1) };
}

const int = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform((s) => Number(s));

const upSchema = z.object({
  name: z.string().optional(),
  hosts: int("--hosts").optional(),
  ovn: z.boolean().optional(),
  encap: z.enum(["geneve", "vxlan"], { error: "--encap must be geneve or vxlan" }).optional(),
  mtu: int("--mtu").optional(),
  external: z.boolean().optional(),
  dir: z.string().optional(),
  quiet: z.boolean().optional(),
});

const containerSchema = z.object({
  name: z.string().optional(),
  host: z.string({ error: "container add needs --host hK" }),
  ip: z.string().optional(),
  mac: z.string().optional(),
  gateway: z.string().optional(),
  mtu: int("--mtu").optional(),
  "port-name": z.string().optional(),
  attach: z.boolean().optional(),
  bridge: z.string().optional(),
  "iface-id": z.string().optional(),
});

function allowOnly(p: Parsed, cmd: string, allowed: string[]): void {
  for (const k of Object.keys(p.flags)) {
    if (!allowed.includes(k)) throw new SandboxError(`option --${k} does not apply to ${cmd}\n\n${USAGE}`);
  }
}

function validate<T>(schema: z.ZodType<T>, flags: Parsed["flags"]): T {
  const r = schema.safeParse(flags);
  if (!r.success) throw new SandboxError(r.error.issues.map((i) => i.message).join("; "));
  return r.data;
}

const sandboxName = (p: Parsed): string => (typeof p.flags.name === "string" ? p.flags.name : "default");
const print = (v: unknown): void => void process.stdout.write(JSON.stringify(v, null, 2) + "\n");

async function main(argv: string[]): Promise<number> {
  const p = parse(argv);
  const cmd = p.positional.shift();
  if (!cmd || cmd === "help" || p.flags.help) {
    process.stdout.write(USAGE + "\n");
    return cmd || p.flags.help ? 0 : 2;
  }
  switch (cmd) {
    case "up": {
      allowOnly(p, cmd, Object.keys(upSchema.shape));
      const o = validate(upSchema, p.flags);
      requireRoot();
      const t0 = Date.now();
      const info = await startSandbox({
        name: o.name,
        hosts: o.hosts,
        ovn: o.ovn,
        encap: o.encap,
        underlayMtu: o.mtu,
        external: o.external,
        baseDir: o.dir,
        log: o.quiet ? undefined : (m) => process.stderr.write(m + "\n"),
      });
      print(info);
      if (!o.quiet) process.stderr.write(`up: ${Date.now() - t0} ms; state file ${info.stateFile}\n`);
      return 0;
    }
    case "down": {
      allowOnly(p, cmd, ["name"]);
      requireRoot();
      const t0 = Date.now();
      const r = await stopSandbox(sandboxName(p));
      process.stderr.write(
        `down ${r.name}: stopped ${r.stopped.length} daemons, deleted ${r.namespacesDeleted.length} namespaces, ` +
          `${r.dirRemoved ? "removed" : "no"} directory ${r.dir} (${Date.now() - t0} ms)\n`,
      );
      return 0;
    }
    case "status": {
      allowOnly(p, cmd, ["name", "json"]);
      const s = sandboxStatus(sandboxName(p));
      if (p.flags.json) {
        print(s);
      } else if (!s.exists) {
        process.stdout.write(`sandbox ${s.name}: not running (no state in ${s.dir})\n`);
      } else {
        process.stdout.write(
          `sandbox ${s.name}: ${s.phase}, ${s.healthy ? "healthy" : "UNHEALTHY"} (${s.dir})\n`,
        );
        const daemons = s.daemons.map((d) => [
          d.owner,
          d.role,
          String(d.pid ?? "-"),
          d.alive ? "alive" : "DEAD",
          d.logfile,
        ]);
        process.stdout.write(formatTable(["host", "role", "pid", "state", "log"], daemons) + "\n");
        const namespaces = s.namespaces.map((n) => [n.name, n.exists ? "present" : "MISSING"]);
        process.stdout.write(formatTable(["namespace", "state"], namespaces) + "\n");
      }
      return s.healthy ? 0 : 1;
    }
    case "list": {
      allowOnly(p, cmd, ["json"]);
      const rows = registryEntries().map((e) => {
        const s = sandboxStatus(e.name);
        return {
          name: e.name,
          dir: e.dir,
          subnet: `10.200.${e.index}.0/24`,
          phase: s.phase,
          healthy: s.healthy,
        };
      });
      if (p.flags.json) print(rows);
      else {
        const body = rows.map((r) => [
          r.name,
          r.subnet,
          r.phase ?? "gone",
          r.healthy ? "healthy" : "unhealthy",
          r.dir,
        ]);
        process.stdout.write(formatTable(["name", "subnet", "phase", "health", "dir"], body) + "\n");
      }
      return 0;
    }
    case "container": {
      const sub = p.positional.shift();
      const cname = p.positional.shift();
      if ((sub !== "add" && sub !== "del") || !cname || p.positional.length > 0) {
        throw new SandboxError(`usage: container add|del NAME …\n\n${USAGE}`);
      }
      requireRoot();
      const info = loadSandbox(sandboxName(p));
      if (sub === "add") {
        allowOnly(p, "container add", Object.keys(containerSchema.shape));
        const o = validate(containerSchema, p.flags);
        const c = await addContainer(info, {
          name: cname,
          host: o.host,
          ip: o.ip,
          mac: o.mac,
          gateway: o.gateway,
          mtu: o.mtu,
          portName: o["port-name"],
          attach: o.attach,
          bridge: o.bridge,
          ifaceId: o["iface-id"],
        });
        print(c);
      } else {
        allowOnly(p, "container del", ["name", "detach"]);
        await removeContainer(info, cname, {
          detach: p.flags.detach === undefined ? undefined : !!p.flags.detach,
        });
      }
      return 0;
    }
    case "exec": {
      allowOnly(p, cmd, ["name"]);
      const target = p.positional.shift();
      if (!target || p.rest.length === 0) throw new SandboxError("usage: exec [--name N] TARGET -- COMMAND…");
      requireRoot();
      const info = loadSandbox(sandboxName(p));
      const ns =
        target === "net"
          ? info.underlay.netns
          : target === "ext"
            ? info.external?.namespace
            : (info.hosts.find((h) => h.name === target)?.namespace ??
              info.containers.find((c) => c.name === target)?.namespace);
      if (!ns)
        throw new SandboxError(`no host, container or external network ${target} in sandbox ${info.name}`);
      const r = await execInNs(ns, p.rest, { inherit: true });
      if (r.code === -1) throw new SandboxError(`exec: ${r.stderr.trim()}`);
      return r.code;
    }
    default:
      throw new SandboxError(`unknown command ${cmd}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg =
      err instanceof SandboxError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    process.stderr.write(`sandbox: ${msg}\n`);
    process.exitCode = 1;
  },
);
