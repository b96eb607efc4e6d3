/**
 * RFC 7047 OVSDB client. No Pulumi imports: usable on its own.
 *
 * Layers: framing and JSON-RPC (`framing`, `rpc`), wire notation and schema (`schema`, `codec`,
 * `operations`), and the client (`transport`, `client`, `cache`).
 */
export * from "./errors";
export * from "./framing";
export * from "./transport";
export * from "./rpc";
export * from "./schema";
export * from "./codec";
export * from "./operations";
export * from "./client";
export * from "./cache";
