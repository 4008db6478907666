import type { ElasticLoadBalancingClient } from "../aws/elb/ClassicElb.js";
import { ClassicElbInventory } from "../aws/elb/ClassicElbInventory.js";
import { OpsWorksInstanceInventory } from "../aws/opsworks/OpsWorksInstanceInventory.js";
import type { OpsWorksClient } from "../aws/opsworks/OpsWorksStacks.js";
import type { AppPlatform } from "../ports/AppPlatform.js";
import { PlatformAppInventory } from "./adapters/PlatformAppInventory.js";
import type { Inventory } from "./Inventory.js";

/** What the orphan sweep walks, dependents first: instances, load balancers, then apps (when a platform is given). */
export function sweepInventories(clients: { opsworks: OpsWorksClient; elb: ElasticLoadBalancingClient; apps?: AppPlatform; opsworksStacks?: readonly string[] }): Inventory[] {
  return [
    new OpsWorksInstanceInventory(clients.opsworks, clients.opsworksStacks),
    new ClassicElbInventory(clients.elb),
    ...(clients.apps ? [new PlatformAppInventory(clients.apps)] : []),
  ];
}
