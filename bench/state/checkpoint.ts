/**
 * Bytes of a file-backend checkpoint (`<backend>/.pulumi/stacks/<project>/<stack>.json`, compact
 * JSON as the CLI writes it), per resource: what its `__provider` entries cost (inputs and
 * outputs), what its source position and stack trace cost, and the rest.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface ResourceBytes {
  urn: string;
  type: string;
  /** The resource's element in the checkpoint, with its separating comma. */
  total: number;
  /** `"__provider":"…",` in the inputs and in the outputs. */
  provider: number;
  /** `sourcePosition` and `stackTrace`: where the program declared the resource. */
  trace: number;
  /** The `__provider` text of the inputs (what the dynamic-provider process evaluates). */
  providerText: string;
}

export interface CheckpointBytes {
  /** Size of the checkpoint file. */
  file: number;
  resources: ResourceBytes[];
}

type Json = Record<string, unknown>;

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

function without(r: Json, drop: (r: Json) => void): Json {
  const copy = structuredClone(r);
  drop(copy);
  return copy;
}

/** The checkpoint file of a stack in a file backend directory. */
export function checkpointPath(backendDir: string, project: string, stack: string): string {
  return path.join(backendDir, ".pulumi", "stacks", project, `${stack}.json`);
}

/**
 * Measures a checkpoint. The CLI's compact JSON is JSON.stringify's form of the same value (checked:
 * a difference would make every per-resource figure wrong), so a resource's bytes are the bytes of
 * its element, and a part's bytes are the difference made by leaving the part out.
 */
export function measureCheckpoint(file: string): CheckpointBytes {
  const text = fs.readFileSync(file, "utf8");
  const value = JSON.parse(text) as { checkpoint: { latest: { resources: Json[] } } };
  if (bytes(value) !== Buffer.byteLength(text.trimEnd()))
    throw new Error(
      `${file}: the CLI's JSON differs from JSON.stringify's; per-resource bytes would be wrong`,
    );
  const resources = value.checkpoint.latest.resources.map((r) => {
    const total = bytes(r) + 1;
    const noProvider = without(r, (c) => {
      for (const k of ["inputs", "outputs"]) delete (c[k] as Json | undefined)?.__provider;
    });
    const noTrace = without(r, (c) => {
      delete c.sourcePosition;
      delete c.stackTrace;
    });
    return {
      urn: String(r.urn),
      type: String(r.type),
      total,
      provider: total - 1 - bytes(noProvider),
      trace: total - 1 - bytes(noTrace),
      providerText: String((r.inputs as Json | undefined)?.__provider ?? ""),
    };
  });
  return { file: Buffer.byteLength(text), resources };
}
