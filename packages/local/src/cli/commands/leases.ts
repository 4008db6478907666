import { userInfo } from "node:os";
import { Command } from "commander";
import { action } from "../run.js";

const load = () => import("../actions/leases.js");

/** Who a release or an extend is recorded as by default. */
export const defaultAuthor = () => `cli:${userInfo().username}`;

export function leasesCommand(): Command {
  const leases = new Command("leases").description("lease resources; release and extend go through each lease's command queue");

  leases
    .command("acquire")
    .argument("<resource>", "resource id")
    .requiredOption("--holder <id>", "who holds the lease (a job, a person)")
    .option("--expires-in <duration>", "release the lease this long from now unless extended (e.g. 30m)")
    .description("lease an active resource")
    .action(action(async () => (await load()).acquire));

  leases
    .command("release")
    .argument("<lease>", "lease id")
    .option("--author <id>", "recorded as who asked", defaultAuthor())
    .option("--dry-run", "show what the release would act on, append nothing")
    .description("ask for a lease to be released; its worker releases it and ends its hold on the resource")
    .action(action(async () => (await load()).release));

  leases
    .command("extend")
    .argument("<lease>", "lease id")
    .requiredOption("--expires-in <duration>", "the lease's new expiry, counted from now (e.g. 1h)")
    .option("--author <id>", "recorded as who asked", defaultAuthor())
    .description("move a lease's expiry (an extend command)")
    .action(action(async () => (await load()).extend));

  leases
    .command("list")
    .option("--resource <id>", "only leases on this resource")
    .option("--all", "include destroyed leases")
    .description("list leases")
    .action(action(async () => (await load()).list));

  leases
    .command("expire")
    .option("--dry-run", "list what is due, release nothing")
    .description("run the expiry sweep once: release every lease and resource past its expiry")
    .action(action(async () => (await load()).expire));

  return leases;
}
