import { toCommand, toLease, toResource } from "../../src/aws/dynamo/registryItems.js";
import { StaleTokenError } from "../../src/lock/errors.js";
import type { Fence } from "../../src/lock/fence.js";
import { ClaimRefusedError, RecordExistsError, ReferenceRefusedError, type ResourceClaim } from "../../src/registry/errors.js";
import { deletionShardOf, expiryShardOf } from "../../src/registry/expiryIndex.js";
import { commandSk, objectPk, refFromPk, type ObjectRef } from "../../src/registry/keys.js";
import type { CommandRecord, LeaseRecord, ResourceRecord } from "../../src/registry/records.js";
import type { ConsumeResult, DueItem, LeaseChanges, LeaseExpiry, LeaseExpiryOutcome, Registry, ResourceChanges, Written } from "../../src/registry/Registry.js";

type Item = Record<string, unknown> & { fenceLock?: string; fenceToken?: number };

/**
 * Registry fake with the DynamoDB adapter's semantics, item for item: records and commands
 * are kept as the adapter stores them (sets, sparse-index attributes, fence attributes) and
 * read back through the adapter's own item parsers, so the fake returns what the adapter
 * returns. Conditions come back as values, fenced writes throw StaleTokenError only when
 * the write is refused and the item has seen a newer token or another lock (as DynamoDB
 * reports one failed condition for both). The contract suite runs it beside DynamoDB Local.
 */
export class MemoryRegistry implements Registry {
  /** `${pk}|${sk}` → item. */
  readonly items = new Map<string, Item>();
  writes = 0;
  /** Claim key → the resource that took it. */
  private readonly claims = new Map<string, string>();

  async createResource(resource: ResourceRecord, claims: readonly ResourceClaim[] = []): Promise<void> {
    const pk = objectPk({ kind: "resource", id: resource.id });
    this.writes++;
    if (this.items.has(`${pk}|record`)) throw new RecordExistsError("resource", resource.id);
    for (const claim of claims) {
      const owner = this.claims.get(claim.key);
      const held = owner === undefined ? undefined : this.record({ kind: "resource", id: owner });
      if (owner !== undefined && held && held.status !== "destroyed") throw new ClaimRefusedError(claim, owner, String(held.status));
    }
    for (const [i, id] of resource.references.entries()) {
      const old = this.record({ kind: "resource", id });
      if (!old || old.deleteRequested !== undefined || old.status === "destroyed") {
        const why = !old ? `no resource ${id}` : old.status === "destroyed" ? `resource ${id} is destroyed` : `resource ${id} is marked for deletion`;
        throw new ReferenceRefusedError(i, id, why);
      }
    }
    for (const id of resource.references) {
      const old = this.record({ kind: "resource", id }) as Item;
      old.referencedBy = new Set([...((old.referencedBy as Set<string> | undefined) ?? []), resource.id]);
    }
    for (const claim of claims) this.claims.set(claim.key, resource.id);
    this.items.set(`${pk}|record`, this.itemOf({ kind: "resource", id: resource.id }, resource, resource.expiresAt));
  }

  async removeReferrer(resourceId: string, referrerId: string, now: number): Promise<void> {
    this.writes++;
    const item = this.record({ kind: "resource", id: resourceId });
    if (!item) return;
    const set = new Set((item.referencedBy as Set<string> | undefined) ?? []);
    set.delete(referrerId);
    item.updatedAt = now;
    if (set.size > 0) item.referencedBy = set;
    else delete item.referencedBy;
  }

  async markedForDeletion(): Promise<string[]> {
    return [...this.items.values()].filter((i) => i.sk === "record" && i.deletionShard !== undefined).flatMap((i) => refFromPk(String(i.pk))?.id ?? []);
  }

  async createLease(lease: LeaseRecord): Promise<void> {
    const pk = objectPk({ kind: "lease", id: lease.id });
    this.writes++;
    if (this.items.has(`${pk}|record`)) throw new RecordExistsError("lease", lease.id);
    this.items.set(`${pk}|record`, this.itemOf({ kind: "lease", id: lease.id }, lease, lease.expiresAt));
  }

