import { deallocationRefusal } from "../registry/usage.js";
import { destroyResource } from "./destroyResource.js";
import { expiryStillApplies } from "./expiryCheck.js";
import type { CommandRecord, ResourceRecord } from "../registry/records.js";
import { liveResourceStatuses, releasableResourceStatuses } from "../registry/resourceStatus.js";
import { transitionResource } from "./transitions.js";
import { done, written, type Applied, type WorkContext } from "./WorkContext.js";

/** Applies one command to a resource. Re-entrant: a worker resuming after a crash reaches the same end. */
export async function applyToResource(id: string, command: CommandRecord, context: WorkContext): Promise<Applied> {
  const resource = await context.registry.getResource(id);
  if (!resource) return done("ignored: no such resource");
  switch (command.command) {
    case "release":
      return releaseResource(resource, command, command.reason, context);
    case "reclaim": {
      const refusal = reclaimRefusal(resource, context);
      return refusal ? done(`refused: ${refusal}`) : releaseResource(resource, command, "reclaim", context);
    }
    case "deallocate": {
      // The deallocator only nominates; the single writer decides, on what it reads now.
      const view = { lease: (id: string) => context.registry.getLease(id), resource: (id: string) => context.registry.getResource(id) };
      const refusal = releasableResourceStatuses.includes(resource.status) ? await deallocationRefusal(resource, view) : undefined;
      return refusal ? done(`kept: ${refusal}`) : releaseResource(resource, command, "deallocate", context);
    }
    case "extend":
      return extendResource(resource, command.newExpiresAt, context);
    case "lease-ended":
      return leaseEnded(resource, command.leaseId, context);
    default:
      return done(`ignored: ${command.command}`);
  }
}

async function releaseResource(resource: ResourceRecord, command: CommandRecord, reason: string, context: WorkContext): Promise<Applied> {
  const { registry, clock, fence } = context;
  let current = resource;
  if (releasableResourceStatuses.includes(current.status)) {
    const expiry = await expiryStillApplies(command, current.expiresAt, { resource: current }, context);
    if (!expiry.applies) {
      if (expiry.veto) {
        const pushed = clock.now() + context.settings.vetoDelayMs;
        written(await registry.updateResource(current, { expiresAt: pushed }, clock.now(), fence), "resource", current.id, current.version);
      }
      return done(expiry.reason);
    }
    current = await release(current, reason, context);
  } else if (current.status !== "released") {
    return done(`already ${current.status}`);
  }
  // Drydock: releasing a resource releases its leases first; it is destroyed once the last one has ended.
  if (current.leaseIds.length > 0) {
    for (const leaseId of current.leaseIds) {
      const leaseRef = { kind: "lease" as const, id: leaseId };
      await context.queue.append(leaseRef, { command: "release", reason: "resource-released" }, `resource/${current.id}`);
      context.followUps.push(leaseRef);
    }
    return done(`released; waiting for ${current.leaseIds.length} lease(s) to end`);
  }
  return destroyResource(current, context);
}

function reclaimRefusal(resource: ResourceRecord, context: WorkContext): string | undefined {
  if (!releasableResourceStatuses.includes(resource.status)) return undefined;
  if (resource.leaseIds.length > 0) return `${resource.leaseIds.length} live lease(s) hold it`;
  const since = context.clock.now() - resource.updatedAt;
  if (since < context.settings.reclaimGraceMs) return `it changed ${Math.round(since / 1000)} s ago (grace ${context.settings.reclaimGraceMs / 1000} s)`;
  return undefined;
}

async function extendResource(resource: ResourceRecord, newExpiresAt: number, context: WorkContext): Promise<Applied> {
  if (!liveResourceStatuses.includes(resource.status)) return done(`refused: the resource is ${resource.status}`);
  const { registry, clock, fence } = context;
  const changes = { expiresAt: newExpiresAt, idleCountdown: false };
  written(await registry.updateResource(resource, changes, clock.now(), fence), "resource", resource.id, resource.version);
  return done(`extended to ${new Date(newExpiresAt).toISOString()}`);
}

async function leaseEnded(resource: ResourceRecord, leaseId: string, context: WorkContext): Promise<Applied> {
  const { registry, clock, fence } = context;
  let current = resource;
  if (current.leaseIds.includes(leaseId)) {
    const last = current.leaseIds.length === 1;
    const idleMs = current.expireAfterIdleMs;
    // A resource set to expire after its last lease: the countdown starts now (0: released at once).
    const expiresAt = last && current.status === "active" && idleMs !== undefined && idleMs > 0 ? clock.now() + idleMs : undefined;
    const countdown = expiresAt !== undefined ? { expiresAt, idleCountdown: true } : {};
    if (last && current.status === "active" && idleMs === 0) {
      // Dropping the last lease and releasing in one write: a worker dying between the two
      // would leave an idle resource that nothing releases.
      current = await release(current, "idle", context, { removeLeaseId: leaseId });
    } else {
      const out = await registry.updateResource(current, { removeLeaseId: leaseId, ...countdown }, clock.now(), fence);
      current = written(out, "resource", current.id, current.version);
    }
  } else if (current.status !== "released") {
    return done(`ignored: lease ${leaseId} does not hold this resource`);
  }
  if (current.status === "released" && current.leaseIds.length === 0) return destroyResource(current, context);
  return done(`lease ${leaseId} ended; ${current.leaseIds.length} lease(s) remain`);
}

async function release(resource: ResourceRecord, reason: string, context: WorkContext, also: { removeLeaseId?: string } = {}): Promise<ResourceRecord> {
  const changes = { releaseReason: reason, expiresAt: null, ...also };
  const out = await transitionResource(context.registry, resource, "released", changes, context.clock.now(), context.fence);
  const next = written(out, "resource", resource.id, resource.version);
  context.transitions.push({ ref: { kind: "resource", id: resource.id }, from: resource.status, to: "released" });
  return next;
}
