import { Ec2InstanceInventory } from "../aws/ec2/Ec2InstanceInventory.js";
import type { EC2Client } from "../aws/ec2/Ec2Instances.js";
import type { ElasticLoadBalancingClient } from "../aws/elb/ClassicElb.js";
import { ClassicElbInventory } from "../aws/elb/ClassicElbInventory.js";
import { Elbv2LoadBalancerInventory, TargetGroupInventory } from "../aws/elbv2/Elbv2Inventories.js";
import type { ElasticLoadBalancingV2Client } from "../aws/elbv2/TargetGroups.js";
import { OpsWorksInstanceInventory } from "../aws/opsworks/OpsWorksInstanceInventory.js";
import type { OpsWorksClient } from "../aws/opsworks/OpsWorksStacks.js";
import type { AppPlatform } from "../ports/AppPlatform.js";
import { PlatformAppInventory } from "./adapters/PlatformAppInventory.js";
import type { Inventory } from "./Inventory.js";

/**
 * What the orphan sweep walks, dependents first: instances (OpsWorks, then EC2 when its
 * client is given), load balancers (classic, then ELBv2), ELBv2 target groups (after their
 * load balancers: AWS refuses to delete a group a listener forwards to), then apps (when a
 * platform is given).
 */
export function sweepInventories(clients: {
  opsworks: OpsWorksClient;
  elb: ElasticLoadBalancingClient;
  ec2?: EC2Client;
  elbv2?: ElasticLoadBalancingV2Client;
  apps?: AppPlatform;
  opsworksStacks?: readonly string[];
}): Inventory[] {
  return [
    new OpsWorksInstanceInventory(clients.opsworks, clients.opsworksStacks),
    ...(clients.ec2 ? [new Ec2InstanceInventory(clients.ec2)] : []),
    new ClassicElbInventory(clients.elb),
    ...(clients.elbv2 ? [new Elbv2LoadBalancerInventory(clients.elbv2), new TargetGroupInventory(clients.elbv2)] : []),
    ...(clients.apps ? [new PlatformAppInventory(clients.apps)] : []),
  ];
}
