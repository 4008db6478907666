import type { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import type { CloudResource, Inventory, RemoveOutcome } from "../../orphans/Inventory.js";
import { ClassicElb } from "./ClassicElb.js";

/** The orphan sweep's Inventory of classic load balancers, named by load balancer name, on ClassicElb. */
export class ClassicElbInventory implements Inventory {
  readonly kind = "loadBalancer";
  private readonly elb: ClassicElb;

  constructor(client: ElasticLoadBalancingClient) {
    this.elb = new ClassicElb(client);
  }

  async list(): Promise<CloudResource[]> {
    return (await this.elb.names()).map((name) => ({ kind: this.kind, name, id: name }));
  }

  /**
   * DeleteLoadBalancer succeeds whether or not the load balancer exists, so its answer
   * cannot tell "removed" from "already gone": a describe by name asks first, and only its
   * LoadBalancerNotFound counts as gone. The sweep's lock keeps other sweeps out of the gap
   * between the two calls.
   */
  async remove(resource: CloudResource): Promise<RemoveOutcome> {
    if (!(await this.elb.exists(resource.id))) return "already-gone";
    await this.elb.delete(resource.id);
    return "removed";
  }
}
