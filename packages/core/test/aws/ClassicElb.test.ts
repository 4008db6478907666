import {
  AccessPointNotFoundException,
  DeleteLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  RegisterInstancesWithLoadBalancerCommand,
  type HealthCheck,
} from "@aws-sdk/client-elastic-load-balancing";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { ClassicElb } from "../../src/aws/elb/ClassicElb.js";
import { ClassicElbInventory } from "../../src/aws/elb/ClassicElbInventory.js";
import { elbRequests } from "../../src/aws/elb/requests.js";
import { CloudRequestError, CloudResourceNotFoundError, ScytheError, ThrottledError } from "../../src/errors.js";
import { elbFailure, offline } from "./support.js";

/** Adapter unit tests: the exact requests, no I/O. The same adapter runs against the simulator in deploy/adapters.sim.test.ts. */
const client = new ElasticLoadBalancingClient(offline);
const mock = mockClient(client);
afterEach(() => mock.reset());

const inputs = <T>(command: new (...args: never[]) => T) => mock.commandCalls(command as never).map((call) => call.args[0].input);
const lbNotFound = () => new AccessPointNotFoundException({ message: "There is no ACTIVE Load Balancer named 'lb-x'", $metadata: { httpStatusCode: 400 } });
const withMembers = (name: string, ids: string[]) => ({ LoadBalancerDescriptions: [{ LoadBalancerName: name, Instances: ids.map((InstanceId) => ({ InstanceId })) }] });

describe("Module: elbRequests (requests as data)", () => {
  it("builds Deregister/Register with the load balancer and instance ids", () => {
    expect(elbRequests.deregister("lb-1", ["e-1", "e-2"])).toEqual({ LoadBalancerName: "lb-1", Instances: [{ InstanceId: "e-1" }, { InstanceId: "e-2" }] });
    expect(elbRequests.register("lb-1", ["e-3"])).toEqual({ LoadBalancerName: "lb-1", Instances: [{ InstanceId: "e-3" }] });
  });

  it("asks DescribeInstanceHealth for the given instances, or for every registered one", () => {
    expect(elbRequests.describeInstanceHealth("lb-1", ["e-1"])).toEqual({ LoadBalancerName: "lb-1", Instances: [{ InstanceId: "e-1" }] });
    expect(elbRequests.describeInstanceHealth("lb-1", [])).toEqual({ LoadBalancerName: "lb-1" });
    expect(elbRequests.describeInstanceHealth("lb-1")).toEqual({ LoadBalancerName: "lb-1" });
  });
});

