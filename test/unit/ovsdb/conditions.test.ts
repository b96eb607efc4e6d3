/**
 * `rowMatches`: RFC 7047 conditions evaluated on decoded rows, as the monitor-fed reads answer
 * selects (their agreement with ovsdb-server is checked in test/integration/ovsdb/reads.test.ts).
 */
import { rowMatches } from "../../../provider/ovsdb/conditions";
import { OvsdbCodecError } from "../../../provider/ovsdb/errors";
import { SCHEMAS } from "../../../sandbox/ovsdb-server";
import { loadSchema, U1, U2 } from "./fixtures";

const lsp = loadSchema(SCHEMAS.nb).table("Logical_Switch_Port");
const row = {
  _uuid: U1,
  name: "web-1",
  addresses: ["0a:00:00:00:00:01 10.0.0.1"],
  external_ids: { role: "web", tier: "1" },
  tag_request: 5,
  enabled: null,
  ha_chassis_group: U2,
};

describe("rowMatches", () => {
  it.each([
    [["name", "==", "web-1"], true],
    [["name", "!=", "web-1"], false],
    [["_uuid", "==", U1.toUpperCase()], true],
    [["ha_chassis_group", "==", U2], true],
    [["addresses", "includes", "0a:00:00:00:00:01 10.0.0.1"], true],
    [["addresses", "excludes", ["x"]], true],
    [["addresses", "==", []], false],
    [["external_ids", "includes", { role: "web" }], true],
    [["external_ids", "includes", { role: "db" }], false],
    [["external_ids", "excludes", { role: "db" }], true],
    [["external_ids", "==", { tier: "1", role: "web" }], true],
    [["tag_request", "<", 6], true],
    [["tag_request", ">", 5], false],
    [["tag_request", ">=", 5], true],
    [["enabled", "==", []], true],
    [["enabled", "==", false], false],
  ] as const)("%j: %s", (condition, expected) => {
    expect(rowMatches(lsp!, row, [condition as never])).toBe(expected);
  });

  it("every condition must hold; none is all rows", () => {
    expect(rowMatches(lsp!, row, [])).toBe(true);
    expect(
      rowMatches(lsp!, row, [
        ["name", "==", "web-1"],
        ["tag_request", "==", 6],
      ]),
    ).toBe(false);
  });

  it("a column the table or the row lacks is an error, not a miss", () => {
    expect(() => rowMatches(lsp!, row, [["nope", "==", 1]])).toThrow(OvsdbCodecError);
    expect(() => rowMatches(lsp!, row, [["type", "==", ""]])).toThrow(/lacks column type/);
  });
});
