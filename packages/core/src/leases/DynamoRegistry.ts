import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { StorageUnavailableError } from "../errors.js";
import { sendFenced, type Fence } from "../lock/fence.js";
import { ownerMarkerKey, ownerPrefixOfId } from "../schema/owners.js";
import { registryTable } from "../schema/tables.js";
import { RecordExistsError, ReferenceRefusedError } from "./errors.js";
import { deletionShardOf, deletionShards, expiryShardOf } from "./expiryIndex.js";
import { toCommand, toLease, toResource } from "./items.js";
import { commandSk, commandSkPrefix, objectPk, queueSk, recordSk, refFromPk, type ObjectKind, type ObjectRef } from "./keys.js";
import type { CommandRecord, LeaseRecord, ResourceRecord } from "./records.js";
import type { ConsumeResult, DueItem, LeaseChanges, LeaseExpiry, LeaseExpiryOutcome, Registry, ResourceChanges, Written } from "./Registry.js";
import { UpdateExpression } from "./updateExpression.js";

type Item = Record<string, unknown>;
type Outcome = { ok: true; item?: Item } | { ok: false; item?: Item };

/** Registry on the registry table through one DynamoDB document client. */
export class DynamoRegistry implements Registry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createResource(resource: ResourceRecord): Promise<void> {
    if (resource.references.length === 0) return this.create({ kind: "resource", id: resource.id }, resource, resource.expiresAt);
    const ref: ObjectRef = { kind: "resource", id: resource.id };
    const put = { TableName: this.tableName, Item: this.itemOf(ref, resource, resource.expiresAt), ConditionExpression: "attribute_not_exists(pk)" };
    // Nothing new may come to depend on what is going away (swarmkit): the reference and
    // the referenced resource's condition are one write, so a mark cannot slip in between.
    const references = resource.references.map((id) => ({
      TableName: this.tableName,
      Key: { pk: objectPk({ kind: "resource", id }), sk: recordSk },
      UpdateExpression: "ADD #referencedBy :referrer",
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#deleteRequested) AND #status <> :destroyed",
      ExpressionAttributeNames: { "#referencedBy": "referencedBy", "#deleteRequested": "deleteRequested", "#status": "status" },
      ExpressionAttributeValues: { ":referrer": new Set([resource.id]), ":destroyed": "destroyed" },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    }));
    try {
      // The owner marker goes in the same transaction (last, so the reasons' indexes match), so a refusal writes nothing.
      const marker = this.ownerMarker(resource.id, resource.createdAt);
      const items = [{ Put: put }, ...references.map((Update) => ({ Update })), ...(marker ? [{ Update: marker }] : [])];
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw unavailable(this.tableName, error);
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === "ConditionalCheckFailed") throw new RecordExistsError("resource", resource.id);
      for (const [i, id] of resource.references.entries()) {
        const reason = reasons[i + 1];
        if (reason?.Code !== "ConditionalCheckFailed") continue;
        const old = reason.Item ? unmarshall(reason.Item) : undefined;
        const why = !old ? `no resource ${id}` : old.status === "destroyed" ? `resource ${id} is destroyed` : `resource ${id} is marked for deletion`;
        throw new ReferenceRefusedError(i, id, why);
      }
      throw unavailable(this.tableName, error);
    }
  }

  async removeReferrer(resourceId: string, referrerId: string, now: number): Promise<void> {
    const update = new UpdateExpression().set("updatedAt", now).deleteFromSet("referencedBy", referrerId).condition("attribute_exists(pk)");
    await this.updateKey(objectPk({ kind: "resource", id: resourceId }), recordSk, update);
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
    const ref: ObjectRef = { kind: "resource", id: current.id };
    const update = this.versioned(current.version, current.status, changes.status, now);
    this.expiry(update, ref, changes.expiresAt);
    if (changes.idleCountdown === true) update.set("idleCountdown", true);
    if (changes.idleCountdown === false) update.remove("idleCountdown");
    if (changes.addLeaseId !== undefined) update.addToSet("leaseIds", changes.addLeaseId);
    if (changes.removeLeaseId !== undefined) update.deleteFromSet("leaseIds", changes.removeLeaseId);
    if (changes.releaseReason !== undefined) update.set("releaseReason", changes.releaseReason);
    if (changes.brokenReason !== undefined) update.set("brokenReason", changes.brokenReason);
    if (changes.destroy !== undefined) update.set("destroy", changes.destroy);
    if (changes.deleteRequested) update.set("deleteRequested", true).set("deletionShard", deletionShardOf(objectPk(ref)));
    if (changes.status === "destroyed") update.remove("deletionShard");
    if (changes.onlyIfLeasable) {
      update.condition("attribute_not_exists(#deleteRequested) AND #status = :active", { active: "active" }, ["deleteRequested", "status"]);
    }
    const out = await this.update(ref, update, fence);
    return out.ok ? { ok: true, record: toResource(out.item ?? {}) } : { ok: false, current: out.item && toResource(out.item) };
  }

  async attachLease(resourceId: string, leaseId: string, now: number): Promise<Written<ResourceRecord>> {
    const built = new UpdateExpression()
      .set("updatedAt", now)
      .addToSet("leaseIds", leaseId)
      .condition("attribute_exists(pk) AND attribute_not_exists(#deleteRequested) AND #status = :active", { active: "active" }, ["deleteRequested", "status"])
      .build();
    const out = await this.conditional({
      update: {
        TableName: this.tableName,
        Key: { pk: objectPk({ kind: "resource", id: resourceId }), sk: recordSk },
        ...built,
        UpdateExpression: built.UpdateExpression.replace(/ ADD /, " ADD #version :one, "),
        ExpressionAttributeNames: { ...built.ExpressionAttributeNames, "#version": "version" },
        ExpressionAttributeValues: { ...built.ExpressionAttributeValues, ":one": 1 },
        ReturnValues: "ALL_NEW",
      },
    });
    return out.ok ? { ok: true, record: toResource(out.item ?? {}) } : { ok: false, current: out.item && toResource(out.item) };
  }

  async updateLease(current: LeaseRecord, changes: LeaseChanges, now: number, fence?: Fence): Promise<Written<LeaseRecord>> {
    const ref: ObjectRef = { kind: "lease", id: current.id };
    const update = this.versioned(current.version, current.status, changes.status, now);
    this.expiry(update, ref, changes.expiresAt);
    if (changes.releasedBy !== undefined) update.set("releasedBy", changes.releasedBy);
    if (changes.releaseReason !== undefined) update.set("releaseReason", changes.releaseReason);
    if (changes.brokenReason !== undefined) update.set("brokenReason", changes.brokenReason);
    const out = await this.update(ref, update, fence);
    return out.ok ? { ok: true, record: toLease(out.item ?? {}) } : { ok: false, current: out.item && toLease(out.item) };
  }

  async allocateSeq(ref: ObjectRef, now: number): Promise<number> {
    const update = new UpdateExpression().set("lastAllocatedAt", now);
    const built = update.build();
    const input: UpdateCommandInput = {
      TableName: this.tableName,
      Key: { pk: objectPk(ref), sk: queueSk },
      UpdateExpression: `${built.UpdateExpression} ADD #lastSeq :one`,
      ExpressionAttributeNames: { ...built.ExpressionAttributeNames, "#lastSeq": "lastSeq" },
      ExpressionAttributeValues: { ...built.ExpressionAttributeValues, ":one": 1 },
      ReturnValues: "UPDATED_NEW",
    };
    const out = await this.send(() => this.client.send(new UpdateCommand(input)));
    const seq = out.Attributes?.lastSeq;
    if (typeof seq !== "number") throw new StorageUnavailableError(`queue counter of ${objectPk(ref)} returned no sequence number`);
    return seq;
  }

  async putCommand(ref: ObjectRef, command: CommandRecord, takeOverAt: number): Promise<boolean> {
    const pk = objectPk(ref);
    const item = { ...command, pk, sk: commandSk(command.seq), type: "command", expiryShard: expiryShardOf(pk), expiresAt: takeOverAt };
    const out = await this.put({ TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" });
    return out.ok;
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
    const pk = objectPk(ref);
    const item = { pk, sk: commandSk(seq), type: "command", command: "gap", seq, author: consumer, createdAt: now, consumedAt: now, consumedBy: consumer, outcome: "slot left empty by its appender" };
    const out = await this.put({ TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }, fence);
    return out.ok;
  }

  async consumeCommand(ref: ObjectRef, seq: number, result: ConsumeResult, fence: Fence): Promise<boolean> {
    const update = new UpdateExpression()
      .set("consumedAt", result.at)
      .set("consumedBy", result.consumer)
      .set("outcome", result.outcome)
      .remove("expiryShard")
      .remove("expiresAt")
      .remove("retryAt")
      .condition("attribute_exists(pk) AND attribute_not_exists(#consumedAt)", {}, ["consumedAt"]);
    return (await this.updateKey(objectPk(ref), commandSk(seq), update, fence)).ok;
  }

  async deferCommand(ref: ObjectRef, seq: number, retryAt: number, error: string, fence: Fence): Promise<boolean> {
    const pk = objectPk(ref);
    const update = new UpdateExpression()
      .set("retryAt", retryAt)
      .set("lastError", error)
      .set("expiresAt", retryAt)
      .set("expiryShard", expiryShardOf(pk))
      .condition("attribute_exists(pk) AND attribute_not_exists(#consumedAt)", {}, ["consumedAt"]);
    return (await this.updateKey(pk, commandSk(seq), update, fence)).ok;
  }

  async expireLease(expiry: LeaseExpiry, now: number): Promise<LeaseExpiryOutcome> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: expireLeaseItems(this.tableName, expiry, now) }));
      return { ok: true };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [lease, resource] = error.CancellationReasons ?? [];
        if (lease?.Code === "ConditionalCheckFailed") return { ok: false, refusedBy: "lease" };
        if (resource?.Code === "ConditionalCheckFailed") return { ok: false, refusedBy: "resource" };
      }
      throw unavailable(this.tableName, error);
    }
  }

  async getResources(ids: readonly string[]): Promise<Map<string, ResourceRecord>> {
    const found = new Map<string, ResourceRecord>();
    let keys = [...new Set(ids)].map((id) => ({ pk: objectPk({ kind: "resource", id }), sk: recordSk }));
    while (keys.length > 0) {
      // BatchGetItem takes at most 100 keys; what it leaves unprocessed is asked for again.
      const chunk = keys.slice(0, 100);
      keys = keys.slice(100);
      const out = await this.send(() => this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: chunk } } })));
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
      const out = await this.send(() =>
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
    const marker = this.ownerMarker(id, now);
    if (marker) await this.send(() => this.client.send(new UpdateCommand(marker)));
  }

  private ownerMarker(id: string, now: number) {
    const prefix = ownerPrefixOfId(id);
    if (!prefix) return undefined;
    return {
      TableName: this.tableName,
      Key: ownerMarkerKey(prefix),
      UpdateExpression: "SET #since = if_not_exists(#since, :now)",
      ExpressionAttributeNames: { "#since": "since" },
      ExpressionAttributeValues: { ":now": now },
    };
  }

  private async create(ref: ObjectRef, record: ResourceRecord | LeaseRecord, expiresAt: number | undefined): Promise<void> {
    await this.markOwner(ref.id, record.createdAt);
    const out = await this.put({ TableName: this.tableName, Item: this.itemOf(ref, record, expiresAt), ConditionExpression: "attribute_not_exists(pk)" });
    if (!out.ok) throw new RecordExistsError(ref.kind, ref.id);
  }

  private itemOf(ref: ObjectRef, record: ResourceRecord | LeaseRecord, expiresAt: number | undefined): Item {
    const pk = objectPk(ref);
    const { leaseIds, referencedBy, ...rest } = record as ResourceRecord;
    const item: Item = { ...rest, pk, sk: recordSk, type: ref.kind };
    if (leaseIds?.length) item.leaseIds = new Set(leaseIds);
    if (referencedBy?.length) item.referencedBy = new Set(referencedBy);
    if (expiresAt !== undefined) item.expiryShard = expiryShardOf(pk);
    if ((record as ResourceRecord).deleteRequested && record.status !== "destroyed") item.deletionShard = deletionShardOf(pk);
    return item;
  }

  /** Every record update: on the version (and status) read, bumping the version. */
  private versioned(version: number, status: string, to: string | undefined, now: number): UpdateExpression {
    const update = new UpdateExpression()
      .set("version", version + 1)
      .set("updatedAt", now)
      .condition("#version = :expectedVersion AND #status = :expectedStatus", { expectedVersion: version, expectedStatus: status }, ["version", "status"]);
    if (to !== undefined) update.set("status", to);
    return update;
  }

  private expiry(update: UpdateExpression, ref: ObjectRef, expiresAt: number | null | undefined): void {
    if (expiresAt === null) update.remove("expiresAt").remove("expiryShard");
    else if (expiresAt !== undefined) update.set("expiresAt", expiresAt).set("expiryShard", expiryShardOf(objectPk(ref)));
  }

  private update(ref: ObjectRef, update: UpdateExpression, fence?: Fence): Promise<Outcome> {
    return this.updateKey(objectPk(ref), recordSk, update, fence);
  }

  private updateKey(pk: string, sk: string, update: UpdateExpression, fence?: Fence): Promise<Outcome> {
    return this.conditional(
      { update: { TableName: this.tableName, Key: { pk, sk }, ...update.build(), ReturnValues: "ALL_NEW" } },
      fence,
    );
  }

  private put(input: PutCommandInput, fence?: Fence): Promise<Outcome> {
    return this.conditional({ put: input }, fence);
  }

  /** The one place a failed condition becomes a value (fenced writes: in sendFenced). */
  private async conditional(request: { put: PutCommandInput } | { update: UpdateCommandInput }, fence?: Fence): Promise<Outcome> {
    if (fence) {
      const out = await sendFenced(this.client, request, fence);
      return out.ok ? { ok: true, item: out.attributes } : { ok: false, item: out.item };
    }
    try {
      if ("put" in request) {
        await this.client.send(new PutCommand({ ...request.put, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }));
        return { ok: true };
      }
      const out = await this.client.send(new UpdateCommand({ ...request.update, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }));
      return { ok: true, item: out.Attributes };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { ok: false, item: error.Item ? unmarshall(error.Item) : undefined };
      throw unavailable(this.tableName, error);
    }
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const out = await this.send(() => this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true })));
    return out.Item;
  }

  private async scanRecords(kind: ObjectKind): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.send(() =>
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
      const out = await this.send(() => this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })));
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw unavailable(this.tableName, error);
    }
  }
}

