/**
 * ELBv2 target groups: registration → initial (health checks) → healthy, and
 * deregistration → draining (deregistration delay) → gone. Pure over the fleet state,
 * so the event log and the zero-healthy detector can count without importing the world.
 */
import type { FleetState } from "./state.js";
import type { LbCount } from "./violations.js";

export interface LoadBalancerV2 {
  arn: string;
  name: string;
  type: "application" | "network";
  createdAt: string;
  dnsName: string;
}

export interface TargetRegistration {
  id: string;
  port: number;
  /** initial: health checks not passed yet; healthy; draining: deregistered, waiting out the delay. */
  phase: "initial" | "healthy" | "draining";
  since: number;
  /** Bumped on every phase change so stale scheduled transitions can tell. */
  token: number;
}

export interface TargetGroup {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  vpcId: string;
  healthCheckIntervalSeconds: number;
  healthCheckTimeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  deregistrationDelaySeconds: number;
  loadBalancerArns: string[];
  /** By `id:port`, in registration order. */
  targets: Map<string, TargetRegistration>;
}

export type TargetState = "initial" | "healthy" | "unhealthy" | "unused" | "draining";

export interface TargetHealthView {
  Id: string;
  Port: number;
  State: TargetState;
  Reason?: string;
  Description?: string;
}

export const targetKey = (id: string, port: number): string => `${id}:${port}`;

/** Seconds a newly registered target stays `initial`: HealthyThresholdCount checks, one per interval. */
export const initialSeconds = (tg: TargetGroup): number => tg.healthCheckIntervalSeconds * tg.healthyThresholdCount;

/** The detector's and event log's key for a target group. */
export const targetGroupKey = (tg: TargetGroup): string => `targetgroup/${tg.name}`;

function instanceProblem(state: FleetState, id: string): TargetHealthView["State"] | undefined {
  const ec2 = state.ec2Instances.get(id);
  if (ec2 !== undefined && ec2.State !== "running") return "unused";
  if (ec2 === undefined && !state.ec2InstanceIds.has(id)) return "unused";
  const ops = state.opsInstanceByEc2Id(id);
  if (ops !== undefined && ops.Status !== "online") return "unhealthy";
  if (state.failingTargets.has(id)) return "unhealthy";
  return undefined;
}

export function targetHealth(state: FleetState, tg: TargetGroup, reg: TargetRegistration, now: number): TargetHealthView {
  const base = { Id: reg.id, Port: reg.port };
  if (reg.phase === "draining") {
    return { ...base, State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" };
  }
  if (tg.loadBalancerArns.length === 0) {
    return { ...base, State: "unused", Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer" };
  }
  const problem = instanceProblem(state, reg.id);
  if (problem === "unused") {
    return { ...base, State: "unused", Reason: "Target.InvalidState", Description: "Target is in the stopped state" };
  }
  if (reg.phase === "initial") {
    return now - reg.since < tg.healthCheckIntervalSeconds
      ? { ...base, State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress" }
      : { ...base, State: "initial", Reason: "Elb.InitialHealthChecking", Description: "Initial health checks in progress" };
  }
  if (problem === "unhealthy") {
    return { ...base, State: "unhealthy", Reason: "Target.FailedHealthChecks", Description: "Health checks failed" };
  }
  return { ...base, State: "healthy" };
}

export function notRegisteredTarget(id: string, port: number): TargetHealthView {
  return { Id: id, Port: port, State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group" };
}

/** Healthy targets per target group (the detector treats a group like a classic load balancer). */
export function targetGroupCounts(state: FleetState, now: number): Map<string, LbCount> {
  const out = new Map<string, LbCount>();
  for (const tg of state.targetGroups.values()) {
    let healthy = 0;
    for (const reg of tg.targets.values()) if (targetHealth(state, tg, reg, now).State === "healthy") healthy++;
    out.set(targetGroupKey(tg), { inService: healthy, registered: tg.targets.size });
  }
  return out;
}
