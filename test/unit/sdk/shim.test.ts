/**
 * Issue 10, smaller state per resource: what every SDK resource stores as `__provider` (twice per
 * resource in the checkpoint). Resources are registered through Pulumi's mocks, so the text checked
 * is the one the engine receives.
 */
import * as pulumi from "@pulumi/pulumi";
import { ovn, ovs } from "../../../sdk";
import { DynamicResource, providerFor } from "../../../sdk/shim";
import { handler } from "../../../provider";
import { closureShim, serializeLikeDynamicResource } from "../../../bench/state/variants";

/**
 * The bound: the text is `exports.handler=()=>require("pulumi-ovs/provider").handler("<type>")`,
 * 62 bytes plus the quoted type (30 for the longest today, ovn:LogicalRouterStaticRoute), so 128
 * leaves room for type names of up to ~60 characters. Pulumi's closure serializer cannot get under
 * it: what it emits for ONE function that captures nothing is already ~250 bytes (asserted below),
 * so the bound fails as soon as a provider goes back through the serializer or captures anything.
 */
const MAX_PROVIDER_BYTES = 128;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResourceClass = new (name: string, args: any) => pulumi.CustomResource;

/** Every resource class the SDK exports. */
const classes = (Object.entries({ ...ovs, ...ovn }) as [string, unknown][]).filter(
  (e): e is [string, ResourceClass] =>
    typeof e[1] === "function" && e[1].prototype instanceof DynamicResource,
);

/** type token (`pulumi-nodejs:dynamic/ovs:Bridge`) → inputs the engine received. */
const registered = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.set(args.type, args.inputs as Record<string, unknown>);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "shim-test",
    "unit",
    false,
  );
  const made = classes.map(([name, Cls]) => new Cls(`r-${name}`, {}));
  await Promise.all(made.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
});

/** Evaluates a provider text as the dynamic-provider process does, recording what it requires. */
function evaluate(text: string): { provider: unknown; required: string[] } {
  const required: string[] = [];
  const mod = { exports: {} as { handler?: () => unknown } };
  const req = (name: string) => {
    required.push(name);
    if (name !== "pulumi-ovs/provider") throw new Error(`unexpected require(${name})`);
    return { handler };
  };
  new Function("exports", "require", "module", text)(mod.exports, req, mod);
  return { provider: mod.exports.handler!(), required };
}

describe("the provider each resource stores (issue 10)", () => {
  it("covers every resource class of the SDK", () => {
    expect(classes.length).toBeGreaterThanOrEqual(13);
    expect(registered.size).toBe(classes.length);
  });

  it.each(classes.map(([name]) => name))(
    "%s: a text under the bound that returns its type's handler",
    (name) => {
      const entry = [...registered].find(([type]) => type.endsWith(`:${name}`));
      expect(entry).toBeDefined();
      const [token, inputs] = entry!;
      const type = token.replace(/^pulumi-nodejs:dynamic\//, "");
      const text = inputs.__provider;
      expect(typeof text).toBe("string");
      expect(Buffer.byteLength(text as string)).toBeLessThanOrEqual(MAX_PROVIDER_BYTES);
      expect(text).toBe(providerFor(type));

      const { provider, required } = evaluate(text as string);
      expect(required).toEqual(["pulumi-ovs/provider"]);
      expect(provider).toBe(handler(type));
    },
  );

  it("each handler is a complete dynamic provider, and has no configure (the host would call it)", () => {
    for (const [token] of registered) {
      const h = handler(token.replace(/^pulumi-nodejs:dynamic\//, "")) as unknown as Record<string, unknown>;
      for (const m of ["check", "diff", "create", "read", "update", "delete"])
        expect(typeof h[m]).toBe("function");
      expect(h.configure).toBeUndefined();
    }
  });

  it("the bound is below anything Pulumi's closure serializer makes of a provider", async () => {
    const single = (
      await pulumi.runtime.serializeFunction(() => require("pulumi-ovs/provider").handler("ovs:Bridge"))
    ).text;
    expect(Buffer.byteLength(single)).toBeGreaterThan(1.5 * MAX_PROVIDER_BYTES);
    // The shim before issue 10, as pulumi.dynamic.Resource stored it.
    const before = await serializeLikeDynamicResource(closureShim("ovs:Bridge"));
    expect(Buffer.byteLength(before)).toBeGreaterThan(1900);
    expect(before).toContain('require("pulumi-ovs/provider").handler(type)');
  });
});
