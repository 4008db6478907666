import { Command } from "commander";
import { action } from "../run.js";

const load = () => import("../actions/lock.js");

export function lockCommand(): Command {
  const lock = new Command("lock").description("inspect, take and give back Scythe's fenced DynamoDB locks");

  lock
    .command("status")
    .argument("<name>", "lock name")
    .description("show who holds a lock, until when, and its latest fencing token")
    .action(action(async () => (await load()).status));

  lock
    .command("acquire")
    .argument("<name>", "lock name")
    .option("--lease <duration>", "how long the lease lasts without renewal", "30s")
    .option("--wait <duration>", "how long to wait for a holder to release or expire", "0s")
    .option("--permits <n>", "take one of N permits (a semaphore) instead of a plain lock")
    .option(
      "--turn <duration>",
      "start a turn (up to 1h): until it ends, another `lock acquire` with the same --owner takes the lock again past any waiting line (default 0s: none)",
      "0s",
    )
    .option("--owner <id>", "owner id to record (default: host:pid:random)")
    .description("take a lock; prints the owner and token that `lock release` needs")
    .action(action(async () => (await load()).acquire));

  lock
    .command("release")
    .argument("<name>", "lock (or permit) name")
    .requiredOption("--owner <id>", "the owner id printed by `lock acquire`")
    .requiredOption("--token <n>", "the token printed by `lock acquire`")
    .description("give a lock back; refused unless owner and token are the current holder's")
    .action(action(async () => (await load()).release));

  return lock;
}
