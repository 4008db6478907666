import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { translateDynamoError } from "../../../src/aws/dynamo/errors.js";
import { Update, absent, attr, cond } from "../../../src/aws/dynamo/expression.js";
import { fencedRequest, sendFenced } from "../../../src/aws/dynamo/fencedWrite.js";
import { transact, write } from "../../../src/aws/dynamo/gateway.js";
import { StorageRequestError, StorageUnavailableError } from "../../../src/errors.js";
import { StaleTokenError } from "../../../src/lock/errors.js";

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", ...meta(400), ...(item && { Item: item as never }) });
const serviceError = (name: string, status: number) => new DynamoDBServiceException({ name, $fault: status >= 500 ? "server" : "client", message: name, ...meta(status) });

describe("Function: write (the conditional-write gateway)", () => {
  it("sends the request with the item returned on a refusal, and returns what the update returned", async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { pk: "a", n: 2 } });
    const update = { TableName: "t", Key: { pk: "a" }, ...new Update().set("n", 2).when(absent).build() };
    expect(await write(doc, { update }, "test table")).toEqual({ ok: true, attributes: { pk: "a", n: 2 } });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({ ...update, ReturnValuesOnConditionCheckFailure: "ALL_OLD" });
  });

  it("turns a failed condition into a value carrying the item as it is, unmarshalled", async () => {
    dynamo.on(PutCommand).rejects(conditionFailed({ pk: { S: "a" }, version: { N: "3" } }));
    expect(await write(doc, { put: { TableName: "t", Item: { pk: "a" } } }, "test table")).toEqual({ ok: false, reason: "condition", item: { pk: "a", version: 3 } });
  });

  it("sends deletes too, and keeps a caller's own choice of return values", async () => {
    dynamo.on(DeleteCommand).resolves({});
    await write(doc, { delete: { TableName: "t", Key: { pk: "a" }, ReturnValuesOnConditionCheckFailure: "NONE" } }, "test table");
    expect(dynamo.commandCalls(DeleteCommand)[0]?.args[0].input.ReturnValuesOnConditionCheckFailure).toBe("NONE");
  });

  it("throws throttling as the retryable StorageUnavailableError, naming the store", async () => {
    dynamo.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: "slow down", ...meta(400) }));
    const error = await write(doc, { update: { TableName: "t", Key: { pk: "a" } } }, "lock table L").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toContain("lock table L unavailable (ProvisionedThroughputExceededException");
  });
});

describe("Function: transact", () => {
  it("returns each item's cancellation reason, with the item where DynamoDB sent it", async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        ...meta(400),
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed", Item: { pk: { S: "r" }, status: { S: "destroyed" } } }],
      }),
    );
    expect(await transact(doc, [{ Put: { TableName: "t", Item: { pk: "x" } } }], "t")).toEqual({
      ok: false,
      reasons: [{ code: "None" }, { code: "ConditionalCheckFailed", item: { pk: "r", status: "destroyed" } }],
    });
  });

  it("returns a conflict with another transaction as a refusal too", async () => {
    dynamo.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: "c", ...meta(400), CancellationReasons: [{ Code: "TransactionConflict" }] }));
    expect(await transact(doc, [], "t")).toEqual({ ok: false, reasons: [{ code: "TransactionConflict" }] });
  });

  it("throws a cancellation for throttling as retryable and one for an invalid item as not", async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(new TransactionCanceledException({ message: "c", ...meta(400), CancellationReasons: [{ Code: "ThrottlingError" }] }))
      .rejectsOnce(new TransactionCanceledException({ message: "c", ...meta(400), CancellationReasons: [{ Code: "ValidationError" }] }));
    await expect(transact(doc, [], "t")).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(transact(doc, [], "t")).rejects.toBeInstanceOf(StorageRequestError);
  });
});

