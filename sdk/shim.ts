/**
 * How each SDK resource hands Pulumi its provider. Pulumi stores the provider of a dynamic resource
 * as the text of a CommonJS module in the `__provider` property of every resource, twice (inputs
 * and outputs); the dynamic-provider process evaluates that text and calls its `exports.handler()`
 * to get the provider object. Since the file backend rewrites the whole checkpoint at every step,
 * that text is kept as small as Pulumi allows: one line that requires `pulumi-ovs/provider` BY
 * NAME and returns the handler of the resource type. Nothing of this package is in the text
 * (a provider that captured local modules would be copied into the state by value, with module
 * state reset on every call).
 *
 * `pulumi.dynamic.Resource` cannot store such a text: it always runs Pulumi's closure serializer,
 * whose output for any object of six methods is about 2 KB (bench/state measures the variants).
 * {@link DynamicResource} registers the same resource (`pulumi-nodejs:dynamic/<module>:<type>`,
 * served by the same dynamic-provider plugin) with the text given directly.
 *
 * Stacks deployed before keep, for resources not updated since, the serialized closure in their
 * state; it requires `pulumi-ovs/provider` by name too and calls `handler(type)`, so that export is
 * part of the contract with old states.
 */
import * as pulumi from "@pulumi/pulumi";
import { gate } from "./declarations";

/** The `__provider` text of a resource type, e.g. `ovs:Bridge` (about 80 bytes). */
export function providerFor(type: string): string {
  return `exports.handler=()=>require("pulumi-ovs/provider").handler(${JSON.stringify(type)})`;
}

/**
 * The `__provider` text of a resource refused before anything is written: its `check` fails on
 * `property` with `reason` (e.g. `[DUPLICATE] …`), as an argument check fails, so the engine stops
 * the preview or update at that resource.
 */
export function refusingProvider(refusal: { property: string; reason: string }): string {
  return `exports.handler=()=>({check:async(o,n)=>({inputs:n,failures:[${JSON.stringify(refusal)}]})})`;
}

/**
 * A Pulumi dynamic resource whose provider is given as text ({@link providerFor}); the arguments
 * are those of `pulumi.dynamic.Resource`, and the resource is registered exactly as that class
 * registers it, so the state of existing stacks matches. Its registration waits for the check that
 * no other resource of the run declares the same row (`./declarations`): the provider text is the
 * given one when none does, a {@link refusingProvider} otherwise.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(
    provider: string,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    module: string,
    type: string,
  ) {
    const declared = gate(`${module}:${type}`, name, props).then((refused) =>
      refused === undefined ? provider : refusingProvider(refused),
    );
    super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: declared }, opts);
  }
}
