import { randomUUID } from "node:crypto";
import type { DueWork, ExpiryFanOut } from "@scythe/core/leases";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { fakeContext } from "../stepfunctions/lambdaInvoke.js";

export type SqsConsumer = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface LocalExpiryQueueOptions {
  /** The consumer Lambda's handler, called as the SQS event source would call it. */
  readonly handler: SqsConsumer;
  /** Messages per invocation (the event source's BatchSize; default 10). */
  readonly batchSize?: number;
  /** Invocations at once (the event source's MaximumConcurrency; default 4). */
  readonly concurrency?: number;
  /** Deliveries before a message goes to the dead-letter list (the redrive policy's maxReceiveCount; default 3). */
  readonly maxReceiveCount?: number;
  /** A failed message is delivered again after this (the visibility timeout, scaled down; ms, default 50). */
  readonly visibilityMs?: number;
}

interface Message {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
}

/**
 * The expiry queue in the local world: what SQS and Lambda's SQS event source do for the
 * consumer. Messages are delivered in batches to the very handler the stack deploys, with
 * the SQS event's shape; the ids the handler lists in `batchItemFailures` (or the whole
 * batch, if it throws) come back after the visibility timeout, and a message received
 * `maxReceiveCount` times goes to the dead-letter list instead. Nothing else is emulated.
 */
export class LocalExpiryQueue implements ExpiryFanOut {
  readonly deadLetters: { body: string; receiveCount: number }[] = [];
  /** Invocations of the consumer and messages delivered, for reports. */
  readonly stats = { invocations: 0, deliveries: 0, redeliveries: 0 };
  private readonly ready: Message[] = [];
  private inFlight = 0;
  private delayed = 0;
  private idle: (() => void)[] = [];
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxReceiveCount: number;
  private readonly visibilityMs: number;

  constructor(private readonly options: LocalExpiryQueueOptions) {
    this.batchSize = options.batchSize ?? 10;
    this.concurrency = options.concurrency ?? 4;
    this.maxReceiveCount = options.maxReceiveCount ?? 3;
    this.visibilityMs = options.visibilityMs ?? 50;
  }

  async send(work: readonly DueWork[]): Promise<readonly DueWork[]> {
    for (const w of work) this.ready.push({ messageId: randomUUID(), body: JSON.stringify(w), sentAt: Date.now(), receiveCount: 0 });
    this.pump();
    return [];
  }

  /** Resolves once every message was consumed or dead-lettered. */
  drained(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private isIdle(): boolean {
    return this.ready.length === 0 && this.inFlight === 0 && this.delayed === 0;
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.ready.length > 0) {
      const batch = this.ready.splice(0, this.batchSize);
      this.inFlight += 1;
      void this.invoke(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
        if (this.isIdle()) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async invoke(batch: Message[]): Promise<void> {
    for (const m of batch) m.receiveCount += 1;
    this.stats.invocations += 1;
    this.stats.deliveries += batch.length;
    let failed: Set<string>;
    try {
      const response = await this.options.handler({ Records: batch.map(toRecord) }, fakeContext("scythe-expiry-worker", 60_000));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((m) => m.messageId));
    }
    const again = batch.filter((m) => failed.has(m.messageId));
    for (const m of again) {
      if (m.receiveCount >= this.maxReceiveCount) {
        this.deadLetters.push({ body: m.body, receiveCount: m.receiveCount });
        continue;
      }
      this.stats.redeliveries += 1;
      this.delayed += 1;
      setTimeout(() => {
        this.delayed -= 1;
        this.ready.push(m);
        this.pump();
      }, this.visibilityMs);
    }
  }
}

function toRecord(m: Message): SQSRecord {
  return {
    messageId: m.messageId,
    receiptHandle: `local-${m.messageId}-${m.receiveCount}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: String(m.sentAt),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:scythe-expiry",
    awsRegion: "us-east-1",
  };
}