  async getResource(id: string): Promise<ResourceRecord | undefined> {
    const item = this.record({ kind: "resource", id });
    return item && toResource(copy(item));
  }

  async getLease(id: string): Promise<LeaseRecord | undefined> {
    const item = this.record({ kind: "lease", id });
    return item && toLease(copy(item));
  }

  async listResources(): Promise<ResourceRecord[]> {
    return this.recordsOf("resource").map((i) => toResource(copy(i)));
  }

  async listLeases(): Promise<LeaseRecord[]> {
    return this.recordsOf("lease").map((i) => toLease(copy(i)));
  }

  async attachLease(resourceId: string, leaseId: string, now: number): Promise<Written<ResourceRecord>> {
    this.writes++;
    const item = this.record({ kind: "resource", id: resourceId });
    if (!item || item.deleteRequested !== undefined || item.status !== "active") return { ok: false, current: item && toResource(copy(item)) };
    item.updatedAt = now;
    item.version = Number(item.version) + 1;
    item.leaseIds = new Set([...((item.leaseIds as Set<string> | undefined) ?? []), leaseId]);
    return { ok: true, record: toResource(copy(item)) };
  }

  async updateResource(current: ResourceRecord, changes: ResourceChanges, now: number, fence?: Fence): Promise<Written<ResourceRecord>> {
    const ref: ObjectRef = { kind: "resource", id: current.id };
    const item = this.record(ref);
    const leasable = !changes.onlyIfLeasable || (item?.deleteRequested === undefined && item?.status === "active");
    if (!this.allowed(item, fence, item !== undefined && item.version === current.version && item.status === current.status && leasable) || !item) {
      return { ok: false, current: item && toResource(copy(item)) };
    }
    this.versioned(item, current.version, changes.status, now, fence);
    this.expiry(item, ref, changes.expiresAt);
    if (changes.idleCountdown === true) item.idleCountdown = true;
    if (changes.idleCountdown === false) delete item.idleCountdown;
    const leaseIds = new Set((item.leaseIds as Set<string> | undefined) ?? []);
    if (changes.addLeaseId !== undefined) leaseIds.add(changes.addLeaseId);
    if (changes.removeLeaseId !== undefined) leaseIds.delete(changes.removeLeaseId);
    if (leaseIds.size > 0) item.leaseIds = leaseIds;
    else delete item.leaseIds;
    if (changes.releaseReason !== undefined) item.releaseReason = changes.releaseReason;
    if (changes.brokenReason !== undefined) item.brokenReason = changes.brokenReason;
    if (changes.destroy !== undefined) item.destroy = structuredClone(changes.destroy);
    if (changes.deleteRequested) Object.assign(item, { deleteRequested: true, deletionShard: deletionShardOf(objectPk(ref)) });
    if (changes.status === "destroyed") delete item.deletionShard;
    return { ok: true, record: toResource(copy(item)) };
  }

  async updateLease(current: LeaseRecord, changes: LeaseChanges, now: number, fence?: Fence): Promise<Written<LeaseRecord>> {
    const ref: ObjectRef = { kind: "lease", id: current.id };
    const item = this.record(ref);
    if (!this.allowed(item, fence, item !== undefined && item.version === current.version && item.status === current.status) || !item) {
      return { ok: false, current: item && toLease(copy(item)) };
    }
    this.versioned(item, current.version, changes.status, now, fence);
    this.expiry(item, ref, changes.expiresAt);
    if (changes.releasedBy !== undefined) item.releasedBy = changes.releasedBy;
    if (changes.releaseReason !== undefined) item.releaseReason = changes.releaseReason;
    if (changes.brokenReason !== undefined) item.brokenReason = changes.brokenReason;
    return { ok: true, record: toLease(copy(item)) };
  }

