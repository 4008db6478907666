import type { PutCommandInput, UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { deletionShardOf, expiryShardOf } from "../../registry/expiryIndex.js";
import { claimKey, commandSk, objectPk, queueSk, recordSk, type ObjectRef } from "../../registry/keys.js";
import type { ResourceClaim } from "../../registry/errors.js";
import type { CommandRecord, LeaseRecord, ResourceRecord } from "../../registry/records.js";
import type { ConsumeResult, LeaseChanges, LeaseExpiry, ResourceChanges } from "../../registry/Registry.js";
import { ownerMarkerKey, ownerPrefixOfId } from "../../schema/owners.js";
import { Update, absent, and, attr, cond, exists, notExists, oneOf, type Condition } from "./expression.js";
import type { FencedRequest } from "./fencedWrite.js";
import type { Item, TransactItem } from "./gateway.js";

/** A claim to take with a resource's create: fresh, or `over` a destroyed former owner's. */
export interface ClaimTake {
  readonly claim: ResourceClaim;
  readonly over?: string;
}

/** An update of one registry item, as parts a fence can still be merged into. */
export interface KeyedUpdate {
  readonly TableName: string;
  readonly Key: { readonly pk: string; readonly sk: string };
  readonly update: Update;
  readonly ReturnValues?: UpdateCommandInput["ReturnValues"];
}

const leasable: Condition = and(notExists(attr("deleteRequested")), cond`${attr("status")} = ${"active"}`);
const unconsumed: Condition = and(exists(attr("pk")), notExists(attr("consumedAt")));

/** The registry item of a record: sets as DynamoDB sets, and the sparse index attributes it belongs in. */
export function registryItem(ref: ObjectRef, record: ResourceRecord | LeaseRecord, expiresAt: number | undefined): Item {
  const pk = objectPk(ref);
  const { leaseIds, referencedBy, ...rest } = record as ResourceRecord;
  const item: Item = { ...rest, pk, sk: recordSk, type: ref.kind };
  if (leaseIds?.length) item.leaseIds = new Set(leaseIds);
  if (referencedBy?.length) item.referencedBy = new Set(referencedBy);
  if (expiresAt !== undefined) item.expiryShard = expiryShardOf(pk);
  if ((record as ResourceRecord).deleteRequested && record.status !== "destroyed") item.deletionShard = deletionShardOf(pk);
  return item;
}

/**
 * Every write the registry adapter sends, built as data: what it changes and on which
 * condition. The adapter only sends them (a fence merged in where a worker writes).
 */
export class RegistryRequests {
  constructor(readonly tableName: string) {}

  /** A record put on absence (the owner marker comes first, separately or in the same transaction). */
  create(ref: ObjectRef, record: ResourceRecord | LeaseRecord, expiresAt: number | undefined): PutCommandInput {
    return { TableName: this.tableName, Item: registryItem(ref, record, expiresAt), ConditionExpression: "attribute_not_exists(pk)" };
  }

  /**
   * A resource with references, as one transaction: its put, one update per referenced
   * resource (which must exist, be alive and not be marked for deletion), then the owner marker.
   */
  createWithReferences(resource: ResourceRecord, claims: readonly ClaimTake[] = []): TransactItem[] {
    const put = this.create({ kind: "resource", id: resource.id }, resource, resource.expiresAt);
    const references = resource.references.map((id) => {
      const built = new Update()
        .addToSet("referencedBy", resource.id)
        .when(exists(attr("pk")))
        .when(notExists(attr("deleteRequested")))
        .when(cond`${attr("status")} <> ${"destroyed"}`)
        .build();
      return { Update: { TableName: this.tableName, Key: { pk: objectPk({ kind: "resource", id }), sk: recordSk }, ...built, ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } };
    });
    const marker = this.ownerMarker(resource.id, resource.createdAt);
    return [{ Put: put }, ...references, ...claims.flatMap((take) => this.claim(resource, take)), ...(marker ? [{ Update: marker }] : [])];
  }

  /**
   * Taking a claim: put on absence, or over a former owner's claim while that owner is
   * destroyed (or gone), checked in the same transaction. The claim's put comes first.
   */
  private claim(resource: ResourceRecord, take: ClaimTake): TransactItem[] {
    const Item = { ...claimKey(take.claim.key), type: "claim", owner: resource.id, attribute: take.claim.attribute, value: take.claim.value, since: resource.createdAt };
    if (take.over === undefined) {
      return [{ Put: { TableName: this.tableName, Item, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } }];
    }
    return [
      { Put: { TableName: this.tableName, Item, ConditionExpression: "#owner = :former", ExpressionAttributeNames: { "#owner": "owner" }, ExpressionAttributeValues: { ":former": take.over }, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: objectPk({ kind: "resource", id: take.over }), sk: recordSk },
          ConditionExpression: "attribute_not_exists(pk) OR #status = :destroyed",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":destroyed": "destroyed" },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
    ];
  }

  /** The owner marker of an id's prefix (the orphan sweep looks owners up by key); undefined for an id without one. */
  ownerMarker(id: string, now: number): (UpdateCommandInput & { UpdateExpression: string }) | undefined {
    const prefix = ownerPrefixOfId(id);
    if (!prefix) return undefined;
    return { TableName: this.tableName, Key: ownerMarkerKey(prefix), ...new Update().setIfAbsent("since", now).build() };
  }

  removeReferrer(resourceId: string, referrerId: string, now: number): KeyedUpdate {
    const update = new Update().set("updatedAt", now).deleteFromSet("referencedBy", referrerId).when(exists(attr("pk")));
    return this.keyed(objectPk({ kind: "resource", id: resourceId }), recordSk, update);
  }

  updateResource(current: ResourceRecord, changes: ResourceChanges, now: number): KeyedUpdate {
    const ref: ObjectRef = { kind: "resource", id: current.id };
    const update = versioned(current.version, current.status, changes.status, now);
    expiry(update, ref, changes.expiresAt);
    if (changes.idleCountdown === true) update.set("idleCountdown", true);
    if (changes.idleCountdown === false) update.remove("idleCountdown");
    if (changes.addLeaseId !== undefined) update.addToSet("leaseIds", changes.addLeaseId);
    if (changes.removeLeaseId !== undefined) update.deleteFromSet("leaseIds", changes.removeLeaseId);
    if (changes.releaseReason !== undefined) update.set("releaseReason", changes.releaseReason);
    if (changes.brokenReason !== undefined) update.set("brokenReason", changes.brokenReason);
    if (changes.destroy !== undefined) update.set("destroy", changes.destroy);
    if (changes.deleteRequested) update.set("deleteRequested", true).set("deletionShard", deletionShardOf(objectPk(ref)));
    if (changes.status === "destroyed") update.remove("deletionShard");
    if (changes.onlyIfLeasable) update.when(leasable);
    return this.keyed(objectPk(ref), recordSk, update);
  }

  updateLease(current: LeaseRecord, changes: LeaseChanges, now: number): KeyedUpdate {
    const ref: ObjectRef = { kind: "lease", id: current.id };
    const update = versioned(current.version, current.status, changes.status, now);
    expiry(update, ref, changes.expiresAt);
    if (changes.releasedBy !== undefined) update.set("releasedBy", changes.releasedBy);
    if (changes.releaseReason !== undefined) update.set("releaseReason", changes.releaseReason);
    if (changes.brokenReason !== undefined) update.set("brokenReason", changes.brokenReason);
    return this.keyed(objectPk(ref), recordSk, update);
  }

  /** Whatever the version (concurrent acquires commute), but only on a leasable resource; bumps the version. */
  attachLease(resourceId: string, leaseId: string, now: number): KeyedUpdate {
    const update = new Update().set("updatedAt", now).add("version", 1).addToSet("leaseIds", leaseId).when(exists(attr("pk"))).when(leasable);
    return this.keyed(objectPk({ kind: "resource", id: resourceId }), recordSk, update);
  }

  allocateSeq(ref: ObjectRef, now: number): UpdateCommandInput {
    const built = new Update().set("lastAllocatedAt", now).add("lastSeq", 1).build();
    return { TableName: this.tableName, Key: { pk: objectPk(ref), sk: queueSk }, ...built, ReturnValues: "UPDATED_NEW" };
  }

  putCommand(ref: ObjectRef, command: CommandRecord, takeOverAt: number): PutCommandInput {
    const pk = objectPk(ref);
    const item = { ...command, pk, sk: commandSk(command.seq), type: "command", expiryShard: expiryShardOf(pk), expiresAt: takeOverAt };
    return { TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" };
  }

  fillGap(ref: ObjectRef, seq: number, consumer: string, now: number): FencedRequest {
    const pk = objectPk(ref);
    const item = { pk, sk: commandSk(seq), type: "command", command: "gap", seq, author: consumer, createdAt: now, consumedAt: now, consumedBy: consumer, outcome: "slot left empty by its appender" };
    return { put: { TableName: this.tableName, Item: item, condition: absent } };
  }

  consumeCommand(ref: ObjectRef, seq: number, result: ConsumeResult): KeyedUpdate {
    const update = new Update()
      .set("consumedAt", result.at)
      .set("consumedBy", result.consumer)
      .set("outcome", result.outcome)
      .remove("expiryShard")
      .remove("expiresAt")
      .remove("retryAt")
      .when(unconsumed);
    return this.keyed(objectPk(ref), commandSk(seq), update);
  }

  deferCommand(ref: ObjectRef, seq: number, retryAt: number, error: string): KeyedUpdate {
    const pk = objectPk(ref);
    const update = new Update().set("retryAt", retryAt).set("lastError", error).set("expiresAt", retryAt).set("expiryShard", expiryShardOf(pk)).when(unconsumed);
    return this.keyed(pk, commandSk(seq), update);
  }

  /**
   * The two writes of a lease's expiry, which must happen together (a destroyed lease still
   * in its resource's set would hold the resource for good): the lease is destroyed only from
   * acquired or active and only once its stored expiry has passed, so it is never early
   * whatever the sweep read; the resource drops it only where no worker must decide anything
   * (still active, and not its last lease if it expires after going idle). Both bump versions,
   * so a worker that read either record before re-reads it.
   */
  expireLease(expiry: LeaseExpiry, now: number): TransactItem[] {
    const lease = new Update()
      .set("status", "destroyed")
      .set("releasedBy", expiry.by)
      .set("releaseReason", "expiry")
      .set("updatedAt", now)
      .increment("version", 1)
      .remove("expiresAt")
      .remove("expiryShard")
      .when(oneOf(attr("status"), ["acquired", "active"]))
      .when(cond`${attr("expiresAt")} <= ${now}`)
      .when(cond`${attr("resourceId")} = ${expiry.resourceId}`);
    const resource = new Update()
      .set("updatedAt", now)
      .add("version", 1)
      .deleteFromSet("leaseIds", expiry.leaseId)
      .when(cond`${attr("status")} = ${"active"}`)
      .when(cond`contains(${attr("leaseIds")}, ${expiry.leaseId})`)
      .when(cond`attribute_not_exists(${attr("expireAfterIdleMs")}) OR size(${attr("leaseIds")}) > ${1}`);
    if (expiry.resourceVersion !== undefined) resource.when(cond`${attr("version")} = ${expiry.resourceVersion}`);
    return [
      // A refused lease comes back as it is, so a duplicate or late expiry needs no read to see it is done.
      { Update: { TableName: this.tableName, Key: { pk: objectPk({ kind: "lease", id: expiry.leaseId }), sk: recordSk }, ...lease.build(), ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } },
      { Update: { TableName: this.tableName, Key: { pk: objectPk({ kind: "resource", id: expiry.resourceId }), sk: recordSk }, ...resource.build() } },
    ];
  }

  private keyed(pk: string, sk: string, update: Update): KeyedUpdate {
    return { TableName: this.tableName, Key: { pk, sk }, update, ReturnValues: "ALL_NEW" };
  }
}

/** Every record update: on the version (and status) read, bumping the version. */
function versioned(version: number, status: string, to: string | undefined, now: number): Update {
  const update = new Update()
    .set("version", version + 1)
    .set("updatedAt", now)
    .when(cond`${attr("version")} = ${version}`)
    .when(cond`${attr("status")} = ${status}`);
  if (to !== undefined) update.set("status", to);
  return update;
}

function expiry(update: Update, ref: ObjectRef, expiresAt: number | null | undefined): void {
  if (expiresAt === null) update.remove("expiresAt").remove("expiryShard");
  else if (expiresAt !== undefined) update.set("expiresAt", expiresAt).set("expiryShard", expiryShardOf(objectPk(ref)));
}

/** The old request-builder's export, for callers that build an expiry's items themselves. */
export const expireLeaseItems = (tableName: string, expiry: LeaseExpiry, now: number): TransactItem[] => new RegistryRequests(tableName).expireLease(expiry, now);
