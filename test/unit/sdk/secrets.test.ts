/**
 * The resource options the generated SDK classes pass: a connection with TLS material, and an
 * argument declared secret (ovs.Flow's `tls`), stay secret in the outputs whenever they are given.
 */
import { withSecretArgs, withSecrets } from "../../../sdk/common";

const tls = { privateKey: "k", certificate: "c", caCert: "a" };

describe("withSecretArgs", () => {
  it("adds the given secret arguments to the options' secret outputs, after the connection's", () => {
    const opts = withSecrets({ additionalSecretOutputs: ["x"] }, "host", { remote: "ssl:h:6640", tls });
    expect(withSecretArgs(opts, { tls }, ["tls"]).additionalSecretOutputs).toEqual(["x", "host", "tls"]);
  });

  it("leaves the options as they are when no secret argument is given", () => {
    const opts = withSecrets(undefined, "host", { remote: "unix:/x/db.sock" });
    expect(withSecretArgs(opts, { tls: undefined }, ["tls"])).toBe(opts);
    expect(withSecretArgs(opts, {}, ["tls"]).additionalSecretOutputs).toBeUndefined();
  });
});
