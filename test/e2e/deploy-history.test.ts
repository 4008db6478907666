import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import type { FleetSimulator } from "../../packages/local/src/sim/index.js";
import { auditRollout, historyLimitError, localBatchesDefinition, localDeployDefinition, membership, startLocalDeploy, type LocalDeployOptions } from "../../packages/local/src/stepfunctions/index.js";
import { deployBatchesPerExecution } from "@scythe/core/deploy";
import { seedFleet } from "../../packages/core/test/deploy/support.js";
import { deployServices, fastDeploy, startDeployWorld, type DeployTables } from "../support/deployWorld.js";

let sim: FleetSimulator;
let world: DeployTables;

beforeAll(async () => {
  ({ sim, world } = await startDeployWorld());
});
afterAll(() => sim.close());

async function rollout(instances: number, options: Partial<LocalDeployOptions> = {}, extra: Record<string, unknown> = {}) {
  const fleet = await seedFleet(sim.control, { instances, loadBalancers: { main: Array.from({ length: instances }, (_, i) => i + 1) } });
  const since = await sim.control.lastSeq();
  const before = membership(await sim.control.state());
  const input = { stackId: fleet.stackId, layerId: fleet.layerId, appId: fleet.appId, ...fastDeploy, ...extra };
  const execution = await startLocalDeploy(input, { services: deployServices(sim, world), waitMs: 5, ...options });
  return { fleet, since, before, result: await execution.result };
}

const allStates = { ...localDeployDefinition().States, ...localBatchesDefinition().States };
// Callback tasks and child executions also record TaskSubmitted.
const submittingStates = new Set(
  Object.entries(allStates)
    .filter(([, s]) => /\.waitForTaskToken$|startExecution\.sync/.test(String((s as { Resource?: string }).Resource)))
    .map(([name]) => name),
);
const stateTypes = new Map(Object.entries(allStates).map(([name, s]) => [name, (s as { Type: string }).Type]));

