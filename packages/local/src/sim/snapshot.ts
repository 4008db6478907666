/** GET /_sim/state: the whole simulated fleet as plain JSON. */
import { renderApp } from "./herokuApps.js";
import { healthOf, inServiceCount } from "./lb.js";
import type { ClockInfo, InstanceHealthView, SimConfig } from "./schemas.js";
import type { Ec2Instance } from "./ec2State.js";
import { targetHealth, type TargetHealthView } from "./targetGroups.js";
import type { OpsApp, OpsDeployment, OpsInstance, OpsLayer, OpsStack } from "./state.js";
import type { World } from "./world.js";

export interface LoadBalancerSnapshot {
  name: string;
  drainSeconds: number;
  healthCheckSeconds: number;
  inService: number;
  instances: (InstanceHealthView & { phase: "registering" | "serving" | "draining"; since: number })[];
}

export interface StateSnapshot {
  clock: ClockInfo;
  config: SimConfig;
  stacks: OpsStack[];
  layers: OpsLayer[];
  instances: OpsInstance[];
  apps: OpsApp[];
  deployments: Omit<OpsDeployment, "createdTime">[];
  loadBalancers: LoadBalancerSnapshot[];
  herokuApps: (Record<string, unknown> & { deleting: boolean })[];
  ec2Instances: Ec2Instance[];
  targetGroups: TargetGroupSnapshot[];
  pendingTransitions: number;
}

export interface TargetGroupSnapshot {
  arn: string;
  name: string;
  deregistrationDelaySeconds: number;
  initialSeconds: number;
  healthy: number;
  targets: (TargetHealthView & { phase: "initial" | "healthy" | "draining"; since: number })[];
}

export function clockInfo(world: World, now: number): ClockInfo {
  return { now, at: world.clock.iso(now), timeScale: world.clock.timeScale };
}

export function snapshot(world: World): StateSnapshot {
  const now = world.sync();
  const { state } = world;
  return {
    clock: clockInfo(world, now),
    config: world.config,
    stacks: [...state.stacks.values()],
    layers: [...state.layers.values()],
    instances: [...state.instances.values()],
    apps: [...state.apps.values()],
    deployments: [...state.deployments.values()].map(({ createdTime: _createdTime, ...d }) => d),
    loadBalancers: [...state.loadBalancers.values()].map((lb) => ({
      name: lb.name,
      drainSeconds: lb.drainSeconds,
      healthCheckSeconds: lb.healthCheckSeconds ?? world.config.healthCheckSeconds,
      inService: inServiceCount(state, lb),
      instances: [...lb.registrations.values()].map((r) => ({ ...healthOf(state, r), phase: r.phase, since: r.since })),
    })),
    herokuApps: [...state.herokuApps.values()].map((a) => ({ ...renderApp(a), deleting: a.deletingUntil !== undefined })),
    ec2Instances: [...state.ec2Instances.values()],
    targetGroups: [...state.targetGroups.values()].map((tg) => {
      const targets = [...tg.targets.values()].map((r) => ({ ...targetHealth(state, tg, r, now), phase: r.phase, since: r.since }));
      return {
        arn: tg.arn,
        name: tg.name,
        deregistrationDelaySeconds: tg.deregistrationDelaySeconds,
        initialSeconds: tg.healthCheckIntervalSeconds * tg.healthyThresholdCount,
        healthy: targets.filter((t) => t.State === "healthy").length,
        targets,
      };
    }),
    pendingTransitions: world.pendingTransitions,
  };
}
