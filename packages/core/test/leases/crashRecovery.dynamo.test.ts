import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRegistry } from "../../src/aws/dynamo/index.js";
import { OpsWorksStacks } from "../../src/aws/opsworks/index.js";
import { Blueprints, OpsWorksInstanceBlueprint, UpdateWorker, type Blueprint, type DrainReport } from "../../src/leases/index.js";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockService } from "../../src/lock/index.js";
import { CommandQueue, type ObjectRef } from "../../src/registry/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { localCredentials, localRegion } from "../../../local/src/world/clients.js";
import { killableClient, leaseHarness, type Harness } from "./support/harness.js";

let sim: FleetSimulator;
let h: Harness;
let opsworks: OpsWorksClient;
let instances: OpsWorksStacks;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 1 });
  opsworks = new OpsWorksClient({ endpoint: sim.endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
  instances = new OpsWorksStacks(opsworks);
  h = await leaseHarness({
    blueprints: [new OpsWorksInstanceBlueprint({ instances, stopPollMs: 10 })],
    settings: { destroyRetryDelaysMs: [10, 20, 40, 80, 160] },
  });
});

afterAll(async () => {
  opsworks.destroy();
  await sim.close();
});

/** A worker on its own client, so killing it kills its heartbeats too; its lock lease is short. */
function mortalWorker(id: string, blueprints: Blueprint[], killAfter?: number) {
  const killable = killableClient(h.endpoint, killAfter);
  const registry = new DynamoRegistry(killable.doc, h.names.registry);
  const locks = new LockService({ store: new DynamoLockStore(killable.doc, { tableName: h.names.locks }), skewMs: 0, ownerId: id });
  const worker = new UpdateWorker({
    registry,
    queue: new CommandQueue({ registry }),
    locks,
    blueprints: new Blueprints(blueprints),
    workerId: id,
    settings: { lockLeaseMs: 300, destroyRetryDelaysMs: [10, 20, 40, 80, 160] },
  });
  return { worker, ...killable };
}

/** The next worker: waits out the dead one's lock lease, then drains. */
async function successor(ref: ObjectRef): Promise<DrainReport> {
  const worker = h.worker("successor");
  for (let i = 0; i < 100; i++) {
    const report = await worker.drain(ref);
    if (!report.busy) return report;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the dead worker's lock never lapsed");
}

describe("Class: UpdateWorker — a worker dies mid-destroy", () => {
  it("dies after the simulator deleted the instance, before marking anything: the next worker finishes without deleting twice", async () => {
    // Prepare
    const seeded = await sim.control.seed({ stacks: [{ StackId: "st-crash", Name: "crash" }], instances: [{ StackId: "st-crash", Hostname: "doomed" }] });
    const instanceId = seeded.instances[0]!.InstanceId;
    const resource = await h.resource({ blueprint: "opsworks-instance", attributes: { instanceId } });
    const ref: ObjectRef = { kind: "resource", id: resource.id };
    const command = await h.queue.append(ref, { command: "release", reason: "request" }, "operator");
    const real = new OpsWorksInstanceBlueprint({ instances, stopPollMs: 10 });
    const mortal = mortalWorker("doomed-worker", [
      {
        name: real.name,
        destroy: async (r) => {
          const result = await real.destroy(r);
          mortal.kill(); // the process dies right after the teardown call returned
          return result;
        },
      },
    ]);

    // Act
    await expect(mortal.worker.drain(ref)).rejects.toThrow(/worker process died/);
    const afterCrash = await h.registry.getResource(resource.id);
    const commandAfterCrash = await h.registry.getCommand(ref, command.seq);
    const report = await successor(ref);

    // Assess
    expect(afterCrash).toMatchObject({ status: "released", destroy: { attempts: 1 } });
    expect(commandAfterCrash?.consumedAt).toBeUndefined();
    expect(report.consumed).toEqual([{ seq: command.seq, command: "release", author: "operator", outcome: "destroyed (it was already gone)" }]);
    expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "destroyed", destroy: { attempts: 2 } });
    const deletes = (await sim.control.calls("DeleteInstance")).filter((e) => (e.params as { InstanceId?: string }).InstanceId === instanceId);
    expect(deletes.map((e) => e.outcome)).toEqual(["ok"]);
    expect((await sim.control.state()).instances?.some((i: { InstanceId: string }) => i.InstanceId === instanceId) ?? false).toBe(false);
  });

  it("dies after any number of requests: the lease and resource always end destroyed, torn down exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (killAfter) => {
        const resource = await h.resource({ blueprint: "recording", expireAfterIdleMs: 0 });
        const lease = await h.service.acquire({ resourceId: resource.id, holder: "ci" });
        const leaseRef: ObjectRef = { kind: "lease", id: lease.id };
        await h.queue.append(leaseRef, { command: "release", reason: "request" }, "ci");
        // The same in-memory cloud for the dying worker and its successors, as in reality.
        const mortal = mortalWorker(`mortal-${killAfter}`, [h.blueprint], killAfter);

        await mortal.worker.drainAll([leaseRef]).catch(() => undefined);
        // Whatever it left behind, later workers (the stream, the sweep) finish it.
        await successor(leaseRef);
        const resourceRef: ObjectRef = { kind: "resource", id: resource.id };
        await successor(resourceRef);
        const destroyedCalls = h.blueprint.calls.filter((c) => c.resourceId === resource.id && c.result === "destroyed");

        expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
        expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "destroyed", leaseIds: [] });
        expect(destroyedCalls).toHaveLength(1);
        const leftOver = [...(await h.registry.readQueue(leaseRef)), ...(await h.registry.readQueue(resourceRef))].filter((c) => c.consumedAt === undefined);
        expect(leftOver).toEqual([]);
      }),
      { numRuns: 10 },
    );
  });
});
