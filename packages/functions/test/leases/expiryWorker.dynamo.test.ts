import { randomUUID } from "node:crypto";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { type Clock } from "@scythe/core/clock";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { type Blueprint, type DueWork } from "@scythe/core/leases";
import { expiryShardOf } from "@scythe/core/registry";
import { quietTables } from "./quietTables.js";
import { makeHandler as makeWorkerHandler } from "../../src/leases/expiryWorker.js";
import { LocalExpiryQueue } from "../../../local/src/world/expiryQueue.js";

const blueprint: Blueprint = { name: "recording", destroy: async () => "destroyed" };
const now = Date.UTC(2032, 0, 1);
const clock: Clock = { now: () => now };
const context = { functionName: "scythe-expiry-worker", awsRequestId: "req-1", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

const tables = quietTables();

const compose = (): Leases => composeLeases({ doc: tables.doc, tables: tables.names, blueprints: [blueprint], clock, workerId: `w-${randomUUID().slice(0, 4)}` });

/**
 * `perResource[i]` due leases on resource i (active, version 1), written as the sweep finds
 * them; returns the work the sweep would send, one piece per lease.
 */
async function dueLeases(perResource: readonly number[]): Promise<{ work: DueWork[]; resources: string[] }> {
  const tag = randomUUID().slice(0, 8);
  const items: Record<string, unknown>[] = [];
  const work: DueWork[] = [];
  const resources: string[] = [];
  perResource.forEach((count, r) => {
    const resourceId = `r-${tag}-${r}`;
    const leaseIds = Array.from({ length: count }, (_, i) => `l-${tag}-${r}-${i}`);
    resources.push(resourceId);
    for (const id of leaseIds) {
      items.push({
        pk: `lease#${id}`, sk: "record", type: "lease", id, resourceId, blueprint: blueprint.name, holder: "job", status: "active",
        version: 3, createdAt: now - 10_000, updatedAt: now - 10_000, expiresAt: now - 1_000, expiryShard: expiryShardOf(`lease#${id}`),
      });
      work.push({ ref: { kind: "lease", id }, dueAt: now - 1_000, resourceId, blueprint: blueprint.name });
    }
    items.push({
      pk: `resource#${resourceId}`, sk: "record", type: "resource", id: resourceId, kind: "host", blueprint: blueprint.name, attributes: {}, status: "active",
      version: 1, createdAt: now - 10_000, updatedAt: now - 10_000, references: [], ...(leaseIds.length > 0 && { leaseIds: new Set(leaseIds) }),
    });
  });
  for (let i = 0; i < items.length; i += 25) {
    await tables.doc.send(new BatchWriteCommand({ RequestItems: { [tables.names.registry]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  return { work, resources };
}

/** Counts the lease expiries in flight at once, in all and per resource. */
function watchWrites(leases: Leases) {
  const seen = { most: 0, mostOnOneResource: 0 };
  let inFlight = 0;
  const perResource = new Map<string, number>();
  const original = leases.registry.expireLease.bind(leases.registry);
  vi.spyOn(leases.registry, "expireLease").mockImplementation(async (expiry, at) => {
    inFlight += 1;
    const onResource = (perResource.get(expiry.resourceId) ?? 0) + 1;
    perResource.set(expiry.resourceId, onResource);
    seen.most = Math.max(seen.most, inFlight);
    seen.mostOnOneResource = Math.max(seen.mostOnOneResource, onResource);
    try {
      return await original(expiry, at);
    } finally {
      inFlight -= 1;
      perResource.set(expiry.resourceId, (perResource.get(expiry.resourceId) ?? 1) - 1);
    }
  });
  return seen;
}

const sqsEvent = (work: readonly DueWork[]): SQSEvent =>
  ({
    Records: work.map((w, i) => ({
      messageId: `m-${i}`, receiptHandle: `h-${i}`, body: JSON.stringify(w), md5OfBody: "", messageAttributes: {},
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(now), SenderId: "local", ApproximateFirstReceiveTimestamp: String(now) },
      eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:scythe-expiry", awsRegion: "us-east-1",
    })),
  }) as SQSEvent;

describe("Expiry queue consumer: how a batch is worked", () => {
  it("works on at most 16 messages of a batch of 100 at once (the SDK keeps 50 sockets: none waits for one)", async () => {
    const { work } = await dueLeases(Array.from({ length: 100 }, () => 1));
    const consumer = compose();
    const seen = watchWrites(consumer);
    const response = await makeWorkerHandler(() => consumer)(sqsEvent(work) as never, context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(consumer.registry.expireLease).toHaveBeenCalledTimes(100);
    expect(seen.most).toBeGreaterThan(1);
    expect(seen.most).toBeLessThanOrEqual(16);
  });

  it("ends the leases of one resource one after another (one writer per resource: in DynamoDB, two transactions on one item at once conflict)", async () => {
    const { work, resources } = await dueLeases([12, 1, 1, 1]);
    const consumer = compose();
    const seen = watchWrites(consumer);
    const response = await makeWorkerHandler(() => consumer)(sqsEvent(work) as never, context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen.mostOnOneResource).toBe(1);
    expect(seen.most).toBeGreaterThan(1);
    expect(await consumer.registry.getResource(resources[0] ?? "")).toMatchObject({ status: "active", leaseIds: [], version: 13 });
  });
});

describe("Expiry queue consumer: duplicates and failures (property)", () => {
  it("whatever is delivered twice and whatever fails, each lease ends once, only the failed messages come back, the rest is done", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        async (perResource, broken, duplicated, batchSize, concurrency) => {
          const { work, resources } = await dueLeases(perResource);
          // Messages no consumer can do: a body that is not due work, or a lease whose record is not a lease.
          const bad: DueWork[] = [];
          for (let i = 0; i < broken; i++) {
            const id = `corrupt-${randomUUID().slice(0, 8)}`;
            await tables.doc.send(
              new BatchWriteCommand({ RequestItems: { [tables.names.registry]: [{ PutRequest: { Item: { pk: `lease#${id}`, sk: "record", type: "lease", status: "???", expiresAt: 1, expiryShard: expiryShardOf(`lease#${id}`) } } }] } }),
            );
            bad.push({ ref: { kind: "lease", id }, dueAt: 1 });
          }
          const consumer = compose();
          const worker = makeWorkerHandler(() => consumer);
          // The bodies of the messages each response reported failed (each must be in that batch).
          const reported: (string | undefined)[] = [];
          const queue = new LocalExpiryQueue({
            handler: async (event, ctx) => {
              let response: Awaited<ReturnType<typeof worker>>;
              try {
                response = await worker(event as never, ctx);
              } catch (error) {
                // A batch whose every message failed fails as a whole (Powertools), which reports all of them.
                reported.push(...event.Records.map((r) => r.body));
                throw error;
              }
              for (const f of response?.batchItemFailures ?? []) reported.push(event.Records.find((r) => r.messageId === f.itemIdentifier)?.body);
              return response as never;
            },
            batchSize,
            concurrency,
            maxReceiveCount: 2,
            visibilityMs: 1,
          });
          // At-least-once delivery: some messages come twice, in the same batch or another one, at once.
          const again = duplicated.map((i) => work[i % work.length] as DueWork);
          await Promise.all([queue.send([...work, ...bad]), queue.send(again)]);
          await queue.drained();

          // Only the broken messages were reported, each on both of its deliveries, then dead-lettered.
          const badBodies = bad.map((b) => JSON.stringify(b)).sort();
          expect(reported.sort()).toEqual([...badBodies, ...badBodies].sort());
          expect(queue.deadLetters.map((d) => d.body).sort()).toEqual(badBodies);
          expect(queue.stats.redeliveries).toBe(bad.length);
          for (const w of work) {
            // Destroyed by one write: the version moved once.
            expect(await consumer.registry.getLease(w.ref.id)).toMatchObject({ status: "destroyed", releaseReason: "expiry", version: 4 });
          }
          for (const [i, id] of resources.entries()) {
            expect(await consumer.registry.getResource(id)).toMatchObject({ status: "active", leaseIds: [], version: 1 + (perResource[i] ?? 0) });
          }
          // Nothing went through a queue of commands: every lease ended in its one transaction.
          for (const w of work) expect(await consumer.registry.readQueue(w.ref)).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });
});
