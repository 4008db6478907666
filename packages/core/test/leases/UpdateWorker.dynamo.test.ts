import { beforeAll, describe, expect, it } from "vitest";
import { PermanentDestroyError, TransientDestroyError } from "../../src/leases/index.js";
import { StaleTokenError, fenceOf } from "../../src/lock/index.js";
import { type ObjectRef } from "../../src/registry/index.js";
import { ManualClock, leaseHarness, type Harness } from "./support/harness.js";

const clock = new ManualClock();
let h: Harness;
beforeAll(async () => {
  h = await leaseHarness({ clock });
});

const resourceRef = (id: string): ObjectRef => ({ kind: "resource", id });
const leaseRef = (id: string): ObjectRef => ({ kind: "lease", id });

describe("Class: UpdateWorker", () => {
  describe("Method: drain (resources)", () => {
    it("releases a resource's leases first and destroys it only after the last one ended", async () => {
      // Prepare
      const resource = await h.resource();
      const a = await h.service.acquire({ resourceId: resource.id, holder: "job-a" });
      const b = await h.service.acquire({ resourceId: resource.id, holder: "job-b" });
      await h.queue.append(resourceRef(resource.id), { command: "release", reason: "request" }, "operator");
      // Act
      const reports = await h.worker().drainAll([resourceRef(resource.id)]);
      // Assess
      expect(reports[0]?.consumed[0]?.outcome).toBe("released; waiting for 2 lease(s) to end");
      expect(await h.registry.getLease(a.id)).toMatchObject({ status: "destroyed", releaseReason: "resource-released", releasedBy: `resource/${resource.id}` });
      expect(await h.registry.getLease(b.id)).toMatchObject({ status: "destroyed" });
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "destroyed", leaseIds: [] });
      expect(h.blueprint.destroyedCount(resource.id)).toBe(1);
      const order = reports.flatMap((r) => r.transitions.map((t) => `${t.ref.kind}:${t.to}`));
      expect(order.indexOf("resource:destroyed")).toBeGreaterThan(order.lastIndexOf("lease:destroyed"));
    });

    it("starts the idle countdown when the last lease ends, and clears it when leased again", async () => {
      const resource = await h.resource({ expireAfterIdleMs: 60_000 });
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job" });
      await h.service.release({ leaseId: lease.id, author: "job" });
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "active", expiresAt: clock.now() + 60_000, leaseIds: [] });
      const again = await h.service.acquire({ resourceId: resource.id, holder: "job-2" });
      const leased = await h.registry.getResource(resource.id);
      expect(leased).toMatchObject({ leaseIds: [again.id] });
      expect(leased?.expiresAt).toBeUndefined();
      expect(leased?.idleCountdown).toBeUndefined();
      clock.advance(120_000);
      expect((await h.sweep().run()).expired).not.toContainEqual(resourceRef(resource.id));
      expect(await h.registry.getLease(again.id)).toMatchObject({ status: "active" });
    });

    it("retries a temporary teardown failure and succeeds within the same run", async () => {
      const resource = await h.resource();
      h.blueprint.failures.push(new TransientDestroyError("throttled"), new TransientDestroyError("throttled"));
      await h.queue.append(resourceRef(resource.id), { command: "release", reason: "request" }, "operator");
      const [report] = await h.worker().drainAll([resourceRef(resource.id)]);
      expect(report?.consumed.map((c) => c.outcome)).toEqual(["destroyed"]);
      expect((await h.registry.getResource(resource.id))?.destroy?.attempts).toBe(1);
      expect(h.blueprint.calls.filter((c) => c.resourceId === resource.id).map((c) => c.result)).toEqual(["error", "error", "destroyed"]);
    });

    it("defers a command whose teardown keeps failing temporarily, keeps it queued, and finishes it later", async () => {
      const resource = await h.resource();
      const ref = resourceRef(resource.id);
      h.blueprint.failures.push(...Array.from({ length: 3 }, () => new TransientDestroyError("API down")));
      const appended = await h.queue.append(ref, { command: "release", reason: "request" }, "operator");
      const [first] = await h.worker().drainAll([ref]);
      expect(first?.deferred).toMatchObject({ seq: appended.seq, error: "API down", retryAt: clock.now() + 60_000 });
      expect(await h.registry.getCommand(ref, appended.seq)).toMatchObject({ retryAt: clock.now() + 60_000, lastError: "API down" });
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "released", destroy: { attempts: 1, lastError: "API down" } });
      // Not before its time, even if a worker runs.
      expect((await h.worker().drain(ref)).consumed).toEqual([]);
      clock.advance(60_000);
      const sweep = await h.sweep().run();
      expect(sweep.stalled).toContainEqual(ref);
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "destroyed", destroy: { attempts: 2 } });
      expect((await h.registry.getCommand(ref, appended.seq))?.consumedAt).toBe(clock.now());
    });

    it("marks the resource broken with the reason when the teardown fails for good", async () => {
      const resource = await h.resource();
      h.blueprint.failures.push(new PermanentDestroyError("instance is termination-protected"));
      await h.queue.append(resourceRef(resource.id), { command: "release", reason: "request" }, "operator");
      const [report] = await h.worker().drainAll([resourceRef(resource.id)]);
      expect(report?.consumed[0]?.outcome).toBe("broken: instance is termination-protected");
      expect(await h.registry.getResource(resource.id)).toMatchObject({ status: "broken", brokenReason: "instance is termination-protected" });
    });

    it("refuses reclaim while leased or within the grace period, and reclaims an idle resource after it", async () => {
      const resource = await h.resource();
      const ref = resourceRef(resource.id);
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job" });
      await h.queue.append(ref, { command: "reclaim" }, "operator");
      expect((await h.worker().drain(ref)).consumed[0]?.outcome).toBe("refused: 1 live lease(s) hold it");
      await h.service.release({ leaseId: lease.id, author: "job" });
      await h.queue.append(ref, { command: "reclaim" }, "operator");
      expect((await h.worker().drain(ref)).consumed[0]?.outcome).toMatch(/^refused: it changed 0 s ago/);
      clock.advance(180_000);
      await h.queue.append(ref, { command: "reclaim" }, "operator");
      expect((await h.worker().drain(ref)).consumed[0]?.outcome).toBe("destroyed");
    });
  });

  describe("Method: drain (leases)", () => {
    it("extends a live lease and refuses to extend a destroyed one", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
      const extended = await h.service.extend({ leaseId: lease.id, author: "job", expiresInMs: 3_600_000 });
      expect(extended).toMatchObject({ consumed: true, outcome: `extended to ${new Date(clock.now() + 3_600_000).toISOString()}` });
      expect((await h.registry.getLease(lease.id))?.expiresAt).toBe(clock.now() + 3_600_000);
      await h.service.release({ leaseId: lease.id, author: "job" });
      const late = await h.service.extend({ leaseId: lease.id, author: "job", expiresInMs: 1_000 });
      expect(late.outcome).toBe("refused: the lease is destroyed");
    });

    it("fills a slot its appender never wrote, so a late appender lands after what was consumed", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job" });
      const ref = leaseRef(lease.id);
      const abandoned = await h.registry.allocateSeq(ref, clock.now()); // an appender takes a slot, then stalls
      const next = await h.queue.append(ref, { command: "extend", newExpiresAt: clock.now() + 5_000 }, "job");
      const report = await h.worker().drain(ref);
      expect(report.consumed.map((c) => c.seq)).toEqual([next.seq]);
      const queue = await h.registry.readQueue(ref);
      expect(queue.find((c) => c.seq === abandoned)).toMatchObject({ command: "gap", consumedBy: expect.any(String) });
      // The stalled appender now writes into its slot: refused; it must take a new one.
      const late = await h.registry.putCommand(ref, { command: "release", reason: "request", seq: abandoned, author: "job", createdAt: clock.now() }, clock.now());
      expect(late).toBe(false);
      expect(queue.map((c) => c.seq)).toEqual([abandoned, next.seq]);
    });

    it("refuses the writes of a worker whose lock was taken over (fencing)", async () => {
      const resource = await h.resource();
      const lease = await h.service.acquire({ resourceId: resource.id, holder: "job" });
      const ref = leaseRef(lease.id);
      await h.queue.append(ref, { command: "extend", newExpiresAt: clock.now() + 5_000 }, "job");
      const old = await h.locks("paused-worker").acquire(`object/lease/${lease.id}`, { leaseMs: 1_000 });
      clock.advance(2_000); // the paused worker's lease ran out
      await h.worker().drain(ref); // a new worker takes the lock and writes with a higher token
      await expect(h.registry.consumeCommand(ref, 1, { outcome: "late", consumer: "paused-worker", at: clock.now() }, fenceOf(old))).rejects.toBeInstanceOf(StaleTokenError);
      const current = await h.registry.getLease(lease.id);
      await expect(h.registry.updateLease(current!, { expiresAt: 1 }, clock.now(), fenceOf(old))).rejects.toBeInstanceOf(StaleTokenError);
      expect((await h.registry.getLease(lease.id))?.expiresAt).toBe(current?.expiresAt);
    });
  });
});
