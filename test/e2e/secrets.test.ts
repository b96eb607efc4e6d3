/**
 * TLS material passed to a resource never appears in plain text in the state or in the engine's
 * output: the connection output is a secret as soon as it carries `tls`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { TestOvsdbServer } from "../../sandbox/ovsdb-server";
import { makeCa, makeCert, tlsMaterial } from "../../sandbox/pki";
import { TestStack } from "./harness/pulumi";
import { ovs } from "../../sdk";

jest.setTimeout(300_000);

describe("TLS material in the state", () => {
  let dir: string;
  let server: TestOvsdbServer;
  let stack: TestStack;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "povs-pki-"));
    await makeCa(dir, "ca");
    await makeCert(dir, "server", "ca");
    await makeCert(dir, "client", "ca");
    server = await TestOvsdbServer.start("vswitch", {
      ssl: {
        privateKey: path.join(dir, "server.key"),
        certificate: path.join(dir, "server.pem"),
        caCert: path.join(dir, "ca.pem"),
      },
    });
    await server.tool("ovs-vsctl", ["--no-wait", "init"]);
  });
  afterAll(async () => {
    await stack?.remove().catch(() => undefined);
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("deploys over ssl: and keeps the private key out of the state and the output", async () => {
    const tls = tlsMaterial(dir, "client", "ca");
    const keyBody = tls.privateKey.split("\n")[1]; // a line of the PEM body
    stack = await TestStack.create({
      project: "secrets",
      stack: "e2e",
      config: { clientKey: { value: tls.privateKey, secret: true } },
      program: async () => {
        const cfg = new pulumi.Config();
        new ovs.Bridge("br-tls", {
          host: {
            remote: server.ssl!,
            tls: {
              privateKey: cfg.requireSecret("clientKey"),
              certificate: tls.certificate,
              caCert: tls.caCert,
            },
          },
          name: "br-tls",
          externalIds: { purpose: "tls-test" },
        });
      },
    });
    const r = await stack.up();
    expect(r.summary.create).toBe(1);
    expect(
      await server.tool("ovs-vsctl", ["--no-wait", "get", "bridge", "br-tls", "external_ids:purpose"]),
    ).toContain("tls-test");
    expect(r.stdout).not.toContain(keyBody);

    const state = await stack.exportState();
    const json = JSON.stringify(state);
    expect(json).not.toContain(keyBody);
    expect(json).toContain("4dabf18193072939515e22adb298388d"); // Pulumi's secret signature

    const p = await stack.preview({ diff: true });
    expect(p.stdout).not.toContain(keyBody);
    await stack.destroy();
    expect(await server.tool("ovs-vsctl", ["--no-wait", "list-br"])).toBe("");
  });
});
