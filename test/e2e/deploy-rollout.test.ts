import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { healthSample, type DeployReport } from "@scythe/core/deploy";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { auditRollout, membership, startLocalDeploy } from "../../packages/local/src/stepfunctions/index.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

type Fleet = Awaited<ReturnType<typeof seedFleet>>;
const fast = fastDeploy;

async function rollout(spec: Parameters<typeof seedFleet>[1], extra: Record<string, unknown> = {}) {
  const fleet = await seedFleet(sim.control, spec);
  const since = await sim.control.lastSeq();
  const before = membership(await sim.control.state());
  const services = deployServices(sim, world);
  const input = { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fast, ...extra };
  const execution = await startLocalDeploy(input, { services, waitMs: 5 });
  const result = await execution.result;
  const audit = await auditRollout(sim.control, since, before);
  return { fleet, result, audit, services, input };
}

describe("State machine: rolling deploy in the local world", () => {
  it.each([1, 2, 5])("deploys %i instance(s) behind two load balancers, one instance alone behind one, without downtime", async (n) => {
    const { fleet, result, audit, input } = await rollout({
      instances: n,
      loadBalancers: { main: Array.from({ length: n }, (_, i) => i + 1), solo: [1] },
    });
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.zeroInService).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.attachedElsewhere).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    const ids = fleet.instances.map((i) => i.InstanceId).sort();
    expect(Object.keys(audit.deploymentsPerInstance).sort()).toEqual(ids);
    expect(Object.values(audit.deploymentsPerInstance).every((count) => count === 1)).toBe(true);

    const report = result.output as DeployReport;
    expect(report.deployed).toHaveLength(n);
    const first = report.deployed.find((d) => d.hostname === "web1");
    // web1 is alone behind solo: it stays there; it leaves main only if another instance serves it.
    expect(first?.keptIn.map((k) => k.loadBalancer)).toEqual(n === 1 ? [fleet.lbName("main"), fleet.lbName("solo")] : [fleet.lbName("solo")]);
    expect(report.notDetached.map((k) => k.loadBalancer)).toContain(fleet.lbName("solo"));
    expect(report.lockReleased).toBe(true);

    const lock = await new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) }).status(`deploy/stack/${input.stackId}`);
    expect(lock.held).toBe(false);
    const journal = new DynamoDeployJournal(world.doc, { tableName: world.names.registry });
    expect(await journal.summary(result.executionArn)).toMatchObject({ status: "succeeded", total: n, completedBatches: n });
    const records = await journal.instances(result.executionArn);
    expect(records.map((r) => r.phase)).toEqual(Array(n).fill("done"));
    for (const r of records) {
      const times = ["detachedAt", "deployStartedAt", "deployedAt", "attachedAt", "inServiceAt", ...((r.detachFrom ?? []).length > 0 ? ["drainedAt"] : [])];
      expect(Object.keys(r.times).sort()).toEqual(times.sort());
    }
  });

  it("deploys in batches of two, never emptying the load balancer a batch shares", async () => {
    const { fleet, result, audit } = await rollout({ instances: 5, loadBalancers: { main: [1, 2, 3, 4, 5], pair: [1, 2] } }, { batchSize: 2 });
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1, 1, 1, 1]);
    const creates = (await sim.control.calls("CreateDeployment")).filter((e) => (e.params as { StackId: string }).StackId === fleet.stackId);
    expect(creates.map((e) => (e.params as { InstanceIds: string[] }).InstanceIds.length)).toEqual([2, 2, 1]);
    const report = result.output as DeployReport;
    expect(report.notDetached).toEqual([
      { instanceId: expect.any(String), loadBalancer: fleet.lbName("pair"), reason: expect.stringContaining("one instance must stay in service") },
    ]);
  });

  it("asks each load balancer about a batch's own instances and a few others, never about all of them, while others serve (the reads per batch do not grow with the load balancer)", async () => {
    const n = 40;
    const { fleet, result, audit } = await rollout({ instances: n, loadBalancers: { main: Array.from({ length: n }, (_, i) => i + 1), half: Array.from({ length: n / 2 }, (_, i) => i + 1) } }, { batchSize: 2 });
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual(Array(n).fill(1));
    const names = new Set([fleet.lbName("main"), fleet.lbName("half")]);
    const asks = (await sim.control.calls("DescribeInstanceHealth")).filter((e) => names.has((e.params as { LoadBalancerName: string }).LoadBalancerName));
    const asked = asks.map((e) => Object.keys(e.params as object).filter((k) => /^Instances\.member\.\d+\.InstanceId$/.test(k)).length);
    // Each batch plans with one DescribeInstanceHealth per load balancer it leaves, drains and returns with one each.
    expect(asks.length).toBeGreaterThan(0);
    expect(asked.filter((k) => k === 0)).toEqual([]);
    expect(Math.max(...asked)).toBeLessThanOrEqual(Math.max(2, healthSample));
  });

  it("skips instances that are not online and reports them", async () => {
    const { fleet, result, audit } = await rollout({ instances: 3, loadBalancers: { main: [1, 2, 3] }, stopped: [2] });
    expect(result.status).toBe("SUCCEEDED");
    expect(audit.ok).toBe(true);
    const report = result.output as DeployReport;
    expect(report.skipped).toEqual([{ instanceId: fleet.instances[1]?.InstanceId, hostname: "web2", status: "stopped", reason: "not online (stopped)" }]);
    expect(Object.keys(audit.deploymentsPerInstance)).not.toContain(fleet.instances[1]?.InstanceId);
  });

  it.each([
    ["stackId", "UnknownIdError", (f: Fleet) => ({ stackId: "no-such-stack", layerId: f.layerId, appId: f.appId })],
    ["layerId", "BadInputError", (f: Fleet, other: Fleet) => ({ stackId: f.stackId, layerId: other.layerId, appId: f.appId })],
    ["appId", "UnknownIdError", (f: Fleet) => ({ stackId: f.stackId, layerId: f.layerId, appId: "no-such-app" })],
    ["batchSize", "ValidationError", (f: Fleet) => ({ stackId: f.stackId, layerId: f.layerId, appId: f.appId, batchSize: 4 })],
  ])("fails at its first state when %s does not fit the fleet: nothing locked, detached or written", async (field, error, make) => {
    const fleet = await seedFleet(sim.control, { instances: 3, loadBalancers: { main: [1, 2, 3] } });
    const other = await seedFleet(sim.control, { instances: 1, loadBalancers: {} });
    const services = deployServices(sim, world);
    const since = await sim.control.lastSeq();
    const execution = await startLocalDeploy({ ...make(fleet, other), ...fast }, { services });
    const result = await execution.result;
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe(error);
    expect((JSON.parse(result.cause ?? "{}") as { errorMessage: string }).errorMessage).toMatch(new RegExp(`^${field}: `));
    expect(result.entered).toEqual({ Validate: 1 });
    expect((await sim.control.events(since)).filter((e) => !e.action.startsWith("Describe"))).toEqual([]);
    const lock = await new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) }).status(`deploy/stack/${fleet.stackId}`);
    expect(lock).toMatchObject({ held: false, token: 0 });
    expect(await new DynamoDeployJournal(world.doc, { tableName: world.names.registry }).summary(result.executionArn)).toBeUndefined();
  });

  it("fails a bad input at once, naming the field, with nothing written", async () => {
    const services = deployServices(sim, world);
    const since = await sim.control.lastSeq();
    const execution = await startLocalDeploy({ stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize: 0 }, { services });
    const result = await execution.result;
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("ValidationError");
    expect(JSON.parse(result.cause ?? "{}")).toMatchObject({ errorType: "ValidationError", errorMessage: "batchSize: must be at least 1" });
    expect(result.entered).toEqual({ Validate: 1 });
    expect(await sim.control.events(since)).toEqual([]);
    const journal = new DynamoDeployJournal(world.doc, { tableName: world.names.registry });
    expect(await journal.summary(result.executionArn)).toBeUndefined();
  });
});
