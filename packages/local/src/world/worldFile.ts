import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ScytheError, ValidationError } from "@scythe/core/errors";
import { z } from "zod";
import type { WorldEndpoints } from "./world.js";

export class NoLocalWorldError extends ScytheError {}

const worldFile = z.object({
  dynamodb: z.string().min(1),
  simulator: z.string(),
  heroku: z.string(),
  tables: z.object({ locks: z.string().min(3), registry: z.string().min(3) }),
  pid: z.number().int().positive(),
});

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
  const endpoints = parseWorldFile(text, path, env.SCYTHE_WORLD ? "SCYTHE_WORLD" : "world file");
  if (!isAlive(endpoints.pid)) {
    throw new NoLocalWorldError(`The local world recorded in ${path} (pid ${endpoints.pid}) has stopped: ${hint}.`);
  }
  return endpoints;
}

/** A world file's endpoints, or an error naming the file (and SCYTHE_WORLD when it pointed there). */
function parseWorldFile(text: string, path: string, field: string): WorldEndpoints {
  const notAWorld = (why: string) => new ValidationError(field, `${path} is not a world file written by \`scythe dev\` (${why})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw notAWorld(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = worldFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw notAWorld(`${issue?.path.join(".") || "content"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
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
