import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient, type PutCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Fence } from "../../lock/fence.js";
import { ClaimRefusedError, RecordExistsError, ReferenceRefusedError, type ResourceClaim } from "../../registry/errors.js";
import { deletionShards } from "../../registry/expiryIndex.js";
import { commandSk, commandSkPrefix, objectPk, recordSk, refFromPk, type ObjectKind, type ObjectRef } from "../../registry/keys.js";
import type { CommandRecord, LeaseRecord, ResourceRecord } from "../../registry/records.js";
import type { ConsumeResult, DueItem, LeaseChanges, LeaseExpiry, LeaseExpiryOutcome, Registry, ResourceChanges, Written } from "../../registry/Registry.js";
import { StorageUnavailableError } from "../../errors.js";
import { registryTable } from "../../schema/tables.js";
import { dynamoCall } from "./errors.js";
import { sendFenced, type FencedRequest } from "./fencedWrite.js";
import { transact, write, type CancellationReason, type Item, type WriteOutcome } from "./gateway.js";
import { RegistryRequests, type ClaimTake, type KeyedUpdate } from "./registryRequests.js";
import { toCommand, toLease, toResource } from "./registryItems.js";

export { expireLeaseItems } from "./registryRequests.js";

/** Tries of a create that concurrent transactions (or a claim changing hands) keep cancelling. */
const createTries = 6;
import { sleep } from "../../lock/sleep.js";

type Outcome = { ok: true; item?: Item } | { ok: false; item?: Item };

