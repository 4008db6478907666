import { Command } from "commander";
import { costCommand } from "./commands/cost.js";
import { deallocateCommand } from "./commands/deallocate.js";
import { dlqCommand } from "./commands/dlq.js";
import { demoCommand } from "./commands/demo.js";
import { devCommand } from "./commands/dev.js";
import { lockCommand } from "./commands/lock.js";
import { orphansCommand } from "./commands/orphans.js";
import { leasesCommand } from "./commands/leases.js";
import { resourcesCommand } from "./commands/resources.js";
import { reapCommand } from "./commands/reap.js";
import { deployCommand } from "./commands/deploy.js";

/** The whole `scythe` command tree, fresh for each run (commander keeps parsed values on it). */
export function buildProgram(): Command {
  return new Command("scythe")
    .description(
      "Keep an AWS fleet tidy and deploy to it without downtime.\n\n" +
        "Commands act on the local world started by `scythe dev` (found through .scythe/world.json), or on a deployed stage when run under `npx sst bind`.\n\n" +
        "Exit codes: 0 done, 1 failed, 2 bad input (usage, a malformed value or an unknown id), 3 incomplete (stopped short of its goal).",
    )
    .option("--json", "print one JSON document on stdout instead of text")
    .showHelpAfterError()
    .addCommand(devCommand())
    .addCommand(demoCommand())
    .addCommand(lockCommand())
    .addCommand(deallocateCommand())
    .addCommand(orphansCommand())
    .addCommand(leasesCommand())
    .addCommand(resourcesCommand())
    .addCommand(reapCommand())
    .addCommand(deployCommand())
    .addCommand(costCommand())
    .addCommand(dlqCommand());
}
