import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { DynamoDBStreamSchema } from "@aws-lambda-powertools/parser/schemas/dynamodb";
import type { DynamoDBStreamRecord } from "@aws-lambda-powertools/parser/types";
import type { Leases } from "@scythe/core/aws/dynamo";
import { commandSkPrefix, refFromPk, type ObjectRef } from "@scythe/core/registry";
import { lambda } from "../shared/lambda.js";
import { logger } from "../shared/observability.js";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

/** A batch of the registry table's stream (DynamoDB Streams event source), keys unmarshalled by Powertools' parser. */
export const streamEvent = DynamoDBStreamSchema;

/** The object a record gave a new command to, if it did (a command row inserted under it). */
export function commandedObject(record: Pick<DynamoDBStreamRecord, "eventName" | "dynamodb">): ObjectRef | undefined {
  const keys: Record<string, unknown> = record.dynamodb.Keys;
  const { pk, sk } = keys;
  if (record.eventName !== "INSERT" || typeof pk !== "string" || typeof sk !== "string" || !sk.startsWith(commandSkPrefix)) return undefined;
  return refFromPk(pk);
}

/**
 * Runs the update worker of every object that got a command, so releases act within
 * seconds: each object once per batch, however many of its commands the batch holds.
 * Records go in order; every record of an object whose worker failed is reported as a
 * batch item failure, so Lambda retries from the first of them; a busy object needs
 * nothing: its worker looks at the queue again before letting go.
 */
export function makeHandler(deps: () => Leases) {
  return lambda({
    job: "lease-stream",
    schema: streamEvent,
    fn: async (event, context) => {
      const { worker } = deps();
      const drained = new Map<string, Promise<number>>();
      const drain = async (ref: ObjectRef) => {
        try {
          return (await worker.drainAll([ref])).reduce((n, report) => n + report.consumed.length, 0);
        } catch (error) {
          logger.warn("update worker failed; the batch will be retried from this object's first record", { ref, error: error instanceof Error ? error : String(error) });
          throw error;
        }
      };
      const handle = async (record: DynamoDBStreamRecord) => {
        const ref = commandedObject(record);
        if (!ref) return;
        const key = `${ref.kind}#${ref.id}`;
        if (!drained.has(key)) drained.set(key, drain(ref));
        await drained.get(key);
      };
      const processor = new BatchProcessor(EventType.DynamoDBStreams);
      // In order, and a batch whose every record failed is reported, not thrown: Lambda retries from the first failure either way.
      const response = await processPartialResponse(event, handle, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
      const consumed = (await Promise.all([...drained.values()].map((p) => p.catch(() => 0)))).reduce((a, b) => a + b, 0);
      return { consumed, ...response };
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
