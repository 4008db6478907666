import { describe, expect, it } from "vitest";
import { Deallocator } from "../../src/deallocator/Deallocator.js";
import { leaseHarness, type Harness } from "../leases/support/harness.js";

async function world() {
  const h = await leaseHarness();
  const deallocator = (id = "dealloc") => new Deallocator({ registry: h.registry, queue: h.queue, worker: h.worker(id) });
  const status = async (id: string) => (await h.registry.getResource(id))?.status;
  const mark = (resourceId: string) => h.service.markDelete({ resourceId });
  const lease = (resourceId: string) => h.service.acquire({ resourceId, holder: "ci-job" });
  return { h, deallocator, status, mark, lease };
}

const endLease = (h: Harness, leaseId: string) => h.service.release({ leaseId, author: "ci-job" });

describe("Class: Deallocator (swarmkit's scenarios on DynamoDB Local)", () => {
  it("deletes a marked service with no tasks, then its marked network", async () => {
    const { h, deallocator, status, mark } = await world();
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    await mark(service.id);
    await mark(network.id);
    const progress: [number, number][] = [];
    const report = await deallocator().reconcile({ onProgress: (done, total) => progress.push([done, total]) });
    expect(report.destroyed).toEqual([service.id, network.id]);
    // The network is only found free in the second round, so the total grows with it.
    expect(progress).toEqual([
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 2],
    ]);
    expect(await status(service.id)).toBe("destroyed");
    expect(await status(network.id)).toBe("destroyed");
    expect(h.blueprint.destroyedCount(service.id)).toBe(1);
    expect(h.blueprint.destroyedCount(network.id)).toBe(1);
  });

  it("keeps an unmarked network when its marked service goes", async () => {
    const { h, deallocator, status, mark } = await world();
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    await mark(service.id);
    await deallocator().reconcile();
    expect(await status(service.id)).toBe("destroyed");
    expect(await status(network.id)).toBe("active");
  });

  it("keeps a marked service that has tasks, and its marked network with it", async () => {
    const { h, deallocator, status, mark, lease } = await world();
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    const task = await lease(service.id);
    await mark(service.id);
    await mark(network.id);
    const report = await deallocator().reconcile();
    expect(report.destroyed).toEqual([]);
    expect(report.kept).toEqual(
      expect.arrayContaining([
        { id: service.id, reason: expect.stringContaining(`lease ${task.id}`) },
        { id: network.id, reason: expect.stringContaining(`referenced by ${service.id}`) },
      ]),
    );
    expect(await status(service.id)).toBe("active");
    expect(await status(network.id)).toBe("active");
    expect(h.blueprint.calls).toEqual([]);
  });

  it("deletes a marked network that nothing references", async () => {
    const { h, deallocator, status, mark } = await world();
    const network = await h.resource({ kind: "network" });
    await mark(network.id);
    expect((await deallocator().reconcile()).destroyed).toEqual([network.id]);
    expect(await status(network.id)).toBe("destroyed");
  });

  it.each([1, 2, 5, 10])("keeps a service with %i tasks until its last task ends (event-driven)", async (tasks) => {
    const { h, deallocator, status, mark, lease } = await world();
    const service = await h.resource({ kind: "service" });
    const leases = [];
    for (let i = 0; i < tasks; i++) leases.push(await lease(service.id));
    await mark(service.id);
    for (const [i, task] of leases.entries()) {
      expect((await deallocator().evaluate([service.id])).destroyed).toEqual([]);
      expect(await status(service.id)).toBe("active");
      await endLease(h, task.id);
      const report = await deallocator().evaluate([service.id]);
      expect(report.destroyed).toEqual(i === tasks - 1 ? [service.id] : []);
    }
    expect(await status(service.id)).toBe("destroyed");
    expect(h.blueprint.destroyedCount(service.id)).toBe(1);
  });

  it("handles a mark that comes before the last task ends", async () => {
    const { h, deallocator, status, mark, lease } = await world();
    const service = await h.resource({ kind: "service" });
    const first = await lease(service.id);
    const second = await lease(service.id);
    await endLease(h, first.id);
    await mark(service.id);
    expect((await deallocator().reconcile()).destroyed).toEqual([]);
    await endLease(h, second.id);
    expect((await deallocator().reconcile()).destroyed).toEqual([service.id]);
    expect(await status(service.id)).toBe("destroyed");
  });

  it("writes nothing when it looks at records not marked for deletion", async () => {
    const { h, deallocator, lease } = await world();
    const service = await h.resource({ kind: "service" });
    await lease(service.id);
    const before = JSON.stringify(await h.allItems());
    const report = await deallocator().evaluate([service.id]);
    const pass = await deallocator().reconcile();
    expect(JSON.stringify(await h.allItems())).toBe(before);
    expect(report).toMatchObject({ examined: 0, nominated: [], destroyed: [] });
    expect(pass.nominated).toEqual([]);
  });

  it("dry-runs a pass, cascade included, without writing", async () => {
    const { h, deallocator, mark } = await world();
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    await mark(service.id);
    await mark(network.id);
    const before = JSON.stringify(await h.allItems());
    const report = await deallocator().reconcile({ dryRun: true });
    expect(report.nominated).toEqual([service.id, network.id]);
    expect(report.destroyed).toEqual([]);
    expect(JSON.stringify(await h.allItems())).toBe(before);
  });

  it("keeps the resource when it cannot tell whether something references it", async () => {
    const { h, status, mark } = await world();
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    await mark(network.id);
    const failing = Object.create(h.registry) as typeof h.registry;
    failing.getResource = (id) => (id === service.id ? Promise.reject(new Error("DynamoDB unavailable")) : h.registry.getResource(id));
    const report = await new Deallocator({ registry: failing, queue: h.queue, worker: h.worker() }).evaluate([network.id]);
    expect(report.errors[0]).toMatchObject({ id: network.id, error: expect.stringContaining("kept") });
    const pass = await new Deallocator({ registry: failing, queue: h.queue, worker: h.worker() }).reconcile();
    expect(pass.kept).toContainEqual({ id: network.id, reason: expect.stringContaining("could not tell") });
    expect(await status(network.id)).toBe("active");
    expect(h.blueprint.calls).toEqual([]);
  });

  it("refuses, inside the worker, a deallocation that was asked for wrongly", async () => {
    const { h, status, mark, lease } = await world();
    const network = await h.resource({ kind: "network" });
    const service = await h.resource({ kind: "service", references: [network.id] });
    await lease(service.id);
    await mark(network.id);
    // A nomination from a stale view (or a hand-written command): the worker reads again and keeps it.
    await h.queue.append({ kind: "resource", id: network.id }, { command: "deallocate" }, "deallocator");
    const drained = await h.worker().drain({ kind: "resource", id: network.id });
    expect(JSON.stringify(drained)).toContain(`referenced by ${service.id}`);
    expect(await status(network.id)).toBe("active");
  });
});

