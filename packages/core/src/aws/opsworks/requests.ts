import type {
  CreateDeploymentCommandInput,
  DeleteInstanceCommandInput,
  DescribeAppsCommandInput,
  DescribeDeploymentsCommandInput,
  DescribeInstancesCommandInput,
  DescribeLayersCommandInput,
  DescribeStacksCommandInput,
  StopInstanceCommandInput,
} from "@aws-sdk/client-opsworks";
import type { DeploymentRequest } from "../../deploy/ports.js";

/**
 * Every OpsWorks request Scythe sends, built as data: pure functions of their arguments,
 * so a test can assert the exact input without sending anything.
 */
export const opsworksRequests = {
  describeStack: (stackId: string): DescribeStacksCommandInput => ({ StackIds: [stackId] }),
  /** The given stacks, or every stack the credentials can see. */
  describeStacks: (stackIds?: readonly string[]): DescribeStacksCommandInput => (stackIds ? { StackIds: [...stackIds] } : {}),
  describeLayer: (layerId: string): DescribeLayersCommandInput => ({ LayerIds: [layerId] }),
  describeApp: (appId: string): DescribeAppsCommandInput => ({ AppIds: [appId] }),
  instancesOfLayer: (layerId: string): DescribeInstancesCommandInput => ({ LayerId: layerId }),
  instancesOfStack: (stackId: string): DescribeInstancesCommandInput => ({ StackId: stackId }),
  describeInstance: (instanceId: string): DescribeInstancesCommandInput => ({ InstanceIds: [instanceId] }),
  /** OpsWorks' deploy command; `migrate` runs the app's migrations on the instances. */
  createDeployment: (request: DeploymentRequest): CreateDeploymentCommandInput => ({
    StackId: request.stackId,
    AppId: request.appId,
    InstanceIds: [...request.instanceIds],
    Command: { Name: "deploy", Args: { migrate: [String(request.migrate)] } },
    Comment: request.comment,
  }),
  describeDeployment: (deploymentId: string): DescribeDeploymentsCommandInput => ({ DeploymentIds: [deploymentId] }),
  deploymentsOfApp: (appId: string): DescribeDeploymentsCommandInput => ({ AppId: appId }),
  stopInstance: (instanceId: string): StopInstanceCommandInput => ({ InstanceId: instanceId }),
  deleteInstance: (instanceId: string): DeleteInstanceCommandInput => ({ InstanceId: instanceId }),
};