/**
 * The two writes of a lease's expiry, which must happen together (a destroyed lease still
 * in its resource's set would hold the resource for good): the lease is destroyed only from
 * acquired or active and only once its stored expiry has passed, so it is never early
 * whatever the sweep read; the resource drops it only where no worker must decide anything
 * (still active, and not its last lease if it expires after going idle). Both bump versions,
 * so a worker that read either record before re-reads it.
 */
export function expireLeaseItems(tableName: string, expiry: LeaseExpiry, now: number) {
  const lease = {
    TableName: tableName,
    Key: { pk: objectPk({ kind: "lease", id: expiry.leaseId }), sk: recordSk },
    UpdateExpression:
      "SET #status = :destroyed, #releasedBy = :by, #releaseReason = :expiry, #updatedAt = :now, #version = #version + :one REMOVE #expiresAt, #expiryShard",
    ConditionExpression: "#status IN (:acquired, :active) AND #expiresAt <= :now AND #resourceId = :resourceId",
    ExpressionAttributeNames: {
      "#status": "status", "#releasedBy": "releasedBy", "#releaseReason": "releaseReason", "#updatedAt": "updatedAt",
      "#version": "version", "#expiresAt": "expiresAt", "#expiryShard": "expiryShard", "#resourceId": "resourceId",
    },
    ExpressionAttributeValues: {
      ":destroyed": "destroyed", ":by": expiry.by, ":expiry": "expiry", ":now": now, ":one": 1,
      ":acquired": "acquired", ":active": "active", ":resourceId": expiry.resourceId,
    },
  };
  const versioned = expiry.resourceVersion !== undefined;
  const resource = {
    TableName: tableName,
    Key: { pk: objectPk({ kind: "resource", id: expiry.resourceId }), sk: recordSk },
    UpdateExpression: "SET #updatedAt = :now ADD #version :one DELETE #leaseIds :lease",
    ConditionExpression:
      "#status = :active AND contains(#leaseIds, :leaseId) AND (attribute_not_exists(#expireAfterIdleMs) OR size(#leaseIds) > :one)" +
      (versioned ? " AND #version = :resourceVersion" : ""),
    ExpressionAttributeNames: { "#status": "status", "#updatedAt": "updatedAt", "#version": "version", "#leaseIds": "leaseIds", "#expireAfterIdleMs": "expireAfterIdleMs" },
    ExpressionAttributeValues: {
      ":now": now, ":one": 1, ":active": "active", ":lease": new Set([expiry.leaseId]), ":leaseId": expiry.leaseId,
      ...(versioned && { ":resourceVersion": expiry.resourceVersion }),
    },
  };
  return [{ Update: lease }, { Update: resource }];
}

function unavailable(table: string, error: unknown): StorageUnavailableError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageUnavailableError(`registry table ${table} unavailable (${reason})`, { cause: error });
}
