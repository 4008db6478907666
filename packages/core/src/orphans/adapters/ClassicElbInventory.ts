import {
  AccessPointNotFoundException,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
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

  /**
   * DeleteLoadBalancer succeeds whether or not the load balancer exists, so its answer
   * cannot tell "removed" from "already gone": a describe by name asks first, and only its
   * LoadBalancerNotFound (AccessPointNotFoundException) counts as gone. The sweep's lock
   * keeps other sweeps out of the gap between the two calls.
   */
  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    try {
      await this.client.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [resource.id] }));
    } catch (error) {
      if (error instanceof AccessPointNotFoundException) return "already-gone";
      throw error;
    }
    await this.client.send(new DeleteLoadBalancerCommand({ LoadBalancerName: resource.id }));
    return "removed";
  }
}
