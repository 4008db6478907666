import type { BatchMember } from "../detachPlan.js";
import type { Rollout, SkippedInstance } from "../state.js";
import type { DeploySession } from "./session.js";

/**
 * Lists the layer's instances, splits the online ones into batches and records the plan in
 * the journal (the batches, and each instance as pending or skipped); returns only the
 * cursor, so no state's data grows with the layer. A retry after the plan was recorded
 * (the summary counts its batches) returns the cursor over that plan without listing again;
 * a retry of a try that failed before its summary was written lists the layer again and
 * writes its plan over what that try left, batches and records alike.
 */
export async function prepareRollout(session: DeploySession): Promise<Rollout> {
  const { config, services, fence } = session;
  await session.heartbeat();
  const recorded = await services.journal.summary(config.executionId);
  if (recorded?.batches !== undefined && recorded.total !== undefined && recorded.skipped !== undefined) {
    return { batchCount: recorded.batches, instanceCount: recorded.total, skippedCount: recorded.skipped, index: 0, done: recorded.batches === 0 };
  }
  // The layer, and whatever records an earlier try left before it failed (none on a first try):
  // this try's plan replaces them, so no record keeps a batch the batches no longer give it.
  const [instances, earlier] = await Promise.all([services.target.listInstances(config.stackId, config.layerId), services.journal.instances(config.executionId)]);
  const online: BatchMember[] = [];
  const skipped: SkippedInstance[] = [];
  for (const i of instances) {
    if (i.status === "online") online.push({ instanceId: i.instanceId, hostname: i.hostname, ...(i.endpointId !== undefined && { endpointId: i.endpointId }) });
    else skipped.push({ instanceId: i.instanceId, hostname: i.hostname, status: i.status, reason: `not online (${i.status})` });
  }
  // Listed by an earlier try, gone from the layer since: recorded as skipped, not left pending.
  const listed = new Set(instances.map((i) => i.instanceId));
  for (const r of earlier) {
    if (!listed.has(r.instanceId) && (r.phase === "pending" || r.phase === "skipped")) skipped.push({ instanceId: r.instanceId, hostname: r.hostname, status: "not in the layer", reason: "left the layer while the rollout was planned" });
  }
  const batches: BatchMember[][] = [];
  for (let i = 0; i < online.length; i += config.batchSize) batches.push(online.slice(i, i + config.batchSize));
  await Promise.all([
    services.journal.addBatches(config.executionId, batches, fence),
    services.journal.planInstances(
      [
        ...batches.flatMap((batch, b) => batch.map((m) => ({ executionId: config.executionId, ...m, batch: b, phase: "pending" as const }))),
        ...skipped.map((s) => ({ executionId: config.executionId, instanceId: s.instanceId, hostname: s.hostname, batch: -1, phase: "skipped" as const, skippedReason: s.reason, targetStatus: s.status })),
      ],
      fence,
    ),
  ]);
  // Last: once the summary counts the batches, the plan is whole.
  await services.journal.updateSummary(config.executionId, { total: online.length, batches: batches.length, skipped: skipped.length, completedBatches: 0 }, fence);
  return { batchCount: batches.length, instanceCount: online.length, skippedCount: skipped.length, index: 0, done: batches.length === 0 };
}
