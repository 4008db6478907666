/** Classic load balancer behaviour: registration, health checks, connection draining. */
import type { InstanceHealthView, SimConfig, SimEvent } from "./schemas.js";
import type { FleetState, LoadBalancer, Registration } from "./state.js";
import type { LbCount } from "./violations.js";

/** What load balancers need of the simulated world (the World is one): its state, its settings, its scheduler. */
export interface LbWorld {
  readonly state: FleetState;
  readonly config: Pick<SimConfig, "healthCheckSeconds">;
  schedule(at: number, info: { service: SimEvent["service"]; action: string; params: unknown }, apply: (at: number) => boolean): void;
}

const UNHEALTHY = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively.";

function healthy(state: FleetState, instanceId: string): boolean {
  if (!state.ec2InstanceIds.has(instanceId)) return false;
  const ops = state.opsInstanceByEc2Id(instanceId);
  return ops === undefined || ops.Status === "online";
}

export function healthOf(state: FleetState, reg: Registration): InstanceHealthView {
  const id = reg.instanceId;
  if (reg.phase === "registering") {
    return { InstanceId: id, State: "OutOfService", ReasonCode: "ELB", Description: "Instance registration is still in progress." };
  }
  if (!healthy(state, id)) return { InstanceId: id, State: "OutOfService", ReasonCode: "Instance", Description: UNHEALTHY };
  const description = reg.phase === "draining" ? "Instance deregistration currently in progress." : "N/A";
  return { InstanceId: id, State: "InService", ReasonCode: "N/A", Description: description };
}

export function notRegistered(instanceId: string): InstanceHealthView {
  return {
    InstanceId: instanceId,
    State: "OutOfService",
    ReasonCode: "Instance",
    Description: "Instance is not currently registered with the LoadBalancer.",
  };
}

export function inServiceCount(state: FleetState, lb: LoadBalancer): number {
  let n = 0;
  for (const reg of lb.registrations.values()) if (healthOf(state, reg).State === "InService") n++;
  return n;
}

export function lbCounts(world: LbWorld): Map<string, LbCount> {
  const out = new Map<string, LbCount>();
  for (const lb of world.state.loadBalancers.values()) {
    out.set(lb.name, { inService: inServiceCount(world.state, lb), registered: lb.registrations.size });
  }
  return out;
}

/** Instances a client sees as registered (draining ones are on their way out). */
export function listedInstances(lb: LoadBalancer): string[] {
  return [...lb.registrations.values()].filter((r) => r.phase !== "draining").map((r) => r.instanceId);
}

export function registerInstances(world: LbWorld, lb: LoadBalancer, ids: readonly string[], now: number): void {
  const hc = lb.healthCheckSeconds ?? world.config.healthCheckSeconds;
  for (const id of ids) {
    const existing = lb.registrations.get(id);
    if (existing !== undefined) {
      if (existing.phase === "draining") Object.assign(existing, { phase: "serving", since: now, token: existing.token + 1 });
      continue;
    }
    const reg: Registration = { instanceId: id, phase: hc > 0 ? "registering" : "serving", since: now, token: 0 };
    lb.registrations.set(id, reg);
    if (hc <= 0) continue;
    const token = reg.token;
    world.schedule(now + hc, { service: "elb", action: "HealthChecksPassed", params: { LoadBalancerName: lb.name, InstanceId: id } }, (at) => {
      if (lb.registrations.get(id) !== reg || reg.token !== token) return false;
      Object.assign(reg, { phase: "serving", since: at, token: token + 1 });
      return true;
    });
  }
}

export function deregisterInstances(world: LbWorld, lb: LoadBalancer, ids: readonly string[], now: number): void {
  for (const id of ids) {
    const reg = lb.registrations.get(id);
    if (reg === undefined || reg.phase === "draining") continue;
    if (lb.drainSeconds <= 0 || reg.phase === "registering") {
      lb.registrations.delete(id);
      continue;
    }
    const token = reg.token + 1;
    Object.assign(reg, { phase: "draining", since: now, token });
    world.schedule(now + lb.drainSeconds, { service: "elb", action: "DrainCompleted", params: { LoadBalancerName: lb.name, InstanceId: id } }, () => {
      if (lb.registrations.get(id) !== reg || reg.token !== token) return false;
      lb.registrations.delete(id);
      return true;
    });
  }
}

/** A terminated EC2 instance leaves every load balancer at once. */
export function forgetEc2Instance(state: FleetState, instanceId: string): void {
  state.ec2InstanceIds.delete(instanceId);
  for (const lb of state.loadBalancers.values()) lb.registrations.delete(instanceId);
}
