/**
 * Issue 9: every error the provider hands to the engine starts with its stable code, whatever
 * layer raised it, and the README's table lists exactly the codes provider/errors.ts defines.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { makeHandler, type ResourceKind } from "../../../provider/framework";
import { handler } from "../../../provider";
import { RESOURCE_ERROR_CODES, ResourceError, withCode } from "../../../provider/errors";
import {
  OvsdbConnectError,
  OvsdbConnectionClosedError,
  OvsdbInvalidRemoteError,
  OvsdbSchemaError,
  OvsdbTimeoutError,
  OvsdbTransactionError,
} from "../../../provider/ovsdb";
import { FlowTakenError, OpenFlowError } from "../../../provider/openflow";

type Inputs = { name: string; size?: number };

/** A resource kind whose create, read, update and delete all throw `boom()`. */
function failingKind(boom: () => unknown): ResourceKind<Inputs, Inputs> {
  const raise = async (): Promise<never> => {
    throw boom();
  };
  return {
    label: "test.Thing",
    schema: z.object({ name: z.string(), size: z.number().int().max(9, "at most 9").optional() }).strict(),
    inputKeys: ["name", "size"],
    replaceOn: ["name"],
    create: raise,
    read: raise,
    update: raise,
    delete: raise,
    where: () => "unix:/run/test.sock",
  };
}

/** The error every lifecycle method of a handler over `failingKind(boom)` rejects with. */
async function rejections(boom: () => unknown): Promise<ResourceError[]> {
  const h = makeHandler(failingKind(boom));
  const inputs = { name: "t1" };
  const out: ResourceError[] = [];
  for (const call of [
    () => h.create(inputs),
    () => h.read("id", inputs),
    () => h.update("id", inputs, inputs),
    () => h.delete("id", inputs),
  ]) {
    const e = await call().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ResourceError);
    out.push(e as ResourceError);
  }
  return out;
}

describe("every error reaches the engine with its code first", () => {
  it.each<[string, () => unknown, string]>([
    ["a ResourceError", () => new ResourceError("ADDRESS_IN_USE", "10.0.0.2 is on port q"), "ADDRESS_IN_USE"],
    [
      "an OVSDB transaction error",
      () => new OvsdbTransactionError("constraint violation", "duplicate name", 1),
      "OVSDB",
    ],
    [
      "an OVSDB schema error",
      () => new OvsdbSchemaError([{ table: "Port", message: "no column x" }]),
      "OVSDB",
    ],
    [
      "an OVSDB connect error",
      () => new OvsdbConnectError(["unix:/x"], [new Error("ENOENT")]),
      "UNREACHABLE",
    ],
    ["an OVSDB timeout", () => new OvsdbTimeoutError("transact", 1000, true), "UNREACHABLE"],
    ["a dropped connection", () => new OvsdbConnectionClosedError("transact", true), "UNREACHABLE"],
    ["an invalid remote", () => new OvsdbInvalidRemoteError("tcpx:1", "unknown method"), "INVALID_INPUT"],
    [
      "a flow ovs-ofctl refused",
      () => new OpenFlowError("REJECTED", "ovs-ofctl add-flow failed: x"),
      "OPENFLOW",
    ],
    ["an unknown port in a flow", () => new OpenFlowError("UNKNOWN_PORT", "no port p9"), "OPENFLOW"],
    ["an unreachable switch", () => new OpenFlowError("CONNECT", "cannot reach unix:/x.mgmt"), "UNREACHABLE"],
    [
      "a foreign flow in the way",
      () => new FlowTakenError([{ line: "priority=2 actions=drop" }], "t"),
      "NAME_TAKEN",
    ],
    ["an unexpected error", () => new TypeError("x is undefined"), "INTERNAL"],
    ["a thrown non-error", () => "a string", "INTERNAL"],
  ])("%s becomes [%s]", async (_what, boom, code) => {
    for (const e of await rejections(boom)) {
      expect(e.code).toBe(code);
      expect(e.message).toMatch(new RegExp(`^\\[${code}\\] test\\.Thing "t1" on unix:/run/test\\.sock: \\S`));
    }
  });

  it("keeps the layer's own words after the prefix", async () => {
    const [e] = await rejections(
      () => new OvsdbTransactionError("constraint violation", "duplicate name", 1),
    );
    expect(e.message).toContain("operation 1 failed: constraint violation: duplicate name");
    expect(e.cause).toBeInstanceOf(OvsdbTransactionError);
  });

  it("keeps a partial state (id, properties) so the engine keeps the row", async () => {
    const partial = Object.assign(new Error("not ready"), {
      id: "u1",
      properties: { name: "t1" },
      reasons: ["r"],
    });
    const [e] = await rejections(() => partial);
    expect(e).toMatchObject({ code: "INTERNAL", id: "u1", properties: { name: "t1" }, reasons: ["r"] });
  });

  it("does not code an error twice", async () => {
    const once = new ResourceError("NAME_TAKEN", withCode("NAME_TAKEN", 'test.Thing "t1" on x: taken'));
    const [e] = await rejections(() => once);
    expect(e.message).toBe('[NAME_TAKEN] test.Thing "t1" on x: taken');
  });

  it("gives INVALID_INPUT to inputs create or update are handed without check", async () => {
    const h = makeHandler(failingKind(() => new Error("never reached")));
    for (const op of [
      () => h.create({ name: "t1", size: 12 }),
      () => h.update("id", { name: "t1" }, { name: "t1", size: 12 }),
    ]) {
      const e = (await op().catch((x: unknown) => x)) as ResourceError;
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.message).toMatch(
        /^\[INVALID_INPUT\] test\.Thing "t1" on unix:\/run\/test\.sock: size: at most 9/,
      );
    }
  });

  it("puts [INVALID_INPUT] in front of every check failure's reason", async () => {
    const h = makeHandler(failingKind(() => new Error("unused")));
    const r = await h.check({}, { name: "t1", size: 12, colour: "red" });
    expect(r.failures.length).toBeGreaterThanOrEqual(2);
    for (const f of r.failures) expect(f.reason).toMatch(/^\[INVALID_INPUT\] \S/);
    expect((await h.check({}, { name: "t1", size: 3 })).failures).toEqual([]);
  });

  it("gives [INTERNAL] to a resource type the provider does not know", () => {
    expect(() => handler("ovs:Nope")).toThrow(
      /^\[INTERNAL\] pulumi-ovs provider has no resource type "ovs:Nope"/,
    );
  });
});

describe("the README's table of error codes", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "..", "..", "README.md"), "utf8");
  /** The rows of the table under the heading "Error codes": [code, meaning, what to do]. */
  const rows = (): string[][] => {
    const section = readme.split(/^## /m).find((s) => s.startsWith("Error codes"));
    if (!section) throw new Error('README.md has no "## Error codes" section');
    return section
      .split("\n")
      .filter((l) => /^\|\s*`[A-Z_]+`\s*\|/.test(l))
      .map((l) =>
        l
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
  };

  it("lists exactly the codes provider/errors.ts defines, in the same order", () => {
    expect(rows().map((r) => r[0].replace(/`/g, ""))).toEqual([...RESOURCE_ERROR_CODES]);
  });

  it("says for each what it means and what to do", () => {
    for (const [code, meaning, todo] of rows()) {
      expect({ code, meaning: meaning.length > 10, todo: todo.length > 10 }).toEqual({
        code,
        meaning: true,
        todo: true,
      });
    }
  });
});
