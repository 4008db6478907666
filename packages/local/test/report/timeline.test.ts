import { describe, expect, it } from "vitest";
import type { DeploySummary, InstanceProgress } from "@scythe/core/deploy";
import type { SimEvent } from "../../src/sim/index.js";
import { renderTimelinePage } from "../../src/report/renderTimeline.js";
import { buildTimeline, inServiceSeries, laneSegments } from "../../src/report/timeline.js";

const t0 = Date.parse("2026-11-30T12:00:00.000Z");
const iso = (ms: number) => new Date(t0 + ms).toISOString();

const summary: DeploySummary = {
  executionId: "arn:aws:states:us-east-1:000000000000:execution:scythe-local-deploy:r1",
  status: "succeeded",
  stackId: "s",
  layerId: "l",
  appId: "a",
  batchSize: 1,
  lockName: "deploy/s",
  owner: "o",
  token: 1,
  startedAt: iso(0),
  updatedAt: iso(10_000),
};

function instance(hostname: string, times: Record<string, number>, extra: Partial<InstanceProgress> = {}): InstanceProgress {
  return {
    executionId: summary.executionId,
    instanceId: `i-${hostname}`,
    hostname,
    batch: 0,
    phase: "done",
    detachFrom: ["lb-a"],
    keptIn: [],
    times: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, iso(v)])),
    updatedAt: iso(Math.max(0, ...Object.values(times))),
    ...extra,
  };
}

function event(seq: number, at: number, inService: Record<string, number>, action = "DescribeInstanceHealth"): SimEvent {
  return { seq, time: seq, at: iso(at), realAt: iso(at), kind: "call", service: "elb", action, params: {}, outcome: "ok", inService };
}

describe("laneSegments", () => {
  it("draws in service, detached, deploying, reattaching, in service, from the journal's timestamps", () => {
    const r = instance("web1", { detachedAt: 1000, drainedAt: 2000, deployStartedAt: 2500, deployedAt: 4000, attachedAt: 4100, inServiceAt: 5000 });
    expect(laneSegments(r, t0, t0 + 10_000).map((s) => [s.state, s.from - t0, s.to - t0])).toEqual([
      ["in-service", 0, 1000],
      ["detached", 1000, 2500],
      ["deploying", 2500, 4000],
      ["reattaching", 4000, 5000],
      ["in-service", 5000, 10_000],
    ]);
  });

  it("keeps a failed deployment's instance red until the cleanup puts it back", () => {
    const r = instance("web2", { detachedAt: 1000, deployStartedAt: 2000, deployedAt: 3000, reattachedAt: 6000 }, { phase: "reattached", deploymentStatus: "failed" });
    expect(laneSegments(r, t0, t0 + 10_000).map((s) => s.state)).toEqual(["in-service", "detached", "deploying", "failed", "in-service"]);
  });

  it("draws a rollout still running up to now, and a skipped instance as skipped", () => {
    const running = instance("web3", { detachedAt: 1000, deployStartedAt: 2000 }, { phase: "deploying" });
    const segments = laneSegments(running, t0, t0 + 3000);
    expect(segments.at(-1)).toEqual({ state: "deploying", from: t0 + 2000, to: t0 + 3000 });
    expect(laneSegments(instance("web4", {}, { phase: "skipped", batch: -1 }), t0, t0 + 1).map((s) => s.state)).toEqual(["skipped"]);
  });
});

describe("inServiceSeries", () => {
  it("starts from the count before the rollout and finds every fall to zero", () => {
    const events = [event(1, -500, { "lb-a": 2 }), event(2, 1000, { "lb-a": 1 }, "DeregisterInstancesFromLoadBalancer"), event(3, 1500, { "lb-a": 1 }), event(4, 2000, { "lb-a": 0 }), event(5, 3000, { "lb-a": 2 })];
    const [series] = inServiceSeries(events, ["lb-a"], t0, t0 + 5000);
    expect(series?.points.map((p) => [p.at - t0, p.inService])).toEqual([
      [0, 2],
      [1000, 1],
      [2000, 0],
      [3000, 2],
    ]);
    expect(series?.min).toBe(0);
    expect(series?.zeroAt).toEqual([t0 + 2000]);
  });

  it("says downtime on the page when a load balancer reached zero, and never zero when it did not", () => {
    const instances = [instance("web1", { detachedAt: 1000, deployStartedAt: 2000, deployedAt: 3000, attachedAt: 3000, inServiceAt: 4000 })];
    const down = buildTimeline({ summary, instances, events: [event(1, 0, { "lb-a": 1 }), event(2, 1500, { "lb-a": 0 }), event(3, 4000, { "lb-a": 1 })], now: t0 + 20_000 });
    expect(renderTimelinePage(down)).toContain("Downtime: lb-a reached zero in service.");
    const fine = buildTimeline({ summary, instances, events: [event(1, 0, { "lb-a": 2 }), event(2, 1500, { "lb-a": 1 }), event(3, 4000, { "lb-a": 2 })], now: t0 + 20_000 });
    expect(renderTimelinePage(fine)).toContain("Every load balancer kept at least one instance in service.");
    const stage = buildTimeline({ summary, instances, now: t0 + 20_000 });
    expect(stage.loadBalancers).toEqual([]);
    expect(renderTimelinePage(stage)).toContain("Drawn from the deploy journal alone");
  });
});
