/**
 * Wire shapes of the simulator's control API (`/_sim/`). Shared by the server
 * (which validates with these schemas) and by `SimControl` (which uses the types).
 */
import { z } from "zod";

const seconds = z.number().min(0).max(10_000_000);

export const FaultSpecSchema = z.strictObject({
  /** Action name: "DeregisterInstancesFromLoadBalancer", "opsworks:CreateDeployment", "heroku:DELETE /apps", "elb:*", "*". */
  action: z.string().min(1),
  /** AWS error code (e.g. "Throttling") or, for Heroku, the error id (e.g. "forbidden"). */
  error: z.string().min(1).optional(),
  /** HTTP status of the injected error (default derived from `error`). */
  status: z.number().int().min(400).max(599).optional(),
  message: z.string().optional(),
  /** Real milliseconds to wait before handling the call. */
  latencyMs: z.number().min(0).max(600_000).optional(),
  /** Destroy the socket before the call is applied. */
  drop: z.boolean().optional(),
  /** Apply the call, then destroy the socket instead of answering (the response is lost). */
  dropAfter: z.boolean().optional(),
  /** CreateDeployment only: the deployment is created but ends "failed". */
  failDeployment: z.boolean().optional(),
  /** Fire for the next N matching calls, then disappear. */
  count: z.number().int().positive().optional(),
  /** Fire with this probability per matching call (deterministic PRNG, see `seed`). */
  probability: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
});
export type FaultSpec = z.input<typeof FaultSpecSchema>;
export const FaultBodySchema = z.union([FaultSpecSchema, z.strictObject({ faults: z.array(FaultSpecSchema) })]);

export const ConfigPatchSchema = z.strictObject({
  timeScale: z.number().min(0).max(3_600_000).optional(),
  deploymentSeconds: seconds.optional(),
  healthCheckSeconds: seconds.optional(),
  stopSeconds: seconds.optional(),
  defaultDrainSeconds: seconds.optional(),
  /** Connection-draining timeout per load balancer name. */
  drainSeconds: z.record(z.string(), seconds).optional(),
  herokuDeleteSeconds: seconds.optional(),
  /** Most load balancers one DescribeLoadBalancers page holds (AWS: PageSize 1-400, default 400). */
  elbPageSize: z.number().int().min(1).max(400).optional(),
  herokuRateLimit: z.strictObject({ perSecond: z.number().min(0).optional(), max: z.number().int().min(0).optional() }).optional(),
  /** SSM: simulated seconds an invocation stays Pending, then runs (InProgress) before it ends. */
  ssmPendingSeconds: seconds.optional(),
  ssmRunSeconds: seconds.optional(),
  /** SSM: for this long after SendCommand, GetCommandInvocation answers InvocationDoesNotExist (AWS's eventual consistency). */
  ssmInvocationVisibleSeconds: seconds.optional(),
  /** SSM status events: each copy is delivered up to this many simulated seconds late; this share is delivered twice. */
  ssmEventMaxDelaySeconds: seconds.optional(),
  ssmEventDuplicateProbability: z.number().min(0).max(1).optional(),
  /** OpsWorks deployment state-change events: each copy up to this many simulated seconds late; this share delivered twice. */
  opsworksEventMaxDelaySeconds: seconds.optional(),
  opsworksEventDuplicateProbability: z.number().min(0).max(1).optional(),
});
export type ConfigPatch = z.input<typeof ConfigPatchSchema>;

export interface SimConfig {
  /** Real milliseconds per simulated second (0 = clock frozen, advance by hand). */
  timeScale: number;
  deploymentSeconds: number;
  healthCheckSeconds: number;
  stopSeconds: number;
  defaultDrainSeconds: number;
  herokuDeleteSeconds: number;
  elbPageSize: number;
  herokuRateLimit: { perSecond: number; max: number };
  ssmPendingSeconds: number;
  ssmRunSeconds: number;
  ssmInvocationVisibleSeconds: number;
  ssmEventMaxDelaySeconds: number;
  ssmEventDuplicateProbability: number;
  opsworksEventMaxDelaySeconds: number;
  opsworksEventDuplicateProbability: number;
}

