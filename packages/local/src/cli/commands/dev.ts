import { Command } from "commander";
import { action } from "../run.js";

export function devCommand(): Command {
  return new Command("dev")
    .description("start DynamoDB Local and the fleet simulator, print their endpoints (JSON) and keep running until Ctrl-C")
    .option("--time-scale <ms>", "real milliseconds per simulated second (300 s of draining takes 300 ms at 1)", "1")
    .option("--dynamodb-port <port>", "port for DynamoDB Local (default: a free one)")
    .option("--simulator-port <port>", "port for the fleet simulator (default: a free one)")
    .option("--status-port <port>", "port for the status page (default: a free one)")
    .action(action(async () => (await import("../actions/dev.js")).dev));
}
