/**
 * The engine's floor: a dynamic provider that does nothing. `check` accepts the inputs as given,
 * `diff` says whether they differ from the stored outputs, `create` returns a fresh id and the
 * inputs as outputs, `read` returns what is stored, `update` returns the new inputs, `delete`
 * returns. No connection, no validation, no I/O.
 *
 * It runs in the dynamic-provider process of the floor's stacks as `pulumi-ovs/provider`: the
 * floor's workspace resolves that name to this file (see floor.ts), so the SDK's own resource
 * classes and their serialized shim, unchanged, forward to it. This module therefore imports
 * nothing from the package, only Node built-ins, and is loaded from `dist/`.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";

type Props = Record<string, unknown>;

/** Every property except the serialized provider the dynamic-provider host adds. */
function withoutProvider(props: Props): Props {
  const { __provider: _provider, ...rest } = props;
  return rest;
}

const noop = {
  check: async (_olds: Props, news: Props) => ({ inputs: news }),
  diff: async (_id: string, olds: Props, news: Props) => ({
    changes: !isDeepStrictEqual(withoutProvider(olds), withoutProvider(news)),
  }),
  create: async (inputs: Props) => ({ id: randomUUID(), outs: inputs }),
  read: async (id: string, props: Props) => ({ id, props }),
  update: async (_id: string, _olds: Props, news: Props) => ({ outs: news }),
  delete: async () => undefined,
};

/** The provider of every resource type, as `require("pulumi-ovs/provider").handler(type)` returns it. */
export function handler(_type: string): typeof noop {
  return noop;
}

/** The same methods as the module's own exports, for a shim whose provider object is this module. */
export const { check, diff, create, read, update } = noop;
const remove = noop.delete;
export { remove as delete };
