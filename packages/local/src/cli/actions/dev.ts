import { ValidationError } from "@scythe/core/errors";
import { startStatusServer } from "../../status/server.js";
import { startLocalWorld } from "../../world/world.js";
import { removeWorldFile, writeWorldFile } from "../../world/worldFile.js";
import { onShutdown } from "../../world/shutdown.js";
import { parseCount } from "../durations.js";
import { cliRun } from "../context.js";
import type { Output } from "../output.js";

/** Real milliseconds per simulated second: a plain number (0 runs simulated waits at once). */
function parseScale(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 60_000) {
    throw new ValidationError("--time-scale", `"${text}" is not a number of milliseconds from 0 to 60000`);
  }
  return value;
}

/** `scythe dev`: the local world, its endpoints printed once both servers answer, until Ctrl-C. */
export async function dev(output: Output, opts: { timeScale: string; dynamodbPort?: string; simulatorPort?: string; statusPort?: string }): Promise<void> {
  const statusPort = opts.statusPort ? parseCount("--status-port", opts.statusPort) : undefined;
  output.progress("starting DynamoDB Local and the fleet simulator");
  const world = await startLocalWorld({
    timeScale: parseScale(opts.timeScale),
    quickStart: true,
    dynamoPort: opts.dynamodbPort !== undefined ? parseCount("--dynamodb-port", opts.dynamodbPort) : undefined,
    simulatorPort: opts.simulatorPort !== undefined ? parseCount("--simulator-port", opts.simulatorPort) : undefined,
  });
  const status = await startStatusServer({
    doc: world.doc,
    tables: world.endpoints.tables,
    simulator: world.endpoints.simulator,
    port: statusPort,
    description: `DynamoDB Local ${world.endpoints.dynamodb} · fleet simulator ${world.endpoints.simulator}`,
  });
  onShutdown(() => status.close());
  const endpoints = { ...world.endpoints, statusPage: status.url };
  const file = await writeWorldFile(endpoints);
  onShutdown(() => removeWorldFile());
  cliRun().stdout.write(`${JSON.stringify({ ...endpoints, worldFile: file }, null, 2)}\n`);
  output.progress(`local world running; endpoints recorded in ${file}; status page at ${status.url}; Ctrl-C to stop`);
  await new Promise<never>(() => undefined);
}
