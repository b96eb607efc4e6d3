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

/** The `__provider` text of a resource type, e.g. `ovs:Bridge` (about 80 bytes). */
export function providerFor(type: string): string {
  return `exports.handler=()=>require("pulumi-ovs/provider").handler(${JSON.stringify(type)})`;
}

/**
 * A Pulumi dynamic resource whose provider is given as text ({@link providerFor}); the arguments
 * are those of `pulumi.dynamic.Resource`, and the resource is registered exactly as that class
 * registers it, so the state of existing stacks matches.
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
    super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: provider }, opts);
  }
}
