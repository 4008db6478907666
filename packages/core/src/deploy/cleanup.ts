import { systemClock } from "../clock.js";
import { ScytheError } from "../errors.js";
import { LockLostError } from "../lock/errors.js";
import { LockService } from "../lock/LockService.js";
import { detachedPhases, type DeployStatus, type InstanceProgress } from "./progress.js";
import type { DeployServices } from "./steps/session.js";

export interface CleanupRequest {
  readonly executionId: string;
  readonly outcome: Extract<DeployStatus, "failed" | "aborted" | "timed_out">;
  readonly error?: { readonly name: string; readonly message: string };
  /** The lock to release when the execution never recorded one (it failed while taking it). */
  readonly lockName?: string;
}

export interface CleanupReport {
  readonly executionId: string;
  readonly status: DeployStatus | "unknown";
  readonly reattached: readonly { readonly instanceId: string; readonly loadBalancers: readonly string[] }[];
  readonly failures: readonly { readonly loadBalancer: string; readonly instances: readonly string[]; readonly error: string }[];
  readonly lockReleased: boolean;
}

/** Some instances could not be put back; the cleanup is safe to run again. */
export class ReattachFailedError extends ScytheError {}

/**
 * Puts back every instance a stopped rollout left out of its load balancers, exactly
 * where the recorded plan took it from, and releases the execution's lock. Run by the
 * state machine's own recovery and, for an execution that was aborted or timed out (or
 * whose recovery failed), by the status-change rule. Safe to run any number of times.
 */
export async function cleanUpDeploy(services: DeployServices, request: CleanupRequest): Promise<CleanupReport> {
  const { journal } = services;
  const clock = services.clock ?? systemClock;
  const locks = new LockService({ store: services.lockStore, clock, ownerId: request.executionId });
  const summary = await journal.summary(request.executionId);
  if (!summary) {
    const lockReleased = request.lockName ? await releaseIfHeld(locks, request.lockName, request.executionId) : false;
    return { executionId: request.executionId, status: "unknown", reattached: [], failures: [], lockReleased };
  }
  if (summary.status === "succeeded") {
    return { executionId: request.executionId, status: summary.status, reattached: [], failures: [], lockReleased: false };
  }
  const fence = { lock: summary.lockName, token: summary.token };
  // From here on, a task still running for this execution refuses to touch the fleet.
  await journal.updateSummary(request.executionId, { status: "stopping" }, fence, ["running", "stopping"]);
  const out = (await journal.instances(request.executionId)).filter(
    (r): r is InstanceProgress & { endpointId: string } =>
      detachedPhases.includes(r.phase) && (r.detachFrom?.length ?? 0) > 0 && r.endpointId !== undefined,
  );
  const byLb = new Map<string, string[]>();
  for (const r of out) for (const lb of r.detachFrom ?? []) byLb.set(lb, [...(byLb.get(lb) ?? []), r.endpointId]);
  const failures: { loadBalancer: string; instances: string[]; error: string }[] = [];
  for (const [lb, endpoints] of byLb) {
    try {
      await services.loadBalancers.attach(lb, endpoints);
    } catch (error) {
      failures.push({ loadBalancer: lb, instances: endpoints, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  const failedEndpoints = new Set(failures.flatMap((f) => f.instances));
  const reattached = out.filter((r) => !failedEndpoints.has(r.endpointId));
  // Every claim the execution made goes, but those of instances still out: they go stale
  // with the lock below, and health alone (not serving) then speaks for them.
  const claimed = (await journal.plans(request.executionId)).flatMap((p) => p.decisions);
  await Promise.all(
    claimed.flatMap((d) =>
      d.endpointId === undefined || failedEndpoints.has(d.endpointId)
        ? []
        : d.detachFrom.map((lb) => services.claims.release(lb, d.endpointId ?? "", request.executionId)),
    ),
  );
  await Promise.all(
    reattached.map((r) => journal.updateInstance(request.executionId, r.instanceId, { phase: "reattached", time: "reattachedAt" }, fence, detachedPhases)),
  );
  let lockReleased = false;
  try {
    await locks.release({ name: summary.lockName, owner: request.executionId, token: summary.token, leaseMs: 1, validUntil: 0 });
    lockReleased = true;
  } catch (error) {
    if (!(error instanceof LockLostError)) throw error;
  }
  if (failures.length === 0) {
    await journal.updateSummary(request.executionId, { status: request.outcome, ...(request.error && { error: request.error }) }, fence, ["running", "stopping"]);
  }
  const report: CleanupReport = {
    executionId: request.executionId,
    status: failures.length === 0 ? request.outcome : "stopping",
    reattached: reattached.map((r) => ({ instanceId: r.instanceId, loadBalancers: r.detachFrom ?? [] })),
    failures,
    lockReleased,
  };
  if (failures.length > 0) {
    throw new ReattachFailedError(`could not reattach ${failures.map((f) => `${f.instances.join(",")} to ${f.loadBalancer} (${f.error})`).join("; ")}`);
  }
  return report;
}

async function releaseIfHeld(locks: LockService, name: string, owner: string): Promise<boolean> {
  const status = await locks.status(name);
  if (status.holder !== owner) return false;
  try {
    await locks.release({ name, owner, token: status.token, leaseMs: 1, validUntil: 0 });
    return true;
  } catch (error) {
    if (error instanceof LockLostError) return false;
    throw error;
  }
}
