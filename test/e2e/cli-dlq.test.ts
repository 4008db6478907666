import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalQueues } from "../../packages/local/src/sqs/localQueues.js";
import { localCredentials, localRegion } from "../../packages/local/src/world/clients.js";
import { runScythe } from "../support/cli.js";
import { freshTables } from "../support/dynamo.js";

let queues: Awaited<ReturnType<typeof startLocalQueues>>;
let env: NodeJS.ProcessEnv;
let url: string;
let streamItemSk: string;

/** Sends what Lambda would send to the on-failure destination: a failed event, a failed stream batch, and something else. */
beforeAll(async () => {
  queues = await startLocalQueues();
  const { endpoint, names, client, doc } = await freshTables();
  const streamArn = (await client.send(new DescribeTableCommand({ TableName: names.registry }))).Table?.LatestStreamArn ?? "";
  streamItemSk = "record";
  await doc.send(new PutCommand({ TableName: names.registry, Item: { pk: "resource#dlq-1", sk: streamItemSk, status: "active" } }));
  const streams = new DynamoDBStreamsClient({ endpoint, region: localRegion, credentials: localCredentials });
  const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards?.[0]?.ShardId ?? "";
  const iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
  const records = (await streams.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records ?? [];
  const seq = records[0]?.dynamodb?.SequenceNumber ?? "";
  expect(seq).not.toBe("");

  url = queues.queueUrl("scythe-prod-DeadLetters");
  const sqs = new SQSClient({ endpoint: queues.endpoint, region: localRegion, credentials: localCredentials });
  const requestContext = (fn: string, condition: string) => ({ requestId: "r", functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}:$LATEST`, condition, approximateInvokeCount: 3 });
  const letters = [
    { version: "1.0", timestamp: "2026-11-30T10:00:00Z", requestContext: requestContext("prod-scythe-Janitor-Reaper", "RetriesExhausted"), requestPayload: { dryRun: false }, responseContext: { statusCode: 200, functionError: "Unhandled" }, responsePayload: { errorType: "CloudUnavailableError", errorMessage: "heroku 503" } },
    { version: "1.0", timestamp: "2026-11-30T10:01:00Z", requestContext: requestContext("prod-scythe-Janitor-DeallocatorStream", "RetryAttemptsExhausted"), responseContext: { statusCode: 200, functionError: "Unhandled" }, DDBStreamBatchInfo: { shardId: shard, startSequenceNumber: seq, endSequenceNumber: seq, batchSize: 1, streamArn, approximateArrivalOfFirstRecord: "", approximateArrivalOfLastRecord: "" } },
  ];
  for (const body of [...letters.map((l) => JSON.stringify(l)), "not json"]) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  env = {
    AWS_ENDPOINT_URL_SQS: queues.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: queues.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoint,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_REGION: localRegion,
  };
});

afterAll(async () => {
  await queues.close();
});

describe("CLI: scythe dlq, through the real SQS, Lambda and DynamoDB Streams clients", () => {
  it("lists every letter, what failed and why, and leaves them in the queue", async () => {
    const result = await runScythe(["dlq", "list", "--queue-url", url, "--json"], { env });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { letters: { kind: string; functionName?: string; error?: string }[] };
    expect(out.letters.map((l) => l.kind).sort()).toEqual(["invocation", "stream-batch", "unknown"]);
    expect(out.letters.find((l) => l.kind === "invocation")).toMatchObject({ functionName: "prod-scythe-Janitor-Reaper", error: "CloudUnavailableError: heroku 503" });
    expect(queues.depth("scythe-prod-DeadLetters")).toBe(3);
    // Listed letters are visible again at once: a second listing sees them all.
    const again = JSON.parse((await runScythe(["dlq", "list", "--queue-url", url, "--json"], { env })).stdout) as { letters: unknown[] };
    expect(again.letters).toHaveLength(3);
  });

  it("with --dry-run says what it would invoke, and invokes and deletes nothing", async () => {
    const result = await runScythe(["dlq", "redrive", "--dry-run", "--queue-url", url], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("would redrive");
    expect(queues.invocations).toEqual([]);
    expect(queues.depth("scythe-prod-DeadLetters")).toBe(3);
  });

  it("redrives the event and the stream batch (its records read again), keeps what it cannot read, and exits 1 for it", async () => {
    const result = await runScythe(["dlq", "redrive", "--queue-url", url, "--json"], { env });
    expect(result.code).toBe(1);
    const out = JSON.parse(result.stdout) as { outcomes: { outcome: string; reason?: string }[] };
    expect(out.outcomes.map((o) => o.outcome).sort()).toEqual(["kept", "redriven", "redriven"]);
    const event = queues.invocations.find((i) => i.functionName === "prod-scythe-Janitor-Reaper");
    expect(event).toMatchObject({ invocationType: "Event", payload: { dryRun: false } });
    const batch = queues.invocations.find((i) => i.functionName === "prod-scythe-Janitor-DeallocatorStream");
    expect(batch?.invocationType).toBe("RequestResponse");
    const records = (batch?.payload as { Records: { dynamodb: { Keys: Record<string, { S: string }> } }[] }).Records;
    expect(records.map((r) => r.dynamodb.Keys)).toEqual([{ pk: { S: "resource#dlq-1" }, sk: { S: streamItemSk } }]);
    expect(queues.depth("scythe-prod-DeadLetters")).toBe(1);
  });

  it("refuses to run without a queue, naming --queue-url, exit 2", async () => {
    const result = await runScythe(["dlq", "list"], { env: { ...env, SCYTHE_DLQ_URL: "" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--queue-url");
  });
});
