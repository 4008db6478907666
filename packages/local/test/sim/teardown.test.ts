import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import {
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";

/** The simulator's teardown calls for the orphan sweep and the blueprints: TerminateInstances, DeleteLoadBalancer, DeleteTargetGroup. */
const credentials = { accessKeyId: "x", secretAccessKey: "x" };
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;
let sim: FleetSimulator;
let ec2: EC2Client;
let elb: ElasticLoadBalancingV2Client;
let alb = "";
let web = "";
let idle = "";

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  ec2 = new EC2Client({ endpoint: sim.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  elb = new ElasticLoadBalancingV2Client({ endpoint: sim.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ec2.destroy();
  elb.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.config({ stopSeconds: 20 });
  const seeded = await sim.control.seed({
    ec2Instances: [{ InstanceId: id(1) }, { InstanceId: id(2) }],
    loadBalancersV2: [{ LoadBalancerName: "front" }],
    targetGroups: [{ TargetGroupName: "web", LoadBalancerNames: ["front"], DeregistrationDelaySeconds: 30, targets: [id(1), id(2)] }, { TargetGroupName: "idle" }],
  });
  alb = seeded.loadBalancerV2Arns?.[0] ?? "";
  [web = "", idle = ""] = seeded.targetGroupArns ?? [];
});

const state = async (instanceId: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;

describe("EC2 TerminateInstances", () => {
  it("shuts an instance down, drains it from its target groups, and leaves it listed as terminated", async () => {
    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id(1)] }));
    expect(out.TerminatingInstances).toMatchObject([{ InstanceId: id(1), CurrentState: { Name: "shutting-down", Code: 32 }, PreviousState: { Name: "running", Code: 16 } }]);
    expect(await state(id(1))).toBe("shutting-down");
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: web }));
    expect(health.TargetHealthDescriptions?.map((d) => [d.Target?.Id, d.TargetHealth?.State])).toEqual([
      [id(1), "draining"],
      [id(2), "healthy"],
    ]);
    await sim.control.advance(31);
    expect(await state(id(1))).toBe("terminated");
    const again = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id(1)] }));
    expect(again.TerminatingInstances?.[0]?.CurrentState?.Name).toBe("terminated");
  });

  it("refuses unknown and malformed ids, terminating nothing", async () => {
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [id(2), id(99)] })))).toMatchObject({ name: "InvalidInstanceID.NotFound" });
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: ["i-nope"] })))).toMatchObject({ name: "InvalidInstanceID.Malformed" });
    expect(await state(id(2))).toBe("running");
  });
});

describe("ELBv2 DeleteLoadBalancer and DeleteTargetGroup", () => {
  it("refuses to delete a target group a load balancer forwards to (ResourceInUse), deletes it once the load balancer is gone", async () => {
    expect(await failure(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: web })))).toMatchObject({ name: "ResourceInUseException" });
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: alb }));
    expect(await failure(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [alb] })))).toMatchObject({ name: "LoadBalancerNotFoundException" });
    expect((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [web] }))).TargetGroups?.[0]?.LoadBalancerArns).toEqual([]);
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: web }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: idle }));
    expect(await failure(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [web] })))).toMatchObject({ name: "TargetGroupNotFoundException" });
  });

  it("succeeds deleting what does not exist, as AWS does", async () => {
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: alb.replace(/[0-9a-f]{16}$/, "0000000000000000") }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: web.replace(/[0-9a-f]{16}$/, "0000000000000000") }));
    expect((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups).toHaveLength(2);
  });
});
