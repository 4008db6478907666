import { detachPlan, type DetachDecision } from "./detachPlan.js";
import type { DeployRequest } from "./input.js";
import type { DeployTarget, LoadBalancers } from "./ports.js";
import type { SkippedInstance } from "./state.js";

export interface RolloutPreview {
  readonly batches: readonly { readonly hostnames: readonly string[]; readonly decisions: readonly DetachDecision[] }[];
  readonly skipped: readonly SkippedInstance[];
  /** Each load balancer (target group) the rollout touches, with the draining timeout (deregistration delay) a batch waits out there, when it reports one. */
  readonly loadBalancers: readonly { readonly name: string; readonly drainSeconds?: number }[];
}

/**
 * What a rollout would do with the fleet as it is now, changing nothing (`--dry-run`).
 * Each batch is planned against the current view: a rollout puts every batch back in
 * service before the next one starts.
 */
export async function previewRollout(target: DeployTarget, loadBalancers: LoadBalancers, request: Pick<DeployRequest, "stackId" | "layerId" | "batchSize">): Promise<RolloutPreview> {
  const instances = await target.listInstances(request.stackId, request.layerId);
  const online = instances.filter((i) => i.status === "online").map((i) => ({ instanceId: i.instanceId, hostname: i.hostname, ...(i.endpointId !== undefined && { endpointId: i.endpointId }) }));
  const skipped = instances.filter((i) => i.status !== "online").map((i) => ({ instanceId: i.instanceId, hostname: i.hostname, status: i.status, reason: `not online (${i.status})` }));
  const endpoints = new Set(online.flatMap((m) => (m.endpointId ? [m.endpointId] : [])));
  const lbs = (await loadBalancers.list()).filter((lb) => lb.instances.some((id) => endpoints.has(id)));
  const views = await Promise.all(
    lbs.map(async (lb) => {
      const [health, timing] = await Promise.all([loadBalancers.health(lb.name), loadBalancers.timing?.(lb.name)]);
      return { name: lb.name, members: lb.instances, inService: health.filter((h) => h.state === "InService" && !h.draining).map((h) => h.instanceId), drainSeconds: timing?.drainSeconds };
    }),
  );
  const batches = [];
  for (let i = 0; i < online.length; i += request.batchSize) {
    const batch = online.slice(i, i + request.batchSize);
    batches.push({ hostnames: batch.map((m) => m.hostname), decisions: detachPlan(batch, views) });
  }
  const touched = views.map((v) => ({ name: v.name, ...(v.drainSeconds !== undefined && { drainSeconds: v.drainSeconds }) }));
  return { batches, skipped, loadBalancers: touched };
}
