import type { Leases } from "@scythe/core/leases/composeLeases";
import { commandSkPrefix, refFromPk, sameRef, type ObjectRef } from "@scythe/core/registry/keys";
import { z } from "zod";
import { lambda } from "../shared/lambda.js";
import { logger } from "../shared/observability.js";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

const stringAttribute = z.looseObject({ S: z.string() });
const streamRecord = z.looseObject({
  eventName: z.string().optional(),
  dynamodb: z
    .looseObject({
      Keys: z.looseObject({ pk: stringAttribute, sk: stringAttribute }).optional(),
      SequenceNumber: z.string().optional(),
    })
    .optional(),
});

/** A batch of the registry table's stream (DynamoDB Streams event source). */
export const streamEvent = z.object({ Records: z.array(streamRecord) });

/** The objects that got a new command in this batch, each once, with the records that named it. */
export function commandedObjects(records: z.infer<typeof streamEvent>["Records"]): { ref: ObjectRef; sequenceNumbers: string[] }[] {
  const found: { ref: ObjectRef; sequenceNumbers: string[] }[] = [];
  for (const record of records) {
    const keys = record.dynamodb?.Keys;
    if (record.eventName !== "INSERT" || !keys?.sk.S.startsWith(commandSkPrefix)) continue;
    const ref = refFromPk(keys.pk.S);
    if (!ref) continue;
    const entry = found.find((f) => sameRef(f.ref, ref)) ?? found[found.push({ ref, sequenceNumbers: [] }) - 1];
    if (entry && record.dynamodb?.SequenceNumber) entry.sequenceNumbers.push(record.dynamodb.SequenceNumber);
  }
  return found;
}

/**
 * Runs the update worker of every object that got a command, so releases act within
 * seconds. A failed object is reported as a batch item failure, so Lambda retries from
 * it; a busy object needs nothing: its worker looks at the queue again before letting go.
 */
export function makeHandler(deps: () => Leases) {
  return lambda({
    job: "lease-stream",
    schema: streamEvent,
    fn: async (event) => {
      const { worker } = deps();
      const failures: { itemIdentifier: string }[] = [];
      let consumed = 0;
      for (const { ref, sequenceNumbers } of commandedObjects(event.Records)) {
        try {
          for (const report of await worker.drainAll([ref])) consumed += report.consumed.length;
        } catch (error) {
          logger.warn("update worker failed; the batch will be retried from this record", { ref, error: error instanceof Error ? error : String(error) });
          const first = sequenceNumbers.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
          if (first) failures.push({ itemIdentifier: first });
        }
      }
      return { consumed, batchItemFailures: failures };
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
