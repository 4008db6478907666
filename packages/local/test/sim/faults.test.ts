import {
  DescribeInstanceHealthCommand,
  DescribeLoadBalancersCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  InvalidEndPointException,
  type ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import { DescribeStacksCommand } from "@aws-sdk/client-opsworks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFleetSimulator, type FleetSimulator, type SimEvent } from "../../src/sim/index.js";
import { EC2_1, LB, elbClient, fleet, opsworksClient } from "./helpers.js";

let sim: FleetSimulator;
let elb: ElasticLoadBalancingClient;
let elbOnce: ElasticLoadBalancingClient;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1, seed: 7 });
  elb = elbClient(sim.endpoint);
  elbOnce = elbClient(sim.endpoint, 1);
});
afterAll(async () => {
  elb.destroy();
  elbOnce.destroy();
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
  await sim.control.seed(fleet());
});

const lastSeq = (): Promise<number> => sim.control.lastSeq();

/** Runs `n` DescribeInstanceHealth calls and returns which of them failed. */
async function pattern(n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const failed = await elbOnce
      .send(new DescribeInstanceHealthCommand({ LoadBalancerName: LB }))
      .then(() => false)
      .catch((e: unknown) => e instanceof InvalidEndPointException);
    out.push(failed);
  }
  return out;
}

describe("fault injection", () => {
  it("an error for the next N calls fires exactly N times, then stops", async () => {
    const ids = await sim.control.addFaults({ action: "elb:DescribeInstanceHealth", error: "InvalidInstance", count: 3 });
    expect(ids).toHaveLength(1);
    expect(await pattern(5)).toEqual([true, true, true, false, false]);
    expect(await sim.control.faults()).toEqual([]);
  });

  it("a probability with a seed is deterministic, and differs across seeds", async () => {
    await sim.control.addFaults({ action: "DescribeInstanceHealth", error: "InvalidInstance", probability: 0.5, seed: 42 });
    const first = await pattern(24);
    await sim.control.clearFaults();
    await sim.control.addFaults({ action: "DescribeInstanceHealth", error: "InvalidInstance", probability: 0.5, seed: 42 });
    const second = await pattern(24);
    await sim.control.clearFaults();
    await sim.control.addFaults({ action: "DescribeInstanceHealth", error: "InvalidInstance", probability: 0.5, seed: 43 });
    const other = await pattern(24);
    expect(second).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(3);
    expect(first.filter((f) => !f).length).toBeGreaterThan(3);
    expect(other).not.toEqual(first);
  });

  it("latency delays the answer by the injected real milliseconds", async () => {
    await sim.control.addFaults({ action: "DescribeLoadBalancers", latencyMs: 150, count: 1 });
    const started = Date.now();
    await elb.send(new DescribeLoadBalancersCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    const fast = Date.now();
    await elb.send(new DescribeLoadBalancersCommand({}));
    expect(Date.now() - fast).toBeLessThan(145);
  });

  it("a dropped connection surfaces as an SDK error and is logged as dropped", async () => {
    const since = await lastSeq();
    await sim.control.addFaults({ action: "DescribeLoadBalancers", drop: true, count: 1 });
    await expect(elbOnce.send(new DescribeLoadBalancersCommand({}))).rejects.toThrow();
    const calls = await sim.control.calls("DescribeLoadBalancers", since);
    expect(calls.map((c) => c.outcome)).toEqual(["dropped"]);
    const ok = await elbOnce.send(new DescribeLoadBalancersCommand({}));
    expect(ok.LoadBalancerDescriptions).toHaveLength(1);
  });

  it("dropAfter applies the call but loses the answer", async () => {
    await sim.control.addFaults({ action: "DeregisterInstancesFromLoadBalancer", dropAfter: true, count: 1 });
    const call = elbOnce.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: LB, Instances: [{ InstanceId: EC2_1 }] }));
    await expect(call).rejects.toThrow();
    const state = await sim.control.state();
    expect(state.loadBalancers[0]?.instances.find((i) => i.InstanceId === EC2_1)?.phase).toBe("draining");
  });

  it("an injected HTTP status maps to a retryable server error that the SDK retries", async () => {
    const ops = opsworksClient(sim.endpoint);
    try {
      const since = await lastSeq();
      await sim.control.addFaults({ action: "opsworks:*", status: 503, count: 1 });
      const out = await ops.send(new DescribeStacksCommand({}));
      expect(out.$metadata.attempts).toBe(2);
      const calls = await sim.control.calls("DescribeStacks", since);
      expect(calls[0]).toMatchObject({ outcome: "error", status: 503, code: "ServiceUnavailable" });
    } finally {
      ops.destroy();
    }
  });

  it("rejects a malformed fault spec", async () => {
    await expect(sim.control.addFaults({ action: "", count: 0 })).rejects.toThrow(/400/);
  });
});

describe("event log", () => {
  it("records every call with seq, time, params, outcome and in-service counts", async () => {
    const since = await lastSeq();
    await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: LB }));
    await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: "ghost" })).catch(() => undefined);
    const events = await sim.control.events(since);
    expect(events.map((e) => e.seq)).toEqual([since + 1, since + 2]);
    const [ok, failed] = events as [SimEvent, SimEvent];
    expect(ok).toMatchObject({ kind: "call", service: "elb", action: "DescribeInstanceHealth", outcome: "ok", status: 200, inService: { [LB]: 2 } });
    expect(ok.params).toMatchObject({ Action: "DescribeInstanceHealth", LoadBalancerName: LB });
    expect(failed).toMatchObject({ outcome: "error", status: 400, code: "LoadBalancerNotFound" });
    expect(failed.time).toBeGreaterThanOrEqual(ok.time);
    expect(Date.parse(ok.at)).not.toBeNaN();
  });

  it("serves JSON lines and honours ?since=", async () => {
    await elb.send(new DescribeLoadBalancersCommand({}));
    const res = await fetch(`${sim.endpoint}/_sim/events?since=0`);
    expect(res.headers.get("content-type")).toContain("ndjson");
    const lines = (await res.text()).trim().split("\n");
    const last = JSON.parse(lines.at(-1) ?? "{}") as SimEvent;
    expect(last.action).toBe("DescribeLoadBalancers");
    expect(await sim.control.events(last.seq)).toEqual([]);
    const bad = await fetch(`${sim.endpoint}/_sim/events?since=abc`);
    expect(bad.status).toBe(400);
  });
});
