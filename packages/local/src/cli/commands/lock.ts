import { Command } from "commander";
import { DynamoLockStore, LockService, actor, parseInput } from "@scythe/core";
import { parseCount, parseDuration, parsePositiveDuration } from "../durations.js";
import { action } from "../run.js";
import { resolveTarget } from "../target.js";

async function lockService(owner?: string) {
  // The owner is written as the holder: refuse an empty or unprintable one before anything is written.
  if (owner !== undefined) parseInput(actor, owner, "--owner");
  const target = await resolveTarget();
  const locks = new LockService({ store: new DynamoLockStore(target.doc, { tableName: target.tables.locks }), ownerId: owner });
  return { target, locks };
}

export function lockCommand(): Command {
  const lock = new Command("lock").description("inspect, take and give back Scythe's fenced DynamoDB locks");

  lock
    .command("status")
    .argument("<name>", "lock name")
    .description("show who holds a lock, until when, and its latest fencing token")
    .action(
      action(async (output, name: string) => {
        const { target, locks } = await lockService();
        const status = await locks.status(name);
        const human = !status.exists
          ? `${name}: never acquired (no such lock yet)`
          : status.held
            ? `${name}: held by ${status.holder} until ${new Date(status.expiresAt ?? 0).toISOString()} (token ${status.token})`
            : `${name}: free (latest token ${status.token})`;
        output.result({ ...status, target: target.description }, human);
      }),
    );

  lock
    .command("acquire")
    .argument("<name>", "lock name")
    .option("--lease <duration>", "how long the lease lasts without renewal", "30s")
    .option("--wait <duration>", "how long to wait for a holder to release or expire", "0s")
    .option("--permits <n>", "take one of N permits (a semaphore) instead of a plain lock")
    .option("--owner <id>", "owner id to record (default: host:pid:random)")
    .description("take a lock; prints the owner and token that `lock release` needs")
    .action(
      action(async (output, name: string, opts: { lease: string; wait: string; permits?: string; owner?: string }) => {
        const leaseMs = parsePositiveDuration("--lease", opts.lease);
        const waitMs = parseDuration("--wait", opts.wait);
        const { locks } = await lockService(opts.owner);
        if (waitMs > 0) output.progress(`waiting up to ${opts.wait} for ${name}`);
        const lease = opts.permits !== undefined
          ? await locks.acquirePermit(name, parseCount("--permits", opts.permits), { leaseMs, waitMs })
          : await locks.acquire(name, { leaseMs, waitMs });
        const until = new Date(lease.validUntil + locks.skewMs).toISOString();
        output.result(
          { name: lease.name, owner: lease.owner, token: lease.token, expiresAt: until },
          `acquired ${lease.name} as ${lease.owner}, token ${lease.token}, lease until ${until}\n` +
            `release with: scythe lock release ${lease.name} --owner '${lease.owner}' --token ${lease.token}`,
        );
      }),
    );

  lock
    .command("release")
    .argument("<name>", "lock (or permit) name")
    .requiredOption("--owner <id>", "the owner id printed by `lock acquire`")
    .requiredOption("--token <n>", "the token printed by `lock acquire`")
    .description("give a lock back; refused unless owner and token are the current holder's")
    .action(
      action(async (output, name: string, opts: { owner: string; token: string }) => {
        const { locks } = await lockService(opts.owner);
        const token = parseCount("--token", opts.token);
        await locks.release({ name, owner: opts.owner, token, leaseMs: 1, validUntil: 0 });
        output.result({ name, released: true, token }, `released ${name} (token ${token})`);
      }),
    );

  return lock;
}
