import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { type Clock } from "@scythe/core/clock";
import { composeLeases, type Leases } from "@scythe/core/aws/dynamo";
import { ExpirySweep, type Blueprint } from "@scythe/core/leases";
import { makeHandler as makeSweepHandler } from "../../src/leases/expirySweep.js";
import { quietTables } from "./quietTables.js";
import { makeHandler as makeWorkerHandler } from "../../src/leases/expiryWorker.js";
import { LocalExpiryQueue } from "../../../local/src/world/expiryQueue.js";

const blueprint: Blueprint = { name: "recording", destroy: async () => "destroyed" };
let now = Date.UTC(2031, 0, 1);
const clock: Clock = { now: () => now };
const contextWith = (remainingMs: number) =>
  ({ functionName: "scythe-expiry-sweep", awsRequestId: `req-${randomUUID().slice(0, 4)}`, getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

const tables = quietTables();

/** The sweep as the stack runs it (fan-out queue, inline ceiling 50), measuring its pace on the first 2. */
function sweeper(queue: LocalExpiryQueue): Leases {
  const leases = composeLeases({ doc: tables.doc, tables: tables.names, blueprints: [blueprint], clock, workerId: `s-${randomUUID().slice(0, 4)}` });
  const sweep = new ExpirySweep({ registry: leases.registry, queue: leases.queue, worker: leases.worker, blueprints: leases.blueprints, clock, fanOut: queue, inlineLimit: 50, minInline: 2, reserveMs: 5_000 });
  return { ...leases, sweep };
}

async function dueLeases(count: number) {
  const consumer = composeLeases({ doc: tables.doc, tables: tables.names, blueprints: [blueprint], clock, workerId: `c-${randomUUID().slice(0, 4)}` });
  const resource = await consumer.service.createResource({ id: `r-${randomUUID().slice(0, 8)}`, kind: "host", blueprint: "recording" });
  const leases = [];
  for (let i = 0; i < count; i++) leases.push(await consumer.service.acquire({ resourceId: resource.id, holder: `job-${i}`, expiresInMs: 1_000 }));
  now += 2_000;
  return { leases, consumer };
}

describe("Expiry sweep handler: what to fan out is decided from the invocation's time left", () => {
  it("with time to spare, does all of it itself (under the ceiling) and sends nothing", async () => {
    const { leases, consumer } = await dueLeases(8);
    const queue = new LocalExpiryQueue({ handler: async () => ({ batchItemFailures: [] }) });
    const result = await makeSweepHandler(() => sweeper(queue))({}, contextWith(600_000));
    expect(result).toMatchObject({ expired: 8, expiredInOneWrite: 8, fannedOut: 0, failures: [] });
    expect(queue.stats.deliveries).toBe(0);
    for (const lease of leases) expect(await consumer.registry.getLease(lease.id)).toMatchObject({ status: "destroyed" });
  });

  it("with no time beyond its reserve, does the first 2 (the pace), fans out the rest, and the consumer ends them", async () => {
    const { leases, consumer } = await dueLeases(8);
    const worker = makeWorkerHandler(() => consumer);
    const queue = new LocalExpiryQueue({ handler: (event, ctx) => worker(event as never, ctx), batchSize: 10, concurrency: 2 });
    const result = await makeSweepHandler(() => sweeper(queue))({}, contextWith(5_000));
    expect(result).toMatchObject({ expired: 8, expiredInOneWrite: 2, fannedOut: 6, failures: [] });
    await queue.drained();
    expect(queue.stats).toMatchObject({ deliveries: 6, redeliveries: 0 });
    for (const lease of leases) expect(await consumer.registry.getLease(lease.id)).toMatchObject({ status: "destroyed", releaseReason: "expiry" });
  });
});