  async allocateSeq(ref: ObjectRef, now: number): Promise<number> {
    this.writes++;
    const key = `${objectPk(ref)}|queue`;
    const counter = this.items.get(key) ?? { pk: objectPk(ref), sk: "queue", lastSeq: 0 };
    counter.lastSeq = Number(counter.lastSeq) + 1;
    counter.lastAllocatedAt = now;
    this.items.set(key, counter);
    return counter.lastSeq as number;
  }

  async putCommand(ref: ObjectRef, command: CommandRecord, takeOverAt: number): Promise<boolean> {
    this.writes++;
    const pk = objectPk(ref);
    const key = `${pk}|${commandSk(command.seq)}`;
    if (this.items.has(key)) return false;
    this.items.set(key, { ...structuredClone(command), pk, sk: commandSk(command.seq), type: "command", expiryShard: expiryShardOf(pk), expiresAt: takeOverAt });
    return true;
  }

  async readQueue(ref: ObjectRef): Promise<CommandRecord[]> {
    const prefix = `${objectPk(ref)}|cmd#`;
    return [...this.items.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, item]) => toCommand(copy(item)));
  }

  async getCommand(ref: ObjectRef, seq: number): Promise<CommandRecord | undefined> {
    const item = this.items.get(`${objectPk(ref)}|${commandSk(seq)}`);
    return item && toCommand(copy(item));
  }

  async fillGap(ref: ObjectRef, seq: number, consumer: string, now: number, fence: Fence): Promise<boolean> {
    const pk = objectPk(ref);
    const key = `${pk}|${commandSk(seq)}`;
    const item = this.items.get(key);
    if (!this.allowed(item, fence, item === undefined)) return false;
    this.items.set(key, {
      pk, sk: commandSk(seq), type: "command", command: "gap", seq, author: consumer, createdAt: now, consumedAt: now, consumedBy: consumer,
      outcome: "slot left empty by its appender", fenceLock: fence.lock, fenceToken: fence.token,
    });
    return true;
  }

  async consumeCommand(ref: ObjectRef, seq: number, result: ConsumeResult, fence: Fence): Promise<boolean> {
    const item = this.items.get(`${objectPk(ref)}|${commandSk(seq)}`);
    if (!this.allowed(item, fence, item !== undefined && item.consumedAt === undefined) || !item) return false;
    Object.assign(item, { consumedAt: result.at, consumedBy: result.consumer, outcome: result.outcome, fenceLock: fence.lock, fenceToken: fence.token });
    delete item.expiryShard;
    delete item.expiresAt;
    delete item.retryAt;
    return true;
  }

  async deferCommand(ref: ObjectRef, seq: number, retryAt: number, error: string, fence: Fence): Promise<boolean> {
    const pk = objectPk(ref);
    const item = this.items.get(`${pk}|${commandSk(seq)}`);
    if (!this.allowed(item, fence, item !== undefined && item.consumedAt === undefined) || !item) return false;
    Object.assign(item, { retryAt, lastError: error, expiresAt: retryAt, expiryShard: expiryShardOf(pk), fenceLock: fence.lock, fenceToken: fence.token });
    return true;
  }

  async expireLease(expiry: LeaseExpiry, now: number): Promise<LeaseExpiryOutcome> {
    this.writes++;
    const lease = this.record({ kind: "lease", id: expiry.leaseId });
    const resource = this.record({ kind: "resource", id: expiry.resourceId });
    const leaseOk =
      lease !== undefined && (lease.status === "acquired" || lease.status === "active") && typeof lease.expiresAt === "number" && lease.expiresAt <= now && lease.resourceId === expiry.resourceId;
    const leaseIds = (resource?.leaseIds as Set<string> | undefined) ?? new Set<string>();
    const resourceOk =
      resource !== undefined &&
      resource.status === "active" &&
      leaseIds.has(expiry.leaseId) &&
      (resource.expireAfterIdleMs === undefined || leaseIds.size > 1) &&
      (expiry.resourceVersion === undefined || resource.version === expiry.resourceVersion);
    if (!leaseOk) {
      const current = lease && (await this.getLease(expiry.leaseId));
      return { ok: false, refusedBy: "lease", ...(current && { lease: current }) };
    }
    if (!resourceOk || !lease || !resource) return { ok: false, refusedBy: "resource" };
    Object.assign(lease, { status: "destroyed", releasedBy: expiry.by, releaseReason: "expiry", updatedAt: now, version: Number(lease.version) + 1 });
    delete lease.expiresAt;
    delete lease.expiryShard;
    const rest = new Set(leaseIds);
    rest.delete(expiry.leaseId);
    Object.assign(resource, { updatedAt: now, version: Number(resource.version) + 1 });
    if (rest.size > 0) resource.leaseIds = rest;
    else delete resource.leaseIds;
    return { ok: true };
  }

  async getResources(ids: readonly string[]): Promise<Map<string, ResourceRecord>> {
    const found = new Map<string, ResourceRecord>();
    for (const id of new Set(ids)) {
      const item = this.record({ kind: "resource", id });
      if (item) found.set(id, toResource(copy(item)));
    }
    return found;
  }

  async *dueItems(shard: string, now: number): AsyncIterable<DueItem> {
    const due = [...this.items.values()]
      .filter((i) => i.expiryShard === shard && typeof i.expiresAt === "number" && i.expiresAt <= now)
      .sort((a, b) => Number(a.expiresAt) - Number(b.expiresAt));
    for (const item of due) {
      const ref = refFromPk(String(item.pk));
      if (!ref) continue;
      const what = item.sk === "record" ? "record" : "command";
      const at = Number(item.expiresAt);
      yield what === "record" && ref.kind === "lease" && typeof item.resourceId === "string"
        ? { ref, what, at, resourceId: item.resourceId, ...(typeof item.blueprint === "string" && { blueprint: item.blueprint }) }
        : { ref, what, at };
    }
  }

  /** The write's own condition AND the fence; refused with a newer token (or another lock) on the item: StaleTokenError. */
  private allowed(item: Item | undefined, fence: Fence | undefined, condition: boolean): boolean {
    this.writes++;
    if (!fence) return condition;
    const seen = item?.fenceToken;
    const fenceOk = seen === undefined || (item?.fenceLock === fence.lock && seen <= fence.token);
    if (condition && fenceOk) return true;
    if (seen !== undefined && (seen > fence.token || item?.fenceLock !== fence.lock)) throw new StaleTokenError(fence.lock, fence.token, seen);
    return false;
  }

  private versioned(item: Item, version: number, to: string | undefined, now: number, fence: Fence | undefined): void {
    Object.assign(item, { version: version + 1, updatedAt: now, ...(to !== undefined && { status: to }), ...(fence && { fenceLock: fence.lock, fenceToken: fence.token }) });
  }

  private expiry(item: Item, ref: ObjectRef, expiresAt: number | null | undefined): void {
    if (expiresAt === null) {
      delete item.expiresAt;
      delete item.expiryShard;
    } else if (expiresAt !== undefined) Object.assign(item, { expiresAt, expiryShard: expiryShardOf(objectPk(ref)) });
  }

  private record(ref: ObjectRef): Item | undefined {
    return this.items.get(`${objectPk(ref)}|record`);
  }

  private recordsOf(kind: "lease" | "resource"): Item[] {
    return [...this.items.values()].filter((i) => i.sk === "record" && i.type === kind);
  }

  private itemOf(ref: ObjectRef, record: ResourceRecord | LeaseRecord, expiresAt: number | undefined): Item {
    const pk = objectPk(ref);
    const { leaseIds, referencedBy, ...rest } = structuredClone(record) as ResourceRecord;
    const item: Item = { ...withoutUndefined(rest), pk, sk: "record", type: ref.kind };
    if (leaseIds?.length) item.leaseIds = new Set(leaseIds);
    if (referencedBy?.length) item.referencedBy = new Set(referencedBy);
    if (expiresAt !== undefined) item.expiryShard = expiryShardOf(pk);
    if ((record as ResourceRecord).deleteRequested && record.status !== "destroyed") item.deletionShard = deletionShardOf(pk);
    return item;
  }
}

const copy = (item: Item): Item => structuredClone(item);
const withoutUndefined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
