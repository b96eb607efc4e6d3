/**
 * Ways to hand Pulumi the provider of a resource, each as the `__provider` text it stores in the
 * state of every resource (once in the inputs, once in the outputs). Every variant keeps the rule
 * of sdk/shim.ts: the provider process requires `pulumi-ovs/provider` BY NAME and forwards to the
 * handler of the resource type; nothing of the package is captured by value.
 *
 * The closure variants are serialized exactly as `pulumi.dynamic.Resource` serializes a provider
 * object (`serializeFunction(() => provider, { allowSecrets: true })`), so their text is what a
 * stack holds when an SDK class passes that object to `pulumi.dynamic.Resource`.
 */
import * as pulumi from "@pulumi/pulumi";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Variant {
  name: string;
  /** How the provider is built. */
  note: string;
  /** The `__provider` text for a resource type (e.g. `ovs:Bridge`). */
  text(type: string): Promise<string>;
  /** False when the text cannot serve a deployment (measured for its size only). */
  deployable: boolean;
}

/** What `pulumi.dynamic.Resource` stores for a provider object (@pulumi/pulumi dynamic/index.js). */
export async function serializeLikeDynamicResource(provider: unknown): Promise<string> {
  return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}

/**
 * A stack transformation that gives every dynamic resource of a type in `texts` (keyed like
 * `ovs:Bridge`) that provider text instead of the one its SDK class passes.
 */
export function swapProvider(texts: Map<string, string>): pulumi.ResourceTransformation {
  return (args) => {
    const m = /^pulumi-nodejs:dynamic\/(.+)$/.exec(args.type);
    const text = m ? texts.get(m[1]) : undefined;
    if (text === undefined) return undefined;
    return { props: { ...args.props, __provider: text }, opts: args.opts };
  };
}

/**
 * The shim up to issue 10 (sdk/shim.ts `makeShim`): one object per type, six arrow functions
 * that capture the type. This is the text stacks deployed before issue 10 hold.
 */
export function closureShim(type: string): pulumi.dynamic.ResourceProvider {
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

/** Methods defined once at module level; the type is a data property read through `this`. */
const thisMethods = {
  check(this: { t: string }, o: any, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).check(o, n);
  },
  diff(this: { t: string }, i: any, o: any, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).diff(i, o, n);
  },
  create(this: { t: string }, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).create(n);
  },
  read(this: { t: string }, i: any, p: any) {
    return require("pulumi-ovs/provider").handler(this.t).read(i, p);
  },
  update(this: { t: string }, i: any, o: any, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).update(i, o, n);
  },
  delete(this: { t: string }, i: any, p: any) {
    return require("pulumi-ovs/provider").handler(this.t).delete(i, p);
  },
};

/** A class whose instances carry the type; the methods live on the prototype. */
class ShimClass {
  constructor(readonly t: string) {}
  check(o: any, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).check(o, n);
  }
  diff(i: any, o: any, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).diff(i, o, n);
  }
  create(n: any) {
    return require("pulumi-ovs/provider").handler(this.t).create(n);
  }
  read(i: any, p: any) {
    return require("pulumi-ovs/provider").handler(this.t).read(i, p);
  }
  update(i: any, o: any, n: any) {
    return require("pulumi-ovs/provider").handler(this.t).update(i, o, n);
  }
  delete(i: any, p: any) {
    return require("pulumi-ovs/provider").handler(this.t).delete(i, p);
  }
}

/** One object for every type: the type would travel in the inputs (`t`), not in the closure. */
const typeInInputs = {
  check: (o: any, n: any) => require("pulumi-ovs/provider").handler(n.t).check(o, n),
  diff: (i: any, o: any, n: any) => require("pulumi-ovs/provider").handler(n.t).diff(i, o, n),
  create: (n: any) => require("pulumi-ovs/provider").handler(n.t).create(n),
  read: (i: any, p: any) => require("pulumi-ovs/provider").handler(p.t).read(i, p),
  update: (i: any, o: any, n: any) => require("pulumi-ovs/provider").handler(n.t).update(i, o, n),
  delete: (i: any, p: any) => require("pulumi-ovs/provider").handler(p.t).delete(i, p),
};

/** The floor of the closure serializer: ONE function object under all six method names. */
const oneFunction = function (this: { t: string }) {
  return require("pulumi-ovs/provider").handler(this.t);
};

export const variants: Variant[] = [
  {
    name: "closure: 6 arrows capturing the type (before)",
    note: "pulumi.dynamic.Resource + object of arrow functions",
    text: (type) => serializeLikeDynamicResource(closureShim(type)),
    deployable: true,
  },
  {
    name: "closure: methods on this, type as data",
    note: "pulumi.dynamic.Resource + { t, ...module-level methods }",
    text: (type) => serializeLikeDynamicResource({ t: type, ...thisMethods }),
    deployable: true,
  },
  {
    name: "closure: class instance",
    note: "pulumi.dynamic.Resource + new ShimClass(type)",
    text: (type) => serializeLikeDynamicResource(new ShimClass(type)),
    deployable: true,
  },
  {
    name: "closure: type in the inputs",
    note: "one object for all types; needs a `t` input (size only)",
    text: () => serializeLikeDynamicResource(typeInInputs),
    deployable: false,
  },
  {
    name: "closure: one function for all methods",
    note: "serializer floor; cannot tell methods apart (size only)",
    text: (type) =>
      serializeLikeDynamicResource({
        t: type,
        check: oneFunction,
        diff: oneFunction,
        create: oneFunction,
        read: oneFunction,
        update: oneFunction,
        delete: oneFunction,
      }),
    deployable: false,
  },
  {
    name: "serialized factory: handler(type)",
    note: "serializeFunction(() => require(…).handler(type)) as text",
    text: async (type) =>
      (await pulumi.runtime.serializeFunction(() => require("pulumi-ovs/provider").handler(type))).text,
    deployable: true,
  },
  {
    name: "module text: six forwarding methods",
    note: "hand-written text; each method requires and forwards",
    text: async (type) =>
      `exports.handler=()=>{const h=()=>require("pulumi-ovs/provider").handler(${JSON.stringify(type)});` +
      `return{check:(o,n)=>h().check(o,n),diff:(i,o,n)=>h().diff(i,o,n),create:(n)=>h().create(n),` +
      `read:(i,p)=>h().read(i,p),update:(i,o,n)=>h().update(i,o,n),delete:(i,p)=>h().delete(i,p)}}`,
    deployable: true,
  },
];
