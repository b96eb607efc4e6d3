/**
 * Issue 12: an ovn.HaChassisGroup on a real sandbox (OVN central + two hosts, each an
 * ovn-controller chassis): the router port's chassisredirect port (`cr-PORT`) in the southbound
 * Port_Binding table is claimed by the group's highest-priority chassis, and after the group's
 * priorities are swapped (an in-place update), by the other one. Written through the provider
 * handlers; the binding read with ovn-sbctl.
 */
import { ovnSbctl, startSandbox, stopSandbox, type SandboxInfo } from "../../../sandbox";
import { waitFor } from "../../../sandbox/wait";
import { createVia, provider, updateVia, type Props } from "./ovn-fixtures";

jest.setTimeout(120_000);

const owner = (name: string) => `proj/ha-binding/${name}`;
const PORT = "lr-ha-ext";
let sb: SandboxInfo;
const made: [string, { id: string; outs: Props }][] = [];

beforeAll(async () => {
  sb = await startSandbox({ name: "it-ha-bind", hosts: 2, ovn: true, encap: "geneve" });
});
afterAll(async () => {
  // Children first: the router port (and its switch-side port), then the group, router and switch.
  for (const [type, r] of made.reverse())
    await provider
      .handler(type)
      .delete(r.id, r.outs)
      .catch(() => undefined);
  await provider.closeAll();
  if (sb) await stopSandbox(sb);
});

/** The chassis name the `cr-PORT` binding is claimed by ("" while unclaimed). */
async function boundTo(): Promise<string> {
  const uuid = (
    await ovnSbctl(sb, "--bare", "--columns=chassis", "find", "Port_Binding", `logical_port=cr-${PORT}`)
  ).trim();
  if (!uuid) return "";
  return (await ovnSbctl(sb, "--bare", "--columns=name", "list", "Chassis", uuid)).trim();
}

/** Waits until `cr-PORT` is claimed by `chassis`; the milliseconds it took. */
async function waitBound(chassis: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    async () => (await boundTo()) === chassis,
    30_000,
    () => `cr-${PORT} not bound to ${chassis} within 30 s`,
    200,
  ).catch(async (e: unknown) => {
    throw new Error(`${String(e)} (bound to "${await boundTo()}")`);
  });
  return Date.now() - t0;
}

it("cr- port is bound to the group's highest-priority chassis, then to the other after the priorities swap", async () => {
  const [h1, h2] = sb.hosts.map((h) => h.systemId!);
  const nb = { remote: sb.central!.nbRemote.unix };
  const add = async (type: string, inputs: Props) => {
    const r = await createVia(type, inputs);
    made.push([type, r]);
    return r;
  };
  await add("ovn:LogicalSwitch", { nb, name: "ext-ha", owner: owner("ext") });
  await add("ovn:LogicalRouter", { nb, name: "lr-ha", owner: owner("lr") });
  const grp = await add("ovn:HaChassisGroup", {
    nb,
    name: "gw-ha",
    chassis: [
      { chassis: h1, priority: 20 },
      { chassis: h2, priority: 10 },
    ],
    owner: owner("grp"),
  });
  await add("ovn:LogicalRouterPort", {
    nb,
    router: "lr-ha",
    name: PORT,
    mac: "00:00:00:00:ee:01",
    networks: ["172.31.0.1/24"],
    switch: "ext-ha",
    switchPortOptions: { "nat-addresses": "router" },
    haChassisGroup: "gw-ha",
    owner: owner("lrp"),
  });
  // The group as ovn-northd copied it to the southbound database.
  const first = await waitBound(h1);
  expect(await ovnSbctl(sb, "--bare", "--columns=name", "find", "HA_Chassis_Group", "name=gw-ha")).toMatch(
    /gw-ha/,
  );

  const next: Props = { ...grp.outs, chassis: [h2, h1] };
  delete next.uuid;
  const up = await updateVia("ovn:HaChassisGroup", grp.id, grp.outs, next);
  expect(up.diff.replaces).toEqual([]);
  made[made.findIndex(([t]) => t === "ovn:HaChassisGroup")][1] = { id: grp.id, outs: up.outs };
  const moved = await waitBound(h2);
  process.stdout.write(`cr-${PORT}: bound to ${h1} after ${first} ms; to ${h2} ${moved} ms after the swap\n`);
});
