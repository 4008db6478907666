import { LockLostError } from "../../lock/errors.js";
import type { KeptIn } from "../detachPlan.js";
import type { Rollout } from "../state.js";
import type { DeploySession } from "./session.js";

export interface DeployedInstance {
  readonly instanceId: string;
  readonly hostname: string;
  readonly batch: number;
  readonly deploymentId?: string;
  readonly detachedFrom: readonly string[];
  readonly keptIn: readonly KeptIn[];
}

/** What a successful rollout returns (the execution's output). */
export interface DeployReport {
  readonly executionId: string;
  readonly status: "succeeded";
  readonly deployed: readonly DeployedInstance[];
  readonly skipped: Rollout["skipped"];
  /** Instances deployed while still in some load balancer, with the reason. */
  readonly notDetached: readonly { readonly instanceId: string; readonly loadBalancer: string; readonly reason: string }[];
  readonly lockReleased: boolean;
}

/** Marks the deploy succeeded, releases the lock and reports what was done. */
export async function finishRollout(session: DeploySession, rollout: Rollout): Promise<DeployReport> {
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
  const notDetached = deployed.flatMap((d) => d.keptIn.map((k) => ({ instanceId: d.instanceId, loadBalancer: k.loadBalancer, reason: k.reason })));
  return { executionId: config.executionId, status: "succeeded", deployed, skipped: rollout.skipped, notDetached, lockReleased };
}
