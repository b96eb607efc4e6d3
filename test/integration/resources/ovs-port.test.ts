/**
 * ovs.Port through the provider handler against a real ovsdb-server and ovs-vswitchd (one
 * simulated host): a create costs two sequential round trips (the bridge and any port of that
 * name read in one transaction; the write and the wait for the ofport pipelined), and its ofport
 * is the one ovs-vswitchd assigned.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startSandbox, stopSandbox, type SandboxInfo } from "../../../sandbox";
import { getClient } from "../../../provider/pool";
import type { OvsdbClient } from "../../../provider/ovsdb";
import { provider } from "./ovn-fixtures";

jest.setTimeout(120_000);
const execFileP = promisify(execFile);
const NAME = "it-port";

let sb: SandboxInfo;
let host: { remote: string };

beforeAll(async () => {
  sb = await startSandbox({ name: NAME, hosts: 1, ovn: false });
  host = { remote: sb.hosts[0].remotes.unix };
});
afterAll(async () => {
  await provider.closeAll();
  await stopSandbox(NAME);
});

/**
 * Records the transactions a client sends while `run` runs, and counts the round trips: a
 * transaction sent while another is outstanding shares its round trip (pipelined).
 */
async function roundTrips(
  c: OvsdbClient,
  run: () => Promise<unknown>,
): Promise<{ sent: number; trips: number }> {
  const original = c.transact.bind(c);
  let outstanding = 0;
  let sent = 0;
  let trips = 0;
  c.transact = (async (...args: Parameters<OvsdbClient["transact"]>) => {
    sent++;
    if (outstanding++ === 0) trips++;
    try {
      return await original(...args);
    } finally {
      outstanding--;
    }
  }) as OvsdbClient["transact"];
  try {
    await run();
  } finally {
    c.transact = original;
  }
  return { sent, trips };
}

it("creates a port in two round trips, with the ofport ovs-vswitchd assigned", async () => {
  const owner = (n: string) => `proj/dev/${n}`;
  const br = await provider
    .handler("ovs:Bridge")
    .create({ host, name: "rt-br", datapathType: "netdev", owner: owner("br") });
  expect(br.id).toMatch(/^[0-9a-f-]{36}$/);
  const c = await getClient(host, "Open_vSwitch");

  let outs: Record<string, unknown> = {};
  const counted = await roundTrips(c, async () => {
    outs = (
      await provider.handler("ovs:Port").create({
        host,
        bridge: "rt-br",
        name: "rt-p1",
        interface: { type: "internal" },
        owner: owner("p1"),
      })
    ).outs;
  });
  expect(counted).toEqual({ sent: 3, trips: 2 });

  const { stdout } = await execFileP("ovs-vsctl", [
    `--db=${host.remote}`,
    "get",
    "Interface",
    "rt-p1",
    "ofport",
  ]);
  expect(outs.ofport).toBe(Number(stdout.trim()));
  expect(outs.ofport).toBeGreaterThan(0);
  expect(outs.interfaceError).toBeNull();

  // A create that fails its guard reports no ofport of another port: the taken name is refused.
  await execFileP("ovs-vsctl", [
    `--db=${host.remote}`,
    "add-port",
    "rt-br",
    "rt-hand",
    "--",
    "set",
    "Interface",
    "rt-hand",
    "type=internal",
  ]);
  await expect(
    provider.handler("ovs:Port").create({ host, bridge: "rt-br", name: "rt-hand", owner: owner("hand") }),
  ).rejects.toThrow(/NAME_TAKEN/);
});
