import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LeaseService, type DrainReport } from "../../src/leases/index.js";
import { ManualClock, leaseHarness, type Harness } from "./support/harness.js";

const clock = new ManualClock();
let h: Harness;
beforeAll(async () => {
  h = await leaseHarness({ clock });
});

type Role = "holder" | "cli" | "sweep" | "stream";

/**
 * Drydock raced when the holder, the CLI, the garbage collector and the update worker all
 * released one lease. Here all four kinds of caller act at once on an expired lease whose
 * resource goes when its last lease ends, against DynamoDB Local.
 */
async function releaseRace(roles: readonly Role[]) {
  const resource = await h.resource({ expireAfterIdleMs: 0 });
  const lease = await h.service.acquire({ resourceId: resource.id, holder: "ci-job", expiresInMs: 1_000 });
  clock.advance(2_000); // the lease is past its expiry: the sweep releases it too
  const reports: DrainReport[] = [];
  await Promise.all(
    roles.map(async (role, i) => {
      const worker = h.worker(`${role}-${i}`);
      if (role === "sweep") {
        const out = await h.sweep(`sweep-${i}`).run();
        expect(out.failures).toEqual([]);
        return;
      }
      if (role === "stream") {
        reports.push(...(await worker.drainAll([{ kind: "lease", id: lease.id }])));
        return;
      }
      const service = new LeaseService({ registry: h.registry, queue: h.queue, worker, blueprints: h.blueprints, clock });
      await service.release({ leaseId: lease.id, author: role === "holder" ? "ci-job" : `cli:user${i}` });
    }),
  );
  return { resource, lease, reports };
}

describe("Concurrent releasers of one lease", () => {
  it("twenty releasers of every kind, repeated: one release, one destroy, every command consumed in order", async () => {
    let rep = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom<Role>("holder", "cli", "sweep", "stream"), { minLength: 20, maxLength: 20 }), async (roles) => {
        rep++;
        const { resource, lease } = await releaseRace(roles);

        const leaseCommands = await h.registry.readQueue({ kind: "lease", id: lease.id });
        const resourceCommands = await h.registry.readQueue({ kind: "resource", id: resource.id });
        // Assess: final state
        expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "destroyed", version: 5 });
        expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "destroyed", leaseIds: [] });
        // exactly one destroy of the resource, and no second call at all
        expect(h.blueprint.calls.filter((c) => c.resourceId === resource.id)).toEqual([{ resourceId: resource.id, result: "destroyed" }]);
        // every command consumed, in a queue without holes
        expect(leaseCommands.map((c) => c.seq)).toEqual(leaseCommands.map((_, i) => i + 1));
        expect(leaseCommands.every((c) => c.consumedAt !== undefined)).toBe(true);
        expect(resourceCommands.every((c) => c.consumedAt !== undefined)).toBe(true);
        // exactly one command released the lease, and it was the first release in the queue
        const releasing = leaseCommands.filter((c) => c.outcome === "released; lease destroyed");
        expect(releasing).toHaveLength(1);
        const firstRelease = leaseCommands.find((c) => c.command === "release");
        expect(releasing[0]?.seq).toBe(firstRelease?.seq);
        // the resource heard of the lease's end (perhaps twice if a worker resumed), and was released once
        expect(resourceCommands.filter((c) => c.outcome?.startsWith("destroyed"))).toHaveLength(1);
        const appenders = roles.filter((r) => r === "holder" || r === "cli").length;
        expect(leaseCommands.filter((c) => c.command === "release" && c.reason === "request")).toHaveLength(appenders);
      }),
      { numRuns: 15 },
    );
    expect(rep).toBe(15);
  }, 240_000); // repeated rounds of twenty releasers: 8 s alone, past 60 s once under a full suite's load

  it("twenty people releasing at once are each told what became of their command, not 'queued' (repeated)", async () => {
    for (let rep = 0; rep < 3; rep++) {
      const resource = await h.resource({});
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "ci-job" });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          new LeaseService({ registry: h.registry, queue: h.queue, worker: h.worker(`cli-${rep}-${i}`), blueprints: h.blueprints, clock }).release({
            leaseId: lease.id,
            author: `cli:user${i}`,
          }),
        ),
      );
      const queue = await h.registry.readQueue({ kind: "lease", id: lease.id });
      expect(queue.every((c) => c.consumedAt !== undefined)).toBe(true);
      // Every caller's answer matches its command's recorded outcome.
      expect(results.filter((r) => !r.consumed)).toEqual([]);
      for (const r of results) expect(r.outcome).toBe(queue.find((c) => c.seq === r.seq)?.outcome);
      expect(results.filter((r) => r.outcome === "released; lease destroyed")).toHaveLength(1);
    }
  }, 240_000);
});
