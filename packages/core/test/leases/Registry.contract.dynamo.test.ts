import { describe, expect, it } from "vitest";
import { freshTables } from "../../../../test/support/dynamo.js";
import { DynamoRegistry } from "../../src/aws/dynamo/index.js";
import { StaleTokenError } from "../../src/lock/index.js";
import { RecordExistsError, ReferenceRefusedError, expiryShardOf, objectPk, type DueItem, type LeaseRecord, type Registry, type ResourceRecord } from "../../src/registry/index.js";
import { MemoryRegistry } from "../support/MemoryRegistry.js";

const implementations: [string, () => Promise<Registry>][] = [
  ["MemoryRegistry", async () => new MemoryRegistry()],
  ["DynamoRegistry (DynamoDB Local)", async () => {
    const { doc, names } = await freshTables();
    return new DynamoRegistry(doc, names.registry);
  }],
];

const now = 1_700_000_000_000;
const resource = (id: string, extra: Partial<ResourceRecord> = {}): ResourceRecord => ({
  id, kind: "host", blueprint: "b", attributes: {}, status: "active", version: 1, createdAt: now, updatedAt: now, leaseIds: [], references: [], ...extra,
});
const lease = (id: string, resourceId: string, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({
  id, resourceId, blueprint: "b", holder: "ci", status: "active", version: 1, createdAt: now, updatedAt: now, ...extra,
});
const fence = (token: number) => ({ lock: "object/resource/r", token });
const collect = async (items: AsyncIterable<DueItem>) => {
  const out: DueItem[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe.each(implementations)("Contract: Registry, %s", (_, make) => {
  it("creates once, and reads back what it created", async () => {
    const registry = await make();
    await registry.createResource(resource("r-1", { attributes: { az: "a" }, expireAfterIdleMs: 0 }));
    await expect(registry.createResource(resource("r-1"))).rejects.toBeInstanceOf(RecordExistsError);
    await registry.createLease(lease("l-1", "r-1"));
    await expect(registry.createLease(lease("l-1", "r-1"))).rejects.toBeInstanceOf(RecordExistsError);
    expect(await registry.getResource("r-1")).toEqual(resource("r-1", { attributes: { az: "a" }, expireAfterIdleMs: 0, referencedBy: [] }));
    expect(await registry.getLease("l-1")).toEqual(lease("l-1", "r-1"));
    expect(await registry.getResource("nope")).toBeUndefined();
    expect((await registry.listLeases()).map((l) => l.id)).toEqual(["l-1"]);
  });

  it("creates a reference only to a live resource not marked for deletion, naming the reference refused", async () => {
    const registry = await make();
    await registry.createResource(resource("net"));
    await registry.createResource(resource("gone", { status: "destroyed" }));
    await registry.createResource(resource("app", { references: ["net"] }));
    expect((await registry.getResource("net"))?.referencedBy).toEqual(["app"]);
    const missing = await registry.createResource(resource("x", { references: ["net", "nope"] })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ReferenceRefusedError);
    expect(missing).toMatchObject({ index: 1, message: "references.1: no resource nope" });
    await expect(registry.createResource(resource("y", { references: ["gone"] }))).rejects.toThrow("resource gone is destroyed");
    expect(await registry.getResource("x")).toBeUndefined();
    const marked = await registry.updateResource((await registry.getResource("net"))!, { deleteRequested: true }, now + 1);
    expect(marked.ok).toBe(true);
    await expect(registry.createResource(resource("z", { references: ["net"] }))).rejects.toThrow("resource net is marked for deletion");
    expect(await registry.markedForDeletion()).toEqual(["net"]);
    await registry.removeReferrer("net", "app", now + 2);
    expect((await registry.getResource("net"))?.referencedBy).toEqual([]);
  });

  it("updates on the version read, returns the record as it is when refused, and bumps the version", async () => {
    const registry = await make();
    await registry.createResource(resource("r"));
    const first = await registry.updateResource(resource("r"), { addLeaseId: "l-1", expiresAt: now + 5 }, now + 1);
    expect(first).toMatchObject({ ok: true, record: { version: 2, leaseIds: ["l-1"], expiresAt: now + 5, updatedAt: now + 1 } });
    const stale = await registry.updateResource(resource("r"), { status: "released" }, now + 2);
    expect(stale).toMatchObject({ ok: false, current: { version: 2, status: "active" } });
    const second = await registry.updateResource(first.ok ? first.record : resource("r"), { status: "released", expiresAt: null, removeLeaseId: "l-1" }, now + 3);
    expect(second).toMatchObject({ ok: true, record: { version: 3, status: "released", leaseIds: [] } });
    expect(second.ok && second.record.expiresAt).toBeUndefined();
  });

  it("attaches leases whatever the version, only to a leasable resource", async () => {
    const registry = await make();
    await registry.createResource(resource("r"));
    const both = await Promise.all([registry.attachLease("r", "l-1", now), registry.attachLease("r", "l-2", now)]);
    expect(both.every((w) => w.ok)).toBe(true);
    expect(await registry.getResource("r")).toMatchObject({ version: 3, leaseIds: ["l-1", "l-2"] });
    expect(await registry.attachLease("nope", "l-3", now)).toEqual({ ok: false });
    const current = (await registry.getResource("r"))!;
    await registry.updateResource(current, { deleteRequested: true }, now);
    expect(await registry.attachLease("r", "l-3", now)).toMatchObject({ ok: false, current: { deleteRequested: true } });
    expect(await registry.updateResource((await registry.getResource("r"))!, { addLeaseId: "l-4", onlyIfLeasable: true }, now)).toMatchObject({ ok: false });
  });

  it("refuses a fenced write from an older token once a newer one wrote, and accepts unfenced items", async () => {
    const registry = await make();
    await registry.createResource(resource("r"));
    const at2 = await registry.updateResource(resource("r"), { releaseReason: "a" }, now, fence(2));
    expect(at2.ok).toBe(true);
    await expect(registry.updateResource(at2.ok ? at2.record : resource("r"), { releaseReason: "b" }, now, fence(1))).rejects.toBeInstanceOf(StaleTokenError);
    await expect(registry.updateResource(resource("r"), { releaseReason: "b" }, now, { lock: "other", token: 9 })).rejects.toBeInstanceOf(StaleTokenError);
    // Refused by the version alone under a current token: a value, not an error.
    expect(await registry.updateResource(resource("r"), { releaseReason: "c" }, now, fence(3))).toMatchObject({ ok: false, current: { releaseReason: "a" } });
  });

  it("keeps an object's queue in sequence: slots taken once, gaps filled once, commands consumed once", async () => {
    const registry = await make();
    const ref = { kind: "lease" as const, id: "l-q" };
    expect([await registry.allocateSeq(ref, now), await registry.allocateSeq(ref, now), await registry.allocateSeq(ref, now)]).toEqual([1, 2, 3]);
    const command = (seq: number) => ({ command: "release" as const, reason: "request" as const, seq, author: "a", createdAt: now });
    expect(await registry.putCommand(ref, command(1), now + 30)).toBe(true);
    expect(await registry.putCommand(ref, command(1), now + 30)).toBe(false);
    expect(await registry.fillGap(ref, 2, "w", now, fence(1))).toBe(true);
    expect(await registry.putCommand(ref, command(2), now + 30)).toBe(false);
    expect(await registry.putCommand(ref, command(3), now + 30)).toBe(true);
    expect(await registry.deferCommand(ref, 3, now + 60, "busy", fence(1))).toBe(true);
    expect(await registry.consumeCommand(ref, 1, { outcome: "released", consumer: "w", at: now + 1 }, fence(1))).toBe(true);
    expect(await registry.consumeCommand(ref, 1, { outcome: "again", consumer: "w", at: now + 2 }, fence(1))).toBe(false);
    expect(await registry.consumeCommand(ref, 9, { outcome: "x", consumer: "w", at: now }, fence(1))).toBe(false);
    const queue = await registry.readQueue(ref);
    expect(queue.map((c) => [c.seq, c.command, c.consumedAt !== undefined])).toEqual([[1, "release", true], [2, "gap", true], [3, "release", false]]);
    expect(queue[2]).toMatchObject({ retryAt: now + 60, lastError: "busy" });
    expect(await registry.getCommand(ref, 1)).toMatchObject({ outcome: "released", consumedBy: "w" });
    const due = await collect(registry.dueItems(expiryShardOf(objectPk(ref)), now + 60));
    expect(due).toEqual([{ ref, what: "command", at: now + 60 }]);
  });

  it("lists due leases with their resource and blueprint, oldest first", async () => {
    const registry = await make();
    await registry.createResource(resource("r"));
    await registry.createLease(lease("l-due", "r", { expiresAt: now - 10 }));
    await registry.createLease(lease("l-later", "r", { expiresAt: now + 10 }));
    const due = await collect(registry.dueItems(expiryShardOf(objectPk({ kind: "lease", id: "l-due" })), now));
    expect(due).toContainEqual({ ref: { kind: "lease", id: "l-due" }, what: "record", at: now - 10, resourceId: "r", blueprint: "b" });
    expect(due.some((d) => d.ref.id === "l-later")).toBe(false);
  });

  it("ends an expired lease and drops it from its resource in one step, or says which side refused", async () => {
    const registry = await make();
    await registry.createResource(resource("r", { leaseIds: ["l-1", "l-2"] }));
    await registry.createResource(resource("idle", { leaseIds: ["l-3"], expireAfterIdleMs: 1000 }));
    await registry.createLease(lease("l-1", "r", { expiresAt: now - 1 }));
    await registry.createLease(lease("l-2", "r", { expiresAt: now + 1000 }));
    await registry.createLease(lease("l-3", "idle", { expiresAt: now - 1 }));
    // A refused lease comes back as it is (here: not due yet).
    expect(await registry.expireLease({ leaseId: "l-2", resourceId: "r", by: "sweep" }, now)).toEqual({ ok: false, refusedBy: "lease", lease: await registry.getLease("l-2") });
    expect(await registry.expireLease({ leaseId: "l-3", resourceId: "idle", by: "sweep" }, now)).toEqual({ ok: false, refusedBy: "resource" });
    expect(await registry.expireLease({ leaseId: "l-1", resourceId: "r", by: "sweep", resourceVersion: 7 }, now)).toEqual({ ok: false, refusedBy: "resource" });
    expect(await registry.expireLease({ leaseId: "l-1", resourceId: "r", by: "sweep", resourceVersion: 1 }, now)).toEqual({ ok: true });
    expect(await registry.getLease("l-1")).toMatchObject({ status: "destroyed", releasedBy: "sweep", releaseReason: "expiry", version: 2 });
    expect((await registry.getLease("l-1"))?.expiresAt).toBeUndefined();
    expect(await registry.getResource("r")).toMatchObject({ version: 2, leaseIds: ["l-2"] });
    expect(await registry.expireLease({ leaseId: "l-1", resourceId: "r", by: "sweep" }, now)).toEqual({ ok: false, refusedBy: "lease", lease: await registry.getLease("l-1") });
    const found = await registry.getResources(["r", "idle", "nope", "r"]);
    expect([...found.keys()].sort()).toEqual(["idle", "r"]);
  });
});
