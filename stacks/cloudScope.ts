import { Aws } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";

/**
 * Where Scythe's destructive and mutating cloud calls may land, as IAM resources. What
 * IAM can scope is scoped here; what it cannot (which instance inside an allowed stack)
 * is enforced by the code and said so in the README.
 *
 * - OpsWorks authorises instance and deployment calls on the *stack* ARN (instance ARNs
 *   are not an IAM resource type), so a stage that sets `SCYTHE_OPSWORKS_STACKS` (stack
 *   ids, comma-separated) limits them to those stacks; otherwise to this account and region.
 * - Classic ELB authorises per load balancer name: the orphan sweep may delete only
 *   `scythe-*`; the deploy re-registers instances on the layer's own load balancers, whose
 *   names are the user's, so a stage may list them in `SCYTHE_DEPLOY_LOAD_BALANCERS`.
 * - Describe calls take no resource (IAM requires `*`); they read, never change.
 */
export const scytheLoadBalancerPrefix = "scythe-";

const stackIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const lbNamePattern = /^[A-Za-z0-9-]{1,32}$/;

function list(env: NodeJS.ProcessEnv, variable: string, pattern: RegExp): string[] | undefined {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === "") return undefined;
  const items = raw.split(",").map((s) => s.trim());
  const bad = items.find((s) => !pattern.test(s));
  if (bad !== undefined) throw new Error(`${variable}: "${bad}" is not a valid id or name (${pattern.source})`);
  return items;
}

/** OpsWorks stack ARNs the stage may change instances and deployments in. */
export function opsworksStackArns(env: NodeJS.ProcessEnv = process.env): string[] {
  const ids = list(env, "SCYTHE_OPSWORKS_STACKS", stackIdPattern) ?? ["*"];
  return ids.map((id) => `arn:${Aws.PARTITION}:opsworks:${Aws.REGION}:${Aws.ACCOUNT_ID}:stack/${id}/`);
}

const loadBalancerArn = (name: string) => `arn:${Aws.PARTITION}:elasticloadbalancing:${Aws.REGION}:${Aws.ACCOUNT_ID}:loadbalancer/${name}`;

/** Classic load balancers the orphan sweep may delete: Scythe's own names only (the stage's, given its prefix). */
export const scytheLoadBalancerArns = (prefix: string = scytheLoadBalancerPrefix): string[] => [loadBalancerArn(`${prefix}*`)];

/** Classic load balancers a rolling deploy may (de)register instances with. */
export function deployLoadBalancerArns(env: NodeJS.ProcessEnv = process.env): string[] {
  return (list(env, "SCYTHE_DEPLOY_LOAD_BALANCERS", lbNamePattern) ?? ["*"]).map(loadBalancerArn);
}

const elbv2Arn = (resource: string) => `arn:${Aws.PARTITION}:elasticloadbalancing:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;

/**
 * Scythe's EC2 and ELBv2 teardown (the orphan sweep, the blueprints): EC2 authorises
 * TerminateInstances per instance with its tags as conditions, so only instances whose
 * `Name` tag carries Scythe's prefix; ELBv2 authorises deletes per ARN, which holds the
 * name, so only load balancers (application or network) and target groups named `scythe-*`.
 * `prefix` narrows all three further (the orphan sweep: its own stage's `scythe-<tag>-`).
 */
export function ec2TeardownStatements(prefix: string = scytheLoadBalancerPrefix): PolicyStatement[] {
  return [
    describeOnly(["ec2:DescribeInstances", "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups"]),
    new PolicyStatement({
      actions: ["ec2:TerminateInstances"],
      resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`],
      conditions: { StringLike: { "ec2:ResourceTag/Name": `${prefix}*` } },
    }),
    new PolicyStatement({
      actions: ["elasticloadbalancing:DeleteLoadBalancer"],
      resources: [elbv2Arn(`loadbalancer/app/${prefix}*/*`), elbv2Arn(`loadbalancer/net/${prefix}*/*`)],
    }),
    new PolicyStatement({ actions: ["elasticloadbalancing:DeleteTargetGroup"], resources: [elbv2Arn(`targetgroup/${prefix}*/*`)] }),
  ];
}

/** ELBv2 target groups an EC2 rollout may (de)register instances with: the stage's, by name, in `SCYTHE_DEPLOY_TARGET_GROUPS`; otherwise any in this account and region. */
export function deployTargetGroupArns(env: NodeJS.ProcessEnv = process.env): string[] {
  return (list(env, "SCYTHE_DEPLOY_TARGET_GROUPS", lbNamePattern) ?? ["*"]).map((name) => elbv2Arn(`targetgroup/${name}/*`));
}

/**
 * What an EC2 rollout's SendCommand may run, and where: AWS's shell document (owned by AWS,
 * so its ARN has no account) or the account's own documents, on the account's instances.
 */
export function deployCommandArns(): string[] {
  return [
    `arn:${Aws.PARTITION}:ssm:${Aws.REGION}::document/AWS-RunShellScript`,
    `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:document/*`,
    `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`,
  ];
}

/** Read-only calls IAM cannot scope (they take no resource). */
export const describeOnly = (actions: string[]) => new PolicyStatement({ actions, resources: ["*"] });

/** OpsWorks instance teardown: describe anywhere, stop and delete only in the stage's stacks. */
export function opsworksTeardownStatements(env: NodeJS.ProcessEnv = process.env): PolicyStatement[] {
  return [
    describeOnly(["opsworks:DescribeInstances"]),
    new PolicyStatement({ actions: ["opsworks:StopInstance", "opsworks:DeleteInstance"], resources: opsworksStackArns(env) }),
  ];
}
