/**
 * A throwaway PKI made with openssl, for TLS tests and demos: a CA, and keys with certificates
 * it signs, usable by ovsdb-server (`--private-key --certificate --ca-cert`) and by our client.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { TlsOptions } from "../provider/ovsdb";

const execFileP = promisify(execFile);

let serial = 1;

async function openssl(dir: string, args: string[]): Promise<void> {
  await execFileP("openssl", args, { cwd: dir });
}

/** A self-signed CA: writes NAME.key and NAME.pem. */
export async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
    ...["-keyout", `${name}.key`, "-out", `${name}.pem`, "-subj", `/CN=pulumi-ovs test ${name}`],
  ]);
}

/** A key and a certificate signed by `ca`, usable as TLS server and client: NAME.key, NAME.pem. */
export async function makeCert(dir: string, name: string, ca: string): Promise<void> {
  const ext = path.join(dir, "leaf.ext");
  fs.writeFileSync(
    ext,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
    ].join("\n") + "\n",
  );
  await openssl(dir, [
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`],
    ...["-subj", `/CN=pulumi-ovs test ${name}`],
  ]);
  await openssl(dir, [
    ...["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`],
    ...["-set_serial", String(serial++), "-days", "2", "-extfile", ext, "-out", `${name}.pem`],
  ]);
}

export function tlsMaterial(dir: string, cert: string, ca: string): TlsOptions {
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  return { privateKey: read(`${cert}.key`), certificate: read(`${cert}.pem`), caCert: read(`${ca}.pem`) };
}
