import type { BatchMember } from "../detachPlan.js";
import type { Rollout, SkippedInstance } from "../state.js";
import type { DeploySession } from "./session.js";

/** Lists the layer's instances, splits the online ones into batches and records them as pending. */
export async function prepareRollout(session: DeploySession): Promise<Rollout> {
  const { config, services, fence } = session;
  await session.heartbeat();
  const instances = await services.target.listInstances(config.stackId, config.layerId);
  const online: BatchMember[] = [];
  const skipped: SkippedInstance[] = [];
  for (const i of instances) {
    if (i.status === "online") online.push({ instanceId: i.instanceId, hostname: i.hostname, ...(i.endpointId !== undefined && { endpointId: i.endpointId }) });
    else skipped.push({ instanceId: i.instanceId, hostname: i.hostname, status: i.status, reason: `not online (${i.status})` });
  }
  const batches: BatchMember[][] = [];
  for (let i = 0; i < online.length; i += config.batchSize) batches.push(online.slice(i, i + config.batchSize));
  await services.journal.addInstances(
    [
      ...batches.flatMap((batch, b) => batch.map((m) => ({ executionId: config.executionId, ...m, batch: b, phase: "pending" as const }))),
      ...skipped.map((s) => ({ executionId: config.executionId, instanceId: s.instanceId, hostname: s.hostname, batch: -1, phase: "skipped" as const, skippedReason: s.reason })),
    ],
    fence,
  );
  await services.journal.updateSummary(config.executionId, { total: online.length, batches: batches.length, completedBatches: 0 }, fence);
  return { batches, skipped, index: 0, done: batches.length === 0 };
}
