/**
 * What scripts/gen-sdk.ts renders for what a spec can declare, on a small synthetic spec (no I/O):
 * member-row arguments (an object, a list) become documented interfaces, named types are exported,
 * a spec's own SDK path is used.
 */
import * as ts from "typescript";
import { z } from "zod";
import { connectionSchema, ownerSchema } from "../../../provider/resources/common";
import { adoptArg, connectionArg, type ResourceSpec } from "../../../provider/engine/spec";
import { declaredOutputs, renderSdk, sdkPath } from "../../../scripts/gen-sdk";

const spec: ResourceSpec = {
  type: "ovs:Widget",
  doc: "A widget with its interface and its gateways.",
  db: {
    connectionArg: "host",
    base: { host: connectionSchema, adopt: z.boolean().optional(), owner: ownerSchema },
    baseArgs: { host: connectionArg("The host."), adopt: adoptArg },
    sdkBase: { name: "HostArgs", from: "./common" },
  },
  args: {
    name: { schema: z.string(), type: "string", doc: "The widget's name.", replace: true },
    interface: {
      schema: z.object({ type: z.string().optional(), mtu: z.number() }).optional(),
      type: "WidgetInterfaceArgs",
      doc: "The widget's interface.",
      storage: {
        column: "interfaces",
        rows: {
          table: "Interface",
          single: true,
          args: {
            type: { schema: z.string().optional(), type: "string", doc: "Interface type. Default: system." },
            mtu: { schema: z.number(), type: "number", doc: "MTU in bytes." },
          },
        },
      },
    },
    gateways: {
      schema: z.array(z.object({ chassis: z.string(), priority: z.number().optional() })).optional(),
      type: "GatewayArgs[]",
      doc: "Gateways, highest priority first.",
      storage: {
        column: "gateways",
        rows: {
          table: "Gateway",
          key: "chassis",
          doc: "A gateway of the widget, by priority.",
          args: {
            chassis: { schema: z.string(), type: "string", doc: "The chassis name." },
            priority: { schema: z.number().optional(), type: "number", doc: "Its priority." },
          },
        },
      },
    },
    mode: { schema: z.enum(["a", "b"]).optional(), type: "WidgetMode", doc: "The mode." },
  },
  outputs: { state: { type: "WidgetState", doc: "What the widget reports." } },
  sdk: {
    file: "sdk/ovs/widgets.ts",
    types: [
      { name: "WidgetMode", doc: "Modes of a widget.", values: ["a", "b"] },
      {
        name: "WidgetState",
        doc: "A widget's state.",
        fields: {
          up: { type: "boolean", doc: "Whether it is up." },
          since: { type: "string", doc: "Since when.", optional: true },
        },
      },
    ],
  },
};

const source = renderSdk(spec);
/** The text of a declaration from `export <kind> NAME` to its closing line. */
const block = (head: string): string => {
  const start = source.indexOf(head);
  expect(start).toBeGreaterThanOrEqual(0);
  return source.slice(start, source.indexOf("\n}", start) + 2);
};
const squeeze = (s: string) => s.replace(/\s+/g, " ").trim();

describe("renderSdk", () => {
  it("renders a single member-row argument as a documented object interface", () => {
    expect(squeeze(block("export interface WidgetInterfaceArgs"))).toBe(
      squeeze(`export interface WidgetInterfaceArgs {
        /** Interface type. Default: system. */
        type?: pulumi.Input<string>;
        /** MTU in bytes. */
        mtu: pulumi.Input<number>;
      }`),
    );
    expect(source).toContain(
      "/** The `interface` argument of {@link Widget}: its row of the Interface table. */",
    );
    expect(source).toContain("interface?: pulumi.Input<WidgetInterfaceArgs>;");
  });

  it("renders a list member-row argument as an interface and a list of inputs", () => {
    expect(squeeze(block("export interface GatewayArgs"))).toBe(
      squeeze(`export interface GatewayArgs {
        /** The chassis name. */
        chassis: pulumi.Input<string>;
        /** Its priority. */
        priority?: pulumi.Input<number>;
      }`),
    );
    expect(source).toContain("gateways?: pulumi.Input<pulumi.Input<GatewayArgs>[]>;");
    expect(source).toContain("/** A gateway of the widget, by priority. */\nexport interface GatewayArgs {");
  });

  it("exports the types the spec names: a union of literals and a documented object type", () => {
    expect(source).toContain('/** Modes of a widget. */\nexport type WidgetMode = "a" | "b";');
    expect(squeeze(block("export interface WidgetState"))).toBe(
      squeeze(`export interface WidgetState {
        /** Whether it is up. */
        up: boolean;
        /** Since when. */
        since?: string;
      }`),
    );
    expect(source).toContain("declare readonly state: pulumi.Output<WidgetState>;");
  });

  it("marks replacing arguments, extends the shared arguments' interface, and parses as TypeScript", () => {
    expect(source).toContain(
      "/** The widget's name. Changing it replaces the resource. */\n  name: pulumi.Input<string>;",
    );
    expect(source).toContain("export interface WidgetArgs extends HostArgs {");
    expect(source).toContain("{ ...args, owner: ownerMarker(name), state: undefined }");
    const file = ts.createSourceFile("widget.ts", source, ts.ScriptTarget.ES2022, true);
    const diagnostics = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  });

  it("refuses a member-row argument whose type does not say object or list as the rows do", () => {
    const wrong: ResourceSpec = {
      ...spec,
      args: { gateways: { ...spec.args.gateways, type: "GatewayArgs" } },
    };
    expect(() => renderSdk(wrong)).toThrow(
      /gateways: type GatewayArgs must name the member interface, as a list/,
    );
  });

  it("writes to the spec's own path, and declares the owner output last", () => {
    expect(sdkPath(spec)).toBe("sdk/ovs/widgets.ts");
    expect(sdkPath({ ...spec, sdk: undefined })).toBe("sdk/ovs/widget.ts");
    expect(declaredOutputs(spec).map(([k]) => k)).toEqual(["state", "owner"]);
  });
});
