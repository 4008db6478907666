import { DescribeStacksCommand } from "@aws-sdk/client-opsworks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimClock } from "../../src/sim/clock.js";
import { SimControl, startFleetSimulator, type FleetSimulator } from "../../src/sim/index.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { World } from "../../src/sim/world.js";
import { LB, STACK, fleet, opsworksClient } from "./helpers.js";

let sim: FleetSimulator;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, seed: 3 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

describe("control API", () => {
  it("seeds, snapshots and resets; a second client built from the endpoint sees the same state", async () => {
    const result = await sim.control.seed({ ...fleet(120), herokuApps: [{ name: "old-app", created_at: "2020-05-01T00:00:00Z" }] });
    expect(result.stackIds).toEqual([STACK]);
    expect(result.loadBalancers).toEqual([LB]);
    expect(result.herokuApps[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    const other = new SimControl(`${sim.endpoint}/`);
    const state = await other.state();
    expect(state.instances).toHaveLength(2);
    expect(state.loadBalancers[0]).toMatchObject({ name: LB, drainSeconds: 120, inService: 2 });
    expect(state.herokuApps[0]).toMatchObject({ name: "old-app", created_at: "2020-05-01T00:00:00Z", deleting: false });
    await other.reset();
    const empty = await sim.control.state();
    expect([empty.instances.length, empty.loadBalancers.length, empty.herokuApps.length]).toEqual([0, 0, 0]);
  });

  it("rejects seeds with dangling references or duplicates, changing nothing", async () => {
    await expect(sim.control.seed({ layers: [{ StackId: "nope", Name: "x" }] })).rejects.toThrow(/unknown StackId/);
    await sim.control.seed(fleet());
    await expect(sim.control.seed({ loadBalancers: [{ LoadBalancerName: LB }] })).rejects.toThrow(/already exists/);
    await expect(sim.control.seed({ stacks: [{ Name: "fine" }], instances: [{ Hostname: "h", StackId: "nope" }] })).rejects.toThrow(/400/);
    expect((await sim.control.state()).stacks).toHaveLength(1);
  });

  it("validates config and applies per-load-balancer drain times", async () => {
    await sim.control.seed(fleet());
    await expect(sim.control.config({ deploymentSeconds: -1 })).rejects.toThrow(/400/);
    await expect(sim.control.config({ drainSeconds: { ghost: 5 } })).rejects.toThrow(/unknown load balancer/);
    const config = await sim.control.config({ deploymentSeconds: 5, drainSeconds: { [LB]: 7 } });
    expect(config.deploymentSeconds).toBe(5);
    expect((await sim.control.state()).loadBalancers[0]?.drainSeconds).toBe(7);
    expect((await sim.control.config()).deploymentSeconds).toBe(5);
  });

  it("a frozen clock moves only when advanced", async () => {
    const before = await sim.control.clock();
    expect(before.timeScale).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect((await sim.control.clock()).now).toBe(before.now);
    const after = await sim.control.advance(90);
    expect(after.now).toBe(before.now + 90);
    expect(Date.parse(after.at) - Date.parse(before.at)).toBe(90_000);
  });

  it("unknown routes and malformed bodies are 4xx, and the simulator keeps serving AWS calls", async () => {
    expect((await fetch(`${sim.endpoint}/_sim/nothing`)).status).toBe(404);
    expect((await fetch(`${sim.endpoint}/_sim/seed`, { method: "POST", body: "{oops" })).status).toBe(400);
    expect((await fetch(`${sim.endpoint}/somewhere`)).status).toBe(404);
    await sim.control.seed(fleet());
    const ops = opsworksClient(sim.endpoint);
    try {
      expect((await ops.send(new DescribeStacksCommand({}))).Stacks).toHaveLength(1);
    } finally {
      ops.destroy();
    }
  });
});

describe("simulated time", () => {
  it("timeScale maps simulated seconds to real milliseconds", () => {
    let real = 1000;
    const clock = new SimClock(2, () => real, 0);
    real += 500;
    expect(clock.now()).toBe(250);
    clock.setTimeScale(0);
    real += 10_000;
    expect(clock.now()).toBe(250);
    clock.advance(50);
    expect(clock.iso(clock.now())).toBe("1970-01-01T00:05:00.000Z");
  });

  it("the scheduler runs due transitions in time order, ties in insertion order", () => {
    const s = new Scheduler();
    const order: string[] = [];
    s.add(5, () => order.push("b"));
    s.add(1, () => order.push("a"));
    s.add(5, () => order.push("c"));
    s.add(9, () => order.push("late"));
    for (let p = s.popDue(6); p !== undefined; p = s.popDue(6)) p.run(p.at);
    expect(order).toEqual(["a", "b", "c"]);
    expect(s.nextAt()).toBe(9);
  });

  it("a timer applies transitions between calls, stamped with their own simulated time", async () => {
    const world = new World({ timeScale: 1, seed: 1, herokuToken: "t" });
    try {
      const start = world.sync();
      world.schedule(start + 40, { service: "elb", action: "Tick", params: {} }, () => true);
      await new Promise((r) => setTimeout(r, 150));
      const events = world.events.since(0);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: "transition", action: "Tick", time: start + 40 });
    } finally {
      world.close();
    }
  });

  it("close() is idempotent and frees the port", async () => {
    const extra = await startFleetSimulator();
    await Promise.all([extra.close(), extra.close()]);
    await expect(fetch(`${extra.endpoint}/_sim/clock`)).rejects.toThrow();
  });
});
