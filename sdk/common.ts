import * as pulumi from "@pulumi/pulumi";

/** TLS material for `ssl:` remotes, as OVS uses it. Pass these as Pulumi secrets. */
export interface TlsArgs {
  /** PEM text of the client's private key. */
  privateKey: pulumi.Input<string>;
  /** PEM text of the client's certificate. */
  certificate: pulumi.Input<string>;
  /** PEM text of the CA certificate that signed the server's certificate. */
  caCert: pulumi.Input<string>;
}

/**
 * How to reach an OVSDB server: a host's Open_vSwitch database (`host`) or the OVN northbound
 * database (`nb`).
 */
export interface Connection {
  /**
   * OVSDB remote as OVS tools take it: `unix:/var/run/openvswitch/db.sock`,
   * `tcp:172.29.101.123:6640`, `ssl:ovn1:6641`; several remotes of one cluster separated by commas.
   */
  remote: pulumi.Input<string>;
  /** TLS material for `ssl:` remotes. */
  tls?: pulumi.Input<TlsArgs>;
}

/** Common arguments of every resource. */
export interface OwnedArgs {
  /**
   * Take over an existing row that no stack manages and that this resource identifies (by its
   * name, or for a rule or route, by the columns that identify it on its parent), instead of
   * failing. Pulumi cannot `import` dynamic resources; this is how existing configuration is
   * adopted. After adoption the stack owns the row: destroying the stack deletes it.
   */
  adopt?: pulumi.Input<boolean>;
}

/** The owner marker stored in `external_ids`: `project/stack/resource-name`. */
export function ownerMarker(name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
}

function isPlain(v: unknown): boolean {
  return !pulumi.Output.isInstance(v) && !(v instanceof Promise);
}

/**
 * Resource options that keep the connection output secret when it may carry TLS material (a
 * private key), so it never appears in plain text in the state or in diffs.
 */
export function withSecrets(
  opts: pulumi.CustomResourceOptions | undefined,
  connectionKey: string,
  connection: unknown,
): pulumi.CustomResourceOptions {
  const plainWithoutTls = isPlain(connection) && !(connection as { tls?: unknown } | undefined)?.tls;
  if (plainWithoutTls) return opts ?? {};
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), connectionKey] };
}

/**
 * Resource options that also keep the outputs of `keys` secret whenever `args` gives them (e.g.
 * TLS material passed beside the connection).
 */
export function withSecretArgs(
  opts: pulumi.CustomResourceOptions,
  args: object,
  keys: readonly string[],
): pulumi.CustomResourceOptions {
  const given = keys.filter((k) => (args as Record<string, unknown>)[k] !== undefined);
  if (given.length === 0) return opts;
  return { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), ...given] };
}