/** Registry on the registry table through one DynamoDB document client; requests are built by RegistryRequests. */
export class DynamoRegistry implements Registry {
  readonly requests: RegistryRequests;
  private readonly what: string;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.requests = new RegistryRequests(tableName);
    this.what = `registry table ${tableName}`;
  }

  async createResource(resource: ResourceRecord, claims: readonly ResourceClaim[] = []): Promise<void> {
    if (resource.references.length === 0 && claims.length === 0) return this.create({ kind: "resource", id: resource.id }, resource, resource.expiresAt);
    // Nothing new may come to depend on what is going away (swarmkit): the reference and
    // the referenced resource's condition are one write, so a mark cannot slip in between.
    // What its teardown acts on is claimed in the same write, so two creators of one cloud
    // object cannot both get in. The owner marker goes last, so a refusal writes nothing.
    let takes: ClaimTake[] = claims.map((claim) => ({ claim }));
    for (let attempt = 1; ; attempt++) {
      const out = await transact(this.client, this.requests.createWithReferences(resource, takes), this.what);
      if (out.ok) return;
      if (out.reasons[0]?.code === "ConditionalCheckFailed") throw new RecordExistsError("resource", resource.id);
      for (const [i, id] of resource.references.entries()) {
        const reason = out.reasons[i + 1];
        if (reason?.code !== "ConditionalCheckFailed") continue;
        const old = reason.item;
        const why = !old ? `no resource ${id}` : old.status === "destroyed" ? `resource ${id} is destroyed` : `resource ${id} is marked for deletion`;
        throw new ReferenceRefusedError(i, id, why);
      }
      takes = await this.nextTakes(takes, out.reasons.slice(1 + resource.references.length));
      // Cancelled by a concurrent transaction on the same items, or a claim changed hands: worth another try.
      if (attempt >= createTries) throw new StorageUnavailableError(`${this.what}: creating resource ${resource.id} met a concurrent transaction ${attempt} times`);
      await sleep(Math.random() * 20 * attempt);
    }
  }

  /**
   * After a refused create: each claim held by a resource that is not destroyed refuses it
   * (ClaimRefusedError); one held by a destroyed (or vanished) owner is taken over that owner.
   */
  private async nextTakes(takes: readonly ClaimTake[], reasons: readonly CancellationReason[]): Promise<ClaimTake[]> {
    const next: ClaimTake[] = [];
    let at = 0;
    for (const take of takes) {
      const put = reasons[at];
      const check = take.over !== undefined ? reasons[at + 1] : undefined;
      at += take.over !== undefined ? 2 : 1;
      if (put?.code !== "ConditionalCheckFailed" && check?.code !== "ConditionalCheckFailed") {
        next.push(take);
        continue;
      }
      const holder = put?.code === "ConditionalCheckFailed" ? (typeof put.item?.owner === "string" ? put.item.owner : undefined) : take.over;
      if (holder === undefined) {
        next.push({ claim: take.claim });
        continue;
      }
      const owner = await this.get(objectPk({ kind: "resource", id: holder }), recordSk);
      const status = typeof owner?.status === "string" ? owner.status : undefined;
      if (owner && status !== "destroyed") throw new ClaimRefusedError(take.claim, holder, status ?? "unknown");
      next.push({ claim: take.claim, over: holder });
    }
    return next;
  }

  async removeReferrer(resourceId: string, referrerId: string, now: number): Promise<void> {
    await this.updateKeyed(this.requests.removeReferrer(resourceId, referrerId, now));
  }
  async markedForDeletion(): Promise<string[]> {
    const ids: string[] = [];
    for (const shard of deletionShards) {
      const items = await this.queryAll({
        TableName: this.tableName,
        IndexName: registryTable.indexes[1].name,
        KeyConditionExpression: "deletionShard = :shard",
        ExpressionAttributeValues: { ":shard": shard },
      });
      for (const item of items) {
        const ref = refFromPk(String(item.pk));
        if (ref?.kind === "resource") ids.push(ref.id);
      }
    }
    return ids;
  }

  async createLease(lease: LeaseRecord): Promise<void> {
    await this.create({ kind: "lease", id: lease.id }, lease, lease.expiresAt);
  }

  async getResource(id: string): Promise<ResourceRecord | undefined> {
    const item = await this.get(objectPk({ kind: "resource", id }), recordSk);
    return item && toResource(item);
  }

  async getLease(id: string): Promise<LeaseRecord | undefined> {
    const item = await this.get(objectPk({ kind: "lease", id }), recordSk);
    return item && toLease(item);
  }

  async listResources(): Promise<ResourceRecord[]> {
    return (await this.scanRecords("resource")).map(toResource);
  }

  async listLeases(): Promise<LeaseRecord[]> {
    return (await this.scanRecords("lease")).map(toLease);
  }

  async updateResource(current: ResourceRecord, changes: ResourceChanges, now: number, fence?: Fence): Promise<Written<ResourceRecord>> {
    const out = await this.updateKeyed(this.requests.updateResource(current, changes, now), fence);
    return out.ok ? { ok: true, record: toResource(out.item ?? {}) } : { ok: false, current: out.item && toResource(out.item) };
  }

  async attachLease(resourceId: string, leaseId: string, now: number): Promise<Written<ResourceRecord>> {
    const out = await this.updateKeyed(this.requests.attachLease(resourceId, leaseId, now));
    return out.ok ? { ok: true, record: toResource(out.item ?? {}) } : { ok: false, current: out.item && toResource(out.item) };
  }

  async updateLease(current: LeaseRecord, changes: LeaseChanges, now: number, fence?: Fence): Promise<Written<LeaseRecord>> {
    const out = await this.updateKeyed(this.requests.updateLease(current, changes, now), fence);
    return out.ok ? { ok: true, record: toLease(out.item ?? {}) } : { ok: false, current: out.item && toLease(out.item) };
  }

  async allocateSeq(ref: ObjectRef, now: number): Promise<number> {
    const out = await dynamoCall(this.what, () => this.client.send(new UpdateCommand(this.requests.allocateSeq(ref, now))));
    const seq = out.Attributes?.lastSeq;
    if (typeof seq !== "number") throw new StorageUnavailableError(`queue counter of ${objectPk(ref)} returned no sequence number`);
    return seq;
  }

  async putCommand(ref: ObjectRef, command: CommandRecord, takeOverAt: number): Promise<boolean> {
    return (await this.put(this.requests.putCommand(ref, command, takeOverAt))).ok;
  }

  async readQueue(ref: ObjectRef): Promise<CommandRecord[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": objectPk(ref), ":prefix": commandSkPrefix },
      ConsistentRead: true,
    });
    return items.map(toCommand);
  }

  async getCommand(ref: ObjectRef, seq: number): Promise<CommandRecord | undefined> {
    const item = await this.get(objectPk(ref), commandSk(seq));
    return item && toCommand(item);
  }

  async fillGap(ref: ObjectRef, seq: number, consumer: string, now: number, fence: Fence): Promise<boolean> {
    return (await sendFenced(this.client, this.requests.fillGap(ref, seq, consumer, now), fence, this.what)).ok;
  }

  async consumeCommand(ref: ObjectRef, seq: number, result: ConsumeResult, fence: Fence): Promise<boolean> {
    return (await this.updateKeyed(this.requests.consumeCommand(ref, seq, result), fence)).ok;
  }

  async deferCommand(ref: ObjectRef, seq: number, retryAt: number, error: string, fence: Fence): Promise<boolean> {
    return (await this.updateKeyed(this.requests.deferCommand(ref, seq, retryAt, error), fence)).ok;
  }

  async expireLease(expiry: LeaseExpiry, now: number): Promise<LeaseExpiryOutcome> {
    const out = await transact(this.client, this.requests.expireLease(expiry, now), this.what);
    if (out.ok) return { ok: true };
    const [lease, resource] = out.reasons;
    if (lease?.code === "ConditionalCheckFailed") {
      // The lease as it is came back with the refusal (no read); one that is not a lease any more is left to its worker.
      const record = lease.item && leaseOrUndefined(lease.item);
      return { ok: false, refusedBy: "lease", ...(record && { lease: record }) };
    }
    if (resource?.code === "ConditionalCheckFailed") return { ok: false, refusedBy: "resource" };
    // Cancelled only by another write in progress on the lease or its resource: the caller may try again.
    return { ok: false, refusedBy: "conflict" };
  }

  async getResources(ids: readonly string[]): Promise<Map<string, ResourceRecord>> {
    const found = new Map<string, ResourceRecord>();
    let keys = [...new Set(ids)].map((id) => ({ pk: objectPk({ kind: "resource", id }), sk: recordSk }));
    while (keys.length > 0) {
      // BatchGetItem takes at most 100 keys; what it leaves unprocessed is asked for again.
      const chunk = keys.slice(0, 100);
      keys = keys.slice(100);
      const out = await dynamoCall(this.what, () => this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: chunk } } })));
      for (const item of out.Responses?.[this.tableName] ?? []) {
        const resource = toResource(item);
        found.set(resource.id, resource);
      }
      keys.push(...((out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys));
    }
    return found;
  }

  async *dueItems(shard: string, now: number): AsyncIterable<DueItem> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(this.what, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: registryTable.indexes[0].name,
            KeyConditionExpression: "expiryShard = :shard AND expiresAt <= :now",
            ExpressionAttributeValues: { ":shard": shard, ":now": now },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        const ref = refFromPk(String(item.pk));
        if (!ref || typeof item.expiresAt !== "number") continue;
        const what = item.sk === recordSk ? "record" : String(item.sk).startsWith(commandSkPrefix) ? "command" : undefined;
        if (!what) continue;
        const lease = what === "record" && ref.kind === "lease" && typeof item.resourceId === "string";
        yield lease
          ? { ref, what, at: item.expiresAt, resourceId: String(item.resourceId), ...(typeof item.blueprint === "string" && { blueprint: item.blueprint }) }
          : { ref, what, at: item.expiresAt };
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * The record's owner marker, before the record: the orphan sweep looks owners up by key.
   * Idempotent; a marker left by a create that then failed only keeps cloud resources.
   */
  private async markOwner(id: string, now: number): Promise<void> {
    const marker = this.requests.ownerMarker(id, now);
    if (marker) await dynamoCall(this.what, () => this.client.send(new UpdateCommand(marker)));
  }

  private async create(ref: ObjectRef, record: ResourceRecord | LeaseRecord, expiresAt: number | undefined): Promise<void> {
    await this.markOwner(ref.id, record.createdAt);
    const out = await this.put(this.requests.create(ref, record, expiresAt));
    if (!out.ok) throw new RecordExistsError(ref.kind, ref.id);
  }

  /** A registry update, fenced when a worker writes it; a refused condition comes back with the item as it is. */
  private async updateKeyed(request: KeyedUpdate, fence?: Fence): Promise<Outcome> {
    const { update, ...rest } = request;
    const out: WriteOutcome = fence
      ? await sendFenced(this.client, { update: request } satisfies FencedRequest, fence, this.what)
      : await write(this.client, { update: { ...rest, ...update.build() } }, this.what);
    return out.ok ? { ok: true, item: out.attributes } : { ok: false, item: out.item };
  }

  private put(input: PutCommandInput): Promise<WriteOutcome> {
    return write(this.client, { put: input }, this.what);
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const out = await dynamoCall(this.what, () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true })));
    return out.Item;
  }

  private async scanRecords(kind: ObjectKind): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(this.what, () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: "sk = :record AND #type = :type",
            ExpressionAttributeNames: { "#type": "type" },
            ExpressionAttributeValues: { ":record": recordSk, ":type": kind },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(this.what, () => this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })));
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

}

function leaseOrUndefined(item: Item): LeaseRecord | undefined {
  try {
    return toLease(item);
  } catch {
    return undefined;
  }
}
