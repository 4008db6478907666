/** Shared fixtures for the simulator tests: SDK clients and a small two-instance fleet. */
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import type { SeedInput } from "../../src/sim/index.js";

const credentials = { accessKeyId: "x", secretAccessKey: "x" };

export function opsworksClient(endpoint: string, maxAttempts?: number): OpsWorksClient {
  return new OpsWorksClient({ endpoint, region: "us-east-1", credentials, ...(maxAttempts ? { maxAttempts } : {}) });
}

export function elbClient(endpoint: string, maxAttempts?: number): ElasticLoadBalancingClient {
  return new ElasticLoadBalancingClient({ endpoint, region: "us-east-1", credentials, ...(maxAttempts ? { maxAttempts } : {}) });
}

/** Fast waiter settings (real seconds). */
export const fastWaiter = { minDelay: 0.02, maxDelay: 0.1, maxWaitTime: 20 };

export const STACK = "11111111-1111-4111-8111-111111111111";
export const LAYER = "22222222-2222-4222-8222-222222222222";
export const APP = "33333333-3333-4333-8333-333333333333";
export const OPS1 = "44444444-4444-4444-8444-444444444441";
export const OPS2 = "44444444-4444-4444-8444-444444444442";
export const EC2_1 = "i-0000000000000000a";
export const EC2_2 = "i-0000000000000000b";
export const LB = "web-lb";

export function fleet(drainSeconds = 300): SeedInput {
  return {
    stacks: [{ StackId: STACK, Name: "production" }],
    layers: [{ LayerId: LAYER, StackId: STACK, Name: "Rails App Server", Shortname: "rails-app" }],
    instances: [
      { InstanceId: OPS1, Hostname: "rails-app1", StackId: STACK, LayerIds: [LAYER], Ec2InstanceId: EC2_1 },
      { InstanceId: OPS2, Hostname: "rails-app2", StackId: STACK, LayerIds: [LAYER], Ec2InstanceId: EC2_2 },
    ],
    apps: [{ AppId: APP, StackId: STACK, Name: "Storefront" }],
    loadBalancers: [{ LoadBalancerName: LB, instances: [EC2_1, EC2_2], drainSeconds }],
  };
}

/** A signed-looking raw AWS request, for bad-request tests the SDK would never send. */
export async function rawAws(endpoint: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${endpoint}/`, {
    method: "POST",
    body,
    headers: { authorization: "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/opsworks/aws4_request", ...headers },
  });
  return { status: res.status, text: await res.text() };
}
