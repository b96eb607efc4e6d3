/**
 * A 3-member clustered OVN Northbound database on loopback: the client finds the leader through
 * `_Server`, and when the leader is killed mid-run it moves to the new leader and continues,
 * without sending any transaction twice.
 */
import { OvsdbClient } from "../../../provider/ovsdb/client";
import { MonitorCache } from "../../../provider/ovsdb/cache";
import { OvsdbConnectionClosedError } from "../../../provider/ovsdb/errors";
import { insert } from "../../../provider/ovsdb";
import { TestCluster } from "../../../sandbox/ovsdb-server";

jest.setTimeout(120_000);
const NB = "OVN_Northbound";

describe("clustered NB database", () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await TestCluster.start("nb", 3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("connects to the leader, survives the leader's death, and never duplicates a write", async () => {
    const leader = await cluster.waitForLeader();
    // List the remotes starting with a follower, so the client has to skip it.
    const order = [...cluster.members].sort((a, b) => (a.index === leader ? 1 : b.index === leader ? -1 : 0));
    const client = await OvsdbClient.connect(order.map((m) => m.tcp).join(","), {
      database: NB,
      backoff: { initialMs: 50, maxMs: 500 },
      waitForConnectionMs: 60_000,
    });
    const cache = await MonitorCache.start(client, NB, {
      Logical_Switch: { columns: ["name"], indexes: ["name"] },
    });
    try {
      expect(client.connectedRemote).toBe(cluster.members[leader].tcp);

      let written = 0;
      const outcomes: ("ok" | "unknown")[] = [];
      const writeOne = async (i: number) => {
        try {
          await client.transact(NB, [insert("Logical_Switch", { name: `ls-${i}` })]);
          outcomes[i] = "ok";
          written++;
        } catch (e) {
          if (e instanceof OvsdbConnectionClosedError && e.mayHaveBeenApplied) outcomes[i] = "unknown";
          else throw e;
        }
      };

      for (let i = 0; i < 20; i++) await writeOne(i);
      // Kill the leader while writes are in flight.
      const inflight = [20, 21, 22, 23, 24].map((i) => writeOne(i));
      await cluster.kill(leader);
      await Promise.all(inflight);
      for (let i = 25; i < 40; i++) await writeOne(i);

      const newLeader = await cluster.waitForLeader();
      expect(newLeader).not.toBe(leader);
      expect(client.connectedRemote).toBe(cluster.members[newLeader].tcp);

      // Every acknowledged write is there exactly once; an "unknown" one at most once.
      await cache.waitSynced();
      const names = cache.rows("Logical_Switch").map((r) => r.name as string);
      expect(new Set(names).size).toBe(names.length);
      for (let i = 0; i < 40; i++) {
        const n = names.filter((x) => x === `ls-${i}`).length;
        if (outcomes[i] === "ok") expect(n).toBe(1);
        else expect(n).toBeLessThanOrEqual(1);
      }
      expect(written).toBeGreaterThanOrEqual(35);
    } finally {
      cache.stop();
      client.close();
    }
  });
});
