/**
 * ovn.NorthboundConnection / ovn.SouthboundConnection against ovsdb-servers that take their
 * remotes from the database (`--remote=db:OVN_Northbound,NB_Global,connections`, as ovn-ctl runs
 * them): the resource's target really starts listening, and stops when it is deleted.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { promisify } from "node:util";
import { ResourceError } from "../../../provider/errors";
import { SCHEMAS, freePort, makeTempDir } from "../../../sandbox/ovsdb-server";
import { createVia, provider, updateVia } from "./ovn-fixtures";

jest.setTimeout(60_000);
const execFileP = promisify(execFile);

interface DbServer {
  dir: string;
  unix: string;
  proc: ChildProcess;
  tool(cmd: string, args: string[]): Promise<string>;
}

async function startDbRemoteServer(schema: "nb" | "sb"): Promise<DbServer> {
  const dir = makeTempDir(`conn${schema}`);
  const db = path.join(dir, "db");
  const sock = path.join(dir, "sock");
  await execFileP("ovsdb-tool", ["create", db, SCHEMAS[schema]]);
  const [name, global] = schema === "nb" ? ["OVN_Northbound", "NB_Global"] : ["OVN_Southbound", "SB_Global"];
  const proc = spawn(
    "ovsdb-server",
    [
      db,
      `--remote=punix:${sock}`,
      `--remote=db:${name},${global},connections`,
      `--unixctl=${dir}/ctl`,
      "-vconsole:off",
      `--log-file=${dir}/log`,
    ],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(sock)) {
    if (Date.now() > deadline) throw new Error("ovsdb-server did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    dir,
    unix: `unix:${sock}`,
    proc,
    tool: async (cmd, args) => (await execFileP(cmd, [`--db=unix:${sock}`, ...args])).stdout,
  };
}

async function stop(s: DbServer | undefined): Promise<void> {
  if (!s) return;
  if (s.proc.exitCode === null && s.proc.signalCode === null) {
    const exited = new Promise((r) => s.proc.once("exit", r));
    s.proc.kill("SIGTERM");
    await exited;
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

async function eventually(cond: () => Promise<boolean>, want: boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await cond()) !== want) {
    if (Date.now() > deadline) throw new Error(`condition did not become ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let nbServer: DbServer;
let sbServer: DbServer;

beforeAll(async () => {
  nbServer = await startDbRemoteServer("nb");
  sbServer = await startDbRemoteServer("sb");
});
afterAll(async () => {
  await provider.closeAll();
  await stop(nbServer);
  await stop(sbServer);
});

it("NorthboundConnection: ptcp target with inactivity probe listens; update and delete", async () => {
  const port = await freePort();
  const target = `ptcp:${port}:127.0.0.1`;
  const inputs = { nb: { remote: nbServer.unix }, target, inactivityProbe: 60000, owner: "p/s/nbconn" };
  // The database has no NB_Global row yet (no ovn-northd): the resource creates it.
  const { id, outs } = await createVia("ovn:NorthboundConnection", inputs);
  expect((await nbServer.tool("ovn-nbctl", ["get-connection"])).trim()).toBe(target);
  expect((await nbServer.tool("ovn-nbctl", ["get", "connection", id, "inactivity_probe"])).trim()).toBe(
    "60000",
  );
  await eventually(() => canConnect(port), true);

  const { diff, outs: o2 } = await updateVia("ovn:NorthboundConnection", id, outs, {
    ...inputs,
    inactivityProbe: 30000,
  });
  expect(diff.replaces).toEqual([]);
  expect((await nbServer.tool("ovn-nbctl", ["get", "connection", id, "inactivity_probe"])).trim()).toBe(
    "30000",
  );

  const r = await provider.handler("ovn:NorthboundConnection").read(id, o2);
  expect(r.inputs).toMatchObject({ target, inactivityProbe: 30000 });

  await provider.handler("ovn:NorthboundConnection").delete(id, o2);
  expect((await nbServer.tool("ovn-nbctl", ["get-connection"])).trim()).toBe("");
  await eventually(() => canConnect(port), false);
});

it("SouthboundConnection: keeps other connections, refuses an unmanaged target without adopt", async () => {
  const sb = { remote: sbServer.unix };
  await sbServer.tool("ovn-sbctl", ["set-connection", "ptcp:1:127.0.0.1"]);
  const port = await freePort();
  const { id, outs } = await createVia("ovn:SouthboundConnection", {
    sb,
    target: `ptcp:${port}:127.0.0.1`,
    inactivityProbe: 60000,
    owner: "p/s/sbconn",
  });
  expect((await sbServer.tool("ovn-sbctl", ["get-connection"])).trim().split("\n").sort()).toEqual(
    [`read-write role="" ptcp:${port}:127.0.0.1`, 'read-write role="" ptcp:1:127.0.0.1'].sort(),
  );
  await eventually(() => canConnect(port), true);

  const e = (await createVia("ovn:SouthboundConnection", {
    sb,
    target: "ptcp:1:127.0.0.1",
    owner: "p/s/x",
  }).catch((x: unknown) => x)) as ResourceError;
  expect(e.code).toBe("NAME_TAKEN");

  // Refresh reads the row back, under the SB_Global row (which has no name column).
  const r = await provider.handler("ovn:SouthboundConnection").read(id, outs);
  expect(r.id).toBe(id);
  expect(r.inputs).toMatchObject({ target: `ptcp:${port}:127.0.0.1`, inactivityProbe: 60000 });
  expect(r.props).toMatchObject({ isConnected: false, status: expect.any(Object) });

  await provider.handler("ovn:SouthboundConnection").delete(id, outs);
  expect((await sbServer.tool("ovn-sbctl", ["get-connection"])).trim()).toBe(
    'read-write role="" ptcp:1:127.0.0.1',
  );
});

it("rejects a target that is not an OVSDB remote", async () => {
  const r = await provider
    .handler("ovn:NorthboundConnection")
    .check({}, { nb: { remote: nbServer.unix }, target: "6641", inactivityProbe: -1, owner: "p/s/x" });
  expect(r.failures.map((f) => f.property).sort()).toEqual(["inactivityProbe", "target"]);
  expect(r.failures.find((f) => f.property === "target")!.reason).toMatch(/ptcp:6641:0\.0\.0\.0/);
});
