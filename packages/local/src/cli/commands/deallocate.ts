import { Command } from "commander";
import { action } from "../run.js";

export function deallocateCommand(): Command {
  return new Command("deallocate")
    .description("destroy resources marked for deletion that no live lease holds and no resource references")
    .option("--dry-run", "show what would be destroyed (cascades included), change nothing")
    .action(action(async () => (await import("../actions/deallocate.js")).deallocate));
}
