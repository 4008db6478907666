import { describe, expect, it } from "vitest";
import { freshTables } from "../../../../test/support/dynamo.js";
import { DynamoDeployJournal, DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { DeploySession, acquireDeployLock, deployConfig, prepareRollout, type DeployJournal, type DeployServices, type TargetInstance } from "../../src/deploy/index.js";

const online = (n: number): TargetInstance => ({ instanceId: `i-${n}`, hostname: `web${n}`, status: "online", endpointId: `ec2-${n}` });
const stopped = (n: number): TargetInstance => ({ ...online(n), status: "stopped" });

/**
 * A Prepare whose first try wrote part of the plan and failed before the summary counted the
 * batches (its answer lost, a throttled write), retried after the layer's listing changed.
 */
async function retriedPrepare(first: TargetInstance[], second: TargetInstance[], batchSize: number) {
  const { doc, names } = await freshTables();
  const real = new DynamoDeployJournal(doc, { tableName: names.registry });
  let failSummary = true;
  // The first try's summary write fails (after the batches and records were written); the retry's goes through.
  const journal = new Proxy(real, {
    get(target, key, receiver) {
      if (key === "updateSummary") {
        return async (...args: Parameters<DeployJournal["updateSummary"]>) => {
          if (failSummary && args[1].batches !== undefined) {
            failSummary = false;
            throw Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException" });
          }
          return target.updateSummary(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  let listing = first;
  const target = { listInstances: async () => listing };
  const services = { target, journal, lockStore: new DynamoLockStore(doc, { tableName: names.locks }) } as unknown as DeployServices;
  const executionId = `exec-${Math.random().toString(36).slice(2)}`;
  const config = deployConfig({ stackId: "s-1", layerId: "l-1", appId: "a-1", batchSize }, executionId, Date.now());
  const session = new DeploySession(services, config, await acquireDeployLock(services, config));
  await expect(prepareRollout(session)).rejects.toThrow("Rate exceeded");
  listing = second;
  const rollout = await prepareRollout(session);
  const batches = await Promise.all(Array.from({ length: rollout.batchCount }, (_, i) => real.batch(executionId, i)));
  const records = await real.instances(executionId);
  return { rollout, batches, records, summary: await real.summary(executionId) };
}

describe("Prepare retried after its listing changed", () => {
  it("records every instance in the batch that holds it, and the ones no longer online as skipped", async () => {
    // First try: web1, web2, web3 online. Before the retry web1 stopped and web4 came online.
    const { rollout, batches, records, summary } = await retriedPrepare([online(1), online(2), online(3)], [stopped(1), online(2), online(3), online(4)], 1);
    expect(rollout).toMatchObject({ batchCount: 3, instanceCount: 3, skippedCount: 1, index: 0 });
    expect(batches.map((b) => b?.map((m) => m.instanceId))).toEqual([["i-2"], ["i-3"], ["i-4"]]);
    const byId = Object.fromEntries(records.map((r) => [r.instanceId, { phase: r.phase, batch: r.batch }]));
    // Each record's batch is the batch whose members list it (a stale one put web2 in batch 1 while batch 0 listed it).
    expect(byId).toEqual({
      "i-1": { phase: "skipped", batch: -1 },
      "i-2": { phase: "pending", batch: 0 },
      "i-3": { phase: "pending", batch: 1 },
      "i-4": { phase: "pending", batch: 2 },
    });
    expect(summary).toMatchObject({ total: 3, batches: 3, skipped: 1 });
  });

  it("records an instance that left the layer between the tries as skipped, not pending in a batch that no longer lists it", async () => {
    const { rollout, batches, records, summary } = await retriedPrepare([online(1), online(2), online(3), online(4)], [online(2), online(4)], 2);
    expect(rollout).toMatchObject({ batchCount: 1, instanceCount: 2, index: 0 });
    expect(batches.map((b) => b?.map((m) => m.instanceId))).toEqual([["i-2", "i-4"]]);
    const pending = records.filter((r) => r.phase === "pending");
    expect(pending.map((r) => [r.instanceId, r.batch])).toEqual([
      ["i-2", 0],
      ["i-4", 0],
    ]);
    // The report's counts come from the records: they agree with the summary's.
    expect(records.filter((r) => r.phase === "skipped").map((r) => r.instanceId).sort()).toEqual(["i-1", "i-3"]);
    expect(summary).toMatchObject({ total: 2, batches: 1, skipped: rollout.skippedCount });
    expect(rollout.skippedCount).toBe(2);
  });
});
