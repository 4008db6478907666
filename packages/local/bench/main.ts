// `npm run bench -- <name> [<name> ...]` runs bench/<name>.ts; with no name, lists them.
import { readdir } from "node:fs/promises";

const here = new URL(".", import.meta.url);
const available = (await readdir(here))
  .filter((f) => f.endsWith(".ts") && !["main.ts", "support.ts"].includes(f) && !f.endsWith(".d.ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();
const requested = process.argv.slice(2);

if (requested.length === 0) {
  console.log(`usage: npm run bench -- <${available.join("|")}> ...`);
  process.exit(0);
}
for (const name of requested) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(", ")}`);
    process.exit(2);
  }
}
for (const name of requested) {
  const bench = (await import(new URL(`${name}.ts`, here).href)) as { run: () => Promise<void> };
  console.log(`\n=== ${name} ===`);
  await bench.run();
}
