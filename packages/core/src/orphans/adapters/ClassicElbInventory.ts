import {
  AccessPointNotFoundException,
  DeleteLoadBalancerCommand,
  paginateDescribeLoadBalancers,
  type ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import type { CloudResource, Inventory, RemoveOutcome } from "../Inventory.js";

/** Classic load balancers, named by load balancer name. */
export class ClassicElbInventory implements Inventory {
  readonly kind = "loadBalancer";

  constructor(private readonly client: ElasticLoadBalancingClient) {}

  async list(): Promise<CloudResource[]> {
    const resources: CloudResource[] = [];
    for await (const page of paginateDescribeLoadBalancers({ client: this.client }, {})) {
      for (const lb of page.LoadBalancerDescriptions ?? []) {
        if (lb.LoadBalancerName) resources.push({ kind: this.kind, name: lb.LoadBalancerName, id: lb.LoadBalancerName });
      }
    }
    return resources;
  }

  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    try {
      await this.client.send(new DeleteLoadBalancerCommand({ LoadBalancerName: resource.id }));
      return "removed";
    } catch (error) {
      if (error instanceof AccessPointNotFoundException) return "already-gone";
      throw error;
    }
  }
}
