import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { LoadBalancerClaims } from "@scythe/core/aws/dynamo";
import { deployTasks, type DeployTaskState } from "@scythe/core/deploy";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator, SimEvent } from "../../packages/local/src/sim/index.js";
import {
  appliedCall,
  asLambdaTask,
  auditRollout,
  membership,
  startLocalDeploy,
  type LocalDeployOptions,
  type LocalTask,
} from "../../packages/local/src/stepfunctions/index.js";
import { loadDeployHandlers } from "../../packages/local/src/stepfunctions/loadHandlers.js";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

/**
 * Lambda and EventBridge deliver at least once, and a Step Functions task whose answer was
 * lost runs again: every function in the deploy path gets the same event twice, at once
 * and one after the other. What must not double is what they do to the world.
 */

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

const fast = fastDeploy;
const services = () => deployServices(sim, world);
type Mode = "concurrently" | "in sequence";

/** Runs `task` twice with one payload. Step Functions keeps the answer of its own invocation (at once) or of the last one (in sequence). */
function twice(task: LocalTask, mode: Mode): LocalTask {
  return async (payload) => {
    if (mode === "in sequence") {
      await task(payload);
      return task(payload);
    }
    const [first] = await Promise.allSettled([task(payload), task(payload)]);
    if (first.status === "rejected") throw first.reason;
    return first.value;
  };
}

const instancesOf = (e: SimEvent): string[] => {
  const params = (e.params ?? {}) as Record<string, unknown>;
  const listed = Object.entries(params).filter(([k]) => /^Instances\.member\.\d+\.InstanceId$/.test(k)).map(([, v]) => String(v));
  return typeof params.InstanceId === "string" ? [params.InstanceId] : listed;
};

/** (load balancer, instance) → how many times `action` happened to it (applied calls, or timed transitions). */
function perInstance(events: readonly SimEvent[], action: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.action !== action || (e.kind === "call" && !appliedCall(e))) continue;
    const lb = String((e.params as { LoadBalancerName?: string }).LoadBalancerName);
    for (const id of instancesOf(e)) counts[`${lb} ${id}`] = (counts[`${lb} ${id}`] ?? 0) + 1;
  }
  return counts;
}

async function expectWorldSettled(fleet: Awaited<ReturnType<typeof seedFleet>>, lbs: readonly string[]) {
  const locks = new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) });
  const lock = await locks.status(`deploy/stack/${fleet.stackId}`);
  // Taken once (a second AcquireLock by the same execution extends it) and released.
  expect(lock).toMatchObject({ held: false, token: 1 });
  const sheets = await new LoadBalancerClaims(world.doc, { tableName: world.names.locks }).read(lbs);
  expect(sheets.map((s) => s.out)).toEqual(lbs.map(() => ({})));
}

describe("Double delivery: every deploy task handler gets its event twice", () => {
  const states = Object.keys(deployTasks).filter((s) => s !== "Recover") as DeployTaskState[];
  const cases = states.flatMap((state) => (["concurrently", "in sequence"] as const).map((mode) => [state, mode] as const));

  it.each(cases)("%s delivered twice %s: one deployment per instance, one drain and one return per load balancer, never zero in service", async (state, mode) => {
    const fleet = await seedFleet(sim.control, { instances: 3, loadBalancers: { main: [1, 2, 3], pair: [2, 3] } });
    const since = await sim.control.lastSeq();
    const before = membership(await sim.control.state());
    const wrapTask: LocalDeployOptions["wrapTask"] = (s, task) => (s === state ? twice(task, mode) : task);
    const execution = await startLocalDeploy(
      { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, batchSize: 2, ...fast },
      { services: services(), waitMs: 5, retryIntervalMs: 50, wrapTask },
    );
    const result = await execution.result;
    expect(result.status, `${result.error ?? ""} ${result.cause ?? ""}`).toBe("SUCCEEDED");
    await new Promise((resolve) => setTimeout(resolve, 40));
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.zeroInService).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual([1, 1, 1]);

    const events = await sim.control.events(since);
    const drains = perInstance(events, "DrainCompleted");
    const healthy = perInstance(events, "HealthChecksPassed");
    // web1 leaves main; web2 and web3 go in different batches, so each leaves main and pair.
    expect(Object.values(drains).every((n) => n === 1)).toBe(true);
    expect(Object.keys(drains).sort()).toEqual(Object.keys(healthy).sort());
    expect(Object.values(healthy).every((n) => n === 1)).toBe(true);
    if (mode === "in sequence") {
      // The second delivery reads what the first did and calls nothing again.
      expect(Object.values(perInstance(events, "DeregisterInstancesFromLoadBalancer")).every((n) => n === 1)).toBe(true);
      expect(Object.values(perInstance(events, "RegisterInstancesWithLoadBalancer")).every((n) => n === 1)).toBe(true);
    }
    const journal = new DynamoDeployJournal(world.doc, { tableName: world.names.registry });
    expect(await journal.summary(result.executionArn)).toMatchObject({ status: "succeeded", completedBatches: 2, batches: 2 });
    await expectWorldSettled(fleet, [fleet.lbName("main"), fleet.lbName("pair")]);
  });
});

