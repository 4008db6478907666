import { Command, Option } from "commander";
import type { ConflictStrategy } from "@scythe/core/reaper";
import { action } from "../run.js";

/**
 * What `--on-conflict` takes, written here so that the help loads nothing of the core; a test
 * holds it equal to the reaper's own list (`conflictStrategies`), which checks the value.
 */
export const onConflictChoices = ["refresh-and-continue", "stop-when-under-limit"] as const satisfies readonly ConflictStrategy[];

export function reapCommand(): Command {
  return new Command("reap")
    .description("delete ephemeral apps in the namespace older than the TTL, oldest first, keeping their number under the limit (Hatchet's reaper)")
    .option("--older-than <duration>", "TTL: delete apps at least this old", "7m")
    .option("--limit <n>", "keep fewer than this many namespace apps; at or over it, wait for the oldest to reach the TTL", "20")
    .option("--namespace <regex>", "app names Scythe may delete (default ^hatchet-t-[a-f0-9]+$)")
    // Given with --all, an age or a limit would be silently ignored: refused instead (commander checks only values typed, not defaults).
    .addOption(new Option("--all", "delete every app in the namespace, whatever its age").conflicts(["olderThan", "limit", "maxWait"]))
    .option("--dry-run", "list what would be deleted, delete nothing")
    .option("--concurrency <n>", "deletes in flight at once", "4")
    .option("--on-conflict <strategy>", `when a delete finds the app already gone: ${onConflictChoices.join(" | ")}`, "refresh-and-continue")
    .option("--max-wait <duration>", "longest this pass may wait for apps to age when over the limit", "10m")
    .option("--lock-wait <duration>", "how long to wait for another reaper's pass to end", "2m")
    .option("--reserve <n>", "Heroku requests per budget left for others (the CI creating apps)", "300")
    .action(action(async () => (await import("../actions/reap.js")).reap));
}
