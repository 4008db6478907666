import {
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  paginateDescribeTargetGroups,
  waitUntilTargetDeregistered,
  waitUntilTargetInService,
  type TargetDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator, type SeedInput } from "../../src/sim/index.js";
import { fastWaiter } from "./helpers.js";

const credentials = { accessKeyId: "x", secretAccessKey: "x" };
const client = (endpoint: string, maxAttempts = 1): ElasticLoadBalancingV2Client =>
  new ElasticLoadBalancingV2Client({ endpoint, region: "us-east-1", credentials, retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => 5) });
const id = (n: number): string => `i-${n.toString(16).padStart(17, "0")}`;

/** Two groups behind one ALB: "web" with two healthy targets, "admin" with a single one; a spare and a stopped instance. */
function world(): SeedInput {
  return {
    ec2Instances: [
      { InstanceId: id(1), AutoScalingGroupName: "web" },
      { InstanceId: id(2), AutoScalingGroupName: "web" },
      { InstanceId: id(3), AutoScalingGroupName: "admin" },
      { InstanceId: id(4) },
      { InstanceId: id(5), State: "stopped" },
    ],
    loadBalancersV2: [{ LoadBalancerName: "front" }],
    targetGroups: [
      { TargetGroupName: "web", LoadBalancerNames: ["front"], HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, targets: [id(1), id(2)] },
      { TargetGroupName: "admin", Port: 8080, LoadBalancerNames: ["front"], DeregistrationDelaySeconds: 120, targets: [id(3)] },
      { TargetGroupName: "idle" },
    ],
  };
}

let sim: FleetSimulator;
let elb: ElasticLoadBalancingV2Client;
let web: string;
let admin: string;
let idle: string;
let front: string;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  elb = client(sim.endpoint);
});
afterAll(async () => {
  elb.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  const seeded = await sim.control.seed(world());
  [web = "", admin = "", idle = ""] = seeded.targetGroupArns ?? [];
  front = seeded.loadBalancerV2Arns?.[0] ?? "";
});

