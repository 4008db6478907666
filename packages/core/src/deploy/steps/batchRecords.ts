import type { DetachDecision } from "../detachPlan.js";
import type { InstancePatch, InstancePhase } from "../progress.js";
import type { DeploySession } from "./session.js";

/** Load balancer → endpoint ids to take out of it (or put back), from a batch's decisions. */
export function byLoadBalancer(decisions: readonly DetachDecision[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of decisions) {
    if (d.endpointId === undefined) continue;
    for (const lb of d.detachFrom) out.set(lb, [...(out.get(lb) ?? []), d.endpointId]);
  }
  return out;
}

/** Moves every instance of the batch to `patch.phase`, from the phases given. */
export async function markBatch(
  session: DeploySession,
  decisions: readonly DetachDecision[],
  patch: InstancePatch,
  onlyFrom?: readonly InstancePhase[],
): Promise<boolean[]> {
  return Promise.all(
    decisions.map((d) => session.services.journal.updateInstance(session.config.executionId, d.instanceId, patch, session.fence, onlyFrom)),
  );
}

/**
 * The instances (of `ids`) that are in `phase` after a task moved them there: when every
 * move was accepted (`moved[i]` true for `ids[i]`) they all are, and nothing is read; otherwise
 * (a second or late delivery, whose moves were refused) their records say which are.
 */
export async function inPhase(session: DeploySession, ids: readonly string[], moved: readonly boolean[], phase: InstancePhase): Promise<Set<string>> {
  if (moved.length === ids.length && moved.every(Boolean)) return new Set(ids);
  const records = await session.services.journal.instancesOf(session.config.executionId, ids);
  return new Set(records.filter((r) => r.phase === phase).map((r) => r.instanceId));
}
