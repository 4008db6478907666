import { Command } from "commander";
import { startLocalWorld } from "../../world/world.js";
import { removeWorldFile, writeWorldFile } from "../../world/worldFile.js";
import { onShutdown } from "../../world/shutdown.js";
import { parseCount } from "../durations.js";
import { action } from "../run.js";

export function devCommand(): Command {
  return new Command("dev")
    .description("start DynamoDB Local and the fleet simulator, print their endpoints (JSON) and keep running until Ctrl-C")
    .option("--time-scale <ms>", "real milliseconds per simulated second (300 s of draining takes 300 ms at 1)", "1")
    .option("--dynamodb-port <port>", "port for DynamoDB Local (default: a free one)")
    .option("--simulator-port <port>", "port for the fleet simulator (default: a free one)")
    .action(
      action(async (output, opts: { timeScale: string; dynamodbPort?: string; simulatorPort?: string }) => {
        output.progress("starting DynamoDB Local and the fleet simulator");
        const world = await startLocalWorld({
          timeScale: Number(opts.timeScale),
          dynamoPort: opts.dynamodbPort ? parseCount("--dynamodb-port", opts.dynamodbPort) : undefined,
          simulatorPort: opts.simulatorPort ? parseCount("--simulator-port", opts.simulatorPort) : undefined,
        });
        const file = await writeWorldFile(world.endpoints);
        onShutdown(() => removeWorldFile());
        process.stdout.write(`${JSON.stringify({ ...world.endpoints, worldFile: file }, null, 2)}\n`);
        output.progress(`local world running; endpoints recorded in ${file}; Ctrl-C to stop`);
        await new Promise<never>(() => undefined);
      }),
    );
}
