import {
  AccessPointNotFoundException,
  DeleteLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingServiceException,
  InvalidEndPointException,
  RegisterInstancesWithLoadBalancerCommand,
  waitUntilInstanceDeregistered,
  waitUntilInstanceInService,
  paginateDescribeLoadBalancers,
  type ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";
import { EC2_1, EC2_2, LB, elbClient, fastWaiter, fleet, rawAws } from "./helpers.js";

let sim: FleetSimulator;
let elb: ElasticLoadBalancingClient;
const SPARE = "i-0000000000000000c";

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1 });
  elb = elbClient(sim.endpoint);
});
afterAll(async () => {
  elb.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.seed({ ...fleet(400), ec2InstanceIds: [SPARE] });
});

const health = async (instanceIds?: string[]) =>
  (
    await elb.send(
      new DescribeInstanceHealthCommand({ LoadBalancerName: LB, ...(instanceIds ? { Instances: instanceIds.map((InstanceId) => ({ InstanceId })) } : {}) }),
    )
  ).InstanceStates ?? [];

describe("Classic ELB through the real SDK", () => {
  it("DescribeLoadBalancers lists every load balancer with its instances, or the named ones", async () => {
    await sim.control.seed({ loadBalancers: [{ LoadBalancerName: "admin-lb", instances: [SPARE] }] });
    const all = await elb.send(new DescribeLoadBalancersCommand({}));
    expect(all.LoadBalancerDescriptions?.map((d) => d.LoadBalancerName)).toEqual([LB, "admin-lb"]);
    const named = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [LB] }));
    const description = named.LoadBalancerDescriptions?.[0];
    expect(description?.Instances).toEqual([{ InstanceId: EC2_1 }, { InstanceId: EC2_2 }]);
    expect(description?.CreatedTime).toBeInstanceOf(Date);
    expect(description?.HealthCheck?.HealthyThreshold).toBe(3);
  });

  it("DescribeLoadBalancers pages by PageSize and by the simulator's page size; the SDK paginator reads every page", async () => {
    const extra = ["lb-c", "lb-a", "lb-e", "lb-b", "lb-d"];
    await sim.control.seed({ loadBalancers: extra.map((LoadBalancerName) => ({ LoadBalancerName, instances: [SPARE] })) });
    const everything = [LB, ...extra];
    const first = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2 }));
    expect(first.LoadBalancerDescriptions?.map((d) => d.LoadBalancerName)).toEqual([LB, "lb-c"]);
    expect(first.NextMarker).toEqual(expect.any(String));
    // A load balancer deleted between pages is simply not there; the marker still resumes after lb-c.
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: "lb-a" }));
    const second = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2, Marker: first.NextMarker }));
    expect(second.LoadBalancerDescriptions?.map((d) => d.LoadBalancerName)).toEqual(["lb-e", "lb-b"]);
    await sim.control.config({ elbPageSize: 1 });
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeLoadBalancers({ client: elb }, {})) {
      pages += 1;
      names.push(...(page.LoadBalancerDescriptions ?? []).map((d) => d.LoadBalancerName ?? ""));
    }
    expect(names).toEqual(everything.filter((n) => n !== "lb-a"));
    expect(pages).toBe(5);
    const bad = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 401 })).catch((e: unknown) => e);
    expect((bad as Error).name).toBe("ValidationError");
    const badMarker = await elb.send(new DescribeLoadBalancersCommand({ Marker: "nope" })).catch((e: unknown) => e);
    expect((badMarker as Error).name).toBe("ValidationError");
  });

  it("an unknown load balancer raises AccessPointNotFoundException (wire code LoadBalancerNotFound)", async () => {
    const err = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ["ghost"] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessPointNotFoundException);
    expect((err as Error).message).toContain("ghost");
    await expect(elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: "ghost" }))).rejects.toBeInstanceOf(AccessPointNotFoundException);
  });

  it("DescribeInstanceHealth reports InService, and OutOfService for an unregistered instance", async () => {
    expect(await health()).toEqual([
      { InstanceId: EC2_1, State: "InService", ReasonCode: "N/A", Description: "N/A" },
      { InstanceId: EC2_2, State: "InService", ReasonCode: "N/A", Description: "N/A" },
    ]);
    expect(await health([SPARE])).toEqual([
      { InstanceId: SPARE, State: "OutOfService", ReasonCode: "Instance", Description: "Instance is not currently registered with the LoadBalancer." },
    ]);
  });

  it("an unknown EC2 instance raises InvalidEndPointException (wire code InvalidInstance)", async () => {
    await expect(health(["i-doesnotexist"])).rejects.toBeInstanceOf(InvalidEndPointException);
    const register = elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: LB, Instances: [{ InstanceId: "i-nope" }] }));
    await expect(register).rejects.toBeInstanceOf(InvalidEndPointException);
  });

  it("deregistration drains for the load balancer's drain time; waitUntilInstanceDeregistered follows it", async () => {
    const started = Date.now();
    const out = await elb.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: LB, Instances: [{ InstanceId: EC2_1 }] }));
    expect(out.Instances).toEqual([{ InstanceId: EC2_2 }]);
    const draining = await health([EC2_1]);
    expect(draining[0]).toMatchObject({ State: "InService", Description: "Instance deregistration currently in progress." });
    // As in AWS, the draining instance has already left the load balancer's listing.
    const listed = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [LB] }));
    expect(listed.LoadBalancerDescriptions?.[0]?.Instances).toEqual([{ InstanceId: EC2_2 }]);
    const result = await waitUntilInstanceDeregistered({ client: elb, ...fastWaiter }, { LoadBalancerName: LB, Instances: [{ InstanceId: EC2_1 }] });
    expect(result.state).toBe("SUCCESS");
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect((await health([EC2_1]))[0]?.State).toBe("OutOfService");
    const lbs = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [LB] }));
    expect(lbs.LoadBalancerDescriptions?.[0]?.Instances).toEqual([{ InstanceId: EC2_2 }]);
  });

  it("deregistering an instance that is not registered raises InvalidEndPointException", async () => {
    const call = elb.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: LB, Instances: [{ InstanceId: SPARE }] }));
    await expect(call).rejects.toBeInstanceOf(InvalidEndPointException);
  });

  it("a registered instance is OutOfService until health checks pass; waitUntilInstanceInService follows it", async () => {
    await sim.control.config({ healthCheckSeconds: 300 });
    const started = Date.now();
    const out = await elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: LB, Instances: [{ InstanceId: SPARE }] }));
    expect(out.Instances?.map((i) => i.InstanceId)).toEqual([EC2_1, EC2_2, SPARE]);
    expect((await health([SPARE]))[0]).toMatchObject({ State: "OutOfService", ReasonCode: "ELB" });
    const result = await waitUntilInstanceInService({ client: elb, ...fastWaiter }, { LoadBalancerName: LB, Instances: [{ InstanceId: SPARE }] });
    expect(result.state).toBe("SUCCESS");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await health([SPARE]))[0]?.State).toBe("InService");
  });

  it("DescribeLoadBalancerAttributes reports the connection-draining timeout", async () => {
    const out = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: LB }));
    expect(out.LoadBalancerAttributes?.ConnectionDraining).toEqual({ Enabled: true, Timeout: 400 });
  });

  it("DeleteLoadBalancer removes it, and deleting again still succeeds as in AWS", async () => {
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: LB }));
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [LB] }))).rejects.toBeInstanceOf(AccessPointNotFoundException);
    const again = await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: LB }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect(await sim.control.violations()).toEqual([]);
  });
});

