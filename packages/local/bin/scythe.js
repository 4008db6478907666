#!/usr/bin/env node
// @ts-check
// Runs the CLI built from TypeScript (packages/local/dist/cli). The build is checked first: if
// any source it was made from is newer than it, or gone, it is rebuilt (about a second) before
// running, so an edit is never run as the old code. SCYTHE_FROM_SOURCE=1 runs the TypeScript
// through tsx instead, as every run did before the build existed.
import module from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freshBuild } from "./fresh-build.js";

const buildsDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli");

if (process.env.SCYTHE_FROM_SOURCE === "1") {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
} else {
  // Node 22 keeps the compiled code of the build between runs (Node 20 has no such cache).
  module.enableCompileCache?.();
  const main = freshBuild(buildsDir) ?? (await (await import("./build-cli.js")).buildCli());
  await import(pathToFileURL(main).href);
}
