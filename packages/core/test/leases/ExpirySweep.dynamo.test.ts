import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoRegistry } from "../../src/aws/dynamo/index.js";
import { expiryShardCount, expiryShardOf, type ObjectRef } from "../../src/registry/index.js";
import { meterClient } from "../../../local/src/world/meter.js";
import { localDocumentClient } from "../../../local/src/world/clients.js";
import { ManualClock, leaseHarness, type Harness } from "./support/harness.js";

const clock = new ManualClock();
let h: Harness;
beforeAll(async () => {
  h = await leaseHarness({ clock });
});
beforeEach(() => {
  h.blueprint.veto = undefined;
});

const leaseRef = (id: string): ObjectRef => ({ kind: "lease", id });

describe("Class: ExpirySweep", () => {
  describe("Method: run", () => {
    it("never releases before the expiry, and releases within one sweep interval after it (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1_000, max: 4 * 60_000 }),
          fc.constantFrom(30_000, 60_000),
          fc.integer({ min: 0, max: 59_999 }),
          async (expiresInMs, intervalMs, phase) => {
            const resource = await h.resource();
            const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs });
            const expiresAt = clock.now() + expiresInMs;
            clock.advance(phase % intervalMs);
            for (;;) {
              const before = clock.now() < expiresAt;
              await h.sweep().run();
              const status = (await h.registry.getLease(lease.id))?.status;
              if (before) {
                expect(status).toBe("active");
              } else {
                expect(status).toBe("destroyed");
                expect(clock.now() - expiresAt).toBeLessThan(intervalMs);
                break;
              }
              clock.advance(intervalMs);
            }
          },
        ),
        { numRuns: 10 },
      );
    });

    it("records an expiry on the lease as released by the system, and takes the lease out of its resource", async () => {
      const resource = await h.resource();
      const other = await h.service.acquire({ resourceId: resource.id, holder: "job" });
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      clock.advance(1_000);
      const progress: [number, number][] = [];
      const report = await h.sweep().run({ onProgress: (done, total) => progress.push([done, total]) });
      const total = report.outcomes.length + report.failures.length;
      expect(progress[0]).toEqual([0, total]);
      expect(progress.at(-1)).toEqual([total, total]);
      expect(progress.map(([done]) => done)).toEqual([...Array(total + 1).keys()]);
      expect(report.expired).toContainEqual(leaseRef(lease.id));
      expect(report.outcomes).toContainEqual(expect.objectContaining({ ref: leaseRef(lease.id), path: "transaction" }));
      expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "destroyed", releaseReason: "expiry", releasedBy: "system/expiry-sweep", version: 4 });
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "active", leaseIds: [other.id] });
      expect(await h.item(`lease#${lease.id}`)).not.toHaveProperty("expiryShard");
    });

    it("sends a lease through its queue when its resource needs a decision (its last lease, expiring after going idle)", async () => {
      const resource = await h.resource({ expireAfterIdleMs: 0 });
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      clock.advance(1_000);
      const report = await h.sweep().run();
      expect(report.outcomes).toContainEqual(expect.objectContaining({ ref: leaseRef(lease.id), path: "queue" }));
      expect(await h.registry.readQueue(leaseRef(lease.id))).toEqual([
        expect.objectContaining({ seq: 1, command: "release", reason: "expiry", author: "system/expiry-sweep", outcome: "released; lease destroyed" }),
      ]);
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "destroyed", leaseIds: [] });
    });

    it("keeps a lease whose blueprint vetoes at the last moment, and asks again later", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      h.blueprint.veto = "a deploy is using it";
      clock.advance(1_000);
      await h.sweep().run();
      expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "active", expiresAt: clock.now() + 60_000 });
      expect((await h.registry.readQueue(leaseRef(lease.id)))[0]?.outcome).toBe("vetoed: a deploy is using it");
      clock.advance(30_000);
      expect((await h.sweep().run()).expired).not.toContainEqual(leaseRef(lease.id));
      h.blueprint.veto = undefined;
      clock.advance(30_000);
      await h.sweep().run();
      expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
    });

    it("honours an extend appended before the expiry release: the release finds the lease no longer due", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      await h.queue.append(leaseRef(lease.id), { command: "extend", newExpiresAt: clock.now() + 600_000 }, "job");
      await h.queue.append(leaseRef(lease.id), { command: "release", reason: "expiry", dueAt: clock.now() + 1_000 }, "system/expiry-sweep");
      clock.advance(2_000);
      await h.worker().drain(leaseRef(lease.id));
      const outcomes = (await h.registry.readQueue(leaseRef(lease.id))).map((c) => c.outcome);
      expect(outcomes).toEqual([`extended to ${new Date(clock.now() - 2_000 + 600_000).toISOString()}`, "not due: the expiry was moved or removed"]);
      expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "active" });
    });

    it("with dryRun reports what is due and writes nothing", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      clock.advance(1_000);
      const before = await h.allItems();
      const report = await h.sweep().run({ dryRun: true });
      expect(report).toMatchObject({ dryRun: true, outcomes: [], failures: [] });
      expect(report.expired).toContainEqual(leaseRef(lease.id));
      expect(await h.allItems()).toEqual(before);
      await h.sweep().run();
    });

    it("carries on past an object it cannot handle, reporting why", async () => {
      const resource = await h.resource();
      const good = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      const pk = "lease#corrupt";
      await h.doc.send(new PutCommand({ TableName: h.names.registry, Item: { pk, sk: "record", type: "lease", status: "???", expiresAt: 1, expiryShard: expiryShardOf(pk) } }));
      clock.advance(1_000);
      const report = await h.sweep().run();
      expect(report.failures).toEqual([{ ref: leaseRef("corrupt"), error: expect.stringContaining("lease corrupt") }]);
      expect(await h.registry.getLease(good.id)).toMatchObject({ status: "destroyed" });
      await h.doc.send(new DeleteCommand({ TableName: h.names.registry, Key: { pk, sk: "record" } }));
    });

    it("reads only what is due: its cost does not grow with leases that are not", async () => {
      const resource = await h.resource();
      await Promise.all(Array.from({ length: 200 }, () => h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 3_600_000 })));
      const due = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      clock.advance(1_000);
      const doc = localDocumentClient(h.endpoint);
      const meter = meterClient(doc as never);
      const sweep = new (await import("../../src/leases/index.js")).ExpirySweep({ registry: new DynamoRegistry(doc, h.names.registry), queue: h.queue, worker: h.worker(), clock });
      const report = await sweep.run({ dryRun: true });
      const reading = meter.reading();
      expect(report.expired).toEqual([leaseRef(due.id)]);
      expect(reading.byCommand).toEqual({ QueryCommand: expiryShardCount });
      // Every shard's Query costs its minimum (0.5 RCU on DynamoDB; Local reports whole units): nowhere near 200 leases' worth.
      expect(reading.readCapacity).toBeLessThanOrEqual(expiryShardCount);
      await h.sweep().run();
    });
  });
});
