import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoRegistry } from "../../../src/aws/dynamo/DynamoRegistry.js";
import { DynamoDeployJournal } from "../../../src/aws/dynamo/DynamoDeployJournal.js";
import { fencedRequest } from "../../../src/aws/dynamo/fencedWrite.js";
import { RegistryRequests } from "../../../src/aws/dynamo/registryRequests.js";
import { expiryShardOf } from "../../../src/registry/expiryIndex.js";
import type { ResourceRecord } from "../../../src/registry/records.js";

const requests = new RegistryRequests("reg");
const resource: ResourceRecord = { id: "r-1", kind: "host", blueprint: "b", attributes: {}, status: "active", version: 4, createdAt: 1, updatedAt: 1, leaseIds: ["l-1"], references: [] };
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

describe("Class: RegistryRequests", () => {
  it("attachLease: adds the lease and bumps the version on a leasable resource, whatever its version", () => {
    const { update, ...rest } = requests.attachLease("r-1", "l-2", 50);
    expect({ ...rest, ...update.build() }).toEqual({
      TableName: "reg",
      Key: { pk: "resource#r-1", sk: "record" },
      ReturnValues: "ALL_NEW",
      UpdateExpression: "SET #updatedAt = :v0 ADD #version :v1, #leaseIds :v2",
      ConditionExpression: "(attribute_exists(#pk)) AND ((attribute_not_exists(#deleteRequested)) AND (#status = :v3))",
      ExpressionAttributeNames: { "#updatedAt": "updatedAt", "#version": "version", "#leaseIds": "leaseIds", "#pk": "pk", "#deleteRequested": "deleteRequested", "#status": "status" },
      ExpressionAttributeValues: { ":v0": 50, ":v1": 1, ":v2": new Set(["l-2"]), ":v3": "active" },
    });
  });

  it("updateResource from a worker: on the version and status read, fenced, the expiry index kept with the expiry", () => {
    const fenced = fencedRequest({ update: requests.updateResource(resource, { status: "released", expiresAt: 900, removeLeaseId: "l-1" }, 60) }, { lock: "object/resource/r-1", token: 2 });
    expect(fenced).toEqual({
      update: {
        TableName: "reg",
        Key: { pk: "resource#r-1", sk: "record" },
        ReturnValues: "ALL_NEW",
        UpdateExpression:
          "SET #version = :v0, #updatedAt = :v1, #status = :v2, #expiresAt = :v3, #expiryShard = :v4, #fenceLock = :v5, #fenceToken = :v6 DELETE #leaseIds :v7",
        ConditionExpression:
          "(#version = :v8) AND (#status = :v9) AND (attribute_not_exists(#fenceToken) OR (#fenceLock = :v10 AND #fenceToken <= :v11))",
        ExpressionAttributeNames: {
          "#version": "version", "#updatedAt": "updatedAt", "#status": "status", "#expiresAt": "expiresAt", "#expiryShard": "expiryShard", "#leaseIds": "leaseIds",
          "#fenceLock": "fenceLock", "#fenceToken": "fenceToken",
        },
        ExpressionAttributeValues: {
          ":v0": 5, ":v1": 60, ":v2": "released", ":v3": 900, ":v4": expiryShardOf("resource#r-1"), ":v5": "object/resource/r-1", ":v6": 2,
          ":v7": new Set(["l-1"]), ":v8": 4, ":v9": "active", ":v10": "object/resource/r-1", ":v11": 2,
        },
      },
    });
  });

  it("expireLease: both writes of one transaction, the resource's pinned to the version a veto read", () => {
    const [lease, res] = requests.expireLease({ leaseId: "l-1", resourceId: "r-1", by: "sweep", resourceVersion: 4 }, 70);
    expect(lease?.Update).toMatchObject({
      Key: { pk: "lease#l-1", sk: "record" },
      UpdateExpression: "SET #status = :v0, #releasedBy = :v1, #releaseReason = :v2, #updatedAt = :v3, #version = #version + :v4 REMOVE #expiresAt, #expiryShard",
      ConditionExpression: "(#status IN (:v5, :v6)) AND (#expiresAt <= :v7) AND (#resourceId = :v8)",
    });
    expect(res?.Update).toMatchObject({
      Key: { pk: "resource#r-1", sk: "record" },
      UpdateExpression: "SET #updatedAt = :v0 ADD #version :v1 DELETE #leaseIds :v2",
      ConditionExpression:
        "(#status = :v3) AND (contains(#leaseIds, :v4)) AND (attribute_not_exists(#expireAfterIdleMs) OR size(#leaseIds) > :v5) AND (#version = :v6)",
      ExpressionAttributeValues: { ":v0": 70, ":v1": 1, ":v2": new Set(["l-1"]), ":v3": "active", ":v4": "l-1", ":v5": 1, ":v6": 4 },
    });
  });

  it("createWithReferences: the put, one conditional update per reference (returning the item when refused), the owner marker last", () => {
    const items = requests.createWithReferences({ ...resource, id: "0a1b2c3d-app", leaseIds: [], references: ["net-1"], version: 1 });
    expect(items.map((i) => Object.keys(i)[0])).toEqual(["Put", "Update", "Update"]);
    expect(items[0]?.Put).toMatchObject({ Item: { pk: "resource#0a1b2c3d-app", type: "resource" }, ConditionExpression: "attribute_not_exists(pk)" });
    expect(items[1]?.Update).toMatchObject({
      Key: { pk: "resource#net-1", sk: "record" },
      UpdateExpression: "ADD #referencedBy :v0",
      ConditionExpression: "(attribute_exists(#pk)) AND (attribute_not_exists(#deleteRequested)) AND (#status <> :v1)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });
});

describe("Class: DynamoRegistry (requests sent, through aws-sdk-client-mock)", () => {
  it("attachLease sends the built update once and reads the new record from ALL_NEW", async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...resource, pk: "resource#r-1", sk: "record", version: 5, leaseIds: new Set(["l-1", "l-2"]) } });
    const out = await new DynamoRegistry(doc, "reg").attachLease("r-1", "l-2", 50);
    expect(out).toMatchObject({ ok: true, record: { version: 5, leaseIds: ["l-1", "l-2"] } });
    const sent = dynamo.commandCalls(UpdateCommand);
    expect(sent).toHaveLength(1);
    const { update, ...rest } = requests.attachLease("r-1", "l-2", 50);
    expect(sent[0]?.args[0].input).toEqual({ ...rest, ...update.build(), ReturnValuesOnConditionCheckFailure: "ALL_OLD" });
  });

  it("expireLease reports which side refused from the transaction's cancellation reasons", async () => {
    const cancelled = (codes: string[]) => new TransactionCanceledException({ message: "c", $metadata: { httpStatusCode: 400 }, CancellationReasons: codes.map((Code) => ({ Code })) });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(["ConditionalCheckFailed", "None"]))
      .rejectsOnce(cancelled(["None", "ConditionalCheckFailed"]))
      .rejectsOnce(cancelled(["TransactionConflict", "None"]))
      .rejectsOnce(cancelled(["None", "TransactionConflict"]))
      .resolves({});
    const registry = new DynamoRegistry(doc, "reg");
    const expiry = { leaseId: "l-1", resourceId: "r-1", by: "sweep" };
    expect(await registry.expireLease(expiry, 70)).toEqual({ ok: false, refusedBy: "lease" });
    expect(await registry.expireLease(expiry, 70)).toEqual({ ok: false, refusedBy: "resource" });
    // Another write in progress on either item: no condition failed, so the caller may try again.
    expect(await registry.expireLease(expiry, 70)).toEqual({ ok: false, refusedBy: "conflict" });
    expect(await registry.expireLease(expiry, 70)).toEqual({ ok: false, refusedBy: "conflict" });
    expect(await registry.expireLease(expiry, 70)).toEqual({ ok: true });
    expect(dynamo.commandCalls(TransactWriteCommand)[4]?.args[0].input).toEqual({ TransactItems: requests.expireLease(expiry, 70) });
  });
});

