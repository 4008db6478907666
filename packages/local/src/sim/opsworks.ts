/** OpsWorks actions (JSON 1.1): describe stacks/layers/instances/apps, stop and delete instances. */
import { createDeployment, describeDeployments } from "./deployments.js";
import { AwsError } from "./errors.js";
import { oneOf, optStringList, reqString } from "./jsonInput.js";
import { forgetEc2Instance } from "./lb.js";
import { notFound, type OpsWorksAction } from "./opsworksCommon.js";
import type { OpsInstance } from "./state.js";
import type { World } from "./world.js";

function pick<T>(map: Map<string, T>, ids: readonly string[], kind: string): T[] {
  return ids.map((id) => {
    const found = map.get(id);
    if (found === undefined) throw notFound(kind, id);
    return found;
  });
}

function requireStack(world: World, stackId: string): void {
  if (!world.state.stacks.has(stackId)) throw notFound("stack", stackId);
}

const describeStacks: OpsWorksAction = (world, input) => {
  const ids = optStringList(input, "StackIds");
  const stacks = ids === undefined ? [...world.state.stacks.values()] : pick(world.state.stacks, ids, "stack");
  return { Stacks: stacks };
};

const describeLayers: OpsWorksAction = (world, input) => {
  const by = oneOf(input, ["StackId", "LayerIds"], "either a stack ID or one or more layer IDs");
  if (by === "LayerIds") return { Layers: pick(world.state.layers, optStringList(input, "LayerIds") ?? [], "layer") };
  const stackId = reqString(input, "StackId");
  requireStack(world, stackId);
  return { Layers: [...world.state.layers.values()].filter((l) => l.StackId === stackId) };
};

const describeInstances: OpsWorksAction = (world, input) => {
  const by = oneOf(input, ["StackId", "LayerId", "InstanceIds"], "either one or more instance IDs or one stack ID or one layer ID");
  const all = [...world.state.instances.values()];
  let found: OpsInstance[];
  if (by === "InstanceIds") found = pick(world.state.instances, optStringList(input, "InstanceIds") ?? [], "instance");
  else if (by === "LayerId") {
    const layerId = reqString(input, "LayerId");
    if (!world.state.layers.has(layerId)) throw notFound("layer", layerId);
    found = all.filter((i) => i.LayerIds.includes(layerId));
  } else {
    const stackId = reqString(input, "StackId");
    requireStack(world, stackId);
    found = all.filter((i) => i.StackId === stackId);
  }
  return { Instances: found.map((i) => ({ ...i, LayerIds: [...i.LayerIds] })) };
};

const describeApps: OpsWorksAction = (world, input) => {
  const by = oneOf(input, ["StackId", "AppIds"], "either a stack ID or one or more app IDs");
  if (by === "AppIds") return { Apps: pick(world.state.apps, optStringList(input, "AppIds") ?? [], "app") };
  const stackId = reqString(input, "StackId");
  requireStack(world, stackId);
  return { Apps: [...world.state.apps.values()].filter((a) => a.StackId === stackId) };
};

const stopInstance: OpsWorksAction = (world, input, ctx) => {
  const instanceId = reqString(input, "InstanceId");
  const instance = world.state.instances.get(instanceId);
  if (instance === undefined) throw notFound("instance", instanceId);
  if (instance.Status === "stopped" || instance.Status === "stopping") return {};
  instance.Status = "stopping";
  const stopAt = ctx.now + world.config.stopSeconds;
  world.schedule(stopAt, { service: "opsworks", action: "InstanceStopped", params: { InstanceId: instanceId } }, () => {
    if (world.state.instances.get(instanceId) !== instance || instance.Status !== "stopping") return false;
    instance.Status = "stopped";
    return true;
  });
  return {};
};

const deleteInstance: OpsWorksAction = (world, input) => {
  const instanceId = reqString(input, "InstanceId");
  const instance = world.state.instances.get(instanceId);
  if (instance === undefined) throw notFound("instance", instanceId);
  if (instance.Status !== "stopped") {
    throw new AwsError("ValidationException", `Instance ${instanceId} is ${instance.Status}; stop it before deleting it`);
  }
  world.state.instances.delete(instanceId);
  forgetEc2Instance(world.state, instance.Ec2InstanceId);
  return {};
};

export const opsworksActions: Readonly<Record<string, OpsWorksAction>> = {
  DescribeStacks: describeStacks,
  DescribeLayers: describeLayers,
  DescribeInstances: describeInstances,
  DescribeApps: describeApps,
  CreateDeployment: createDeployment,
  DescribeDeployments: describeDeployments,
  StopInstance: stopInstance,
  DeleteInstance: deleteInstance,
};

