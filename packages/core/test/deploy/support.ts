import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { localCredentials, localRegion } from "../../../local/src/world/clients.js";
import type { SimControl } from "../../../local/src/sim/index.js";

export function simClients(endpoint: string, maxAttempts = 3) {
  const config = { endpoint, region: localRegion, credentials: localCredentials, maxAttempts };
  return { opsworks: new OpsWorksClient(config), elb: new ElasticLoadBalancingClient(config) };
}

export interface FleetSpec {
  /** Instance count in the layer (hostnames web1..webN). */
  readonly instances: number;
  /** Load balancer name → 1-based instance numbers behind it. */
  readonly loadBalancers: Record<string, readonly number[]>;
  /** 1-based instance numbers that are not online. */
  readonly stopped?: readonly number[];
}

/** Seeds one stack, one layer, one app and the fleet; returns the ids a deploy needs. */
export async function seedFleet(control: SimControl, spec: FleetSpec) {
  const tag = Math.random().toString(36).slice(2, 8);
  const seeded = await control.seed({ stacks: [{ Name: `stack-${tag}` }] });
  const stackId = seeded.stackIds[0] ?? "";
  const layer = await control.seed({ layers: [{ StackId: stackId, Name: "web" }], apps: [{ StackId: stackId, Name: "shop" }] });
  const layerId = layer.layerIds[0] ?? "";
  const appId = layer.appIds[0] ?? "";
  const fleet = await control.seed({
    instances: Array.from({ length: spec.instances }, (_, i) => ({
      Hostname: `web${i + 1}`,
      StackId: stackId,
      LayerIds: [layerId],
      Status: spec.stopped?.includes(i + 1) ? "stopped" : "online",
    })),
  });
  const ec2 = (n: number) => fleet.instances[n - 1]?.Ec2InstanceId ?? "";
  await control.seed({
    loadBalancers: Object.entries(spec.loadBalancers).map(([name, members]) => ({
      LoadBalancerName: `${name}-${tag}`,
      instances: members.map(ec2),
    })),
  });
  const lbName = (name: string) => `${name}-${tag}`;
  return { stackId, layerId, appId, instances: fleet.instances, ec2, lbName };
}
