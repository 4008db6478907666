/** The simulated fleet: OpsWorks entities, classic load balancers, Heroku apps, EC2 instances. */
import type { Ec2Instance } from "./ec2State.js";
import type { SsmCommand } from "./ssmState.js";
import type { LoadBalancerV2, TargetGroup } from "./targetGroups.js";

export interface OpsStack {
  StackId: string;
  Name: string;
  Arn: string;
  Region: string;
  CreatedAt: string;
}

export interface OpsLayer {
  LayerId: string;
  StackId: string;
  Arn: string;
  Name: string;
  Shortname: string;
  Type: string;
  CreatedAt: string;
}

export interface OpsInstance {
  InstanceId: string;
  Arn: string;
  Hostname: string;
  StackId: string;
  LayerIds: string[];
  Status: string;
  Ec2InstanceId: string;
  InstanceType: string;
  CreatedAt: string;
}

export interface OpsApp {
  AppId: string;
  StackId: string;
  Name: string;
  Shortname: string;
  Type: string;
  CreatedAt: string;
}

export type DeploymentStatus = "running" | "successful" | "failed";

export interface OpsDeployment {
  DeploymentId: string;
  StackId: string;
  AppId?: string;
  CreatedAt: string;
  CompletedAt?: string;
  Duration?: number;
  IamUserArn: string;
  Comment?: string;
  Command: { Name: string; Args?: Record<string, string[]> };
  Status: DeploymentStatus;
  CustomJson?: string;
  InstanceIds: string[];
  /** Simulated second at which it was created (for ordering and Duration). */
  createdTime: number;
}

/**
 * An instance's registration with a load balancer:
 * registering (health checks not passed yet) → serving → draining (after deregistration) → gone.
 */
export interface Registration {
  instanceId: string;
  phase: "registering" | "serving" | "draining";
  since: number;
  /** Bumped on every phase change so stale scheduled transitions can tell. */
  token: number;
}

export interface LoadBalancer {
  name: string;
  createdAt: string;
  drainSeconds: number;
  healthCheckSeconds?: number;
  /** Insertion-ordered registrations by EC2 instance id. */
  registrations: Map<string, Registration>;
}

export interface HerokuApp {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  maintenance: boolean;
  /** Simulated second at which an in-progress deletion completes. */
  deletingUntil?: number;
}

/** A Map that counts its changes (set, delete, clear), so indexes over it know when to rebuild. */
export class VersionedMap<K, V> extends Map<K, V> {
  version = 0;

  override set(key: K, value: V): this {
    this.version = (this.version ?? 0) + 1;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.version += 1;
    return super.delete(key);
  }

  override clear(): void {
    this.version += 1;
    super.clear();
  }
}

export class FleetState {
  readonly stacks = new Map<string, OpsStack>();
  readonly layers = new Map<string, OpsLayer>();
  readonly instances = new VersionedMap<string, OpsInstance>();
  readonly apps = new Map<string, OpsApp>();
  readonly deployments = new Map<string, OpsDeployment>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly herokuApps = new Map<string, HerokuApp>();
  /** EC2 instance ids that exist (OpsWorks-backed or bare). */
  readonly ec2InstanceIds = new Set<string>();
  /** EC2 instances DescribeInstances knows (seeded with `ec2Instances`), by id. */
  readonly ec2Instances = new Map<string, Ec2Instance>();
  /** ELBv2 load balancers and target groups, by ARN (creation order). */
  readonly loadBalancersV2 = new Map<string, LoadBalancerV2>();
  readonly targetGroups = new Map<string, TargetGroup>();
  /** EC2 ids whose target-group health checks fail (POST /_sim/targets/health). */
  readonly failingTargets = new Set<string>();
  /** SSM commands by id (send order), extra document names, and invocations to fail per instance. */
  readonly ssmCommands = new Map<string, SsmCommand>();
  readonly ssmDocuments = new Set<string>();
  readonly ssmFailures = new Map<string, number>();

  clear(): void {
    this.stacks.clear();
    this.layers.clear();
    this.instances.clear();
    this.apps.clear();
    this.deployments.clear();
    this.loadBalancers.clear();
    this.herokuApps.clear();
    this.ec2InstanceIds.clear();
    this.ec2Instances.clear();
    this.loadBalancersV2.clear();
    this.targetGroups.clear();
    this.failingTargets.clear();
    this.ssmCommands.clear();
    this.ssmDocuments.clear();
    this.ssmFailures.clear();
  }

  #byEc2Id = new Map<string, OpsInstance>();
  #byEc2IdVersion = -1;

  /**
   * The OpsWorks instance behind an EC2 id, from an index rebuilt whenever the instances
   * change: health is asked for every registration at every logged event, and a scan per
   * question made a 1,000-instance rollout cubic.
   */
  opsInstanceByEc2Id(ec2InstanceId: string): OpsInstance | undefined {
    if (this.#byEc2IdVersion !== this.instances.version) {
      this.#byEc2Id = new Map();
      for (const instance of this.instances.values()) if (!this.#byEc2Id.has(instance.Ec2InstanceId)) this.#byEc2Id.set(instance.Ec2InstanceId, instance);
      this.#byEc2IdVersion = this.instances.version;
    }
    return this.#byEc2Id.get(ec2InstanceId);
  }
}

/** OpsWorks renders timestamps as `2013-05-15T20:54:21+00:00`. */
export function opsworksTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, "+00:00");
}

/** Heroku renders timestamps as `2012-01-01T12:00:00Z`. */
export function herokuTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, "Z");
}
