import { Command } from "commander";
import { action } from "../run.js";

export function orphansCommand(): Command {
  return new Command("orphans")
    .description("remove cloud resources named in Scythe's scheme whose owning record is gone (never anything else)")
    .option("--dry-run", "list what would be removed, remove nothing")
    .action(action(async () => (await import("../actions/orphans.js")).orphans));
}
