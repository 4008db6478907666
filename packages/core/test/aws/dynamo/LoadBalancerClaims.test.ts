import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { LoadBalancerClaims } from "../../../src/aws/dynamo/LoadBalancerClaims.js";

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());
const claims = new LoadBalancerClaims(doc, { tableName: "locks" });
const out = { "i-0abc": { executionId: "e-1", lock: "deploy/stack/s", token: 2, instanceId: "o-1", batch: 0 } };

describe("Class: LoadBalancerClaims (requests, through aws-sdk-client-mock)", () => {
  it("writes a ledger on absence the first time, on the version read afterwards", () => {
    expect(claims.writeItems([{ loadBalancer: "web", readVersion: 0, out }, { loadBalancer: "api", readVersion: 3, out: {} }])).toEqual([
      { Put: { TableName: "locks", Item: { pk: "lb-out/web", version: 1, out }, ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk" } } },
      {
        Put: {
          TableName: "locks", Item: { pk: "lb-out/api", version: 4, out: {} },
          ConditionExpression: "#version = :v0", ExpressionAttributeNames: { "#version": "version" }, ExpressionAttributeValues: { ":v0": 3 },
        },
      },
    ]);
  });

  it("releases a claim only where this execution holds it, bumping the version; false when it does not", async () => {
    dynamo.on(UpdateCommand).resolvesOnce({}).rejectsOnce(new ConditionalCheckFailedException({ message: "no", $metadata: { httpStatusCode: 400 } }));
    expect(await claims.release("web", "i-0abc", "e-1")).toBe(true);
    expect(await claims.release("web", "i-0abc", "e-1")).toBe(false);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: "locks",
      Key: { pk: "lb-out/web" },
      UpdateExpression: "SET #version = #version + :v0 REMOVE #out.#_2",
      ConditionExpression: "#out.#_2.#executionId = :v1",
      ExpressionAttributeNames: { "#version": "version", "#out": "out", "#_2": "i-0abc", "#executionId": "executionId" },
      ExpressionAttributeValues: { ":v0": 1, ":v1": "e-1" },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("commits ledgers and the caller's items in one transaction; a refusal or a conflict is false (plan again)", async () => {
    const cancelled = (Code: string) => new TransactionCanceledException({ message: "c", $metadata: { httpStatusCode: 400 }, CancellationReasons: [{ Code }, { Code: "None" }] });
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled("ConditionalCheckFailed")).rejectsOnce(cancelled("TransactionConflict")).resolves({});
    const plan = { Put: { TableName: "reg", Item: { pk: "deploy#e-1", sk: "plan#00000" }, ConditionExpression: "attribute_not_exists(pk)" } };
    const writes = [{ loadBalancer: "web", readVersion: 0, out }];
    expect(await claims.commit(writes, [plan])).toBe(false);
    expect(await claims.commit(writes, [plan])).toBe(false);
    expect(await claims.commit(writes, [plan])).toBe(true);
    expect(dynamo.commandCalls(TransactWriteCommand)[2]?.args[0].input).toEqual({ TransactItems: [...claims.writeItems(writes), plan] });
  });
});
