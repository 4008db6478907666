import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { Ec2Instances } from "@scythe/core/aws/ec2";
import { TargetGroups } from "@scythe/core/aws/elbv2";
import { Ec2SsmTarget, SsmRunCommand } from "@scythe/core/aws/ssm";
import type { DeployTarget, Ec2Target, LoadBalancers } from "@scythe/core/deploy";
import { localClientConfig } from "./clients.js";

/**
 * An EC2 rollout's target and load balancers on the fleet simulator: instances by Auto Scaling
 * group or tags, deployed to with SSM Run Command, behind ELBv2 target groups. SendCommand is
 * not idempotent: one attempt (a lost answer is found again by the command's comment).
 */
export function localEc2Deploy(simulator: string, ec2: Ec2Target, maxAttempts = 3): { target: DeployTarget; loadBalancers: LoadBalancers } {
  const config = { ...localClientConfig(simulator), maxAttempts };
  return {
    target: new Ec2SsmTarget(new Ec2Instances(new EC2Client(config)), new SsmRunCommand(new SSMClient({ ...config, maxAttempts: 1 })), ec2),
    loadBalancers: new TargetGroups(new ElasticLoadBalancingV2Client(config)),
  };
}

