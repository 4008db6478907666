// `npm run bundle-sizes [-- --json] [-- --packages]`: bundles every Lambda handler the way SST v2
// does for `sst deploy` (esbuild, ESM, not minified) and prints each bundle's size and the
// packages it holds, from esbuild's metafile. A measurement, not a test.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const src = join(root, "packages", "functions", "src");

/** Every module that exports a Lambda `handler` (what the stacks point at). */
async function handlerFiles(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(src, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    if (/^export const handler\b/m.test(await readFile(file, "utf8"))) found.push(file);
  }
  return found.sort();
}

/** The package a bundled input belongs to: `@scope/name`, `name`, or `@scythe/<workspace>`. */
function packageOf(input: string): string {
  // The innermost node_modules names the package (a nested copy counts as its own package).
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.slice(input.lastIndexOf("node_modules/")));
  if (inModules?.[1]) return inModules[1];
  const workspace = /^packages\/([^/]+)\//.exec(input);
  return workspace?.[1] ? `@scythe/${workspace[1]}` : input;
}

export interface BundleSize {
  readonly handler: string;
  readonly bytes: number;
  readonly packages: Record<string, number>;
}

/** The options SST v2's Node handler passes esbuild for an ESM function (sst/runtime/handlers/node.js). */
export async function measure(file: string): Promise<BundleSize> {
  const result = await build({
    entryPoints: [file],
    platform: "node",
    bundle: true,
    keepNames: true,
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    external: ["sharp", "pg-native"],
    banner: { js: 'import { createRequire as topLevelCreateRequire } from "module";\nconst require = topLevelCreateRequire(import.meta.url);' },
    outfile: join(root, ".sst", "bundle-sizes", "out.mjs"),
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: root,
  });
  const [output] = Object.values(result.metafile.outputs);
  const packages: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    packages[name] = (packages[name] ?? 0) + bytesInOutput;
  }
  return { handler: relative(src, file).replace(/\.ts$/, ""), bytes: output?.bytes ?? 0, packages };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = [];
  for (const file of await handlerFiles()) sizes.push(await measure(file));
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(sizes, null, 2));
  } else {
    console.log("| handler | bundle | AWS SDK (@aws-sdk, @smithy, @aws-crypto) | @aws-sdk/client-dynamodb | @scythe/core |");
    console.log("|---|---:|---:|---:|---:|");
    for (const s of sizes) {
      const sdk = Object.entries(s.packages).filter(([p]) => p.startsWith("@aws-sdk/") || p.startsWith("@smithy/") || p.startsWith("@aws-crypto/")).reduce((n, [, b]) => n + b, 0);
      console.log(`| ${s.handler} | ${kb(s.bytes)} | ${kb(sdk)} | ${kb(s.packages["@aws-sdk/client-dynamodb"] ?? 0)} | ${kb(s.packages["@scythe/core"] ?? 0)} |`);
      if (process.argv.includes("--packages")) {
        for (const [p, b] of Object.entries(s.packages).sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`|   ${p} | ${kb(b)} | | | |`);
      }
    }
  }
}
