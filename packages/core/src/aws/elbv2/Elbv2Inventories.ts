import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudRequestError } from "../../errors.js";
import type { CloudResource, Inventory, RemoveOutcome } from "../../orphans/Inventory.js";
import { Elbv2Teardown } from "./Elbv2Teardown.js";

/**
 * The orphan sweep's Inventory of ELBv2 (Application and Network) load balancers, named by
 * load balancer name, removed by ARN. DeleteLoadBalancer succeeds whether or not the load
 * balancer exists, so a describe asks first and only LoadBalancerNotFound counts as gone.
 */
export class Elbv2LoadBalancerInventory implements Inventory {
  readonly kind = "loadBalancerV2";
  private readonly elb: Elbv2Teardown;

  constructor(client: ElasticLoadBalancingV2Client) {
    this.elb = new Elbv2Teardown(client);
  }

  async list(): Promise<CloudResource[]> {
    return (await this.elb.loadBalancers()).map((lb) => ({ kind: this.kind, name: lb.name, id: lb.arn }));
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    if (!(await this.elb.loadBalancerExists(resource.id))) return "already-gone";
    await this.elb.deleteLoadBalancer(resource.id);
    return "removed";
  }
}

/**
 * The orphan sweep's Inventory of ELBv2 target groups, named by target group name, removed
 * by ARN after the load balancers (a group a listener forwards to cannot be deleted: its
 * load balancer goes first). Only TargetGroupNotFound counts as gone; a group still in use
 * is an error in the report, not a removal.
 */
export class TargetGroupInventory implements Inventory {
  readonly kind = "targetGroup";
  private readonly elb: Elbv2Teardown;

  constructor(client: ElasticLoadBalancingV2Client) {
    this.elb = new Elbv2Teardown(client);
  }

  async list(): Promise<CloudResource[]> {
    return (await this.elb.targetGroups()).map((tg) => ({ kind: this.kind, name: tg.name, id: tg.arn }));
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    if (!(await this.elb.targetGroupExists(resource.id))) return "already-gone";
    if ((await this.elb.deleteTargetGroup(resource.id)) === "in-use") {
      throw new CloudRequestError(`DeleteTargetGroup(${resource.name}): a listener or rule of a load balancer still forwards to it (ResourceInUse)`);
    }
    return "removed";
  }
}
