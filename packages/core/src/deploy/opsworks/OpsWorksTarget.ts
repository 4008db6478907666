import {
  CreateDeploymentCommand,
  DescribeAppsCommand,
  DescribeLayersCommand,
  DescribeStacksCommand,
  DescribeDeploymentsCommand,
  DescribeInstancesCommand,
  ResourceNotFoundException,
  type Deployment as SdkDeployment,
  type OpsWorksClient,
} from "@aws-sdk/client-opsworks";
import { notFound, translateCloudError } from "../awsErrors.js";
import { CloudResourceNotFoundError } from "../errors.js";
import type { Deployment, DeploymentRequest, DeploymentStatus, DeployTarget, LocatedIds, TargetInstance } from "../ports.js";

/** DeployTarget on AWS OpsWorks Stacks: one client, given by the caller. */
export class OpsWorksTarget implements DeployTarget {
  constructor(private readonly client: OpsWorksClient) {}

  async locate(ids: { stackId: string; layerId: string; appId: string }): Promise<LocatedIds> {
    const [stack, layer, app] = await Promise.all([
      this.unlessMissing(() => this.call(`DescribeStacks(${ids.stackId})`, () => this.client.send(new DescribeStacksCommand({ StackIds: [ids.stackId] })))),
      this.unlessMissing(() => this.call(`DescribeLayers(${ids.layerId})`, () => this.client.send(new DescribeLayersCommand({ LayerIds: [ids.layerId] })))),
      this.unlessMissing(() => this.call(`DescribeApps(${ids.appId})`, () => this.client.send(new DescribeAppsCommand({ AppIds: [ids.appId] })))),
    ]);
    const layerStackId = layer?.Layers?.find((l) => l.LayerId === ids.layerId)?.StackId;
    const appStackId = app?.Apps?.find((a) => a.AppId === ids.appId)?.StackId;
    return {
      stackExists: (stack?.Stacks ?? []).some((s) => s.StackId === ids.stackId),
      ...(layerStackId !== undefined && { layerStackId }),
      ...(appStackId !== undefined && { appStackId }),
    };
  }

  private async unlessMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof CloudResourceNotFoundError) return undefined;
      throw error;
    }
  }

  async listInstances(stackId: string, layerId: string): Promise<TargetInstance[]> {
    const out = await this.call(`DescribeInstances(layer ${layerId})`, () =>
      this.client.send(new DescribeInstancesCommand({ LayerId: layerId })),
    );
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
    const out = await this.call(`CreateDeployment(app ${request.appId})`, () =>
      this.client.send(
        new CreateDeploymentCommand({
          StackId: request.stackId,
          AppId: request.appId,
          InstanceIds: [...request.instanceIds],
          Command: { Name: "deploy", Args: { migrate: [String(request.migrate)] } },
          Comment: request.comment,
        }),
      ),
    );
    if (!out.DeploymentId) throw translateCloudError("CreateDeployment", new Error("no DeploymentId in the answer"));
    return out.DeploymentId;
  }

  async getDeployment(deploymentId: string): Promise<Deployment> {
    const out = await this.call(`DescribeDeployments(${deploymentId})`, () =>
      this.client.send(new DescribeDeploymentsCommand({ DeploymentIds: [deploymentId] })),
    );
    const found = out.Deployments?.find((d) => d.DeploymentId === deploymentId);
    if (!found) throw notFound(`deployment ${deploymentId}`, "not in the answer");
    return toDeployment(found);
  }

  async findDeployments(appId: string, comment: string): Promise<Deployment[]> {
    const out = await this.call(`DescribeDeployments(app ${appId})`, () =>
      this.client.send(new DescribeDeploymentsCommand({ AppId: appId })),
    );
    return (out.Deployments ?? []).filter((d) => d.Comment === comment).map(toDeployment);
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw notFound(what, error);
      throw translateCloudError(what, error);
    }
  }
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
