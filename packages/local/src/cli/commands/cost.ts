import { Command } from "commander";
import { action } from "../run.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function costCommand(): Command {
  return new Command("cost")
    .description("measure Scythe's own monthly AWS cost for a fleet: runs every job in a fresh local world and prices what it counted")
    .requiredOption("--fleet <n>", "instances in the fleet (each a leased resource, deployed to by the rolling deploy)")
    .option("--apps-per-day <n>", "ephemeral apps the reaper deletes per day", "20")
    .option("--deploys-per-week <n>", "rolling deploys of the whole fleet per week", "1")
    .option("--leases-per-day <n>", "leases taken and expired per day (default: one per instance)")
    // Collected as typed and checked by the action (exit 2 naming --schedule), before any world starts.
    .option("--schedule <job=expression>", "a job's schedule, e.g. reaper=rate(1 hour) or orphans=off (repeatable)", collect)
    .action(action(async () => (await import("../actions/cost.js")).cost));
}
