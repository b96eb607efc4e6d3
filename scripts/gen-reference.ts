/**
 * Writes docs/reference.md (`npm run docs`, i.e. `node dist/scripts/gen-reference.js` after the
 * build). With `--check`, writes nothing and exits 1 when the file is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { buildReference, referencePath, renderReference, undocumentedArguments } from "./reference";

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const ref = buildReference();
  const text = renderReference(ref);
  const file = referencePath();
  const rel = path.relative(process.cwd(), file) || file;
  for (const p of ref.problems) console.warn(`warning: ${p}`);
  const undocumented = undocumentedArguments(ref);
  if (undocumented.length)
    console.warn(`warning: arguments without a description: ${undocumented.join(", ")}`);

  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  if (check) {
    if (current === text) {
      console.log(`${rel} is up to date (${ref.resources.length} resources)`);
      return 0;
    }
    console.error(`${rel} is out of date: run \`npm run docs\``);
    return 1;
  }
  if (current === text) {
    console.log(`${rel} unchanged (${ref.resources.length} resources)`);
    return 0;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.log(`wrote ${rel} (${ref.resources.length} resources)`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
