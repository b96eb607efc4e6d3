/** Shared by the unit tests of provider/ovsdb: the installed schemas and fixed UUIDs. */
import { existsSync, readFileSync } from "node:fs";
import { DatabaseSchema } from "../../../provider/ovsdb/schema";

/** Parses an installed `.ovsschema` file, saying how to install it when it is missing. */
export function loadSchema(file: string): DatabaseSchema {
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npm run setup\` (openvswitch-switch, ovn-central)`);
  return DatabaseSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

export const U1 = "5e9b2a4e-3f3c-4c2a-9d55-2d0b1f1c8a01";
export const U2 = "0b8f3a9e-1d2c-4e5f-8a7b-6c5d4e3f2a1b";