describe("Class: ClassicElb", () => {
  describe("Method: timing", () => {
    const described = (healthCheck: HealthCheck | undefined) => ({ LoadBalancerDescriptions: [{ LoadBalancerName: "lb-1", ...(healthCheck && { HealthCheck: healthCheck }) }] });

    it("reads ConnectionDraining (DescribeLoadBalancerAttributes) and the HealthCheck (DescribeLoadBalancers) of the one load balancer named", async () => {
      mock.on(DescribeLoadBalancerAttributesCommand).resolves({ LoadBalancerAttributes: { ConnectionDraining: { Enabled: true, Timeout: 120 } } });
      mock.on(DescribeLoadBalancersCommand).resolves(described({ Target: "HTTP:80/health", Interval: 10, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 3 }));
      expect(await new ClassicElb(client).timing("lb-1")).toEqual({ drainSeconds: 120, healthIntervalSeconds: 10, healthyThreshold: 3 });
      expect(inputs(DescribeLoadBalancerAttributesCommand)).toEqual([{ LoadBalancerName: "lb-1" }]);
      expect(inputs(DescribeLoadBalancersCommand)).toEqual([{ LoadBalancerNames: ["lb-1"] }]);
    });

    it("drains 0 s when connection draining is off (or not reported), AWS's 300 s when on without a timeout; HealthCheck defaults are AWS's (30 s, 10)", async () => {
      const elb = new ClassicElb(client);
      mock.on(DescribeLoadBalancersCommand).resolves(described(undefined));
      mock.on(DescribeLoadBalancerAttributesCommand).resolves({ LoadBalancerAttributes: { ConnectionDraining: { Enabled: false, Timeout: 300 } } });
      expect(await elb.timing("lb-1")).toEqual({ drainSeconds: 0, healthIntervalSeconds: 30, healthyThreshold: 10 });
      mock.on(DescribeLoadBalancerAttributesCommand).resolves({ LoadBalancerAttributes: {} });
      expect((await elb.timing("lb-1")).drainSeconds).toBe(0);
      mock.on(DescribeLoadBalancerAttributesCommand).resolves({ LoadBalancerAttributes: { ConnectionDraining: { Enabled: true } } });
      expect((await elb.timing("lb-1")).drainSeconds).toBe(300);
    });

    it("names a missing load balancer (CloudResourceNotFoundError) and passes throttling on as ThrottledError", async () => {
      mock.on(DescribeLoadBalancersCommand).resolves(described(undefined));
      mock.on(DescribeLoadBalancerAttributesCommand).rejectsOnce(lbNotFound()).rejectsOnce(elbFailure("Throttling", 400));
      const elb = new ClassicElb(client);
      const missing = await elb.timing("lb-x").catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(CloudResourceNotFoundError);
      expect(String((missing as Error).message)).toContain("lb-x");
      expect(await elb.timing("lb-1").catch((e: unknown) => e)).toBeInstanceOf(ThrottledError);
    });
  });

  describe("Method: list", () => {
    it("follows NextMarker through every page", async () => {
      mock
        .on(DescribeLoadBalancersCommand, { Marker: undefined })
        .resolves({ ...withMembers("lb-1", ["e-1"]), NextMarker: "m-1" })
        .on(DescribeLoadBalancersCommand, { Marker: "m-1" })
        .resolves(withMembers("lb-2", []));
      expect(await new ClassicElb(client).list()).toEqual([
        { name: "lb-1", instances: ["e-1"] },
        { name: "lb-2", instances: [] },
      ]);
      expect(inputs(DescribeLoadBalancersCommand)).toEqual([{ Marker: undefined }, { Marker: "m-1" }]);
    });
  });

  describe("Method: detach", () => {
    it("describes the load balancer by name, then deregisters only the instances still registered", async () => {
      mock.on(DescribeLoadBalancersCommand).resolves(withMembers("lb-1", ["e-1", "e-3"]));
      mock.on(DeregisterInstancesFromLoadBalancerCommand).resolves({});
      await new ClassicElb(client).detach("lb-1", ["e-1", "e-2"]);
      expect(inputs(DescribeLoadBalancersCommand)).toEqual([{ LoadBalancerNames: ["lb-1"] }]);
      expect(inputs(DeregisterInstancesFromLoadBalancerCommand)).toEqual([{ LoadBalancerName: "lb-1", Instances: [{ InstanceId: "e-1" }] }]);
    });

    it("sends no Deregister when none of them is registered (a retried detach)", async () => {
      mock.on(DescribeLoadBalancersCommand).resolves(withMembers("lb-1", ["e-3"]));
      await new ClassicElb(client).detach("lb-1", ["e-1"]);
      expect(inputs(DeregisterInstancesFromLoadBalancerCommand)).toEqual([]);
    });
  });

  describe("Method: attach", () => {
    it("registers only the instances not registered yet", async () => {
      mock.on(DescribeLoadBalancersCommand).resolves(withMembers("lb-1", ["e-1"]));
      mock.on(RegisterInstancesWithLoadBalancerCommand).resolves({});
      await new ClassicElb(client).attach("lb-1", ["e-1", "e-2"]);
      expect(inputs(RegisterInstancesWithLoadBalancerCommand)).toEqual([{ LoadBalancerName: "lb-1", Instances: [{ InstanceId: "e-2" }] }]);
    });

    it("sends nothing at all for no instances", async () => {
      await new ClassicElb(client).attach("lb-1", []);
      expect(mock.calls()).toHaveLength(0);
    });
  });

  describe("Method: health", () => {
    it("sends DescribeInstanceHealth and reads draining and unregistered from the descriptions", async () => {
      mock.on(DescribeInstanceHealthCommand).resolves({
        InstanceStates: [
          { InstanceId: "e-1", State: "InService", Description: "Instance deregistration currently in progress." },
          { InstanceId: "e-2", State: "OutOfService", Description: "Instance is not currently registered with the LoadBalancer." },
          { InstanceId: "e-3", State: "Pending" },
        ],
      });
      const health = await new ClassicElb(client).health("lb-1", ["e-1", "e-2", "e-3"]);
      expect(inputs(DescribeInstanceHealthCommand)).toEqual([{ LoadBalancerName: "lb-1", Instances: [{ InstanceId: "e-1" }, { InstanceId: "e-2" }, { InstanceId: "e-3" }] }]);
      expect(health.map((h) => [h.instanceId, h.state, h.draining, h.unregistered])).toEqual([
        ["e-1", "InService", true, false],
        ["e-2", "OutOfService", false, true],
        ["e-3", "Unknown", false, false],
      ]);
    });
  });
});

describe("Class: ClassicElbInventory", () => {
  it("lists every load balancer by name across pages", async () => {
    mock.on(DescribeLoadBalancersCommand, { Marker: undefined }).resolves({ ...withMembers("scythe-1a2b-lb", []), NextMarker: "m" }).on(DescribeLoadBalancersCommand, { Marker: "m" }).resolves(withMembers("web", []));
    expect(await new ClassicElbInventory(client).list()).toEqual([
      { kind: "loadBalancer", name: "scythe-1a2b-lb", id: "scythe-1a2b-lb" },
      { kind: "loadBalancer", name: "web", id: "web" },
    ]);
  });

  it("describes by name first, then sends DeleteLoadBalancer; LoadBalancerNotFound on the describe means already gone and no delete", async () => {
    mock.on(DescribeLoadBalancersCommand).resolvesOnce(withMembers("lb-1", [])).rejects(lbNotFound());
    mock.on(DeleteLoadBalancerCommand).resolves({});
    const inventory = new ClassicElbInventory(client);
    const resource = { kind: "loadBalancer", name: "lb-1", id: "lb-1" };
    expect(await inventory.remove(resource)).toBe("removed");
    expect(await inventory.remove(resource)).toBe("already-gone");
    expect(inputs(DescribeLoadBalancersCommand)).toEqual([{ LoadBalancerNames: ["lb-1"] }, { LoadBalancerNames: ["lb-1"] }]);
    expect(inputs(DeleteLoadBalancerCommand)).toEqual([{ LoadBalancerName: "lb-1" }]);
  });

  it("throws Scythe's errors, never the SDK's: a throttled describe, a refused delete", async () => {
    const inventory = new ClassicElbInventory(client);
    const resource = { kind: "loadBalancer", name: "lb-1", id: "lb-1" };
    mock.on(DescribeLoadBalancersCommand).rejectsOnce(elbFailure("Throttling", 400)).resolves(withMembers("lb-1", []));
    mock.on(DeleteLoadBalancerCommand).rejects(elbFailure("AccessDenied", 403));
    const throttled = await inventory.remove(resource).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(ThrottledError);
    const refused = await inventory.remove(resource).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CloudRequestError);
    expect(refused).not.toBeInstanceOf(CloudResourceNotFoundError);
    expect(refused).toBeInstanceOf(ScytheError);
  });
});