describe("The local runner keeps Step Functions' history quota", () => {
  it("counts a rollout's history as AWS would: 5 events per task entered (6 for a callback task, with TaskSubmitted), 2 per other state, 3 per retry, plus start and end", async () => {
    // The heartbeat on the state machine's clock lasts 2.4 s here, so each deployment's event
    // (12 ms of simulated time) completes its wait and no error path adds to the history.
    const { result } = await rollout(2, { timeScale: 20 });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.entered.CheckDeployment).toBeUndefined();
    const perState = (state: string) => (submittingStates.has(state) ? 6 : stateTypes.get(state) === "Task" ? 5 : 2);
    // Over the parent and its one child (a run of batches): start and end of each, plus each state's events.
    expect(result.children).toHaveLength(1);
    const expected = 2 * 2 + Object.entries(result.entered).reduce((n, [state, times]) => n + times * perState(state), 0) + 3 * result.retries;
    expect(result.historyEvents + (result.children[0]?.historyEvents ?? 0)).toBe(expected);
  });

  it("splits a rollout into runs of batches, each a child execution with its own history: no execution's history grows with the layer", async () => {
    const instances = 2 * deployBatchesPerExecution + 1;
    // A quota that one execution holding the whole rollout would pass (about 45 events per instance).
    const quota = 45 * deployBatchesPerExecution + 300;
    // Waits on the simulator's clock (a 300 s drain is one Wait), and a lease that outlasts them.
    const { since, before, result } = await rollout(instances, { historyLimit: quota, waitMs: {} }, { leaseSeconds: 700 });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.children.map((c) => c.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    const total = result.historyEvents + result.children.reduce((n, c) => n + c.historyEvents, 0);
    expect(total).toBeGreaterThan(quota);
    expect(result.largestHistory).toBeLessThanOrEqual(quota);
    // The parent grows by a fixed few events per run of batches, not per batch.
    expect(result.historyEvents).toBeLessThan(100);
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual(Array(instances).fill(1));
  });

  it("fails an execution whose history would pass the quota, and the status-change cleanup leaves every instance in service and the lock free", async () => {
    const whole = await rollout(3);
    expect(whole.result.status).toBe("SUCCEEDED");
    // Half of the run of batches' history: that child fails, and with it the rollout.
    const quota = Math.floor((whole.result.children[0]?.historyEvents ?? 0) / 2);

    const { fleet, since, before, result } = await rollout(3, { historyLimit: quota });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe(historyLimitError);
    expect(result.cause).toMatch(/maximum number of history events/);
    expect(result.largestHistory).toBeLessThanOrEqual(quota);
    expect(result.cleanup).toBeDefined();

    await new Promise((r) => setTimeout(r, 50)); // health checks of a reattached instance (30 s simulated)
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.zeroInService).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
    const lock = await new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) }).status(`deploy/stack/${fleet.stackId}`);
    expect(lock.held).toBe(false);
  });

  it("a failed deployment still fails the rollout naming it when the plan is larger than a task failure's cause holds (32,768 characters)", async () => {
    // 400 instances: the plan a run of batches carries (and its description repeats) is well over 32 KB.
    let deploys = 0;
    const { fleet, since, before, result } = await rollout(400, {
      wrapTask: (state, task) =>
        state !== "Deploy"
          ? task
          : async (payload) => {
              if (++deploys === 1) await sim.control.addFaults({ action: "CreateDeployment", failDeployment: true, count: 1 });
              return task(payload);
            },
    });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("DeploymentFailedError");
    const failed = (await sim.control.state()).deployments.filter((d) => d.StackId === fleet.stackId && d.Status === "failed");
    expect(failed).toHaveLength(1);
    expect(result.cause).toContain(`deployment ${failed[0]?.DeploymentId ?? "?"}`);
    expect(result.entered.Recover).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.notReattached).toEqual([]);
    expect(audit.membershipChanged).toBe(false);
  });

  it("refuses a task's data over the payload quota as Step Functions does: the run of batches fails with States.DataLimitExceeded (no Catch of its own takes it), the parent recovers naming it", async () => {
    const small = await rollout(2);
    expect(small.result.status).toBe("SUCCEEDED");
    // Every task's parameters and result are measured; a batch's plan (its decisions) grows with the batch.
    expect(small.result.largestPayloadBytes).toBeGreaterThan(0);
    const limit = small.result.largestPayloadBytes + 200;
    const { fleet, since, before, result } = await rollout(12, { payloadLimit: limit }, { batchSize: 12 });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.DataLimitExceeded");
    expect(result.cause).toMatch(new RegExp(`is \\d+ bytes, over the ${limit}-byte quota`));
    // The first batch's Detach returns the batch's plan: that child stops at once, its Catch bypassed.
    expect(result.children.map((c) => [c.status, c.transitions])).toEqual([["FAILED", 1]]);
    // The parent's task (RollBatches) failed with States.TaskFailed, which its Catch takes: Recover puts things back.
    expect(result.entered.Recover).toBe(1);
    const audit = await auditRollout(sim.control, since, before);
    expect(audit.zeroInService).toEqual([]);
    expect(audit.notReattached).toEqual([]);
    const lock = await new LockService({ store: new DynamoLockStore(world.doc, { tableName: world.names.locks }) }).status(`deploy/stack/${fleet.stackId}`);
    expect(lock.held).toBe(false);
  });

  it("keeps every state's data the same size whatever the layer: the plan lives in the journal and the state carries a cursor (it grew by about 175 bytes per instance while the plan travelled in it: 25 KB at 100 instances, 181 KB at 1,000)", async () => {
    const small = await rollout(200, {}, { batchSize: 100 });
    expect(small.result.status).toBe("SUCCEEDED");
    const large = await rollout(1000, {}, { batchSize: 100 });
    expect({ status: large.result.status, error: large.result.error, cause: large.result.cause?.slice(0, 400) }).toEqual({ status: "SUCCEEDED", error: undefined, cause: undefined });
    // Same batch size, five times the layer: the largest data a state passed (task or child input and output) is the
    // batch's (its 100 decisions, whose kept-in reasons vary with health), not the layer's: it grew by ~140 KB here before.
    const bytes = { small: small.result.largestPayloadBytes, large: large.result.largestPayloadBytes };
    expect(bytes.large, JSON.stringify(bytes)).toBeLessThanOrEqual(bytes.small + 4096);
    const audit = await auditRollout(sim.control, large.since, large.before);
    expect(audit.ok).toBe(true);
    expect(Object.values(audit.deploymentsPerInstance)).toEqual(Array(1000).fill(1));
  }, 300_000);
});
