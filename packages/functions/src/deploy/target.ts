import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { SSMClient } from "@aws-sdk/client-ssm";
import { Ec2Instances } from "@scythe/core/aws/ec2";
import { TargetGroups } from "@scythe/core/aws/elbv2";
import { OpsWorksStacks } from "@scythe/core/aws/opsworks";
import { Ec2SsmTarget, SsmRunCommand } from "@scythe/core/aws/ssm";
import type { DeployServices, Ec2Target } from "@scythe/core/deploy";

/** The EC2 target's clients, made once per cold start and only when an EC2 rollout first needs them. */
let clients: { ec2: EC2Client; ssm: SSMClient; elbv2: ElasticLoadBalancingV2Client } | undefined;
export function ec2Clients(): { ec2: EC2Client; ssm: SSMClient; elbv2: ElasticLoadBalancingV2Client } {
  // SendCommand is not idempotent: no SDK-level retry (a lost answer is found again by its comment).
  clients ??= { ec2: new EC2Client({}), ssm: new SSMClient({ maxAttempts: 1 }), elbv2: new ElasticLoadBalancingV2Client({}) };
  return clients;
}

/** An EC2 rollout's target (SSM Run Command on the selected instances) and load balancers (ELBv2 target groups). */
export function ec2Deploy(target: Ec2Target): Pick<DeployServices, "target" | "loadBalancers"> {
  const { ec2, ssm, elbv2 } = ec2Clients();
  return { target: new Ec2SsmTarget(new Ec2Instances(ec2), new SsmRunCommand(ssm), target), loadBalancers: new TargetGroups(elbv2) };
}

/**
 * The deploy target alone, for the function that validates before anything else: it
 * reads no table, so its bundle holds no DynamoDB client. CreateDeployment is not
 * idempotent: no SDK-level retry (a lost answer would become a second deployment); the
 * state machine retries, and finds a lost deployment by its comment. An `ec2` input gets
 * the EC2 target instead (`servicesFor`).
 */
export function deployTargetFromEnv(): Pick<DeployServices, "target" | "ec2"> {
  return { target: new OpsWorksStacks(new OpsWorksClient({ maxAttempts: 1 })), ec2: ec2Deploy };
}
