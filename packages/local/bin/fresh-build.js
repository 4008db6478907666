// @ts-check
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * The entry point of the current build in `buildsDir`, or undefined when there is none, or
 * when any source it was made from was changed after the build began, or is gone.
 * @param {string} buildsDir
 * @returns {string | undefined}
 */
export function freshBuild(buildsDir) {
  /** @type {{ main: string; startedAt: number; inputs: string[] }} */
  let current;
  try {
    current = JSON.parse(readFileSync(join(buildsDir, "current.json"), "utf8"));
  } catch {
    return undefined;
  }
  try {
    for (const input of current.inputs) if (statSync(resolve(buildsDir, input)).mtimeMs >= current.startedAt) return undefined;
  } catch {
    // A source is gone (moved, deleted): build again.
    return undefined;
  }
  return join(buildsDir, current.main);
}
