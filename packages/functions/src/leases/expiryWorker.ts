import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { SqsSchema } from "@aws-lambda-powertools/parser/schemas/sqs";
import type { SqsRecord } from "@aws-lambda-powertools/parser/types";
import { dueWork, expiryWriter, keyedLimit } from "@scythe/core/leases";
import type { Leases } from "@scythe/core/aws/dynamo";
import { lambda } from "../shared/lambda.js";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

/** A batch from the expiry queue (SQS event source, ReportBatchItemFailures on), as Powertools' parser knows it. */
export const expiryQueueEvent = SqsSchema;

export interface ExpiryWorkerOptions {
  /**
   * Messages of a batch worked on at once (default 16). Below the SDK's 50 sockets per
   * client, so no request waits for a socket; Powertools would otherwise start all 100 at once.
   */
  readonly concurrency?: number;
}

/**
 * The consumer of the expiry fan-out: each message is one piece of the sweep's work (a
 * due lease or resource, or a stalled object). A message that fails (its body included)
 * is reported as a batch item failure, so SQS delivers it again (and, past the queue's
 * limit, to its DLQ) while the rest of the batch is done. Work done twice is harmless:
 * every write is conditional. Pieces that write the same resource are done one after
 * another (two transactions on one item at once would cancel each other).
 */
export function makeHandler(deps: () => Leases, options: ExpiryWorkerOptions = {}) {
  const concurrency = options.concurrency ?? 16;
  return lambda({
    job: "lease-expiry-worker",
    schema: expiryQueueEvent,
    fn: async (event, context) => {
      const processor = new BatchProcessor(EventType.SQS);
      const slot = keyedLimit(concurrency);
      const handle = async (record: SqsRecord) => {
        const work = dueWork.parse(JSON.parse(record.body));
        const report = await slot(expiryWriter(work), () => deps().sweep.expire([work]));
        if (report.failures.length > 0) throw new Error(report.failures.map((f) => f.error).join("; "));
      };
      return processPartialResponse(event, handle, processor, { context });
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
