import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import type { ExpiryFanOut } from "../../leases/ExpiryFanOut.js";
import type { DueWork } from "../../leases/ExpirySweep.js";
import { mapLimit } from "../../leases/mapLimit.js";

export interface SqsExpiryQueueOptions {
  readonly queueUrl: string;
  /** SendMessageBatch requests in flight (default 8). */
  readonly concurrency?: number;
}

/**
 * The expiry fan-out on an SQS queue: one message per piece of work (so a failure is
 * retried alone, through the consumer's partial batch response), ten to a request.
 */
export class SqsExpiryQueue implements ExpiryFanOut {
  constructor(
    private readonly client: SQSClient,
    private readonly options: SqsExpiryQueueOptions,
  ) {}

  /** The requests, built apart from sending them. */
  batches(work: readonly DueWork[]): SendMessageBatchCommand[] {
    const batches: SendMessageBatchCommand[] = [];
    for (let i = 0; i < work.length; i += 10) {
      const entries: SendMessageBatchRequestEntry[] = work.slice(i, i + 10).map((w, j) => ({ Id: String(i + j), MessageBody: JSON.stringify(w) }));
      batches.push(new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }));
    }
    return batches;
  }

  async send(work: readonly DueWork[]): Promise<readonly DueWork[]> {
    const unsent: DueWork[] = [];
    await mapLimit(this.batches(work), this.options.concurrency ?? 8, async (batch) => {
      const ids = (batch.input.Entries ?? []).map((e) => Number(e.Id));
      try {
        const out = await this.client.send(batch);
        for (const failed of out.Failed ?? []) unsent.push(work[Number(failed.Id)] as DueWork);
      } catch {
        // The whole request failed (throttled, unreachable): the sweep does that work itself or leaves it for the next run.
        for (const id of ids) unsent.push(work[id] as DueWork);
      }
    });
    return unsent;
  }
}
