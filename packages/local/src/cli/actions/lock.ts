import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService, actor } from "@scythe/core/lock";
import { ValidationError } from "@scythe/core/errors";
import { parseInput } from "@scythe/core/validation";
import { parseCount, parseDuration, parsePositiveDuration } from "../durations.js";
import { namingOptions } from "../optionNames.js";
import type { Output } from "../output.js";
import { resolveTarget } from "../target.js";

async function lockService(owner?: string, turnMs = 0) {
  // The owner is written as the holder: refuse an empty or unprintable one before anything is written.
  if (owner !== undefined) parseInput(actor, owner, "--owner");
  const target = await resolveTarget();
  const locks = new LockService({ store: new DynamoLockStore(target.doc, { tableName: target.tables.locks }), ownerId: owner, turnMs });
  return { target, locks };
}

/** The longest --turn (as LockServiceOptions.turnMs allows). */
const maxTurnMs = 60 * 60 * 1000;

/** `scythe lock status <name>` */
export async function status(output: Output, name: string): Promise<void> {
  const { target, locks } = await lockService();
  const status = await locks.status(name);
  const human = !status.exists
    ? `${name}: never acquired (no such lock yet)`
    : status.kind === "semaphore"
      ? `${name}: a semaphore of ${status.permits} permits (${name}#0 .. ${name}#${(status.permits ?? 1) - 1})`
      : status.held
      ? `${name}: held by ${status.holder} until ${new Date(status.expiresAt ?? 0).toISOString()} (token ${status.token})`
      : `${name}: free (latest token ${status.token})`;
  output.result({ ...status, target: target.description }, human);
}

/** `scythe lock acquire <name>` */
export async function acquire(output: Output, name: string, opts: { lease: string; wait: string; permits?: string; owner?: string; turn?: string }): Promise<void> {
  const leaseMs = parsePositiveDuration("--lease", opts.lease);
  // `--lease 1ms` (for 1m) would take a lock that has ended before the command prints it.
  if (leaseMs < 1000) {
    const typo = /^\d+ms$/.test(opts.lease.trim()) ? ` (did you mean ${opts.lease.trim().replace(/ms$/, "m")}?)` : "";
    throw new ValidationError("--lease", `"${opts.lease}" is shorter than 1s: the lock would end before anyone could use it${typo}`);
  }
  const waitMs = parseDuration("--wait", opts.wait);
  const turnMs = parseDuration("--turn", opts.turn ?? "0s");
  if (turnMs > maxTurnMs) throw new ValidationError("--turn", `"${opts.turn}" is longer than 1h (each contender waiting may wait one turn per contender ahead of it)`);
  if (turnMs > 0 && opts.permits !== undefined) throw new ValidationError("--turn", "applies to an exclusive lock; a semaphore's permits (--permits) have no turns");
  const { locks } = await lockService(opts.owner, turnMs);
  if (waitMs > 0) output.progress(`waiting up to ${opts.wait} for ${name}`);
  const permits = opts.permits === undefined ? undefined : parseCount("--permits", opts.permits);
  const lease = await namingOptions({ leaseMs: "--lease", waitMs: "--wait", permits: "--permits" }, () =>
    permits !== undefined ? locks.acquirePermit(name, permits, { leaseMs, waitMs }) : locks.acquire(name, { leaseMs, waitMs }),
  );
  const until = new Date(lease.validUntil + locks.skewMs).toISOString();
  output.result(
    { name: lease.name, owner: lease.owner, token: lease.token, expiresAt: until },
    `acquired ${lease.name} as ${lease.owner}, token ${lease.token}, lease until ${until}\n` +
      `release with: scythe lock release ${lease.name} --owner '${lease.owner}' --token ${lease.token}` +
      (turnMs > 0 ? `\nuntil your turn ends (${opts.turn} from now), lock acquire ${lease.name} --owner '${lease.owner}' --turn ${opts.turn} takes it again past any waiting line` : ""),
  );
}

/** `scythe lock release <name>` */
export async function release(output: Output, name: string, opts: { owner: string; token: string }): Promise<void> {
  const { locks } = await lockService(opts.owner);
  const token = parseCount("--token", opts.token);
  await locks.release({ name, owner: opts.owner, token, leaseMs: 1, validUntil: 0 });
  output.result({ name, released: true, token }, `released ${name} (token ${token})`);
}
