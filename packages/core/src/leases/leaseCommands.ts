import { expiryStillApplies } from "./expiryCheck.js";
import type { LeaseStatus } from "../registry/leaseStatus.js";
import { releasableLeaseStatuses, liveLeaseStatuses } from "../registry/leaseStatus.js";
import type { CommandRecord, LeaseRecord } from "../registry/records.js";
import { transitionLease } from "./transitions.js";
import { done, written, type Applied, type WorkContext } from "./WorkContext.js";

/** Applies one command to a lease. Re-entrant: a worker resuming after a crash reaches the same end. */
export async function applyToLease(id: string, command: CommandRecord, context: WorkContext): Promise<Applied> {
  const lease = await context.registry.getLease(id);
  if (!lease) return done("ignored: no such lease");
  switch (command.command) {
    case "release":
      return releaseLease(lease, command, context);
    case "extend":
      return extendLease(lease, command.newExpiresAt, context);
    default:
      return done(`ignored: a lease does not take ${command.command}`);
  }
}

async function releaseLease(lease: LeaseRecord, command: CommandRecord, context: WorkContext): Promise<Applied> {
  const { registry, clock, fence } = context;
  let current = lease;
  if (releasableLeaseStatuses.includes(current.status)) {
    const resource = await registry.getResource(current.resourceId);
    const expiry = await expiryStillApplies(command, current.expiresAt, resource && { resource, lease: current }, context);
    if (!expiry.applies) {
      if (expiry.veto) {
        const pushed = clock.now() + context.settings.vetoDelayMs;
        written(await registry.updateLease(current, { expiresAt: pushed }, clock.now(), fence), "lease", current.id, current.version);
      }
      return done(expiry.reason);
    }
    const reason = command.command === "release" ? command.reason : "request";
    current = await move(current, "released", context, { releasedBy: command.author, releaseReason: reason, expiresAt: null });
  } else if (current.status !== "released") {
    return done(`already ${current.status}`);
  }
  // Destroy phase: tell the resource the lease has ended, then retire the lease. A worker
  // resuming here may tell the resource twice; the resource ignores a lease it no longer has.
  const resourceRef = { kind: "resource" as const, id: current.resourceId };
  await context.queue.append(resourceRef, { command: "lease-ended", leaseId: current.id }, `lease/${current.id}`);
  context.followUps.push(resourceRef);
  const wasReleasedHere = lease.status !== "released";
  await move(current, "destroyed", context, {});
  return done(wasReleasedHere ? "released; lease destroyed" : "lease destroyed (release finished by this worker)");
}

async function extendLease(lease: LeaseRecord, newExpiresAt: number, context: WorkContext): Promise<Applied> {
  if (!liveLeaseStatuses.includes(lease.status)) return done(`refused: the lease is ${lease.status}`);
  const { registry, clock, fence } = context;
  written(await registry.updateLease(lease, { expiresAt: newExpiresAt }, clock.now(), fence), "lease", lease.id, lease.version);
  return done(`extended to ${new Date(newExpiresAt).toISOString()}`);
}

async function move(lease: LeaseRecord, to: LeaseStatus, context: WorkContext, changes: Parameters<typeof transitionLease>[3]) {
  const out = await transitionLease(context.registry, lease, to, changes, context.clock.now(), context.fence);
  const next = written(out, "lease", lease.id, lease.version);
  context.transitions.push({ ref: { kind: "lease", id: lease.id }, from: lease.status, to });
  return next;
}