const health = async (arn: string, targets?: TargetDescription[]) =>
  ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, ...(targets ? { Targets: targets } : {}) }))).TargetHealthDescriptions ?? []).map((d) => ({
    id: d.Target?.Id,
    port: d.Target?.Port,
    ...d.TargetHealth,
  }));

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("ELBv2 through the real SDK", () => {
  it("DescribeLoadBalancers and DescribeTargetGroups by names, ARNs and load balancer", async () => {
    const lbs = await elb.send(new DescribeLoadBalancersCommand({ Names: ["front"] }));
    expect(lbs.LoadBalancers?.[0]).toMatchObject({ LoadBalancerArn: front, LoadBalancerName: "front", Type: "application", State: { Code: "active" } });
    expect(front).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:\d{12}:loadbalancer\/app\/front\/[0-9a-f]{16}$/);
    const byLb = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: front }));
    expect(byLb.TargetGroups?.map((t) => t.TargetGroupName)).toEqual(["web", "admin"]);
    expect(byLb.TargetGroups?.[0]).toMatchObject({ TargetGroupArn: web, Port: 80, Protocol: "HTTP", HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, LoadBalancerArns: [front], TargetType: "instance" });
    const byName = await elb.send(new DescribeTargetGroupsCommand({ Names: ["admin"] }));
    expect(byName.TargetGroups?.map((t) => [t.TargetGroupArn, t.Port, t.HealthyThresholdCount])).toEqual([[admin, 8080, 5]]);
    const byArn = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [idle, web] }));
    expect(byArn.TargetGroups?.map((t) => t.TargetGroupName)).toEqual(["idle", "web"]);
  });

  it("pages target groups with Marker; the SDK paginator reads every page", async () => {
    await sim.control.seed({ targetGroups: ["a", "b", "c", "d"].map((n) => ({ TargetGroupName: `extra-${n}` })) });
    const first = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 3 }));
    expect(first.TargetGroups).toHaveLength(3);
    expect(first.NextMarker).toEqual(expect.any(String));
    const pages: string[][] = [];
    for await (const p of paginateDescribeTargetGroups({ client: elb }, { PageSize: 2 })) pages.push((p.TargetGroups ?? []).map((t) => t.TargetGroupName ?? ""));
    expect(pages).toEqual([
      ["web", "admin"],
      ["idle", "extra-a"],
      ["extra-b", "extra-c"],
      ["extra-d"],
    ]);
  });

  it("answers AWS's error codes", async () => {
    const missingArn = web.replace(/\/[0-9a-f]{16}$/, "/0000000000000000");
    expect(await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: missingArn })))).toMatchObject({ name: "TargetGroupNotFoundException", Code: "TargetGroupNotFound" });
    expect(await failure(elb.send(new DescribeTargetGroupsCommand({ Names: ["nope"] })))).toMatchObject({ name: "TargetGroupNotFoundException" });
    expect(await failure(elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0" })))).toMatchObject({
      name: "LoadBalancerNotFoundException",
    });
    expect(await failure(elb.send(new DescribeLoadBalancersCommand({ Names: ["nope"] })))).toMatchObject({ name: "LoadBalancerNotFoundException" });
    expect(await failure(elb.send(new DescribeTargetGroupsCommand({ Names: ["web"], LoadBalancerArn: front })))).toMatchObject({ Code: "ValidationError" });
    expect(await failure(elb.send(new DescribeTargetGroupsCommand({ PageSize: 401 })))).toMatchObject({ Code: "ValidationError" });
    expect(await failure(elb.send(new DescribeTargetGroupsCommand({ Marker: "garbage!" })))).toMatchObject({ Code: "ValidationError" });
    expect(await failure(elb.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: "i-0123456789abcdef0" }] })))).toMatchObject({ name: "InvalidTargetException" });
    expect(await failure(elb.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(5) }] })))).toMatchObject({ name: "InvalidTargetException" });
    expect(await failure(elb.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(4) }] })))).toMatchObject({ name: "InvalidTargetException" });
    expect(await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: web, Targets: [{ Id: "i-0123456789abcdef0" }] })))).toMatchObject({ name: "InvalidTargetException" });
  });

  it("a registered target is initial (registration, then initial health checks) for HealthCheckIntervalSeconds x HealthyThresholdCount, then healthy", async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(4) }] }));
    const four = async () => (await health(web, [{ Id: id(4) }]))[0];
    expect(await four()).toEqual({ id: id(4), port: 80, State: "initial", Reason: "Elb.RegistrationInProgress", Description: "Target registration is in progress" });
    await sim.control.advance(10);
    expect(await four()).toMatchObject({ State: "initial", Reason: "Elb.InitialHealthChecking" });
    await sim.control.advance(19.5);
    expect((await four())?.State).toBe("initial");
    await sim.control.advance(0.5);
    expect(await four()).toEqual({ id: id(4), port: 80, State: "healthy" });
    expect((await health(web)).map((h) => [h.id, h.State])).toEqual([
      [id(1), "healthy"],
      [id(2), "healthy"],
      [id(4), "healthy"],
    ]);
  });

  it("a deregistered target drains for deregistration_delay.timeout_seconds, then is gone (unused, Target.NotRegistered)", async () => {
    const attrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: web }));
    expect(attrs.Attributes).toContainEqual({ Key: "deregistration_delay.timeout_seconds", Value: "300" });
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: web, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "45" }] }));
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(1), Port: 80 }] }));
    expect((await health(web))[0]).toEqual({ id: id(1), port: 80, State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" });
    await sim.control.advance(44.9);
    expect((await health(web, [{ Id: id(1) }]))[0]?.State).toBe("draining");
    await sim.control.advance(0.1);
    expect((await health(web)).map((h) => h.id)).toEqual([id(2)]);
    expect((await health(web, [{ Id: id(1) }]))[0]).toEqual({ id: id(1), port: 80, State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group" });
  });

  it("targets are instance and port: the same instance on two ports is two targets", async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: admin, Targets: [{ Id: id(3), Port: 9090 }] }));
    expect((await health(admin)).map((h) => [h.port, h.State])).toEqual([
      [8080, "healthy"],
      [9090, "initial"],
    ]);
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: admin, Targets: [{ Id: id(3), Port: 8080 }] }));
    expect((await health(admin)).map((h) => [h.port, h.State])).toEqual([
      [8080, "draining"],
      [9090, "initial"],
    ]);
  });

  it("reports unused targets: a group no load balancer uses, a stopped instance", async () => {
    await sim.control.seed({
      ec2Instances: [{ InstanceId: id(6), State: "stopped" }],
      targetGroups: [{ TargetGroupName: "stale", LoadBalancerNames: ["front"], targets: [id(6)] }],
    });
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: idle, Targets: [{ Id: id(4) }] }));
    expect((await health(idle))[0]).toMatchObject({ State: "unused", Reason: "Target.NotInUse" });
    const stale = (await elb.send(new DescribeTargetGroupsCommand({ Names: ["stale"] }))).TargetGroups?.[0]?.TargetGroupArn ?? "";
    expect((await health(stale))[0]).toMatchObject({ State: "unused", Reason: "Target.InvalidState" });
  });

  it("failing health checks make a target unhealthy (Target.FailedHealthChecks) until they pass again", async () => {
    await sim.control.setTargetHealth([id(2)], false);
    expect((await health(web)).map((h) => [h.State, h.Reason])).toEqual([
      ["healthy", undefined],
      ["unhealthy", "Target.FailedHealthChecks"],
    ]);
    await sim.control.setTargetHealth([id(2)], true);
    expect((await health(web)).map((h) => h.State)).toEqual(["healthy", "healthy"]);
  });
});

