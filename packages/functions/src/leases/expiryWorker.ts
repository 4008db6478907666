import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { dueWork } from "@scythe/core/leases/ExpirySweep";
import type { Leases } from "@scythe/core/leases/composeLeases";
import type { SQSRecord } from "aws-lambda";
import { z } from "zod";
import { lambda } from "../shared/lambda.js";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

const sqsRecord = z.looseObject({ messageId: z.string(), body: z.string() });
/** A batch from the expiry queue (SQS event source, ReportBatchItemFailures on). */
export const expiryQueueEvent = z.looseObject({ Records: z.array(sqsRecord) });

/**
 * The consumer of the expiry fan-out: each message is one piece of the sweep's work (a
 * due lease or resource, or a stalled object). A message that fails is reported as a
 * batch item failure, so SQS delivers it again (and, past the queue's limit, to its DLQ)
 * while the rest of the batch is done. Work done twice is harmless: every write is conditional.
 */
export function makeHandler(deps: () => Leases) {
  return lambda({
    job: "lease-expiry-worker",
    schema: expiryQueueEvent,
    fn: async (event, context) => {
      const processor = new BatchProcessor(EventType.SQS);
      const handle = async (record: SQSRecord) => {
        const work = dueWork.parse(JSON.parse(record.body));
        const report = await deps().sweep.expire([work]);
        if (report.failures.length > 0) throw new Error(report.failures.map((f) => f.error).join("; "));
      };
      return processPartialResponse(event as unknown as { Records: SQSRecord[] }, handle, processor, { context });
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
