import { describe, expect, it } from "vitest";
import { Deallocator } from "../../src/deallocator/index.js";
import { Blueprints, ExpirySweep, LeaseService, UpdateWorker, type UpdateWorkerSettings } from "../../src/leases/index.js";
import { LockService } from "../../src/lock/index.js";
import { CommandQueue } from "../../src/registry/index.js";
import { MemoryLockStore } from "../support/MemoryLockStore.js";
import { MemoryRegistry } from "../support/MemoryRegistry.js";
import { RecordingBlueprint, fastSettings } from "./support/harness.js";

/** The leases components wired as the handlers wire them, over the in-memory registry and lock store. */
function memoryWorld(clock = { now: () => Date.now() }) {
  const registry = new MemoryRegistry();
  const lockStore = new MemoryLockStore();
  const blueprint = new RecordingBlueprint();
  const blueprints = new Blueprints([blueprint]);
  const queue = new CommandQueue({ registry, clock });
  const worker = (id: string, settings: Partial<UpdateWorkerSettings> = {}) =>
    new UpdateWorker({
      registry, queue, blueprints, clock, workerId: id, settings: { ...fastSettings, ...settings },
      locks: new LockService({ store: lockStore, clock, skewMs: 0, ownerId: id, maxPollMs: 1 }),
    });
  const service = new LeaseService({ registry, queue, worker: worker("service"), blueprints, clock });
  const deallocator = (id: string) => new Deallocator({ registry, queue, worker: worker(id) });
  let n = 0;
  const resource = (extra: object = {}) => service.createResource({ kind: "host", blueprint: blueprint.name, id: `r-${++n}`, ...extra });
  return { registry, blueprint, queue, worker, service, deallocator, resource, clock };
}

describe("Steps over MemoryRegistry: lease commands through the queue and the update worker", () => {
  it("releases a lease once; a second release finds it destroyed and the resource no longer held", async () => {
    const w = memoryWorld();
    const resource = await w.resource();
    const lease = await w.service.acquire({ resourceId: resource.id, holder: "job" });
    expect((await w.registry.getResource(resource.id))?.leaseIds).toEqual([lease.id]);
    expect(await w.service.release({ leaseId: lease.id, author: "job" })).toMatchObject({ seq: 1, consumed: true, outcome: "released; lease destroyed" });
    expect(await w.service.release({ leaseId: lease.id, author: "cli" })).toMatchObject({ seq: 2, outcome: "already destroyed" });
    expect((await w.registry.getResource(resource.id))?.leaseIds).toEqual([]);
  });

  it("ends a due lease in one transaction and leaves the resource's other lease in place", async () => {
    let now = Date.now();
    const w = memoryWorld({ now: () => now });
    const resource = await w.resource();
    const short = await w.service.acquire({ resourceId: resource.id, holder: "a", expiresInMs: 1_000 });
    const long = await w.service.acquire({ resourceId: resource.id, holder: "b", expiresInMs: 3_600_000 });
    now += 2_000;
    const report = await new ExpirySweep({ registry: w.registry, queue: w.queue, worker: w.worker("sweep"), blueprints: new Blueprints([w.blueprint]), clock: w.clock }).run();
    expect(report.outcomes).toEqual([expect.objectContaining({ ref: { kind: "lease", id: short.id }, path: "transaction" })]);
    expect((await w.registry.getLease(short.id))?.status).toBe("destroyed");
    expect((await w.registry.getResource(resource.id))?.leaseIds).toEqual([long.id]);
  });
});

describe("Steps over MemoryRegistry: the deallocator", () => {
  it("keeps a marked service while a lease holds it, and its marked network while the service references it", async () => {
    const w = memoryWorld();
    const network = await w.resource({ kind: "network" });
    const service = await w.resource({ kind: "service", references: [network.id] });
    const task = await w.service.acquire({ resourceId: service.id, holder: "ci" });
    await w.service.markDelete({ resourceId: service.id });
    await w.service.markDelete({ resourceId: network.id });
    const kept = await w.deallocator("d").reconcile();
    expect(kept.destroyed).toEqual([]);
    expect(kept.kept).toEqual(expect.arrayContaining([{ id: service.id, reason: expect.stringContaining(`lease ${task.id}`) }, { id: network.id, reason: expect.stringContaining(`referenced by ${service.id}`) }]));
    await w.service.release({ leaseId: task.id, author: "ci" });
    const freed = await w.deallocator("d").reconcile();
    expect(freed.destroyed).toEqual([service.id, network.id]);
    expect(w.blueprint.calls.map((c) => c.resourceId)).toEqual([service.id, network.id]);
  });

  it("destroys each resource exactly once when passes and stream evaluations race, over many interleavings", async () => {
    for (let round = 0; round < 30; round++) {
      const w = memoryWorld();
      const network = await w.resource({ kind: "network" });
      const services = await Promise.all(Array.from({ length: 5 }, () => w.resource({ kind: "service", references: [network.id] })));
      for (const s of [...services, network]) await w.service.markDelete({ resourceId: s.id });
      const ids = [...services.map((s) => s.id), network.id];
      const runs = [() => w.deallocator("pass").reconcile(), ...[0, 1, 2].map((i) => () => w.deallocator(`stream-${i}`).evaluate(ids)), () => w.deallocator("pass-2").reconcile()];
      // A different start order each round: the interleaving of their awaits changes with it.
      const order = runs.map((run, i) => ({ run, key: (i * 7 + round * 3) % runs.length })).sort((a, b) => a.key - b.key);
      await Promise.all(order.map(({ run }) => run()));
      await w.deallocator("backstop").reconcile();
      for (const id of ids) {
        expect(w.blueprint.destroyedCount(id), `round ${round}: ${id}`).toBe(1);
        expect((await w.registry.getResource(id))?.status).toBe("destroyed");
      }
    }
  });
});
