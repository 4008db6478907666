import {
  CreateDeploymentCommand,
  DeleteInstanceCommand,
  DescribeAppsCommand,
  DescribeDeploymentsCommand,
  DescribeInstancesCommand,
  DescribeLayersCommand,
  DescribeStacksCommand,
  StopInstanceCommand,
  type Deployment as SdkDeployment,
  type OpsWorksClient,
} from "@aws-sdk/client-opsworks";
import type { Deployment, DeploymentRequest, DeploymentStatus, DeployTarget, LocatedIds, TargetInstance } from "../../deploy/ports.js";
import { CloudResourceNotFoundError, CloudUnavailableError } from "../../errors.js";
import type { InstanceTeardown } from "../../ports/InstanceTeardown.js";
import { sendTranslated, translateSdkError } from "../sdkErrors.js";
import { opsworksRequests as requests } from "./requests.js";

export type { OpsWorksClient } from "@aws-sdk/client-opsworks";

/** OpsWorks' answer for an id it does not know: the only proof that something is gone. */
const notFound: ReadonlySet<string> = new Set(["ResourceNotFoundException"]);

/** An instance as an inventory lists it. */
export interface StackInstance {
  readonly instanceId: string;
  readonly hostname: string;
}

/**
 * The one adapter on AWS OpsWorks Stacks, on the caller's client: the deploy target, the
 * teardown of an instance, and the listing of instances for the orphan sweep. Requests
 * are built in requests.ts; every call goes through `call`, where SDK errors become
 * CloudErrors. Retries are the client's (its `maxAttempts`, set by whoever builds it: the
 * deploy's clients make one attempt, Step Functions retries); the adapter adds none.
 * No OpsWorks Describe* call paginates.
 */
export class OpsWorksStacks implements DeployTarget, InstanceTeardown {
  constructor(private readonly client: OpsWorksClient) {}

  async locate(ids: { stackId: string; layerId: string; appId: string }): Promise<LocatedIds> {
    const [stack, layer, app] = await Promise.all([
      unlessMissing(this.call(`DescribeStacks(${ids.stackId})`, () => this.client.send(new DescribeStacksCommand(requests.describeStack(ids.stackId))))),
      unlessMissing(this.call(`DescribeLayers(${ids.layerId})`, () => this.client.send(new DescribeLayersCommand(requests.describeLayer(ids.layerId))))),
      unlessMissing(this.call(`DescribeApps(${ids.appId})`, () => this.client.send(new DescribeAppsCommand(requests.describeApp(ids.appId))))),
    ]);
    const layerStackId = found(layer)?.Layers?.find((l) => l.LayerId === ids.layerId)?.StackId;
    const appStackId = found(app)?.Apps?.find((a) => a.AppId === ids.appId)?.StackId;
    return {
      stackExists: (found(stack)?.Stacks ?? []).some((s) => s.StackId === ids.stackId),
      ...(layerStackId !== undefined && { layerStackId }),
      ...(appStackId !== undefined && { appStackId }),
    };
  }

