/**
 * The provider object each SDK resource hands to Pulumi. Pulumi serializes it into the state of
 * every resource, so it must stay tiny: each method requires `pulumi-ovs/provider` BY NAME inside
 * the dynamic-provider process and forwards to the handler of its resource type. Nothing from
 * this package is captured by value (a provider that captured local modules would be copied into
 * the state, with module state reset on every call).
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * One provider object per resource type, reused: Pulumi caches the serialized provider by object
 * identity, and serializing a closure costs tens of milliseconds (for 200 ports, most of an update).
 */
const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

export function providerFor(type: string): pulumi.dynamic.ResourceProvider {
  let p = providers.get(type);
  if (!p) providers.set(type, (p = makeShim(type)));
  return p;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function makeShim(type: string): pulumi.dynamic.ResourceProvider {
  return {
    check: (olds: any, news: any) => require("pulumi-ovs/provider").handler(type).check(olds, news),
    diff: (id: any, olds: any, news: any) =>
      require("pulumi-ovs/provider").handler(type).diff(id, olds, news),
    create: (inputs: any) => require("pulumi-ovs/provider").handler(type).create(inputs),
    read: (id: any, props: any) => require("pulumi-ovs/provider").handler(type).read(id, props),
    update: (id: any, olds: any, news: any) =>
      require("pulumi-ovs/provider").handler(type).update(id, olds, news),
    delete: (id: any, props: any) => require("pulumi-ovs/provider").handler(type).delete(id, props),
  };
}
