import { Command } from "commander";
import { deallocateCommand } from "./commands/deallocate.js";
import { demoCommand } from "./commands/demo.js";
import { devCommand } from "./commands/dev.js";
import { lockCommand } from "./commands/lock.js";
import { orphansCommand } from "./commands/orphans.js";
import { leasesCommand } from "./commands/leases.js";
import { resourcesCommand } from "./commands/resources.js";
import { reapCommand } from "./commands/reap.js";
import { deployCommand } from "./commands/deploy.js";

const program = new Command("scythe")
  .description(
    "Keep an AWS fleet tidy and deploy to it without downtime.\n\n" +
      "Commands act on the local world started by `scythe dev` (found through .scythe/world.json), or on a deployed stage when run under `npx sst bind`.",
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
  .addCommand(deployCommand());

await program.parseAsync(process.argv);
