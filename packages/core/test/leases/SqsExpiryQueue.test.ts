import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { SqsExpiryQueue } from "../../src/aws/sqs/index.js";
import { type DueWork } from "../../src/leases/index.js";

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const work: DueWork[] = Array.from({ length: 23 }, (_, i) => ({ ref: { kind: "lease", id: `l-${i}` }, dueAt: 1_000 + i, resourceId: "r-1", blueprint: "b" }));
const queue = () => new SqsExpiryQueue(new SQSClient({ region: "us-east-1" }), { queueUrl: "https://sqs.example/q", concurrency: 2 });

describe("Class: SqsExpiryQueue", () => {
  describe("Method: batches", () => {
    it("puts one piece of work in each message, ten messages to a request", () => {
      const batches = queue().batches(work);
      expect(batches.map((b) => b.input.Entries?.length)).toEqual([10, 10, 3]);
      expect(batches[2]?.input).toEqual({
        QueueUrl: "https://sqs.example/q",
        Entries: work.slice(20).map((w, i) => ({ Id: String(20 + i), MessageBody: JSON.stringify(w) })),
      });
    });
  });

  describe("Method: send", () => {
    it("returns the work SQS refused, entry by entry, and the whole of a request that failed", async () => {
      sqs
        .on(SendMessageBatchCommand)
        .resolvesOnce({ Successful: [], Failed: [{ Id: "3", Code: "InternalError", SenderFault: false }] })
        .rejectsOnce(new Error("throttled"))
        .resolves({ Successful: [], Failed: [] });
      const unsent = await queue().send(work);
      expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
      expect(unsent.map((w) => w.ref.id).sort()).toEqual(["l-3", ...work.slice(10, 20).map((w) => w.ref.id)].sort());
    });
  });
});