const name = z.string().min(1).max(255);
export const SeedSchema = z.strictObject({
  stacks: z.array(z.strictObject({ StackId: name.optional(), Name: name, Region: name.optional() })).optional(),
  layers: z
    .array(z.strictObject({ LayerId: name.optional(), StackId: name, Name: name, Shortname: name.optional(), Type: name.optional() }))
    .optional(),
  instances: z
    .array(
      z.strictObject({
        InstanceId: name.optional(),
        Hostname: name,
        StackId: name,
        LayerIds: z.array(name).optional(),
        Status: name.optional(),
        Ec2InstanceId: name.optional(),
        InstanceType: name.optional(),
        CreatedAt: z.string().optional(),
      }),
    )
    .optional(),
  apps: z
    .array(z.strictObject({ AppId: name.optional(), StackId: name, Name: name, Shortname: name.optional(), Type: name.optional() }))
    .optional(),
  loadBalancers: z
    .array(
      z.strictObject({
        LoadBalancerName: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/),
        instances: z.array(name).optional(),
        drainSeconds: seconds.optional(),
        healthCheckSeconds: seconds.optional(),
      }),
    )
    .optional(),
  /** EC2 instances DescribeInstances answers (also registrable with load balancers and target groups). */
  ec2Instances: z
    .array(
      z.strictObject({
        InstanceId: z.string().regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/).optional(),
        State: z.enum(["pending", "running", "shutting-down", "terminated", "stopping", "stopped"]).optional(),
        InstanceType: name.optional(),
        ImageId: name.optional(),
        AvailabilityZone: name.optional(),
        Tags: z.array(z.strictObject({ Key: z.string().min(1).max(128), Value: z.string().max(256) })).optional(),
        /** Shorthand for the `aws:autoscaling:groupName` tag. */
        AutoScalingGroupName: name.optional(),
        LaunchTime: z.iso.datetime().optional(),
      }),
    )
    .optional(),
  /** ELBv2 load balancers (target groups name them in `LoadBalancerNames`). */
  loadBalancersV2: z
    .array(z.strictObject({ LoadBalancerName: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/), Type: z.enum(["application", "network"]).optional() }))
    .optional(),
  targetGroups: z
    .array(
      z.strictObject({
        TargetGroupName: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/),
        Protocol: z.enum(["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"]).optional(),
        Port: z.number().int().min(1).max(65535).optional(),
        /** The ELBv2 load balancers it serves; a group with none reports its targets `unused`. */
        LoadBalancerNames: z.array(name).optional(),
        HealthCheckIntervalSeconds: z.number().int().min(5).max(300).optional(),
        HealthCheckTimeoutSeconds: z.number().int().min(2).max(120).optional(),
        HealthyThresholdCount: z.number().int().min(2).max(10).optional(),
        UnhealthyThresholdCount: z.number().int().min(2).max(10).optional(),
        DeregistrationDelaySeconds: z.number().int().min(0).max(3600).optional(),
        /** EC2 ids registered and healthy from the start (port defaults to the group's). */
        targets: z.array(z.union([name, z.strictObject({ Id: name, Port: z.number().int().min(1).max(65535).optional() })])).optional(),
      }),
    )
    .optional(),
  /** SSM document names SendCommand accepts besides AWS-RunShellScript. */
  ssmDocuments: z.array(z.string().regex(/^[a-zA-Z0-9_.:/-]{3,128}$/)).optional(),
  /** Bare EC2 instance ids that exist (so they can be registered) without an OpsWorks instance. */
  ec2InstanceIds: z.array(name).optional(),
  herokuApps: z
    .array(
      z.strictObject({
        id: z.uuid().optional(),
        name: z.string().regex(/^[a-z][a-z0-9-]{0,28}[a-z0-9]$/),
        created_at: z.iso.datetime().optional(),
        /** Instead of created_at: this many simulated seconds before the simulator's now. */
        ageSeconds: z.number().min(0).optional(),
        updated_at: z.iso.datetime().optional(),
        maintenance: z.boolean().optional(),
      }).refine((a) => a.created_at === undefined || a.ageSeconds === undefined, { message: "give created_at or ageSeconds, not both", path: ["ageSeconds"] }),
    )
    .optional(),
});
export type SeedInput = z.input<typeof SeedSchema>;
export type ParsedSeed = z.output<typeof SeedSchema>;

export interface SeedResult {
  stackIds: string[];
  layerIds: string[];
  instances: { InstanceId: string; Hostname: string; Ec2InstanceId: string }[];
  appIds: string[];
  loadBalancers: string[];
  herokuApps: { id: string; name: string }[];
  ec2InstanceIds?: string[];
  loadBalancerV2Arns?: string[];
  targetGroupArns?: string[];
}

export type Outcome = "ok" | "error" | "dropped";

export interface SimEvent {
  seq: number;
  /** Simulated seconds since the simulator started. */
  time: number;
  /** Simulated wall-clock time (ISO 8601). */
  at: string;
  /** Real wall-clock time the event was logged (ISO 8601): lines events up with records written by real clocks (the deploy journal). */
  realAt: string;
  kind: "call" | "transition";
  service: "opsworks" | "elb" | "heroku" | "ec2" | "elbv2" | "ssm";
  action: string;
  params: unknown;
  outcome: Outcome;
  status?: number;
  code?: string;
  /** True when an injected fault shaped this call. */
  faulted?: boolean;
  /** InService instance count behind every load balancer after this event. */
  inService: Record<string, number>;
}

export interface Violation {
  loadBalancer: string;
  /** Simulated seconds at which the last InService instance went away. */
  time: number;
  at: string;
  previousInService: number;
  /** Instances still registered (e.g. registering, unhealthy) at that moment. */
  registered: number;
  /** Seq of the event (call or transition) that caused it. */
  seq: number;
  cause: string;
  /** Simulated seconds at which an instance was InService again, if it happened. */
  endedTime?: number;
}

export interface ClockInfo {
  now: number;
  at: string;
  timeScale: number;
}

export interface InstanceHealthView {
  InstanceId: string;
  State: "InService" | "OutOfService";
  ReasonCode: string;
  Description: string;
}
