import { LoadBalancerTimeoutError } from "../errors.js";
import type { Rollout } from "../state.js";
import { byLoadBalancer, inPhase, markBatch } from "./batchRecords.js";
import { claimBatchPlan } from "./claimPlan.js";
import type { DeploySession } from "./session.js";
import { batchTiming, drainWait, waitCapSeconds } from "./timing.js";

/** The members of the batch the cursor points at, as Prepare recorded them in the journal. */
async function currentBatch(session: DeploySession, rollout: Rollout) {
  const batch = await session.services.journal.batch(session.config.executionId, rollout.index);
  if (!batch) throw new RangeError(`rollout ${session.config.executionId} has no batch ${rollout.index} in its journal`);
  return batch;
}

/**
 * Plans the batch and claims its detaches (see claimBatchPlan), records the plan on each
 * instance (so a cleanup knows what to put back), then starts taking the batch out of its
 * load balancers. A retry or a second delivery finds the committed plan and reuses it.
 */
export async function detachBatch(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const { config, services } = session;
  // The check-in, the batch, its plan (a retry finds it committed) and the load balancers'
  // membership at once: reads only, and a lost lock or a stopped deploy is reported first.
  const [checked, read, recorded, listed] = await Promise.allSettled([
    session.checkIn(),
    currentBatch(session, rollout),
    services.journal.plan(config.executionId, rollout.index),
    services.loadBalancers.list(),
  ]);
  if (checked.status === "rejected") throw checked.reason;
  if (read.status === "rejected") throw read.reason;
  if (recorded.status === "rejected") throw recorded.reason;
  if (listed.status === "rejected") throw listed.reason;
  const batch = read.value;
  const decisions = await claimBatchPlan(session, rollout.index, batch, { recorded: recorded.value, loadBalancers: listed.value });
  const moved = await Promise.all(
    decisions.map((d) =>
      services.journal.updateInstance(config.executionId, d.instanceId, { phase: "detaching", detachFrom: d.detachFrom, keptIn: d.keptIn, time: "detachedAt" }, session.fence, ["pending"]),
    ),
  );
  // Only instances this plan still has coming out: a late or second delivery finds them
  // draining (or further on) and must not take an instance that came back out again.
  const detaching = await inPhase(session, decisions.map((d) => d.instanceId), moved, "detaching");
  const targets = byLoadBalancer(decisions.filter((d) => detaching.has(d.instanceId)));
  // Each load balancer is a call of its own: at once, not one after the other.
  await Promise.all([...targets].map(([lb, endpoints]) => services.loadBalancers.detach(lb, endpoints)));
  // Once they are out, at once (the drain's Wait starts only when this task returns): is the
  // execution still running (a cleanup that began meanwhile may have read the plan before
  // these detaches landed), the records moved on to draining (a cleanup puts a detaching or a
  // draining instance back alike), and the load balancers' own draining timeouts, read once
  // per rollout for one Wait that long and one check.
  const [running, marked, timed] = await Promise.allSettled([
    session.ensureRunning(),
    markBatch(session, decisions, { phase: "draining" }, ["detaching"]),
    batchTiming(session, rollout, decisions),
  ]);
  if (running.status === "rejected") {
    for (const [lb, endpoints] of targets) await services.loadBalancers.attach(lb, endpoints);
    throw running.reason;
  }
  if (marked.status === "rejected") throw marked.reason;
  if (timed.status === "rejected") throw timed.reason;
  const deadline = session.now() + config.drainTimeoutSeconds * 1000;
  const timing = timed.value;
  const waitSeconds = drainWait(config, timing, decisions);
  return { ...rollout, timing, current: { phase: "draining", ready: byLoadBalancer(decisions).size === 0, deadline, decisions: [...decisions], waitSeconds } };
}

/** Polls the load balancers until every detached instance has finished draining. */
export async function checkDrained(session: DeploySession, rollout: Rollout): Promise<Rollout> {
  const current = rollout.current;
  if (!current) throw new RangeError("no batch is draining");
  // The lease renewed and each load balancer asked, at once: reads only, and a lost lock is reported first.
  const [renewed, ...asked] = await Promise.allSettled([
    session.heartbeat(),
    ...[...byLoadBalancer(current.decisions)].map(async ([lb, endpoints]) => ({ lb, health: await session.services.loadBalancers.health(lb, endpoints) })),
  ]);
  if (renewed.status === "rejected") throw renewed.reason;
  const waiting: string[] = [];
  for (const a of asked) {
    if (a.status === "rejected") throw a.reason;
    const { lb, health } = a.value as { lb: string; health: { instanceId: string; unregistered: boolean }[] };
    for (const h of health) if (!h.unregistered) waiting.push(`${h.instanceId} in ${lb}`);
  }
  if (waiting.length > 0 && session.now() > current.deadline) {
    throw new LoadBalancerTimeoutError("drain", waiting, session.config.drainTimeoutSeconds);
  }
  // drainedAt is written by Deploy's first write, which follows at once: not a round trip here.
  // Still draining past the timeout's end (a clock apart, a slow deregistration): poll from here.
  const waitSeconds = Math.min(session.config.pollSeconds.drain, waitCapSeconds(session.config));
  return { ...rollout, current: { ...current, ready: waiting.length === 0, waitSeconds } };
}
