import type { DetachDecision } from "../detachPlan.js";
import type { DeployConfig } from "../input.js";
import type { LoadBalancerTiming } from "../ports.js";
import type { Rollout } from "../state.js";
import { byLoadBalancer } from "./batchRecords.js";
import type { DeploySession } from "./session.js";

/**
 * The longest a single Wait may last: no task renews the lock's lease while the execution
 * waits, so a wait must end (and its task renew the lease) well inside it, with the same
 * margin the input asks of the poll intervals (lease ≥ 2 × poll + 10).
 */
export function waitCapSeconds(config: Pick<DeployConfig, "leaseSeconds">): number {
  return Math.max(1, Math.floor((config.leaseSeconds - 10) / 2));
}

/** The timing of every load balancer the batch leaves, read once per rollout and kept in it. */
export async function batchTiming(session: DeploySession, rollout: Rollout, decisions: readonly DetachDecision[]): Promise<Record<string, LoadBalancerTiming>> {
  const known: Record<string, LoadBalancerTiming> = { ...rollout.timing };
  const read = session.services.loadBalancers.timing?.bind(session.services.loadBalancers);
  if (read === undefined) return known;
  const missing = [...byLoadBalancer(decisions).keys()].filter((lb) => known[lb] === undefined);
  const timings = await Promise.all(missing.map((lb) => read(lb)));
  missing.forEach((lb, i) => {
    const t = timings[i];
    if (t) known[lb] = t;
  });
  return known;
}

const lbsOf = (decisions: readonly DetachDecision[]) => [...byLoadBalancer(decisions).keys()];

/**
 * How long to wait once after detaching: the longest connection-draining timeout among the
 * load balancers left (0 when none drains), within the drain timeout and the lease. Without
 * timing (a port that does not read it) the poll interval.
 */
export function drainWait(config: DeployConfig, timing: Readonly<Record<string, LoadBalancerTiming>>, decisions: readonly DetachDecision[]): number {
  const lbs = lbsOf(decisions);
  if (lbs.length === 0) return 0;
  const drains = lbs.map((lb) => timing[lb]?.drainSeconds);
  const longest = drains.every((d) => d !== undefined) ? Math.max(...(drains as number[])) : config.pollSeconds.drain;
  return Math.min(Math.ceil(longest), config.drainTimeoutSeconds, waitCapSeconds(config));
}

/**
 * The wait before health check number `checks` (0 after reattaching): the first when the
 * load balancer's own settings say an instance can first be InService (HealthyThreshold ×
 * Interval), then backing off from one Interval, doubling, never beyond HealthyThreshold ×
 * Interval. Without timing, the poll interval.
 */
export function healthWait(config: DeployConfig, timing: Readonly<Record<string, LoadBalancerTiming>>, decisions: readonly DetachDecision[], checks: number): number {
  const lbs = lbsOf(decisions);
  if (lbs.length === 0) return 0;
  const known = lbs.map((lb) => timing[lb]).filter((t): t is LoadBalancerTiming => t !== undefined);
  if (known.length < lbs.length) return Math.min(config.pollSeconds.health, waitCapSeconds(config));
  const bound = Math.max(...known.map((t) => t.healthyThreshold * t.healthIntervalSeconds));
  const interval = Math.max(1, Math.min(...known.map((t) => t.healthIntervalSeconds)));
  const seconds = checks === 0 ? bound : Math.min(bound, interval * 2 ** (checks - 1));
  return Math.max(1, Math.min(Math.ceil(seconds), waitCapSeconds(config)));
}
