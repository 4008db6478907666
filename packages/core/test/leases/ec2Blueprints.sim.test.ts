import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PermanentDestroyError, TransientDestroyError, shippedBlueprints } from "../../src/leases/index.js";
import { Blueprints } from "../../src/leases/Blueprint.js";
import { type ResourceRecord } from "../../src/registry/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { localCredentials, localRegion } from "../../../local/src/world/clients.js";

/** The EC2 and ELBv2 teardown blueprints, as shipped, through the real clients against the simulator. */
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;
let sim: FleetSimulator;
let clients: { opsworks: OpsWorksClient; ec2: EC2Client; elbv2: ElasticLoadBalancingV2Client };
let blueprints: Blueprints;
let alb = "";
let tg = "";
let spare = "";

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  const config = { endpoint: sim.endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 };
  clients = { opsworks: new OpsWorksClient(config), ec2: new EC2Client(config), elbv2: new ElasticLoadBalancingV2Client(config) };
  blueprints = new Blueprints(shippedBlueprints(clients));
});
afterAll(async () => {
  for (const c of Object.values(clients)) c.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  const seeded = await sim.control.seed({
    ec2Instances: [{ InstanceId: id(1) }, { InstanceId: id(2), State: "terminated" }],
    loadBalancersV2: [{ LoadBalancerName: "scythe-deadbeef-alb" }],
    targetGroups: [{ TargetGroupName: "scythe-deadbeef-tg", LoadBalancerNames: ["scythe-deadbeef-alb"], targets: [id(1)] }, { TargetGroupName: "scythe-deadbeef-spare" }],
  });
  alb = seeded.loadBalancerV2Arns?.[0] ?? "";
  [tg = "", spare = ""] = seeded.targetGroupArns ?? [];
});

const record = (blueprint: string, attributes: Record<string, string>): ResourceRecord => ({
  id: "r-1", kind: "host", blueprint, attributes, status: "released", version: 1, createdAt: 0, updatedAt: 0, leaseIds: [], references: [],
});
const destroy = (blueprint: string, attributes: Record<string, string>) => blueprints.get(blueprint).destroy(record(blueprint, attributes), new AbortController().signal);

describe("EC2 and ELBv2 blueprints (fleet simulator)", () => {
  it("are shipped when their clients are given", () => {
    expect(blueprints.names()).toEqual(["ec2-instance", "elbv2-load-balancer", "elbv2-target-group", "heroku-app", "opsworks-instance"]);
  });

  it("terminates an instance once; a terminated or unknown one is already gone", async () => {
    expect(await destroy("ec2-instance", { instanceId: id(1) })).toBe("destroyed");
    expect(await destroy("ec2-instance", { instanceId: id(1) })).toBe("already-gone"); // shutting down
    expect(await destroy("ec2-instance", { instanceId: id(2) })).toBe("already-gone");
    expect(await destroy("ec2-instance", { instanceId: id(99) })).toBe("already-gone");
    expect((await sim.control.calls("TerminateInstances")).map((c) => c.params)).toMatchObject([{ "InstanceId.1": id(1) }]);
  });

  it("retries a target group its load balancer still uses, deletes it once the load balancer is gone", async () => {
    await expect(destroy("elbv2-target-group", { targetGroupArn: tg })).rejects.toBeInstanceOf(TransientDestroyError);
    expect(await destroy("elbv2-load-balancer", { loadBalancerArn: alb })).toBe("destroyed");
    expect(await destroy("elbv2-load-balancer", { loadBalancerArn: alb })).toBe("already-gone");
    expect(await destroy("elbv2-target-group", { targetGroupArn: tg })).toBe("destroyed");
    expect(await destroy("elbv2-target-group", { targetGroupArn: tg })).toBe("already-gone");
    expect(await destroy("elbv2-target-group", { targetGroupArn: spare })).toBe("destroyed");
  });

  it("treats throttling as temporary, access denied and a missing attribute as permanent, and never as gone", async () => {
    await sim.control.addFaults({ action: "ec2:DescribeInstances", error: "RequestLimitExceeded", count: 1 });
    await expect(destroy("ec2-instance", { instanceId: id(1) })).rejects.toBeInstanceOf(TransientDestroyError);
    await sim.control.addFaults({ action: "elbv2:DescribeLoadBalancers", error: "AccessDenied", status: 403, count: 1 });
    await expect(destroy("elbv2-load-balancer", { loadBalancerArn: alb })).rejects.toBeInstanceOf(PermanentDestroyError);
    await expect(destroy("elbv2-target-group", {})).rejects.toBeInstanceOf(PermanentDestroyError);
    expect(await destroy("elbv2-load-balancer", { loadBalancerArn: alb })).toBe("destroyed");
  });
});