describe("Class: DynamoDeployJournal (requests built)", () => {
  const journal = new DynamoDeployJournal(doc, { tableName: "reg", clock: { now: () => Date.parse("2026-01-01T00:00:00Z") } });

  it("updateInstance: the fields set, the phase's time stamped in the times map, only from the phases named", () => {
    const request = journal.updateInstanceRequest("e-1", "i-1", { phase: "deployed", deploymentStatus: "successful", time: "deployedAt" }, ["deploying"]);
    expect(fencedRequest(request, { lock: "deploy/stack/s", token: 3 })).toMatchObject({
      update: {
        Key: { pk: "deploy#e-1", sk: "instance#i-1" },
        UpdateExpression: "SET #phase = :v0, #deploymentStatus = :v1, #updatedAt = :v2, #times.#deployedAt = :v3, #fenceLock = :v4, #fenceToken = :v5",
        ConditionExpression: "(#phase IN (:v6)) AND (attribute_not_exists(#fenceToken) OR (#fenceLock = :v7 AND #fenceToken <= :v8))",
      },
    });
  });

  it("begin: a put on absence or while still running", () => {
    const request = journal.beginRequest({ executionId: "e-1", stackId: "s", layerId: "l", appId: "a", batchSize: 1, lockName: "x", owner: "o", token: 1, startedAt: "t" });
    expect(fencedRequest(request, { lock: "x", token: 1 })).toMatchObject({
      put: { Item: { pk: "deploy#e-1", sk: "summary", status: "running", fenceToken: 1 }, ConditionExpression: "((attribute_not_exists(#pk)) OR (#status = :v0)) AND (attribute_not_exists(#fenceToken) OR (#fenceLock = :v1 AND #fenceToken <= :v2))" },
    });
  });
});