describe("throttling and bad requests", () => {
  it("the SDK retries Throttling by itself; the log shows two calls", async () => {
    const since = await sim.control.lastSeq();
    await sim.control.addFaults({ action: "DescribeLoadBalancers", error: "Throttling", count: 1 });
    const out = await elb.send(new DescribeLoadBalancersCommand({}));
    expect(out.LoadBalancerDescriptions).toHaveLength(1);
    expect(out.$metadata.attempts).toBe(2);
    const calls = await sim.control.calls("DescribeLoadBalancers", since);
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => [c.outcome, c.code])).toEqual([["error", "Throttling"], ["ok", undefined]]);
  });

  const parser = new XMLParser();
  const errorOf = (text: string): { Type: string; Code: string; Message: string } =>
    (parser.parse(text) as { ErrorResponse: { Error: { Type: string; Code: string; Message: string } } }).ErrorResponse.Error;
  const form = { "content-type": "application/x-www-form-urlencoded" };

  it("an unknown action gets InvalidAction in the Query error shape", async () => {
    const res = await rawAws(sim.endpoint, "Action=LaunchRockets&Version=2012-06-01", form);
    expect(res.status).toBe(400);
    expect(errorOf(res.text)).toMatchObject({ Type: "Sender", Code: "InvalidAction" });
    const noAction = await rawAws(sim.endpoint, "Version=2012-06-01", form);
    expect(errorOf(noAction.text).Code).toBe("MissingAction");
  });

  it("a missing parameter gets ValidationError; a malformed body gets MalformedQueryString", async () => {
    const missing = await rawAws(sim.endpoint, "Action=DescribeInstanceHealth&Version=2012-06-01", form);
    expect(missing.status).toBe(400);
    expect(errorOf(missing.text)).toMatchObject({ Code: "ValidationError" });
    expect(errorOf(missing.text).Message).toContain("loadBalancerName");
    const malformed = await rawAws(sim.endpoint, "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=%ZZ", form);
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.text).Code).toBe("MalformedQueryString");
  });

  it("the SDK surfaces a missing parameter as a service exception, and the server keeps serving", async () => {
    const err = await elb
      .send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: LB, Instances: [] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElasticLoadBalancingServiceException);
    expect((err as Error).name).toBe("ValidationError");
    expect(await health()).toHaveLength(2);
  });
});
