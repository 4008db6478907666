import { detachPlan, type DetachDecision, type LoadBalancerView } from "../detachPlan.js";
import { LoadBalancerTimeoutError } from "../errors.js";
import type { InstanceProgress } from "../progress.js";
import type { Rollout } from "../state.js";
import { byLoadBalancer, markBatch } from "./batchRecords.js";
import type { DeploySession } from "./session.js";

function currentBatch(rollout: Rollout) {
  const batch = rollout.batches[rollout.index];
  if (!batch) throw new RangeError(`rollout has no batch ${rollout.index}`);
  return batch;
}

/**
 * Plans and starts taking the batch out of its load balancers. The plan is recorded
 * before any load balancer is touched (so a cleanup knows what to put back) and reused
 * by a retry (the instances already draining no longer look registered).
 */
export async function detachBatch(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const { config, services } = session;
  await session.heartbeat();
  await session.ensureRunning();
  const batch = currentBatch(rollout);
  const ids = new Set(batch.map((m) => m.instanceId));
  const planned = (records: readonly InstanceProgress[]) => records.length === batch.length && records.every((r) => r.phase !== "pending" && r.detachFrom !== undefined);
  let recorded = await batchRecords(session, ids);
  if (!planned(recorded)) {
    const plan = detachPlan(batch, await loadBalancerViews(session, batch.flatMap((m) => (m.endpointId ? [m.endpointId] : []))));
    await Promise.all(
      plan.map((d) =>
        services.journal.updateInstance(config.executionId, d.instanceId, { phase: "detaching", detachFrom: d.detachFrom, keptIn: d.keptIn, time: "detachedAt" }, session.fence, ["pending"]),
      ),
    );
    // What is recorded wins: a plan written by an earlier attempt was made before its detaches.
    recorded = await batchRecords(session, ids);
    if (!planned(recorded)) throw new RangeError(`batch ${rollout.index}: detach plan could not be recorded`);
  }
  const decisions: DetachDecision[] = recorded.map((r) => ({
    instanceId: r.instanceId,
    ...(r.endpointId !== undefined && { endpointId: r.endpointId }),
    detachFrom: r.detachFrom ?? [],
    keptIn: r.keptIn ?? [],
  }));
  const targets = byLoadBalancer(decisions);
  for (const [lb, endpoints] of targets) await services.loadBalancers.detach(lb, endpoints);
  try {
    // A cleanup that began meanwhile may have read the plan before these detaches landed.
    await session.ensureRunning();
  } catch (error) {
    for (const [lb, endpoints] of targets) await services.loadBalancers.attach(lb, endpoints);
    throw error;
  }
  await markBatch(session, decisions, { phase: "draining" }, ["detaching"]);
  const deadline = session.now() + config.drainTimeoutSeconds * 1000;
  return { ...rollout, current: { phase: "draining", ready: targets.size === 0, deadline, decisions } };
}

/** Polls the load balancers until every detached instance has finished draining. */
export async function checkDrained(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  await session.heartbeat();
  const current = rollout.current;
  if (!current) throw new RangeError("no batch is draining");
  const waiting: string[] = [];
  for (const [lb, endpoints] of byLoadBalancer(current.decisions)) {
    const health = await session.services.loadBalancers.health(lb, endpoints);
    for (const h of health) if (!h.unregistered) waiting.push(`${h.instanceId} in ${lb}`);
  }
  if (waiting.length > 0 && session.now() > current.deadline) {
    throw new LoadBalancerTimeoutError("drain", waiting, session.config.drainTimeoutSeconds);
  }
  if (waiting.length === 0) await markBatch(session, current.decisions, { time: "drainedAt" });
  return { ...rollout, current: { ...current, ready: waiting.length === 0 } };
}

async function batchRecords(session: DeploySession, ids: ReadonlySet<string>): Promise<InstanceProgress[]> {
  return (await session.services.journal.instances(session.config.executionId)).filter((r) => ids.has(r.instanceId));
}

async function loadBalancerViews(session: DeploySession, endpoints: readonly string[]): Promise<LoadBalancerView[]> {
  const wanted = new Set(endpoints);
  const all = await session.services.loadBalancers.list();
  const relevant = all.filter((lb) => lb.instances.some((id) => wanted.has(id)));
  return Promise.all(
    relevant.map(async (lb) => {
      const health = await session.services.loadBalancers.health(lb.name);
      const inService = health.filter((h) => h.state === "InService" && !h.draining && lb.instances.includes(h.instanceId)).map((h) => h.instanceId);
      return { name: lb.name, members: lb.instances, inService };
    }),
  );
}
