import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue,
  type _Record as StreamSdkRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { ScytheError } from "@scythe/core/errors";
import { localCredentials, localRegion } from "./clients.js";

export interface StreamPollerOptions {
  /** DynamoDB endpoint (DynamoDB Local): the table and its stream are read there. */
  readonly endpoint: string;
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  /** Receives each non-empty batch, as Lambda's DynamoDB event source would deliver it. */
  readonly handler: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** Pause between polls of every shard (ms, default 100). */
  readonly pollMs?: number;
  /** Start from records written before the poller started (default: only new ones). */
  readonly fromStart?: boolean;
  readonly batchSize?: number;
  readonly onError?: (error: unknown) => void;
}

export interface StreamPoller {
  /** Resolves once a full pass over every shard found nothing new. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Polls a table's DynamoDB Stream (DescribeTable → DescribeStream → GetShardIterator →
 * GetRecords) and calls `handler` with each batch, so a stream consumer runs locally as
 * it does behind a Lambda event source. A batch whose handler throws is delivered again.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const table = await options.dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new ScytheError(`table ${options.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: localRegion, credentials: localCredentials });
  const iterators = new Map<string, string | null>();
  const startType = options.fromStart ? "TRIM_HORIZON" : "LATEST";
  let stopped = false;
  let waiters: (() => void)[] = [];

  const iteratorFor = async (shardId: string, type: "TRIM_HORIZON" | "LATEST" | "AFTER_SEQUENCE_NUMBER", after?: string) => {
    const out = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: after }),
    );
    return out.ShardIterator ?? null;
  };

  // Shards that exist now start at LATEST (or the start); shards that appear later, from their start.
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of described.StreamDescription?.Shards ?? []) {
    if (shard.ShardId) iterators.set(shard.ShardId, await iteratorFor(shard.ShardId, startType));
  }

  const lastSeen = new Map<string, string>();
  const pass = async (): Promise<boolean> => {
    const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      if (shard.ShardId && !iterators.has(shard.ShardId)) iterators.set(shard.ShardId, await iteratorFor(shard.ShardId, "TRIM_HORIZON"));
    }
    let delivered = false;
    for (const [shardId, iterator] of iterators) {
      if (!iterator || stopped) continue;
      let out;
      try {
        out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }));
      } catch (error) {
        if (!(error instanceof ExpiredIteratorException)) throw error;
        const after = lastSeen.get(shardId);
        iterators.set(shardId, await iteratorFor(shardId, after ? "AFTER_SEQUENCE_NUMBER" : "TRIM_HORIZON", after));
        continue;
      }
      const records = out.Records ?? [];
      if (records.length > 0) {
        // The iterator moves on only after the handler succeeded: a failed batch comes again.
        await options.handler({ Records: records.map((r) => toLambdaRecord(r, streamArn)) });
        delivered = true;
        const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
        if (last) lastSeen.set(shardId, last);
      }
      iterators.set(shardId, out.NextShardIterator ?? null);
    }
    return delivered;
  };

  const loop = (async () => {
    while (!stopped) {
      let delivered = true;
      try {
        delivered = await pass();
      } catch (error) {
        options.onError?.(error);
        // The failed batch's iterator was not advanced; re-fetching it yields the same records.
        for (const [shardId] of iterators) {
          const after = lastSeen.get(shardId);
          iterators.set(shardId, await iteratorFor(shardId, after ? "AFTER_SEQUENCE_NUMBER" : startType, after).catch(() => null));
        }
      }
      if (!delivered) {
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve();
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  })();

  return {
    settled: () => new Promise<void>((resolve) => waiters.push(resolve)),
    stop: async () => {
      stopped = true;
      await loop;
      for (const resolve of waiters) resolve();
      streams.destroy();
    },
  };
}

export function toLambdaRecord(record: StreamSdkRecord, streamArn: string): DynamoDBRecord {
  const data = record.dynamodb;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: record.awsRegion ?? localRegion,
    eventSourceARN: streamArn,
    dynamodb: data && {
      ApproximateCreationDateTime: data.ApproximateCreationDateTime ? data.ApproximateCreationDateTime.getTime() / 1000 : undefined,
      Keys: data.Keys && toLambdaImage(data.Keys),
      NewImage: data.NewImage && toLambdaImage(data.NewImage),
      OldImage: data.OldImage && toLambdaImage(data.OldImage),
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType,
    },
  };
}

function toLambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([key, value]) => [key, toLambdaAttribute(value)]));
}

/** The SDK's attribute values carry bytes; Lambda's event carries them base64-encoded. */
function toLambdaAttribute(value: AttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  return { M: toLambdaImage(value.M ?? {}) };
}
