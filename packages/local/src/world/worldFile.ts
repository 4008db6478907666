import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ScytheError } from "@scythe/core";
import type { WorldEndpoints } from "./world.js";

export class NoLocalWorldError extends ScytheError {}

/** `scythe dev` records its endpoints here so other commands in this directory find it. */
export const worldFilePath = (cwd = process.cwd()) => join(cwd, ".scythe", "world.json");

export async function writeWorldFile(endpoints: WorldEndpoints, cwd?: string): Promise<string> {
  const path = worldFilePath(cwd);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, `${JSON.stringify(endpoints, null, 2)}\n`);
  return path;
}

export async function removeWorldFile(cwd?: string): Promise<void> {
  await rm(worldFilePath(cwd), { force: true });
}

/**
 * The running world: from SCYTHE_WORLD (a path to such a file) or .scythe/world.json.
 * A file left by a world that has stopped is reported as no world, not used.
 */
export async function findWorld(cwd?: string, env: NodeJS.ProcessEnv = process.env): Promise<WorldEndpoints> {
  const path = env.SCYTHE_WORLD || worldFilePath(cwd);
  const hint = "start one with `scythe dev` in another terminal (or set SCYTHE_WORLD to its world.json)";
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new NoLocalWorldError(`No local world is running (no ${path}): ${hint}.`);
  }
  const endpoints = JSON.parse(text) as WorldEndpoints;
  if (!isAlive(endpoints.pid)) {
    throw new NoLocalWorldError(`The local world recorded in ${path} (pid ${endpoints.pid}) has stopped: ${hint}.`);
  }
  return endpoints;
}

/** Whether a process with this pid exists (signal 0 checks without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
