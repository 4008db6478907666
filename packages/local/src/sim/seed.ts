/** POST /_sim/seed: adds stacks, layers, instances, apps, load balancers and Heroku apps atomically. */
import { applyEc2Seed, planEc2Seed } from "./ec2Seed.js";
import { applyElbv2Seed, planElbv2Seed } from "./elbv2Seed.js";
import type { ParsedSeed, SeedResult } from "./schemas.js";
import { herokuTime, opsworksTime, type HerokuApp, type LoadBalancer, type OpsApp, type OpsInstance, type OpsLayer, type OpsStack } from "./state.js";
import type { World } from "./world.js";

export class SeedError extends Error {}

function check(condition: boolean, message: string): void {
  if (!condition) throw new SeedError(message);
}

function fail(message: string): never {
  throw new SeedError(message);
}

function shortname(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
}

export function applySeed(world: World, seed: ParsedSeed): SeedResult {
  const { state, ids } = world;
  const now = world.sync();
  const created = opsworksTime(world.clock.iso(now));
  const arn = (kind: string, id: string): string => `arn:aws:opsworks:us-east-1:123456789012:${kind}/${id}/`;
  const stacks: OpsStack[] = (seed.stacks ?? []).map((s) => {
    const StackId = s.StackId ?? ids.uuid();
    return { StackId, Name: s.Name, Arn: arn("stack", StackId), Region: s.Region ?? "us-east-1", CreatedAt: created };
  });
  const stackIds = new Set([...state.stacks.keys(), ...stacks.map((s) => s.StackId)]);
  check(stackIds.size === state.stacks.size + stacks.length, "duplicate StackId");
  const layers: OpsLayer[] = (seed.layers ?? []).map((l) => {
    check(stackIds.has(l.StackId), `layer ${l.Name}: unknown StackId ${l.StackId}`);
    const LayerId = l.LayerId ?? ids.uuid();
    const Shortname = l.Shortname ?? shortname(l.Name);
    return { LayerId, StackId: l.StackId, Arn: arn("layer", LayerId), Name: l.Name, Shortname, Type: l.Type ?? "custom", CreatedAt: created };
  });
  const layerStacks = new Map<string, string>([...state.layers.values(), ...layers].map((l) => [l.LayerId, l.StackId]));
  check(layerStacks.size === state.layers.size + layers.length, "duplicate LayerId");
  const ec2Instances = planEc2Seed(world, seed, now, fail);
  const ec2Ids = new Set([...state.ec2InstanceIds, ...(seed.ec2InstanceIds ?? [])]);
  const instances: OpsInstance[] = (seed.instances ?? []).map((i) => {
    check(stackIds.has(i.StackId), `instance ${i.Hostname}: unknown StackId ${i.StackId}`);
    const LayerIds = i.LayerIds ?? [];
    for (const layerId of LayerIds) check(layerStacks.get(layerId) === i.StackId, `instance ${i.Hostname}: layer ${layerId} is not in its stack`);
    const InstanceId = i.InstanceId ?? ids.uuid();
    const Ec2InstanceId = i.Ec2InstanceId ?? ids.ec2InstanceId();
    check(!state.instances.has(InstanceId), `duplicate InstanceId ${InstanceId}`);
    check(state.opsInstanceByEc2Id(Ec2InstanceId) === undefined, `duplicate Ec2InstanceId ${Ec2InstanceId}`);
    ec2Ids.add(Ec2InstanceId);
    const CreatedAt = i.CreatedAt ?? created;
    const InstanceType = i.InstanceType ?? "t3.small";
    return { InstanceId, Arn: arn("instance", InstanceId), Hostname: i.Hostname, StackId: i.StackId, LayerIds, Status: i.Status ?? "online", Ec2InstanceId, InstanceType, CreatedAt };
  });
  check(new Set(instances.map((i) => i.InstanceId)).size === instances.length, "duplicate InstanceId in seed");
  check(new Set(instances.map((i) => i.Ec2InstanceId)).size === instances.length, "duplicate Ec2InstanceId in seed");
  const apps: OpsApp[] = (seed.apps ?? []).map((a) => {
    check(stackIds.has(a.StackId), `app ${a.Name}: unknown StackId ${a.StackId}`);
    const AppId = a.AppId ?? ids.uuid();
    check(!state.apps.has(AppId), `duplicate AppId ${AppId}`);
    return { AppId, StackId: a.StackId, Name: a.Name, Shortname: a.Shortname ?? shortname(a.Name), Type: a.Type ?? "other", CreatedAt: created };
  });
  const lbs: LoadBalancer[] = (seed.loadBalancers ?? []).map((l) => {
    check(!state.loadBalancers.has(l.LoadBalancerName), `load balancer ${l.LoadBalancerName} already exists`);
    const lb: LoadBalancer = {
      name: l.LoadBalancerName,
      createdAt: world.clock.iso(now),
      drainSeconds: l.drainSeconds ?? world.config.defaultDrainSeconds,
      registrations: new Map(),
    };
    if (l.healthCheckSeconds !== undefined) lb.healthCheckSeconds = l.healthCheckSeconds;
    for (const id of l.instances ?? []) {
      ec2Ids.add(id);
      lb.registrations.set(id, { instanceId: id, phase: "serving", since: now, token: 0 });
    }
    return lb;
  });
  check(new Set(lbs.map((l) => l.name)).size === lbs.length, "duplicate LoadBalancerName in seed");
  for (const i of ec2Instances) ec2Ids.add(i.InstanceId);
  const elbv2 = planElbv2Seed(world, seed, now, ec2Ids, fail);
  const stamp = herokuTime(world.clock.iso(now));
  const herokuApps: HerokuApp[] = (seed.herokuApps ?? []).map((h) => {
    const id = h.id ?? ids.uuid();
    const createdAt =
      h.created_at !== undefined
        ? herokuTime(new Date(h.created_at).toISOString())
        : h.ageSeconds !== undefined
          ? herokuTime(world.clock.iso(now - h.ageSeconds))
          : stamp;
    const updatedAt = h.updated_at === undefined ? createdAt : herokuTime(new Date(h.updated_at).toISOString());
    return { id, name: h.name, created_at: createdAt, updated_at: updatedAt, maintenance: h.maintenance ?? false };
  });
  const herokuNames = new Set([...state.herokuApps.values(), ...herokuApps].map((h) => h.name));
  const herokuIds = new Set([...state.herokuApps.keys(), ...herokuApps.map((h) => h.id)]);
  const herokuTotal = state.herokuApps.size + herokuApps.length;
  check(herokuNames.size === herokuTotal && herokuIds.size === herokuTotal, "duplicate Heroku app id or name");

  for (const s of stacks) state.stacks.set(s.StackId, s);
  for (const l of layers) state.layers.set(l.LayerId, l);
  for (const i of instances) state.instances.set(i.InstanceId, i);
  for (const a of apps) state.apps.set(a.AppId, a);
  for (const id of ec2Ids) state.ec2InstanceIds.add(id);
  for (const lb of lbs) state.loadBalancers.set(lb.name, lb);
  for (const h of herokuApps) state.herokuApps.set(h.id, h);
  applyEc2Seed(world, ec2Instances);
  applyElbv2Seed(world, elbv2);
  for (const d of seed.ssmDocuments ?? []) state.ssmDocuments.add(d);
  world.rebaseline();
  return {
    stackIds: stacks.map((s) => s.StackId),
    layerIds: layers.map((l) => l.LayerId),
    instances: instances.map((i) => ({ InstanceId: i.InstanceId, Hostname: i.Hostname, Ec2InstanceId: i.Ec2InstanceId })),
    appIds: apps.map((a) => a.AppId),
    loadBalancers: lbs.map((l) => l.name),
    herokuApps: herokuApps.map((h) => ({ id: h.id, name: h.name })),
    ...(ec2Instances.length > 0 ? { ec2InstanceIds: ec2Instances.map((i) => i.InstanceId) } : {}),
    ...(elbv2.loadBalancers.length > 0 ? { loadBalancerV2Arns: elbv2.loadBalancers.map((l) => l.arn) } : {}),
    ...(elbv2.targetGroups.length > 0 ? { targetGroupArns: elbv2.targetGroups.map((t) => t.arn) } : {}),
  };
}
