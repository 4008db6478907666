import {
  DeleteLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  RegisterInstancesWithLoadBalancerCommand,
  type ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import { StopInstanceCommand, type OpsWorksClient } from "@aws-sdk/client-opsworks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";
import { EC2_1, EC2_2, LB, OPS1, elbClient, fleet, opsworksClient } from "./helpers.js";

// A frozen clock (timeScale 0): simulated time moves only through control.advance().
let sim: FleetSimulator;
let elb: ElasticLoadBalancingClient;
let ops: OpsWorksClient;
const SOLO = "solo-lb";
const SPARE = "i-0000000000000000c";

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0 });
  elb = elbClient(sim.endpoint);
  ops = opsworksClient(sim.endpoint);
});
afterAll(async () => {
  elb.destroy();
  ops.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.config({ healthCheckSeconds: 30 });
  await sim.control.seed({
    ...fleet(300),
    ec2InstanceIds: [SPARE],
    loadBalancers: [...(fleet(300).loadBalancers ?? []), { LoadBalancerName: SOLO, instances: [SPARE], drainSeconds: 60 }],
  });
});

const deregister = (lb: string, id: string) =>
  elb.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: lb, Instances: [{ InstanceId: id }] }));
const register = (lb: string, id: string) =>
  elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: lb, Instances: [{ InstanceId: id }] }));

describe("zero-in-service detector", () => {
  it("fires when the last instance's drain finishes, at that exact simulated time", async () => {
    const t0 = (await sim.control.clock()).now;
    await deregister(SOLO, SPARE);
    expect(await sim.control.violations()).toEqual([]);
    await sim.control.advance(59);
    expect(await sim.control.violations()).toEqual([]);
    await sim.control.advance(1);
    const [violation, ...rest] = await sim.control.violations();
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ loadBalancer: SOLO, time: t0 + 60, previousInService: 1, registered: 0 });
    expect(violation?.cause).toContain("DrainCompleted");
    const transition = (await sim.control.events()).find((e) => e.seq === violation?.seq);
    expect(transition).toMatchObject({ kind: "transition", action: "DrainCompleted", inService: { [SOLO]: 0, [LB]: 2 } });
  });

  it("does not fire while another instance stays in service", async () => {
    await deregister(LB, EC2_1);
    await sim.control.advance(1000);
    expect(await sim.control.violations()).toEqual([]);
    const state = await sim.control.state();
    expect(state.loadBalancers.find((l) => l.name === LB)?.inService).toBe(1);
  });

  it("evaluates transitions in time order even when time jumps past several of them", async () => {
    const t0 = (await sim.control.clock()).now;
    await deregister(LB, EC2_1);
    await sim.control.advance(10);
    await deregister(LB, EC2_2);
    await sim.control.advance(1000);
    const violations = await sim.control.violations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ loadBalancer: LB, time: t0 + 310, previousInService: 1 });
  });

  it("fires at the call that stops the last healthy instance behind a load balancer", async () => {
    await deregister(LB, EC2_2);
    await sim.control.advance(300);
    expect(await sim.control.violations()).toEqual([]);
    await ops.send(new StopInstanceCommand({ InstanceId: OPS1 }));
    const violations = await sim.control.violations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ loadBalancer: LB, registered: 1, cause: "opsworks StopInstance" });
  });

  it("records when service is restored", async () => {
    await deregister(SOLO, SPARE);
    await sim.control.advance(60);
    const down = (await sim.control.clock()).now;
    await register(SOLO, SPARE);
    await sim.control.advance(29);
    expect((await sim.control.violations())[0]?.endedTime).toBeUndefined();
    await sim.control.advance(1);
    expect((await sim.control.violations())[0]?.endedTime).toBe(down + 30);
  });

  it("a careful rolling replacement (register, wait for health, then deregister) never fires", async () => {
    await register(SOLO, EC2_1);
    await sim.control.advance(30);
    await deregister(SOLO, SPARE);
    await sim.control.advance(60);
    expect(await sim.control.violations()).toEqual([]);
    const state = await sim.control.state();
    expect(state.loadBalancers.find((l) => l.name === SOLO)?.instances.map((i) => [i.InstanceId, i.State])).toEqual([[EC2_1, "InService"]]);
  });

  it("re-registering a draining instance cancels the drain", async () => {
    await deregister(SOLO, SPARE);
    await sim.control.advance(30);
    await register(SOLO, SPARE);
    await sim.control.advance(100);
    expect(await sim.control.violations()).toEqual([]);
    const state = await sim.control.state();
    expect(state.loadBalancers.find((l) => l.name === SOLO)?.instances[0]).toMatchObject({ phase: "serving", State: "InService" });
  });

  it("deleting a load balancer is not a violation", async () => {
    const before = (await sim.control.state()).loadBalancers.length;
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: SOLO }));
    expect((await sim.control.state()).loadBalancers).toHaveLength(before - 1);
    expect(await sim.control.violations()).toEqual([]);
  });
});