describe("Function: translateDynamoError", () => {
  it.each([
    ["throttling", new ProvisionedThroughputExceededException({ message: "x", ...meta(400) }), StorageUnavailableError],
    ["a server error", serviceError("InternalServerError", 500), StorageUnavailableError],
    ["a missing table", serviceError("ResourceNotFoundException", 400), StorageUnavailableError],
    ["a conflicting transaction", serviceError("TransactionConflictException", 400), StorageUnavailableError],
    ["a refused connection", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }), StorageUnavailableError],
    ["an invalid request", serviceError("ValidationException", 400), StorageRequestError],
    ["denied access", serviceError("AccessDeniedException", 400), StorageRequestError],
  ])("classifies %s", (_, error, expected) => {
    const translated = translateDynamoError(error, "registry");
    expect(translated).toBeInstanceOf(expected);
    expect(translated.cause).toBe(error);
  });

  it("passes Scythe's own errors through untouched", () => {
    const own = new StaleTokenError("l", 1, 2);
    expect(translateDynamoError(own, "x")).toBe(own);
  });
});

describe("Function: fencedRequest", () => {
  const fence = { lock: "object/lease/l-1", token: 7 };

  it("merges the fence into an update's own condition and records the token on the item", () => {
    const update = new Update().set("phase", "deployed").when(cond`${attr("phase")} IN (${"deploying"})`);
    expect(fencedRequest({ update: { TableName: "t", Key: { pk: "p", sk: "s" }, update } }, fence)).toEqual({
      update: {
        TableName: "t",
        Key: { pk: "p", sk: "s" },
        UpdateExpression: "SET #phase = :v0, #fenceLock = :v1, #fenceToken = :v2",
        ConditionExpression: "(#phase IN (:v3)) AND (attribute_not_exists(#fenceToken) OR (#fenceLock = :v4 AND #fenceToken <= :v5))",
        ExpressionAttributeNames: { "#phase": "phase", "#fenceLock": "fenceLock", "#fenceToken": "fenceToken" },
        ExpressionAttributeValues: { ":v0": "deployed", ":v1": fence.lock, ":v2": 7, ":v3": "deploying", ":v4": fence.lock, ":v5": 7 },
      },
    });
    // The caller's builder is left as it was: a retry fences it afresh.
    expect(update.build().UpdateExpression).toBe("SET #phase = :v0");
  });

  it("fences a put: the token in the item, the fence after the put's own condition", () => {
    expect(fencedRequest({ put: { TableName: "t", Item: { pk: "p" }, condition: absent } }, fence)).toEqual({
      put: {
        TableName: "t",
        Item: { pk: "p", fenceLock: fence.lock, fenceToken: 7 },
        ConditionExpression: "(attribute_not_exists(#pk)) AND (attribute_not_exists(#fenceToken) OR (#fenceLock = :v0 AND #fenceToken <= :v1))",
        ExpressionAttributeNames: { "#pk": "pk", "#fenceToken": "fenceToken", "#fenceLock": "fenceLock" },
        ExpressionAttributeValues: { ":v0": fence.lock, ":v1": 7 },
      },
    });
  });

  it("sends: a newer token on the refusing item is StaleTokenError, an older one is the caller's own refusal", async () => {
    dynamo.on(PutCommand).rejectsOnce(conditionFailed({ pk: { S: "p" }, fenceLock: { S: fence.lock }, fenceToken: { N: "8" } }))
      .rejectsOnce(conditionFailed({ pk: { S: "p" }, fenceLock: { S: fence.lock }, fenceToken: { N: "6" } }))
      .rejectsOnce(conditionFailed({ pk: { S: "p" }, fenceLock: { S: "another" }, fenceToken: { N: "1" } }));
    const put = { put: { TableName: "t", Item: { pk: "p" }, condition: absent } };
    await expect(sendFenced(doc, put, fence)).rejects.toBeInstanceOf(StaleTokenError);
    expect(await sendFenced(doc, put, fence)).toMatchObject({ ok: false, reason: "condition", item: { fenceToken: 6 } });
    await expect(sendFenced(doc, put, fence)).rejects.toBeInstanceOf(StaleTokenError);
  });
});
