import type { DetachDecision } from "../detachPlan.js";
import { LoadBalancerTimeoutError } from "../errors.js";
import type { Rollout } from "../state.js";
import { byLoadBalancer, inPhase, markBatch } from "./batchRecords.js";
import type { DeploySession } from "./session.js";
import { healthWait } from "./timing.js";

/** Puts each instance of the batch back into exactly the load balancers it left. */
export async function attachBatch(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const current = rollout.current;
  if (!current) throw new RangeError("no batch to attach");
  // Attach runs once the deployment succeeded: its event (or a direct check) said so. The
  // lease renewed and each record moved on to attaching (deployed when no check said so
  // before), at once: one round trip before the load balancers are asked, and none after
  // (the health wait starts when this task returns). A lost lock is reported first.
  const [renewed, marked] = await Promise.allSettled([
    session.heartbeat(),
    markBatch(session, current.decisions, { phase: "attaching", deploymentStatus: "successful", time: "attachedAt", timeIfAbsent: "deployedAt" }, ["deploying", "deployed"]),
  ]);
  if (renewed.status === "rejected") throw renewed.reason;
  if (marked.status === "rejected") throw marked.reason;
  // Only instances still on their way back: a late duplicate must not touch finished ones.
  const attaching = await inPhase(session, current.decisions.map((d) => d.instanceId), marked.value, "attaching");
  const targets = byLoadBalancer(current.decisions.filter((d) => attaching.has(d.instanceId)));
  await Promise.all([...targets].map(([lb, endpoints]) => session.services.loadBalancers.attach(lb, endpoints)));
  const deadline = session.now() + session.config.healthTimeoutSeconds * 1000;
  // The first health check comes when the load balancer can first call the instance healthy;
  // with nothing to put back, at once (CheckInService completes the batch).
  const waitSeconds = healthWait(session.config, rollout.timing ?? {}, current.decisions, 0);
  return { ...rollout, current: { ...current, phase: "attaching", ready: false, deadline, waitSeconds, checks: 0 } };
}

/** Polls until every reattached instance is InService everywhere it was put back. */
export async function checkInService(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const current = rollout.current;
  if (!current) throw new RangeError("no batch is attaching");
  // The lease renewed and each load balancer asked, at once: reads only, and a lost lock is reported first.
  const [renewed, ...asked] = await Promise.allSettled([
    session.heartbeat(),
    ...[...byLoadBalancer(current.decisions)].map(async ([lb, endpoints]) => ({ lb, health: await session.services.loadBalancers.health(lb, endpoints) })),
  ]);
  if (renewed.status === "rejected") throw renewed.reason;
  const waiting: string[] = [];
  for (const a of asked) {
    if (a.status === "rejected") throw a.reason;
    const { lb, health } = a.value as { lb: string; health: { instanceId: string; state: string }[] };
    for (const h of health) if (h.state !== "InService") waiting.push(`${h.instanceId} in ${lb}`);
  }
  if (waiting.length === 0) return completeBatch(session, rollout);
  if (session.now() > current.deadline) throw new LoadBalancerTimeoutError("health", waiting, session.config.healthTimeoutSeconds);
  const checks = (current.checks ?? 0) + 1;
  return { ...rollout, current: { ...current, ready: false, checks, waitSeconds: healthWait(session.config, rollout.timing ?? {}, current.decisions, checks) } };
}

async function completeBatch(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const current = rollout.current;
  if (!current) throw new RangeError("no batch to complete");
  // Serving again everywhere it left: other deploys may count on these instances now. The
  // three writes are independent and each safe to repeat (a retry finds them done): at once.
  const index = rollout.index + 1;
  await Promise.all([
    releaseClaims(session, current.decisions),
    markBatch(session, current.decisions, { phase: "done", time: "inServiceAt" }, ["attaching"]),
    session.services.journal.updateSummary(session.config.executionId, { completedBatches: index }, session.fence),
  ]);
  return { ...rollout, index, done: index >= rollout.batchCount, current: { ...current, ready: true } };
}

/** Drops this execution's claims on the instances of `decisions` (a second call finds none). */
export async function releaseClaims(session: Pick<DeploySession, "services" | "config">, decisions: readonly DetachDecision[]): Promise<void> {
  const { claims } = session.services;
  const me = session.config.executionId;
  await Promise.all([
    ...[...byLoadBalancer(decisions)].flatMap(([lb, endpoints]) => endpoints.map((endpoint) => claims.release(lb, endpoint, me))),
    // The instances themselves: another deploy may take them now.
    ...decisions.map((d) => claims.releaseInstance(d.endpointId ?? d.instanceId, me)),
  ]);
}
