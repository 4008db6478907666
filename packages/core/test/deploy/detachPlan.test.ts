import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detachPlan, keptInReasons, type BatchMember, type LoadBalancerView } from "../../src/deploy/detachPlan.js";

/** A fleet of up to 8 instances behind up to 4 load balancers, with random membership and health, and a batch. */
const fleet = fc
  .record({
    size: fc.integer({ min: 1, max: 8 }),
    lbCount: fc.integer({ min: 1, max: 4 }),
  })
  .chain(({ size, lbCount }) =>
    fc.record({
      instances: fc.constant(Array.from({ length: size }, (_, i) => ({ instanceId: `ops-${i}`, hostname: `web${i}`, endpointId: `i-${i}` }))),
      lbs: fc.array(
        fc.record({
          members: fc.subarray(Array.from({ length: size }, (_, i) => `i-${i}`)),
          healthy: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
        }),
        { minLength: lbCount, maxLength: lbCount },
      ),
      batch: fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { minLength: 1, maxLength: size }),
    }),
  )
  .map(({ instances, lbs, batch }) => {
    const views: LoadBalancerView[] = lbs.map((lb, n) => ({
      name: `lb-${n}`,
      members: lb.members,
      inService: lb.members.filter((id) => lb.healthy[Number(id.slice(2))]),
    }));
    const members: BatchMember[] = batch.map((i) => instances[i] as BatchMember);
    return { views, batch: members };
  });

const detachedFrom = (plan: ReturnType<typeof detachPlan>, lb: string) =>
  new Set(plan.filter((d) => d.detachFrom.includes(lb)).map((d) => d.endpointId));

describe("Function: detachPlan", () => {
  it("never leaves a load balancer that had an instance in service without one", () => {
    fc.assert(
      fc.property(fleet, ({ views, batch }) => {
        const plan = detachPlan(batch, views);
        for (const lb of views) {
          const out = detachedFrom(plan, lb.name);
          const left = lb.inService.filter((id) => !out.has(id));
          if (lb.inService.length > 0) expect(left.length).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });

  it("accounts for every load balancer an instance is in: detached from it or kept in it with a reason", () => {
    fc.assert(
      fc.property(fleet, ({ views, batch }) => {
        const plan = detachPlan(batch, views);
        expect(plan.map((d) => d.instanceId)).toEqual(batch.map((m) => m.instanceId));
        for (const d of plan) {
          const inLbs = views.filter((lb) => lb.members.includes(d.endpointId ?? "")).map((lb) => lb.name).sort();
          const accounted = [...d.detachFrom, ...d.keptIn.map((k) => k.loadBalancer)].sort();
          expect(accounted).toEqual(inLbs);
          for (const k of d.keptIn) expect(Object.values(keptInReasons)).toContain(k.reason);
        }
      }),
    );
  });

  it("keeps an instance in a load balancer only when detaching it too would leave none in service", () => {
    fc.assert(
      fc.property(fleet, ({ views, batch }) => {
        const plan = detachPlan(batch, views);
        for (const d of plan) {
          for (const k of d.keptIn) {
            const lb = views.find((v) => v.name === k.loadBalancer);
            const out = detachedFrom(plan, k.loadBalancer);
            out.add(d.endpointId);
            expect(lb?.inService.filter((id) => !out.has(id))).toEqual([]);
          }
        }
      }),
    );
  });

  it("with one instance per batch, detaches it exactly where another instance is in service", () => {
    fc.assert(
      fc.property(fleet, ({ views, batch }) => {
        const [only] = batch;
        if (!only) return;
        const [decision] = detachPlan([only], views);
        const expected = views
          .filter((lb) => lb.members.includes(only.endpointId ?? "") && lb.inService.some((id) => id !== only.endpointId))
          .map((lb) => lb.name)
          .sort();
        expect([...(decision?.detachFrom ?? [])].sort()).toEqual(expected);
      }),
    );
  });

  it("is deterministic whatever order the load balancers come in", () => {
    fc.assert(
      fc.property(fleet, ({ views, batch }) => {
        expect(detachPlan(batch, [...views].reverse())).toEqual(detachPlan(batch, views));
      }),
    );
  });

  it("explains the instance that is alone behind a load balancer, and the batch limit", () => {
    const views: LoadBalancerView[] = [
      { name: "main", members: ["i-1", "i-2", "i-3"], inService: ["i-1", "i-2", "i-3"] },
      { name: "solo", members: ["i-3"], inService: ["i-3"] },
      { name: "pair", members: ["i-1", "i-2"], inService: ["i-1", "i-2"] },
    ];
    const batch = [
      { instanceId: "a", hostname: "a", endpointId: "i-1" },
      { instanceId: "b", hostname: "b", endpointId: "i-2" },
    ];
    expect(detachPlan(batch, views)).toEqual([
      { instanceId: "a", endpointId: "i-1", detachFrom: ["main", "pair"], keptIn: [] },
      { instanceId: "b", endpointId: "i-2", detachFrom: ["main"], keptIn: [{ loadBalancer: "pair", reason: keptInReasons.batchLimit }] },
    ]);
    const [alone] = detachPlan([{ instanceId: "c", hostname: "c", endpointId: "i-3" }], views);
    expect(alone).toEqual({ instanceId: "c", endpointId: "i-3", detachFrom: ["main"], keptIn: [{ loadBalancer: "solo", reason: keptInReasons.onlyInService }] });
  });

  it("leaves an instance without a load balancer id where it is", () => {
    expect(detachPlan([{ instanceId: "x", hostname: "x" }], [{ name: "lb", members: ["i-1"], inService: ["i-1"] }])).toEqual([
      { instanceId: "x", detachFrom: [], keptIn: [] },
    ]);
  });
});
