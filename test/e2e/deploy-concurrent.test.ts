import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeployReport } from "@scythe/core/deploy";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { appliedCall, auditRollout, membership, startLocalDeploy } from "../../packages/local/src/stepfunctions/index.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

/**
 * "Never zero in service" across concurrent deploys: every deploy runs its own state
 * machine at once against one simulator and one DynamoDB Local, each under its own
 * (per-stack) lock, over load balancers shared across stacks. The simulator's detector
 * judges; nothing here trusts what Scythe says it did.
 */

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

const fast = fastDeploy;

interface FleetShape {
  /** Instances per stack (one layer each). */
  readonly stacks: readonly number[];
  /** Per load balancer: indexes into the flattened instance list (deduplicated, non-empty). */
  readonly loadBalancers: readonly (readonly number[])[];
  /** Per stack: the batch size asked for, at most its instance count. */
  readonly batches: readonly number[];
}

/** Seeds stacks (one layer, one app each), their instances and the shared load balancers. */
async function seedShared(shape: FleetShape) {
  const tag = Math.random().toString(36).slice(2, 8);
  const seeded = await sim.control.seed({ stacks: shape.stacks.map((_, s) => ({ Name: `s${s}-${tag}` })) });
  const stackIds = seeded.stackIds;
  const rest = await sim.control.seed({
    layers: stackIds.map((StackId) => ({ StackId, Name: "web" })),
    apps: stackIds.map((StackId) => ({ StackId, Name: "shop" })),
  });
  const instances = await sim.control.seed({
    instances: shape.stacks.flatMap((count, s) =>
      Array.from({ length: count }, (_, i) => ({ Hostname: `s${s}web${i + 1}`, StackId: stackIds[s] ?? "", LayerIds: [rest.layerIds[s] ?? ""], Status: "online" })),
    ),
  });
  const ec2 = instances.instances.map((i) => i.Ec2InstanceId ?? "");
  await sim.control.seed({
    loadBalancers: shape.loadBalancers.map((members, l) => ({ LoadBalancerName: `lb${l}-${tag}`, instances: [...new Set(members)].map((m) => ec2[m] ?? "") })),
  });
  const ids = stackIds.map((stackId, s) => ({ stackId, layerId: rest.layerIds[s] ?? "", appId: rest.appIds[s] ?? "" }));
  return Object.assign(ids, { ec2, lbName: (l: number) => `lb${l}-${tag}` });
}

/** Starts one deploy per stack at the same moment and audits the fleet afterwards. */
async function deployAll(shape: FleetShape) {
  await sim.control.reset();
  const ids = await seedShared(shape);
  const since = await sim.control.lastSeq();
  const before = membership(await sim.control.state());
  const services = deployServices(sim, world);
  const executions = await Promise.all(
    ids.map((id, s) => startLocalDeploy({ ...id, batchSize: shape.batches[s] ?? 1, ...fast }, { services, waitMs: 5 })),
  );
  const results = await Promise.all(executions.map((e) => e.result));
  // Reattached instances pass their health checks (30 s simulated) before membership is compared.
  await new Promise((resolve) => setTimeout(resolve, 40));
  const audit = await auditRollout(sim.control, since, before);
  const creates = (await sim.control.calls("CreateDeployment", since)).filter(appliedCall);
  return { results, audit, creates, violations: await sim.control.violations() };
}

/** Random fleets: 2-4 stacks of 1-3 instances, 1-3 load balancers each holding instances of several stacks. */
const shapes = fc
  .array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 })
  .chain((stacks) => {
    const total = stacks.reduce((a, b) => a + b, 0);
    const lb = fc.uniqueArray(fc.integer({ min: 0, max: total - 1 }), { minLength: 1, maxLength: total });
    return fc.record({
      stacks: fc.constant(stacks),
      loadBalancers: fc.array(lb, { minLength: 1, maxLength: 3 }),
      batches: fc.tuple(...stacks.map((n) => fc.integer({ min: 1, max: n }))),
    });
  })
  // A load balancer shared across stacks is the case a per-stack lock cannot protect.
  .filter((shape) => {
    const stackOf = shape.stacks.flatMap((n, s) => Array<number>(n).fill(s));
    return shape.loadBalancers.some((members) => new Set(members.map((m) => stackOf[m])).size > 1);
  });

describe("Concurrent rolling deploys over load balancers shared across stacks", () => {
  it("two stacks of one instance each behind one load balancer: the second deploy keeps its instance in service", async () => {
    const { results, violations, audit } = await deployAll({ stacks: [1, 1], loadBalancers: [[0, 1]], batches: [1, 1] });
    expect(results.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(violations).toEqual([]);
    expect(audit.zeroInService).toEqual([]);
    const kept = results.flatMap((r) => (r.output as DeployReport).notDetached);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.reason).toMatch(/other deploy/);
  });

  it("a claim of a deploy whose lease ran out (it crashed) blocks nothing; a live deploy's claim is respected", async () => {
    await sim.control.reset();
    const fleet = await seedShared({ stacks: [1, 1], loadBalancers: [[0, 1]], batches: [1, 1] });
    const services = deployServices(sim, world);
    const lb = fleet.lbName(0);
    const claimOther = async (executionId: string, lock: string, token: number) => {
      const [sheet] = await services.claims.read([lb]);
      const out = { [fleet.ec2[1] ?? ""]: { executionId, lock, token, instanceId: "other", batch: 0 } };
      expect(await services.claims.commit([{ loadBalancer: lb, readVersion: sheet?.version ?? 0, out }], [])).toBe(true);
    };
    const deployFirst = async () => {
      const execution = await startLocalDeploy({ ...fleet[0], ...fast }, { services, waitMs: 5 });
      const result = await execution.result;
      expect(result.status).toBe("SUCCEEDED");
      return result.output as DeployReport;
    };
    // Its deploy lock was never taken at that token (or has run out): the claim is stale.
    await claimOther("arn:crashed", "deploy/stack/crashed-stack", 7);
    expect((await deployFirst()).deployed[0]?.detachedFrom).toEqual([lb]);
    // A deploy that still holds its lease at the claim's token: its instance counts as out.
    const alive = await new LockService({ store: services.lockStore, ownerId: "arn:alive" }).acquire("deploy/stack/alive-stack", { leaseMs: 60_000 });
    await claimOther("arn:alive", alive.name, alive.token);
    const report = await deployFirst();
    expect(report.deployed[0]?.detachedFrom).toEqual([]);
    expect(report.notDetached).toEqual([{ instanceId: expect.any(String), loadBalancer: lb, reason: expect.stringMatching(/another deploy/) }]);
    expect(await sim.control.violations()).toEqual([]);
  });

  it("never leaves a load balancer with nothing in service, whatever the stacks, load balancers and batch sizes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async (shape) => {
        const { results, violations, audit, creates } = await deployAll(shape);
        expect(violations).toEqual([]);
        expect(audit.zeroInService).toEqual([]);
        expect(results.map((r) => r.status)).toEqual(results.map(() => "SUCCEEDED"));
        expect(audit.notReattached).toEqual([]);
        expect(audit.attachedElsewhere).toEqual([]);
        expect(audit.membershipChanged).toBe(false);
        const total = shape.stacks.reduce((a, b) => a + b, 0);
        expect(Object.values(audit.deploymentsPerInstance)).toEqual(Array(total).fill(1));
        expect(creates.length).toBe(shape.stacks.reduce((sum, n, s) => sum + Math.ceil(n / (shape.batches[s] ?? 1)), 0));
      }),
      { numRuns: 12 },
    );
  }, 300_000);
});
