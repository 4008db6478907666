import { LockLostError } from "../../lock/errors.js";
import type { KeptIn } from "../detachPlan.js";
import type { Rollout, SkippedInstance } from "../state.js";
import type { DeploySession } from "./session.js";

export interface DeployedInstance {
  readonly instanceId: string;
  readonly hostname: string;
  readonly batch: number;
  readonly deploymentId?: string;
  readonly detachedFrom: readonly string[];
  readonly keptIn: readonly KeptIn[];
}

/** Instances a report lists by name, at most (the counts are whole; the journal has every record). */
export const reportListLimit = 100;

/**
 * What a successful rollout returns (the execution's output). Its lists stop at
 * `reportListLimit` entries so the output stays within Step Functions' 256 KB whatever the
 * layer; the counts are whole, and every instance's record is in the journal
 * (`scythe deploy --follow <execution>`).
 */
export interface DeployReport {
  readonly executionId: string;
  readonly status: "succeeded";
  readonly deployedCount: number;
  readonly deployed: readonly DeployedInstance[];
  readonly skippedCount: number;
  readonly skipped: readonly SkippedInstance[];
  /** Instances deployed while still in some load balancer, with the reason. */
  readonly notDetachedCount: number;
  readonly notDetached: readonly { readonly instanceId: string; readonly loadBalancer: string; readonly reason: string }[];
  readonly lockReleased: boolean;
}

/** Marks the deploy succeeded, releases the lock and reports what was done. */
export async function finishRollout(session: DeploySession, _rollout: Rollout): Promise<DeployReport> {
  const { config, services, fence } = session;
  await services.journal.updateSummary(config.executionId, { status: "succeeded" }, fence, ["running"]);
  let lockReleased = true;
  try {
    await session.locks.release(session.lease);
  } catch (error) {
    if (!(error instanceof LockLostError)) throw error;
    lockReleased = false;
  }
  const records = await services.journal.instances(config.executionId);
  const deployed = records
    .filter((r) => r.phase === "done")
    .map((r) => ({
      instanceId: r.instanceId,
      hostname: r.hostname,
      batch: r.batch,
      ...(r.deploymentId !== undefined && { deploymentId: r.deploymentId }),
      detachedFrom: r.detachFrom ?? [],
      keptIn: r.keptIn ?? [],
    }));
  const skipped = records
    .filter((r) => r.phase === "skipped")
    .map((r) => ({ instanceId: r.instanceId, hostname: r.hostname, status: r.targetStatus ?? "unknown", reason: r.skippedReason ?? "" }));
  const notDetached = deployed.flatMap((d) => d.keptIn.map((k) => ({ instanceId: d.instanceId, loadBalancer: k.loadBalancer, reason: k.reason })));
  return {
    executionId: config.executionId,
    status: "succeeded",
    deployedCount: deployed.length,
    deployed: deployed.slice(0, reportListLimit),
    skippedCount: skipped.length,
    skipped: skipped.slice(0, reportListLimit),
    notDetachedCount: notDetached.length,
    notDetached: notDetached.slice(0, reportListLimit),
    lockReleased,
  };
}