describe("Double delivery: the recovery and the status-change cleanup", () => {
  it.each(["concurrently", "in sequence"] as const)("Recover delivered twice %s after a failed deployment: reattaches once, releases the lock once", async (mode) => {
    const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
    const since = await sim.control.lastSeq();
    const before = membership(await sim.control.state());
    await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
    const execution = await startLocalDeploy(
      { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fast },
      { services: services(), waitMs: 5, wrapTask: (s, task) => (s === "Recover" ? twice(task, mode) : task), statusChangeRule: false },
    );
    const result = await execution.result;
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("DeploymentFailedError");
    await new Promise((resolve) => setTimeout(resolve, 40));
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.ok).toBe(true);
    const events = await sim.control.events(since);
    expect(Object.values(perInstance(events, "HealthChecksPassed"))).toEqual([1]);
    if (mode === "in sequence") expect(Object.values(perInstance(events, "RegisterInstancesWithLoadBalancer"))).toEqual([1]);
    await expectWorldSettled(fleet, [fleet.lbName("main")]);
    expect(await new DynamoDeployJournal(world.doc, { tableName: world.names.registry }).summary(result.executionArn)).toMatchObject({ status: "failed" });
  });

  it.each(["concurrently", "in sequence"] as const)(
    "the cleanup delivered twice %s for an aborted execution: reattaches once, releases the lock once, and not a later holder's",
    async (mode) => {
      const fleet = await seedFleet(sim.control, { instances: 2, loadBalancers: { main: [1, 2] } });
      const since = await sim.control.lastSeq();
      const before = membership(await sim.control.state());
      const input = { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fast };
      let draining: () => void = () => undefined;
      const drainingNow = new Promise<void>((resolve) => (draining = resolve));
      const execution = await startLocalDeploy(input, {
        services: services(),
        waitMs: 5,
        statusChangeRule: false,
        onStateEntered: (s) => s === "WaitForDrain" && draining(),
      });
      await drainingNow;
      execution.abort();
      const result = await execution.result;
      expect(result.status).toBe("ABORTED");
      const { cleanup } = await loadDeployHandlers(services);
      const event = {
        source: "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        detail: { executionArn: result.executionArn, status: "ABORTED", input: JSON.stringify(input) },
      };
      const locks = new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }), ownerId: "next-deploy" });
      const invoke = asLambdaTask("cleanup", cleanup);
      if (mode === "concurrently") await Promise.all([invoke(event), invoke(event)]);
      else {
        await invoke(event);
        // Between the two deliveries another deploy takes the lock: the late one must not release it.
        await locks.acquire(`deploy/stack/${fleet.stackId}`, { leaseMs: 60_000 });
        await invoke(event);
        expect(await locks.status(`deploy/stack/${fleet.stackId}`)).toMatchObject({ held: true, holder: "next-deploy", token: 2 });
        await locks.release({ name: `deploy/stack/${fleet.stackId}`, owner: "next-deploy", token: 2, leaseMs: 60_000, validUntil: 0 });
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
      const audit = await auditRollout(sim.control, since, before);
      expect(audit.ok).toBe(true);
      const events = await sim.control.events(since);
      // Put back while draining, it serves again at once; after draining, through one round of health checks.
      expect(Object.values(perInstance(events, "HealthChecksPassed")).every((n) => n === 1)).toBe(true);
      if (mode === "in sequence") expect(Object.values(perInstance(events, "RegisterInstancesWithLoadBalancer"))).toEqual([1]);
      const sheets = await new LoadBalancerClaims(world.doc, { tableName: world.names.locks }).read([fleet.lbName("main")]);
      expect(sheets[0]?.out).toEqual({});
      expect(await new DynamoDeployJournal(world.doc, { tableName: world.names.registry }).summary(result.executionArn)).toMatchObject({ status: "aborted" });
    },
  );
});