  async listInstances(stackId: string, layerId: string): Promise<TargetInstance[]> {
    const out = await this.call(`DescribeInstances(layer ${layerId})`, () => this.client.send(new DescribeInstancesCommand(requests.instancesOfLayer(layerId))));
    return (out.Instances ?? [])
      .filter((i) => i.StackId === stackId && i.InstanceId !== undefined)
      .map((i) => ({
        instanceId: i.InstanceId ?? "",
        hostname: i.Hostname ?? i.InstanceId ?? "",
        status: i.Status ?? "unknown",
        ...(i.Ec2InstanceId !== undefined && { endpointId: i.Ec2InstanceId }),
      }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.instanceId.localeCompare(b.instanceId));
  }

  async startDeployment(request: DeploymentRequest): Promise<string> {
    const what = `CreateDeployment(app ${request.appId})`;
    const out = await this.call(what, () => this.client.send(new CreateDeploymentCommand(requests.createDeployment(request))));
    if (!out.DeploymentId) throw translateSdkError("CreateDeployment", new Error("no DeploymentId in the answer"));
    return out.DeploymentId;
  }

  async getDeployment(deploymentId: string): Promise<Deployment> {
    const what = `DescribeDeployments(${deploymentId})`;
    const out = await this.call(what, () => this.client.send(new DescribeDeploymentsCommand(requests.describeDeployment(deploymentId))));
    const found = out.Deployments?.find((d) => d.DeploymentId === deploymentId);
    if (!found) throw new CloudResourceNotFoundError(`deployment ${deploymentId}: not in the answer`);
    return toDeployment(found);
  }

  async findDeployments(appId: string, comment: string): Promise<Deployment[]> {
    const out = await this.call(`DescribeDeployments(app ${appId})`, () => this.client.send(new DescribeDeploymentsCommand(requests.deploymentsOfApp(appId))));
    return (out.Deployments ?? []).filter((d) => d.Comment === comment).map(toDeployment);
  }

  /**
   * Only ResourceNotFoundException proves the instance is gone (AWS's answer for an unknown
   * id). An answer that merely lacks it, or lacks its status, proves nothing: try again later.
   */
  async status(instanceId: string): Promise<string | undefined> {
    const what = `DescribeInstances(${instanceId})`;
    const out = await unlessMissing(this.call(what, () => this.client.send(new DescribeInstancesCommand(requests.describeInstance(instanceId)))));
    if (out === missing) return undefined;
    const status = out.Instances?.find((i) => i.InstanceId === instanceId)?.Status;
    if (status === undefined) throw new CloudUnavailableError(`${what}: the answer did not include it or its status`);
    return status;
  }

  async stop(instanceId: string): Promise<void> {
    await unlessMissing(this.call(`StopInstance(${instanceId})`, () => this.client.send(new StopInstanceCommand(requests.stopInstance(instanceId)))));
  }

  async delete(instanceId: string): Promise<"deleted" | "already-gone"> {
    const out = await unlessMissing(this.call(`DeleteInstance(${instanceId})`, () => this.client.send(new DeleteInstanceCommand(requests.deleteInstance(instanceId)))));
    return out === missing ? "already-gone" : "deleted";
  }

  /** Instances of the given stacks (default: every stack the credentials see), for inventories. */
  async instancesOfStacks(stackIds?: readonly string[]): Promise<StackInstance[]> {
    const stacks = await this.call("DescribeStacks", () => this.client.send(new DescribeStacksCommand(requests.describeStacks(stackIds))));
    const found: StackInstance[] = [];
    for (const stack of stacks.Stacks ?? []) {
      const stackId = stack.StackId;
      if (stackId === undefined) continue;
      const out = await this.call(`DescribeInstances(stack ${stackId})`, () => this.client.send(new DescribeInstancesCommand(requests.instancesOfStack(stackId))));
      for (const instance of out.Instances ?? []) {
        if (instance.Hostname && instance.InstanceId) found.push({ instanceId: instance.InstanceId, hostname: instance.Hostname });
      }
    }
    return found;
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return sendTranslated(what, send, notFound);
  }
}

/** What a call answers when it proved its subject does not exist. */
const missing = Symbol("missing");

/** The answer, or `missing` when the call proved its subject does not exist. */
async function unlessMissing<T>(pending: Promise<T>): Promise<T | typeof missing> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof CloudResourceNotFoundError) return missing;
    throw error;
  }
}

function found<T>(answer: T | typeof missing): T | undefined {
  return answer === missing ? undefined : answer;
}

function toStatus(status: string | undefined): DeploymentStatus {
  return status === "successful" || status === "failed" ? status : "running";
}

function toDeployment(d: SdkDeployment): Deployment {
  return {
    deploymentId: d.DeploymentId ?? "",
    status: toStatus(d.Status),
    instanceIds: d.InstanceIds ?? [],
    ...(d.Comment !== undefined && { comment: d.Comment }),
  };
}
