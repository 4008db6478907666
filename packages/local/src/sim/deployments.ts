/** OpsWorks deployments: created "running", ending "successful" or "failed" after the simulated duration. */
import { AwsError, missingMember } from "./errors.js";
import { isRecord } from "./http.js";
import { oneOf, optObject, optString, optStringList, reqString, type JsonInput } from "./jsonInput.js";
import { notFound, type OpsWorksAction } from "./opsworksCommon.js";
import { opsworksTime, type OpsDeployment, type OpsInstance } from "./state.js";
import type { World } from "./world.js";
import { publishDeploymentEvent } from "./opsworksEvents.js";

const COMMANDS = [
  "install_dependencies", "update_dependencies", "update_custom_cookbooks", "execute_recipes", "configure", "setup",
  "deploy", "rollback", "start", "stop", "restart", "undeploy",
];
const APP_COMMANDS = new Set(["deploy", "rollback", "start", "stop", "restart", "undeploy"]);

function readArgs(command: JsonInput): Record<string, string[]> | undefined {
  const args = command["Args"];
  if (args === undefined || args === null) return undefined;
  const bad = new AwsError("SerializationException", "Unexpected value for member 'Args': expected a map of string lists");
  if (!isRecord(args)) throw bad;
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) throw bad;
    out[key] = value;
  }
  return out;
}

function targets(world: World, stackId: string, input: JsonInput): OpsInstance[] {
  const instanceIds = optStringList(input, "InstanceIds");
  const layerIds = optStringList(input, "LayerIds");
  const inStack = [...world.state.instances.values()].filter((i) => i.StackId === stackId);
  if (instanceIds === undefined && layerIds === undefined) return inStack.filter((i) => i.Status === "online");
  const chosen = new Map<string, OpsInstance>();
  for (const id of instanceIds ?? []) {
    const instance = world.state.instances.get(id);
    if (instance === undefined || instance.StackId !== stackId) throw notFound("instance", id);
    chosen.set(id, instance);
  }
  for (const layerId of layerIds ?? []) {
    if (world.state.layers.get(layerId)?.StackId !== stackId) throw notFound("layer", layerId);
    for (const i of inStack) if (i.LayerIds.includes(layerId) && i.Status === "online") chosen.set(i.InstanceId, i);
  }
  return [...chosen.values()];
}

export const createDeployment: OpsWorksAction = (world, input, ctx) => {
  const stackId = reqString(input, "StackId");
  const command = optObject(input, "Command");
  if (command === undefined) throw missingMember("Command");
  const name = optString(command, "Name");
  if (name === undefined) throw missingMember("Command.name");
  if (!COMMANDS.includes(name)) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${name}' at 'command.name' failed to satisfy constraint: Member must satisfy enum value set: [${COMMANDS.join(", ")}]`,
    );
  }
  const args = readArgs(command);
  if (!world.state.stacks.has(stackId)) throw notFound("stack", stackId);
  const appId = optString(input, "AppId");
  if (appId === undefined && APP_COMMANDS.has(name)) throw new AwsError("ValidationException", `An app ID is required for the ${name} command`);
  if (appId !== undefined && world.state.apps.get(appId)?.StackId !== stackId) throw notFound("app", appId);
  const instances = targets(world, stackId, input);
  if (instances.length === 0) throw new AwsError("ValidationException", "No online instances to run the deployment on");
  const comment = optString(input, "Comment");
  const customJson = optString(input, "CustomJson");
  const deployment: OpsDeployment = {
    DeploymentId: world.ids.uuid(),
    StackId: stackId,
    ...(appId !== undefined ? { AppId: appId } : {}),
    CreatedAt: opsworksTime(world.clock.iso(ctx.now)),
    IamUserArn: "arn:aws:iam::123456789012:user/scythe-sim",
    ...(comment !== undefined ? { Comment: comment } : {}),
    Command: { Name: name, ...(args !== undefined ? { Args: args } : {}) },
    Status: "running",
    ...(customJson !== undefined ? { CustomJson: customJson } : {}),
    InstanceIds: instances.map((i) => i.InstanceId),
    createdTime: ctx.now,
  };
  world.state.deployments.set(deployment.DeploymentId, deployment);
  const failed = ctx.fault?.failDeployment === true;
  const doneAt = ctx.now + world.config.deploymentSeconds;
  world.schedule(doneAt, { service: "opsworks", action: "DeploymentCompleted", params: { DeploymentId: deployment.DeploymentId } }, (at) => {
    if (world.state.deployments.get(deployment.DeploymentId) !== deployment) return false;
    const lost = deployment.InstanceIds.some((id) => world.state.instances.get(id)?.Status !== "online");
    deployment.Status = failed || lost ? "failed" : "successful";
    deployment.CompletedAt = opsworksTime(world.clock.iso(at));
    deployment.Duration = Math.round(at - deployment.createdTime);
    publishDeploymentEvent(world, at, deployment);
    return true;
  });
  return { DeploymentId: deployment.DeploymentId };
};

function render(d: OpsDeployment): Omit<OpsDeployment, "createdTime"> {
  const { createdTime: _createdTime, ...wire } = d;
  return { ...wire, InstanceIds: [...wire.InstanceIds] };
}

export const describeDeployments: OpsWorksAction = (world, input) => {
  const by = oneOf(input, ["StackId", "AppId", "DeploymentIds"], "a stack ID, an app ID or one or more deployment IDs");
  const all = [...world.state.deployments.values()];
  let found: OpsDeployment[];
  if (by === "DeploymentIds") {
    found = (optStringList(input, "DeploymentIds") ?? []).map((id) => {
      const d = world.state.deployments.get(id);
      if (d === undefined) throw notFound("deployment", id);
      return d;
    });
  } else if (by === "AppId") {
    const appId = reqString(input, "AppId");
    if (!world.state.apps.has(appId)) throw notFound("app", appId);
    found = all.filter((d) => d.AppId === appId);
  } else {
    const stackId = reqString(input, "StackId");
    if (!world.state.stacks.has(stackId)) throw notFound("stack", stackId);
    found = all.filter((d) => d.StackId === stackId);
  }
  if (by !== "DeploymentIds") found.sort((a, b) => b.createdTime - a.createdTime);
  return { Deployments: found.map(render) };
};
