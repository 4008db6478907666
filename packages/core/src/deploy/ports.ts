/**
 * The two things a rolling deploy drives, kept small so targets other than OpsWorks
 * (which reached end of life in 2024) and load balancers other than classic ELB fit.
 */

/** An instance as the deploy target sees it. */
export interface TargetInstance {
  readonly instanceId: string;
  readonly hostname: string;
  /** "online" is the only status that is deployed to. */
  readonly status: string;
  /** The id the load balancers know the instance by (EC2 instance id). */
  readonly endpointId?: string;
}

export type DeploymentStatus = "running" | "successful" | "failed";

export interface DeploymentRequest {
  readonly stackId: string;
  readonly appId: string;
  readonly instanceIds: readonly string[];
  readonly migrate: boolean;
  /** Also identifies the deployment when the answer to its creation was lost. */
  readonly comment: string;
}

/** An instance on which a deployment failed, and how (SSM: the invocation's status). */
export interface DeploymentFailure {
  readonly instanceId: string;
  readonly status: string;
  readonly detail?: string;
}

export interface Deployment {
  readonly deploymentId: string;
  readonly status: DeploymentStatus;
  readonly instanceIds: readonly string[];
  readonly comment?: string;
  /** When failed and the target can tell: the instances it failed on (OpsWorks cannot say). */
  readonly failures?: readonly DeploymentFailure[];
}

/** Where a deploy's ids lead: absent fields are ids that do not exist. */
export interface LocatedIds {
  readonly stackExists: boolean;
  /** The stack the layer belongs to. */
  readonly layerStackId?: string;
  /** The stack the app belongs to. */
  readonly appStackId?: string;
}

export interface DeployTarget {
  /** Looks the stack, layer and app up, so a deploy can refuse wrong ids before acting. */
  locate(ids: { readonly stackId: string; readonly layerId: string; readonly appId: string }): Promise<LocatedIds>;
  /** Instances of one layer of one stack, in a stable order. */
  listInstances(stackId: string, layerId: string): Promise<TargetInstance[]>;
  startDeployment(request: DeploymentRequest): Promise<string>;
  /**
   * The deployment as it stands. `instanceIds`, when given, are the instances it was started
   * on: a target that reads per instance (SSM: GetCommandInvocation) reads just those.
   */
  getDeployment(deploymentId: string, instanceIds?: readonly string[]): Promise<Deployment>;
  /** Deployments of an app carrying exactly this comment, newest first. */
  findDeployments(appId: string, comment: string): Promise<Deployment[]>;
}

/** A load balancer and the instances registered with it (some may be draining). */
export interface LoadBalancerMembers {
  readonly name: string;
  readonly instances: readonly string[];
}

export type HealthState = "InService" | "OutOfService" | "Unknown";

export interface InstanceHealth {
  readonly instanceId: string;
  readonly state: HealthState;
  /** True when the instance is not registered at all (gone, or fully drained). */
  readonly unregistered: boolean;
  /** True while a deregistration drains its connections: still serving, but on its way out. */
  readonly draining: boolean;
  readonly description?: string;
}

export interface LoadBalancers {
  /** Every load balancer with its registered instances. */
  list(): Promise<LoadBalancerMembers[]>;
  /** Health of the given instances (or of every registered one) behind `name`. */
  health(name: string, instanceIds?: readonly string[]): Promise<InstanceHealth[]>;
  /** Starts deregistration (draining). Instances not registered are ignored. */
  detach(name: string, instanceIds: readonly string[]): Promise<void>;
  /** Registers; already registered instances are left as they are. */
  attach(name: string, instanceIds: readonly string[]): Promise<void>;
  /**
   * The load balancer's own timing: its connection-draining timeout and health-check
   * settings. Optional: without it a rollout polls draining and health at `pollSeconds`.
   */
  timing?(name: string): Promise<LoadBalancerTiming>;
}

export interface LoadBalancerTiming {
  /** Connection-draining (deregistration delay) timeout in seconds; 0 when draining is disabled. */
  readonly drainSeconds: number;
  readonly healthIntervalSeconds: number;
  /** Consecutive successful checks before an instance is InService. */
  readonly healthyThreshold: number;
}