describe("ELBv2 zero-healthy detection, event log and faults", () => {
  it("a rolling replacement one target at a time never empties a group; removing the single healthy target does, at that call", async () => {
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(1) }] }));
    await sim.control.advance(300);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: [{ Id: id(1) }] }));
    await sim.control.advance(30);
    expect(await sim.control.violations()).toEqual([]);
    const since = await sim.control.lastSeq();
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: admin, Targets: [{ Id: id(3) }] }));
    const violations = await sim.control.violations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ loadBalancer: "targetgroup/admin", previousInService: 1, registered: 1, cause: "elbv2 DeregisterTargets" });
    const events = await sim.control.events(since);
    expect(events[0]?.inService).toMatchObject({ "targetgroup/admin": 0, "targetgroup/web": 2, "targetgroup/idle": 0 });
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: admin, Targets: [{ Id: id(4) }] }));
    await sim.control.advance(150);
    const transitions = (await sim.control.events(since)).filter((e) => e.kind === "transition").map((e) => e.action);
    expect(transitions).toEqual(["DrainCompleted", "HealthChecksPassed"]);
    expect((await sim.control.violations())[0]?.endedTime).toBe(violations[0] ? violations[0].time + 150 : -1);
  });

  it("failing health checks on the only healthy target is a violation", async () => {
    await sim.control.setTargetHealth([id(3)], false);
    expect((await sim.control.violations()).map((v) => [v.loadBalancer, v.cause])).toEqual([["targetgroup/admin", 'HealthChecksFailing {"instanceIds":["i-00000000000000003"]}']]);
  });

  it("throttling on 30% of ELBv2 calls: the SDK retries through it and the log marks the faulted calls", async () => {
    const retrying = client(sim.endpoint, 10);
    await sim.control.addFaults({ action: "elbv2:*", error: "Throttling", probability: 0.3, seed: 7 });
    const since = await sim.control.lastSeq();
    for (let k = 0; k < 20; k++) expect((await retrying.send(new DescribeTargetHealthCommand({ TargetGroupArn: web }))).TargetHealthDescriptions).toHaveLength(2);
    retrying.destroy();
    await sim.control.clearFaults();
    const calls = (await sim.control.events(since)).filter((e) => e.service === "elbv2");
    const throttled = calls.filter((e) => e.code === "Throttling");
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.every((e) => e.faulted === true && e.status === 400)).toBe(true);
    expect(calls.filter((e) => e.outcome === "ok")).toHaveLength(20);
  });
});

describe("ELBv2 waiters on a running clock", () => {
  let live: FleetSimulator;
  let lb: ElasticLoadBalancingV2Client;
  beforeAll(async () => {
    live = await startFleetSimulator({ timeScale: 2 });
    lb = client(live.endpoint);
  });
  afterAll(async () => {
    lb.destroy();
    await live.close();
  });

  it("waitUntilTargetInService and waitUntilTargetDeregistered work unmodified", async () => {
    const seeded = await live.control.seed(world());
    const arn = seeded.targetGroupArns?.[0] ?? "";
    await lb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: id(4) }] }));
    const inService = await waitUntilTargetInService({ client: lb, ...fastWaiter }, { TargetGroupArn: arn, Targets: [{ Id: id(4) }] });
    expect(inService.state).toBe("SUCCESS");
    await lb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "20" }] }));
    await lb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: id(4) }] }));
    const gone = await waitUntilTargetDeregistered({ client: lb, ...fastWaiter }, { TargetGroupArn: arn, Targets: [{ Id: id(4) }] });
    expect(gone.state).toBe("SUCCESS");
    const transitions = (await live.control.events()).filter((e) => e.kind === "transition").map((e) => e.action);
    expect(transitions).toEqual(["HealthChecksPassed", "DrainCompleted"]);
  });
});