describe("Concurrent deallocation", () => {
  it("destroys each resource exactly once with stream workers and a reconciling pass at once", async () => {
    for (let round = 0; round < 4; round++) {
      const { h, deallocator, mark } = await world();
      const network = await h.resource({ kind: "network" });
      const services = await Promise.all(Array.from({ length: 6 }, () => h.resource({ kind: "service", references: [network.id] })));
      for (const s of services) await mark(s.id);
      await mark(network.id);
      const ids = [...services.map((s) => s.id), network.id];
      await Promise.all([
        deallocator("pass").reconcile(),
        ...Array.from({ length: 4 }, (_, i) => deallocator(`stream-${i}`).evaluate(ids)),
        deallocator("pass-2").reconcile(),
      ]);
      // Any nomination that lost a race is finished by a last pass, as the schedule would.
      await deallocator("backstop").reconcile();
      for (const id of ids) {
        expect(h.blueprint.destroyedCount(id), id).toBe(1);
        expect((await h.registry.getResource(id))?.status).toBe("destroyed");
      }
    }
  });
});

describe("Double delivery: reports say what each run did", () => {
  it("lists each resource as destroyed by exactly the one run whose worker tore it down, at once or in a row", async () => {
    for (let round = 0; round < 6; round++) {
      const { h, deallocator, mark } = await world();
      const network = await h.resource({ kind: "network" });
      const services = await Promise.all(Array.from({ length: 4 }, () => h.resource({ kind: "service", references: [network.id] })));
      for (const s of services) await mark(s.id);
      await mark(network.id);
      const ids = [...services.map((s) => s.id), network.id];
      // The same scheduled event delivered twice: at once in even rounds, one after the other in odd ones.
      const reports =
        round % 2 === 0
          ? await Promise.all([deallocator("delivery-1").reconcile(), deallocator("delivery-2").reconcile()])
          : [await deallocator("delivery-1").reconcile(), await deallocator("delivery-2").reconcile()];
      reports.push(await deallocator("backstop").reconcile());
      const claimed = reports.flatMap((r) => r.destroyed).sort();
      expect(claimed).toEqual([...ids].sort());
      for (const id of ids) expect(h.blueprint.destroyedCount(id), id).toBe(1);
      expect(reports.flatMap((r) => r.errors)).toEqual([]);
    }
  });

  it("reports a resource its blueprint found already gone apart from those it destroyed", async () => {
    const { h, deallocator, mark } = await world();
    const host = await h.resource({ kind: "host" });
    h.blueprint.gone.add(host.id);
    await mark(host.id);
    const report = await deallocator().reconcile();
    expect(report.destroyed).toEqual([]);
    expect(report.alreadyGone).toEqual([host.id]);
    expect((await h.registry.getResource(host.id))?.status).toBe("destroyed");
  });
});

describe("New references to what is going away", () => {
  it("refuses a resource that references one destroyed or marked for deletion, naming the field, writing nothing", async () => {
    const { h, deallocator, mark } = await world();
    const gone = await h.resource({ kind: "network" });
    await mark(gone.id);
    await deallocator().reconcile();
    const marked = await h.resource({ kind: "network" });
    await mark(marked.id);
    const before = JSON.stringify(await h.allItems());
    for (const [target, why] of [[gone.id, /destroyed/], [marked.id, /marked for deletion/]] as const) {
      const error = await h.resource({ kind: "service", references: [target] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ValidationError", field: "references.0" });
      expect(String((error as Error).message)).toMatch(why);
    }
    expect(JSON.stringify(await h.allItems())).toBe(before);
  });
});
