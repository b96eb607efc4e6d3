/**
 * The generated row types against real ovsdb-servers started on the installed vswitch, OVN NB and
 * OVN SB schemas: what `get_schema` reports must be what the generator saw, and rows read back
 * with `selectRows` and `MonitorCache` have the shapes the generated types declare.
 */
import { OvsdbClient } from "../../../provider/ovsdb/client";
import { MonitorCache } from "../../../provider/ovsdb/cache";
import { eq } from "../../../provider/ovsdb/conditions";
import { insert } from "../../../provider/ovsdb/operations";
import { namedUuid } from "../../../provider/ovsdb/notation";
import { selectRows } from "../../../provider/ovsdb/select";
import { DATABASES, describeDatabase, type ColumnKind, type nb } from "../../../provider/ovsdb/databases";
import { SCHEMA_SOURCES, renderDatabase } from "../../../scripts/gen-schema-types";
import { TestOvsdbServer, type SchemaName } from "../../../sandbox/ovsdb-server";
import * as fs from "node:fs";
import * as path from "node:path";

jest.setTimeout(60_000);

const SERVERS: { name: SchemaName; db: keyof typeof DATABASES; file: string }[] = [
  { name: "vswitch", db: "Open_vSwitch", file: "vswitch" },
  { name: "nb", db: "OVN_Northbound", file: "ovn-nb" },
  { name: "sb", db: "OVN_Southbound", file: "ovn-sb" },
];

function kindOf(value: unknown): ColumnKind | "atom" {
  if (value === null) return "optional";
  if (Array.isArray(value)) return "set";
  return typeof value === "object" ? "map" : "atom";
}

describe.each(SERVERS)("get_schema of a real $db server", ({ name, db, file }) => {
  let server: TestOvsdbServer;
  let client: OvsdbClient;

  beforeAll(async () => {
    server = await TestOvsdbServer.start(name);
    client = await OvsdbClient.connect(server.unix);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("describes every table, column, kind, type and index as the checked-in description", async () => {
    const schema = await client.getSchema(db);
    expect(describeDatabase(schema)).toEqual(DATABASES[db]);
  });

  it("generates the checked-in module", async () => {
    const source = SCHEMA_SOURCES.find((s) => s.output.endsWith(`/${file}.ts`))!;
    const checkedIn = fs.readFileSync(path.join(__dirname, "../../..", source.output), "utf8");
    expect(renderDatabase(await client.getSchema(db), source.schemaFile)).toBe(checkedIn);
  });
});

describe("typed reads from a real OVN_Northbound server", () => {
  const NB = "OVN_Northbound";
  let server: TestOvsdbServer;
  let client: OvsdbClient;

  beforeAll(async () => {
    server = await TestOvsdbServer.start("nb");
    client = await OvsdbClient.connect(server.unix);
    await client.transact(NB, [
      insert(
        "ACL",
        { priority: 1000, direction: "to-lport", match: "ip4", action: "allow-related" },
        { uuidName: "acl" },
      ),
      // ACL is not a root table: a switch holds it.
      insert("Logical_Switch", {
        name: "sw-typed",
        other_config: { subnet: "10.1.0.0/24" },
        acls: [namedUuid("acl")],
      }),
    ]);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it("selectRows returns every column in the shape its kind says", async () => {
    const rows: nb.LogicalSwitchRow[] = await selectRows(client, NB, "Logical_Switch", [
      eq("name", "sw-typed"),
    ]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    const columns = DATABASES[NB].tables.Logical_Switch.columns;
    expect(Object.keys(row).sort()).toEqual(Object.keys(columns).sort());
    for (const [column, d] of Object.entries(columns)) {
      const kind = kindOf(row[column as keyof nb.LogicalSwitchRow]);
      expect([column, kind]).toEqual([column, d.kind === "scalar" ? "atom" : d.kind]);
    }
    expect(row.name).toBe("sw-typed");
    expect(row.other_config).toEqual({ subnet: "10.1.0.0/24" });
    expect(row.copp).toBeNull();
  });

  it("selectRows with columns returns those and _uuid", async () => {
    const [acl] = await selectRows(client, NB, "ACL", [eq("priority", 1000)], ["action", "priority"]);
    expect(Object.keys(acl).sort()).toEqual(["_uuid", "action", "priority"]);
    const action: "allow" | "allow-related" | "allow-stateless" | "drop" | "reject" = acl.action;
    expect(action).toBe("allow-related");
    expect(acl.priority).toBe(1000);
  });

  it("an untyped database name falls back to plain rows", async () => {
    const db: string = NB;
    const rows = await selectRows(client, db, "Logical_Switch", [eq("name", "sw-typed")], ["other_config"]);
    expect(rows.map((r) => r.other_config)).toEqual([{ subnet: "10.1.0.0/24" }]);
  });

  it("MonitorCache hands out rows of the generated type", async () => {
    const cache = await MonitorCache.start(client, NB, { Logical_Switch: { indexes: ["name"] } });
    try {
      const [sw] = cache.lookup("Logical_Switch", "name", "sw-typed");
      const subnet: string | undefined = sw.other_config?.subnet;
      expect(subnet).toBe("10.1.0.0/24");
      expect(sw.ports).toEqual([]);
      expect(sw.acls).toHaveLength(1);
      expect(sw.copp).toBeNull();
    } finally {
      cache.stop();
    }
  });
});
