import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { type Clock } from "@scythe/core/clock";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { type Blueprint } from "@scythe/core/leases";
import { expiryShardOf } from "@scythe/core/registry";
import { quietTables } from "./quietTables.js";
import { makeHandler as makeWorkerHandler } from "../../src/leases/expiryWorker.js";
import { LocalExpiryQueue } from "../../../local/src/world/expiryQueue.js";

const context = { functionName: "scythe-expiry-worker", awsRequestId: "req-1", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const blueprint: Blueprint = { name: "recording", destroy: async () => "destroyed" };
let now = Date.UTC(2030, 0, 1);
const clock: Clock = { now: () => now };

const tables = quietTables();
const compose = (fanOut?: LocalExpiryQueue, inlineLimit?: number): Leases =>
  composeLeases({ doc: tables.doc, tables: tables.names, blueprints: [blueprint], clock, workerId: `w-${randomUUID().slice(0, 4)}`, fanOut, inlineLimit });

async function dueLeases(count: number) {
  const consumer = compose();
  const resource = await consumer.service.createResource({ id: `r-${randomUUID().slice(0, 8)}`, kind: "host", blueprint: "recording" });
  const leases = [];
  for (let i = 0; i < count; i++) leases.push(await consumer.service.acquire({ resourceId: resource.id, holder: `job-${i}`, expiresInMs: 1_000 }));
  now += 2_000;
  return { resource, leases, consumer };
}

describe("Expiry fan-out: the sweep queues what one invocation should not do, the queue's consumer does it", () => {
  it("more due than the inline limit: the sweep sends it all, the consumer ends every lease, each once", async () => {
    const { resource, leases, consumer } = await dueLeases(25);
    const worker = makeWorkerHandler(() => consumer);
    const queue = new LocalExpiryQueue({ handler: (event, ctx) => worker(event as never, ctx), batchSize: 10, concurrency: 3 });
    const sweeper = compose(queue, 5);

    const report = await sweeper.sweep.run();
    expect(report).toMatchObject({ fannedOut: 25, expiredInOneWrite: 0, failures: [] });
    await queue.drained();

    expect(queue.stats).toMatchObject({ invocations: 3, deliveries: 25, redeliveries: 0 });
    expect(queue.deadLetters).toEqual([]);
    for (const lease of leases) expect(await consumer.registry.getLease(lease.id)).toMatchObject({ status: "destroyed", releaseReason: "expiry" });
    expect(await consumer.registry.getResource(resource.id)).toMatchObject({ status: "active", leaseIds: [] });
  });

  it("at or under the inline limit: the sweep does the work itself and sends nothing", async () => {
    const { leases, consumer } = await dueLeases(3);
    const queue = new LocalExpiryQueue({ handler: async () => ({ batchItemFailures: [] }) });
    const report = await compose(queue, 5).sweep.run();
    expect(report).toMatchObject({ fannedOut: 0, expiredInOneWrite: 3 });
    expect(queue.stats.deliveries).toBe(0);
    for (const lease of leases) expect(await consumer.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
  });

  it("a message that keeps failing is reported alone (partial batch), retried, then dead-lettered; the rest of its batch is done", async () => {
    const { leases, consumer } = await dueLeases(4);
    const pk = `lease#corrupt-${randomUUID().slice(0, 4)}`;
    await tables.doc.send(new PutCommand({ TableName: tables.names.registry, Item: { pk, sk: "record", type: "lease", status: "???", expiresAt: 1, expiryShard: expiryShardOf(pk) } }));
    const worker = makeWorkerHandler(() => consumer);
    const responses: unknown[] = [];
    const queue = new LocalExpiryQueue({
      handler: async (event, ctx) => {
        const response = await worker(event as never, ctx);
        responses.push(response);
        return response as never;
      },
      batchSize: 10,
      maxReceiveCount: 3,
      visibilityMs: 5,
    });
    const report = await compose(queue, 2).sweep.run();
    expect(report.fannedOut).toBeGreaterThanOrEqual(5);
    await queue.drained();

    expect(queue.deadLetters).toEqual([{ body: expect.stringContaining(pk.replace("lease#", "")), receiveCount: 3 }]);
    expect(queue.stats.redeliveries).toBe(2);
    expect(responses[0]).toEqual({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    for (const lease of leases) expect(await consumer.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
  });

  it("refuses a batch that is not an SQS event, naming the field", async () => {
    const worker = makeWorkerHandler(() => compose());
    await expect(worker({ Records: [{ body: "{}" }] } as unknown as SQSEvent as never, context)).rejects.toMatchObject({ field: "Records.0.messageId" });
  });
});
