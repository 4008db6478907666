import { Command } from "commander";
import { action } from "../run.js";

const load = () => import("../actions/dlq.js");

export function dlqCommand(): Command {
  const dlq = new Command("dlq").description("inspect and redrive the stage's dead-letter queue (failed scheduled runs, events and stream batches)");
  dlq
    .command("list")
    .description("show what waits in the dead-letter queue, leaving it there")
    .option("--queue-url <url>", "the stage's DeadLetterQueueUrl output (default: SCYTHE_DLQ_URL)")
    .option("--limit <n>", "letters to show at most", "50")
    .action(action(async () => (await load()).list));
  dlq
    .command("redrive")
    .description("invoke each letter's function again (an event with its payload; a stream batch with its records read again), deleting the letters that went through")
    .option("--queue-url <url>", "the stage's DeadLetterQueueUrl output (default: SCYTHE_DLQ_URL)")
    .option("--limit <n>", "letters to redrive at most", "50")
    .option("--dry-run", "show what would be invoked, invoke and delete nothing")
    .action(action(async () => (await load()).redrive));
  return dlq;
}
