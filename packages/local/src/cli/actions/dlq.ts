import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { ValidationError } from "@scythe/core/errors";
import { parseDeadLetter, type DeadLetter } from "@scythe/core/operations";
import { toLambdaRecord } from "../../world/registryStream.js";
import { cliRun } from "../context.js";
import { parseCount } from "../durations.js";
import { exitCodes } from "../exitCodes.js";
import type { ActionResult } from "../run.js";
import type { Output } from "../output.js";

interface Letter { readonly id: string; readonly receipt: string; readonly receives: number; readonly letter: DeadLetter }
export interface RedriveOutcome { readonly id: string; readonly what: string; readonly outcome: "redriven" | "would redrive" | "kept"; readonly reason?: string }

const queueUrl = (opts: { queueUrl?: string }) => {
  const url = opts.queueUrl ?? cliRun().env.SCYTHE_DLQ_URL;
  if (!url) throw new ValidationError("--queue-url", "give the stage's dead-letter queue (its DeadLetterQueueUrl output), or set SCYTHE_DLQ_URL");
  return url;
};

const describe = (l: DeadLetter) =>
  l.kind === "invocation"
    ? `event for ${l.functionName} (${l.condition ?? "failed"}${l.error ? `: ${l.error}` : ""})`
    : l.kind === "stream-batch"
      ? `stream batch of ${l.batch.batchSize} for ${l.functionName} (${l.condition ?? "failed"}${l.error ? `: ${l.error}` : ""}; shard ${l.batch.shardId}, ${l.batch.startSequenceNumber}..${l.batch.endSequenceNumber})`
      : `unreadable: ${l.reason}`;

/** Takes up to `limit` letters off the queue for `visibility` seconds (others do not see them meanwhile). */
async function receive(sqs: SQSClient, url: string, limit: number, visibility: number): Promise<Letter[]> {
  const letters: Letter[] = [];
  while (letters.length < limit) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, limit - letters.length), VisibilityTimeout: visibility, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }));
    const messages: Message[] = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      letters.push({ id: m.MessageId ?? "?", receipt: m.ReceiptHandle ?? "", receives: Number(m.Attributes?.ApproximateReceiveCount ?? 1), letter: parseDeadLetter(m.Body ?? "") });
    }
  }
  return letters;
}

const release = (sqs: SQSClient, url: string, letter: Letter) => sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: letter.receipt, VisibilityTimeout: 0 }));

/** The batch's records, read again from the stream (it keeps them 24 hours); empty when they are gone. */
async function batchRecords(streams: DynamoDBStreamsClient, batch: Extract<DeadLetter, { kind: "stream-batch" }>["batch"]) {
  const start = BigInt(batch.startSequenceNumber);
  const end = BigInt(batch.endSequenceNumber);
  let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: batch.streamArn, ShardId: batch.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: batch.startSequenceNumber }))).ShardIterator;
  const records = [];
  for (let empty = 0; iterator && empty < 3; ) {
    const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    const got = out.Records ?? [];
    if (got.length === 0) empty += 1;
    for (const r of got) {
      const seq = BigInt(r.dynamodb?.SequenceNumber ?? "0");
      if (seq >= start && seq <= end) records.push(toLambdaRecord(r, batch.streamArn));
      if (seq >= end) return records;
    }
    iterator = out.NextShardIterator;
  }
  return records;
}

/** Invokes the letter's function again with what it failed on; the message is deleted only once that is accepted. */
async function redriveLetter(clients: { lambda: LambdaClient; streams: DynamoDBStreamsClient }, letter: DeadLetter): Promise<string | undefined> {
  if (letter.kind === "unknown") return letter.reason;
  if (letter.kind === "invocation") {
    const out = await clients.lambda.send(new InvokeCommand({ FunctionName: letter.functionName, InvocationType: "Event", Payload: Buffer.from(JSON.stringify(letter.payload ?? {})) }));
    return out.StatusCode === 202 ? undefined : `Lambda answered ${out.StatusCode ?? "nothing"}`;
  }
  const records = await batchRecords(clients.streams, letter.batch);
  if (records.length === 0) return "its records are no longer in the stream (kept 24 hours): the job's scheduled pass covers what they asked for";
  // Synchronously, so a batch that fails again stays in the queue.
  const out = await clients.lambda.send(new InvokeCommand({ FunctionName: letter.functionName, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify({ Records: records })) }));
  return out.FunctionError ? `failed again: ${Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8")}` : undefined;
}

/** `scythe dlq list` */
export async function list(output: Output, opts: { queueUrl?: string; limit: string }): Promise<void> {
  const url = queueUrl(opts);
  const limit = parseCount("--limit", opts.limit);
  const sqs = new SQSClient({});
  const letters = await receive(sqs, url, limit, 30);
  await Promise.all(letters.map((l) => release(sqs, url, l)));
  const lines = letters.map((l) => `  ${l.id} (received ${l.receives}×)${l.letter.kind !== "unknown" && l.letter.at ? ` ${l.letter.at}` : ""}: ${describe(l.letter)}`);
  output.result(
    { queueUrl: url, letters: letters.map((l) => ({ id: l.id, receives: l.receives, ...l.letter })) },
    letters.length === 0 ? "the dead-letter queue is empty" : [`${letters.length} dead letter(s) in ${url}:`, ...lines].join("\n"),
  );
}

/** `scythe dlq redrive` */
export async function redrive(output: Output, opts: { queueUrl?: string; limit: string; dryRun?: boolean }): Promise<ActionResult> {
  const url = queueUrl(opts);
  const limit = parseCount("--limit", opts.limit);
  const sqs = new SQSClient({});
  const clients = { lambda: new LambdaClient({}), streams: new DynamoDBStreamsClient({}) };
  const letters = await receive(sqs, url, limit, 120);
  const outcomes: RedriveOutcome[] = [];
  for (const l of letters) {
    const what = describe(l.letter);
    if (opts.dryRun || l.letter.kind === "unknown") {
      await release(sqs, url, l);
      outcomes.push({ id: l.id, what, outcome: opts.dryRun && l.letter.kind !== "unknown" ? "would redrive" : "kept", ...(l.letter.kind === "unknown" && { reason: l.letter.reason }) });
      continue;
    }
    try {
      const refused = await redriveLetter(clients, l.letter);
      if (refused) {
        await release(sqs, url, l);
        outcomes.push({ id: l.id, what, outcome: "kept", reason: refused });
      } else {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: l.receipt }));
        outcomes.push({ id: l.id, what, outcome: "redriven" });
      }
    } catch (error) {
      // One letter that cannot be redriven never stops the others.
      await release(sqs, url, l).catch(() => undefined);
      outcomes.push({ id: l.id, what, outcome: "kept", reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  const kept = outcomes.filter((o) => o.outcome === "kept");
  output.result(
    { queueUrl: url, dryRun: Boolean(opts.dryRun), outcomes },
    [
      `${opts.dryRun ? "dry run: " : ""}${outcomes.length} dead letter(s) in ${url}`,
      ...outcomes.map((o) => `  ${o.outcome} ${o.id}: ${o.what}${o.reason ? ` — ${o.reason}` : ""}`),
    ].join("\n"),
  );
  return kept.length > 0 && !opts.dryRun ? exitCodes.failed : undefined;
}
