import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoRegistry } from "../../src/aws/dynamo/index.js";
import { ExpirySweep, LeaseService, type SweepReport } from "../../src/leases/index.js";
import { expiryShardCount, type LeaseRecord, type ObjectRef } from "../../src/registry/index.js";
import { meterClient } from "../../../local/src/world/meter.js";
import { localDocumentClient } from "../../../local/src/world/clients.js";
import { ManualClock, leaseHarness, type Harness } from "./support/harness.js";

const clock = new ManualClock();
let h: Harness;
beforeAll(async () => {
  h = await leaseHarness({ clock });
});

type Role = "sweep" | "holder" | "stream";
const leaseRef = (id: string): ObjectRef => ({ kind: "lease", id });

describe("Class: ExpirySweep — a lease ended in one transaction", () => {
  it("sweeps, holders and stream workers racing over expired leases: each lease ends once, its resource's lease set follows (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Role>("sweep", "holder", "stream"), { minLength: 20, maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (roles, leaseCount, idle) => {
          const resource = await h.resource(idle ? { expireAfterIdleMs: 0 } : {});
          const leases: LeaseRecord[] = [];
          for (let i = 0; i < leaseCount; i++) leases.push(await h.service.acquire({ resourceId: resource.id, holder: `job-${i}`, expiresInMs: 1_000 }));
          clock.advance(2_000);
          const reports: SweepReport[] = [];
          await Promise.all(
            roles.map(async (role, i) => {
              const lease = leases[i % leases.length];
              if (!lease) return;
              if (role === "sweep") return void reports.push(await h.sweep(`sweep-${i}`).run());
              if (role === "stream") return void (await h.worker(`stream-${i}`).drainAll([leaseRef(lease.id)]));
              const service = new LeaseService({ registry: h.registry, queue: h.queue, worker: h.worker(`holder-${i}`), blueprints: h.blueprints, clock });
              await service.release({ leaseId: lease.id, author: lease.holder });
            }),
          );
          // Whatever the racers left half-done (a busy worker), the next sweep finishes.
          reports.push(await h.sweep("after").run());
          reports.push(await h.sweep("after-2").run());

          for (const report of reports) expect(report.failures).toEqual([]);
          for (const lease of leases) {
            expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
            const inOneWrite = reports.flatMap((r) => r.outcomes).filter((o) => o.path === "transaction" && o.ref.id === lease.id).length;
            const commands = await h.registry.readQueue(leaseRef(lease.id));
            const byQueue = commands.filter((c) => c.outcome === "released; lease destroyed").length;
            expect(inOneWrite + byQueue).toBe(1);
            expect(commands.every((c) => c.consumedAt !== undefined)).toBe(true);
          }
          const after = await h.registry.getResource(resource.id);
          expect(after?.leaseIds).toEqual([]);
          expect(after?.status).toBe(idle ? "destroyed" : "active");
          expect(h.blueprint.calls.filter((c) => c.resourceId === resource.id && c.result === "destroyed")).toHaveLength(idle ? 1 : 0);
          expect((await h.registry.readQueue({ kind: "resource", id: resource.id })).every((c) => c.consumedAt !== undefined)).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("costs the index queries and one transaction per lease: no read of the lease, no queue, no lock", async () => {
    const resource = await h.resource();
    const keep = await h.service.acquire({ resourceId: resource.id, holder: "job" });
    const due = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
    clock.advance(1_000);
    const doc = localDocumentClient(h.endpoint);
    const meter = meterClient(doc as never);
    const registry = new DynamoRegistry(doc, h.names.registry);
    // A blueprint without a veto: nothing about the resource needs reading.
    const plain = { name: h.blueprint.name, destroy: h.blueprint.destroy.bind(h.blueprint) };
    const { Blueprints } = await import("../../src/leases/index.js");
    const sweep = new ExpirySweep({ registry, queue: h.queue, worker: h.worker(), blueprints: new Blueprints([plain]), clock });
    const report = await sweep.run();
    expect(report.outcomes).toEqual([{ ref: leaseRef(due.id), path: "transaction", consumed: [], busy: false }]);
    expect(meter.reading().byCommand).toEqual({ QueryCommand: expiryShardCount, TransactWriteItemsCommand: 1 });
    expect(await h.registry.getResource(resource.id)).toMatchObject({ leaseIds: [keep.id] });
  });

  it("asks the blueprint's veto on the resource it read, and refuses the write if the resource changed since", async () => {
    const resource = await h.resource();
    const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 1_000 });
    clock.advance(1_000);
    const asks = h.blueprint.vetoAsks;
    // The resource changes between the sweep's read and its write: a new lease lands.
    const registry = new DynamoRegistry(h.doc, h.names.registry);
    let raced = false;
    const racing = Object.assign(Object.create(registry) as DynamoRegistry, {
      expireLease: async (...args: Parameters<DynamoRegistry["expireLease"]>) => {
        if (!raced) {
          raced = true;
          await h.service.acquire({ resourceId: resource.id, holder: "late" });
        }
        return registry.expireLease(...args);
      },
    });
    const sweep = new ExpirySweep({ registry: racing, queue: h.queue, worker: h.worker(), blueprints: h.blueprints, clock });
    const report = await sweep.run();
    expect(h.blueprint.vetoAsks).toBeGreaterThan(asks);
    // Refused on the resource's version, the lease went through its queue, where the worker asked again.
    expect(report.outcomes).toContainEqual(expect.objectContaining({ ref: leaseRef(lease.id), path: "queue" }));
    expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
    expect((await h.registry.getResource(resource.id))?.leaseIds).toHaveLength(1);
  });

  it("tries an expiry again when another write on its items cancels it (TransactionConflict); reports it and carries on when that keeps happening", async () => {
    const first = await h.resource();
    const second = await h.resource();
    const a = await h.service.acquire({ resourceId: first.id, holder: "a", expiresInMs: 1_000 });
    const b = await h.service.acquire({ resourceId: second.id, holder: "b", expiresInMs: 1_000 });
    clock.advance(1_000);
    // DynamoDB Local runs transactions one at a time and never reports a conflict: the registry answers one for it.
    const registry = new DynamoRegistry(h.doc, h.names.registry);
    const conflictsLeft = new Map([
      [a.id, 2],
      [b.id, Number.POSITIVE_INFINITY],
    ]);
    const tries = new Map<string, number>();
    const conflicting = Object.assign(Object.create(registry) as DynamoRegistry, {
      expireLease: async (...args: Parameters<DynamoRegistry["expireLease"]>) => {
        const id = args[0].leaseId;
        tries.set(id, (tries.get(id) ?? 0) + 1);
        const left = conflictsLeft.get(id) ?? 0;
        if (left > 0) {
          conflictsLeft.set(id, left - 1);
          return { ok: false as const, refusedBy: "conflict" as const };
        }
        return registry.expireLease(...args);
      },
    });
    const sweep = new ExpirySweep({ registry: conflicting, queue: h.queue, worker: h.worker(), blueprints: h.blueprints, clock });
    const work = (leaseId: string, resourceId: string) => ({ ref: leaseRef(leaseId), dueAt: clock.now() - 1, resourceId, blueprint: h.blueprint.name });
    const report = await sweep.expire([work(a.id, first.id), work(b.id, second.id)]);

    expect(tries.get(a.id)).toBe(3);
    expect(report.outcomes).toEqual([{ ref: leaseRef(a.id), path: "transaction", consumed: [], busy: false }]);
    expect(await h.registry.getLease(a.id)).toMatchObject({ status: "destroyed" });
    expect(tries.get(b.id)).toBe(3);
    expect(report.failures).toEqual([{ ref: leaseRef(b.id), error: expect.stringContaining("met another write") }]);
    expect(await h.registry.getLease(b.id)).toMatchObject({ status: "active" });
    expect(await h.registry.readQueue(leaseRef(b.id))).toEqual([]);
  });

  it("never ends a lease before its stored expiry, whatever the sweep was told", async () => {
    const resource = await h.resource();
    const lease = await h.service.acquire({ resourceId: resource.id, holder: "job", expiresInMs: 60_000 });
    const sweep = h.sweep();
    // Work as a stale index (or a fanned-out message) might describe it: due, though it is not.
    const report = await sweep.expire([{ ref: leaseRef(lease.id), dueAt: clock.now() - 1, resourceId: resource.id, blueprint: h.blueprint.name }]);
    expect(report.expiredInOneWrite).toBe(0);
    expect(await h.registry.getLease(lease.id)).toMatchObject({ status: "active" });
    // The refused write returned the lease: not due, so nothing is queued for it either.
    expect(report.outcomes).toEqual([{ ref: leaseRef(lease.id), path: "settled", consumed: [], busy: false }]);
    expect(await h.registry.readQueue(leaseRef(lease.id))).toEqual([]);
  });
});
