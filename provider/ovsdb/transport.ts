/**
 * Remotes and sockets: parsing the OVS remote syntax (`unix:PATH`, `tcp:HOST:PORT`,
 * `ssl:HOST:PORT`, IPv6 literals in brackets, several remotes separated by commas) and opening
 * a byte stream to one of them.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { OvsdbInvalidRemoteError } from "./errors";

export type Remote =
  | { kind: "unix"; path: string; text: string }
  | { kind: "tcp" | "ssl"; host: string; port: number; text: string };

/** TLS material as OVS uses it: PEM private key, PEM certificate, PEM CA certificate. */
export interface TlsOptions {
  privateKey: string;
  certificate: string;
  caCert: string;
}

const DEFAULT_PORT = 6640;

/** Parse one remote. The port defaults to 6640 as in OVS. */
export function parseRemote(text: string): Remote {
  const s = text.trim();
  const colon = s.indexOf(":");
  if (colon < 0)
    throw new OvsdbInvalidRemoteError(text, 'expected "unix:PATH", "tcp:HOST:PORT" or "ssl:HOST:PORT"');
  const method = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  if (method === "unix") {
    if (!rest) throw new OvsdbInvalidRemoteError(text, "empty socket path");
    return { kind: "unix", path: rest, text: s };
  }
  if (method !== "tcp" && method !== "ssl") {
    const hint = method.startsWith("p")
      ? ` ("${method}" is a listening remote; connect with "${method.slice(1)}:")`
      : "";
    throw new OvsdbInvalidRemoteError(
      text,
      `unknown connection method "${method}"${hint}; use unix:, tcp: or ssl:`,
    );
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw new OvsdbInvalidRemoteError(text, "unterminated IPv6 literal");
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after && !after.startsWith(":"))
      throw new OvsdbInvalidRemoteError(text, 'expected ":PORT" after "]"');
    portText = after ? after.slice(1) : undefined;
    if (net.isIPv6(host) === false)
      throw new OvsdbInvalidRemoteError(text, `"${host}" is not an IPv6 address`);
  } else {
    const parts = rest.split(":");
    if (parts.length > 2) {
      throw new OvsdbInvalidRemoteError(
        text,
        "IPv6 addresses must be written in brackets, e.g. tcp:[::1]:6640",
      );
    }
    host = parts[0];
    portText = parts[1];
  }
  if (!host) throw new OvsdbInvalidRemoteError(text, "missing host");
  let port = DEFAULT_PORT;
  if (portText !== undefined && portText !== "") {
    if (!/^\d+$/.test(portText))
      throw new OvsdbInvalidRemoteError(text, `port "${portText}" is not a number`);
    port = Number(portText);
    if (port < 1 || port > 65535)
      throw new OvsdbInvalidRemoteError(text, `port ${port} is out of range 1..65535`);
  }
  return { kind: method, host, port, text: s };
}

/** Parse a comma-separated list of remotes, as OVS tools accept (`tcp:a:6641,tcp:b:6641`). */
export function parseRemotes(text: string | string[]): Remote[] {
  const items = (Array.isArray(text) ? text : [text]).flatMap((t) => t.split(","));
  const remotes = items
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map(parseRemote);
  if (remotes.length === 0) throw new OvsdbInvalidRemoteError(String(text), "no remote given");
  return remotes;
}

/**
 * Open a stream to a remote. Resolves once the connection (and the TLS handshake for `ssl:`) is
 * established; rejects after `timeoutMs`.
 */
export function openStream(
  remote: Remote,
  options: { tls?: TlsOptions; timeoutMs?: number } = {},
): Promise<net.Socket> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const readyEvent = remote.kind === "ssl" ? "secureConnect" : "connect";
    if (remote.kind === "unix") {
      socket = net.createConnection({ path: remote.path });
    } else if (remote.kind === "tcp") {
      socket = net.createConnection({ host: remote.host, port: remote.port });
    } else {
      if (!options.tls) {
        reject(
          new OvsdbInvalidRemoteError(
            remote.text,
            "ssl: remotes need TLS material (privateKey, certificate, caCert)",
          ),
        );
        return;
      }
      socket = tls.connect({
        host: remote.host,
        port: remote.port,
        key: options.tls.privateKey,
        cert: options.tls.certificate,
        ca: options.tls.caCert,
        // OVS authenticates peers by CA-signed certificates and does not bind them to host names.
        checkServerIdentity: () => undefined,
        servername: net.isIP(remote.host) ? undefined : remote.host,
      });
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${remote.text} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", onError);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
  });
}
