/** Seeding ELBv2 load balancers and target groups: validated with the rest of a seed, applied only if all of it is valid. */
import type { ParsedSeed } from "./schemas.js";
import { targetKey, type LoadBalancerV2, type TargetGroup } from "./targetGroups.js";
import type { World } from "./world.js";

const REGION_ACCOUNT = "us-east-1:123456789012";

export interface Elbv2Plan {
  loadBalancers: LoadBalancerV2[];
  targetGroups: TargetGroup[];
}

export function planElbv2Seed(world: World, seed: ParsedSeed, now: number, ec2Ids: ReadonlySet<string>, fail: (message: string) => never): Elbv2Plan {
  const { state, ids } = world;
  const createdAt = world.clock.iso(now);
  const loadBalancers: LoadBalancerV2[] = (seed.loadBalancersV2 ?? []).map((l) => {
    const type = l.Type ?? "application";
    const suffix = ids.hex(16);
    const arn = `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:loadbalancer/${type === "application" ? "app" : "net"}/${l.LoadBalancerName}/${suffix}`;
    return { arn, name: l.LoadBalancerName, type, createdAt, dnsName: `${l.LoadBalancerName}-${suffix.slice(0, 10)}.us-east-1.elb.amazonaws.com` };
  });
  const lbByName = new Map<string, LoadBalancerV2>();
  for (const lb of [...state.loadBalancersV2.values(), ...loadBalancers]) {
    if (lbByName.has(lb.name)) fail(`loadBalancersV2: ${lb.name} already exists`);
    lbByName.set(lb.name, lb);
  }
  const tgNames = new Set([...state.targetGroups.values()].map((t) => t.name));
  const targetGroups: TargetGroup[] = (seed.targetGroups ?? []).map((t) => {
    if (tgNames.has(t.TargetGroupName)) fail(`targetGroups: ${t.TargetGroupName} already exists`);
    tgNames.add(t.TargetGroupName);
    const port = t.Port ?? 80;
    const loadBalancerArns = (t.LoadBalancerNames ?? []).map((n) => lbByName.get(n)?.arn ?? fail(`targetGroups ${t.TargetGroupName}: unknown load balancer ${n}`));
    const tg: TargetGroup = {
      arn: `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:targetgroup/${t.TargetGroupName}/${ids.hex(16)}`,
      name: t.TargetGroupName,
      protocol: t.Protocol ?? "HTTP",
      port,
      vpcId: "vpc-0a1b2c3d",
      healthCheckIntervalSeconds: t.HealthCheckIntervalSeconds ?? 30,
      healthCheckTimeoutSeconds: t.HealthCheckTimeoutSeconds ?? 5,
      healthyThresholdCount: t.HealthyThresholdCount ?? 5,
      unhealthyThresholdCount: t.UnhealthyThresholdCount ?? 2,
      deregistrationDelaySeconds: t.DeregistrationDelaySeconds ?? 300,
      loadBalancerArns,
      targets: new Map(),
    };
    for (const target of t.targets ?? []) {
      const id = typeof target === "string" ? target : target.Id;
      const targetPort = typeof target === "string" ? port : (target.Port ?? port);
      if (!ec2Ids.has(id)) fail(`targetGroups ${t.TargetGroupName}: unknown EC2 instance ${id}`);
      tg.targets.set(targetKey(id, targetPort), { id, port: targetPort, phase: "healthy", since: now, token: 0 });
    }
    return tg;
  });
  return { loadBalancers, targetGroups };
}

export function applyElbv2Seed(world: World, plan: Elbv2Plan): void {
  for (const lb of plan.loadBalancers) world.state.loadBalancersV2.set(lb.arn, lb);
  for (const tg of plan.targetGroups) world.state.targetGroups.set(tg.arn, tg);
}
