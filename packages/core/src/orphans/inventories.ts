import type { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import type { OpsWorksClient } from "@aws-sdk/client-opsworks";
import type { AppPlatform } from "../reaper/AppPlatform.js";
import { ClassicElbInventory } from "./adapters/ClassicElbInventory.js";
import { OpsWorksInstanceInventory } from "./adapters/OpsWorksInstanceInventory.js";
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
