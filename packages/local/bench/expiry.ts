// `npm run bench -- expiry`: the expiry sweep's cost on 100,000 leases of which 1% are due.
import { randomUUID } from "node:crypto";
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { composeLeases, expiryShardOf, mapLimit, type Blueprint } from "@scythe/core";
import { localDynamoClient } from "../src/world/clients.js";
import { meterClient } from "../src/world/meter.js";
import { benchDynamo, ratio, table } from "./support.js";

const leaseCount = Number(process.env.BENCH_LEASES ?? 100_000);
const dueShare = 0.01;
// Ten leases per resource, as when a pool of hosts is shared by CI jobs.
const resourceCount = Math.max(1, Math.round(leaseCount / 10));

/** Tears nothing down: the bench measures the registry, not a cloud API. */
const instant: Blueprint = { name: "bench", destroy: async () => "destroyed" };

export async function run(): Promise<void> {
  const world = await benchDynamo(`bench-expiry-${randomUUID().slice(0, 6)}-`);
  try {
    const now = Date.now();
    const resources = Array.from({ length: resourceCount }, (_, i) => `r-${i}`);
    const leases = Array.from({ length: leaseCount }, (_, i) => ({
      id: `l-${i}`,
      resourceId: resources[i % resourceCount] ?? "r-0",
      // Every lease has an expiry, so every lease is in the index; 1% are past it.
      expiresAt: i % Math.round(1 / dueShare) === 0 ? now - 1_000 : now + 3_600_000 + i,
    }));
    const due = leases.filter((l) => l.expiresAt < now).length;

    console.log(`seeding ${resourceCount} resources and ${leaseCount.toLocaleString()} leases (${due} due) into DynamoDB Local…`);
    const seedStarted = Date.now();
    const leaseIdsOf = new Map<string, string[]>();
    for (const l of leases) leaseIdsOf.set(l.resourceId, [...(leaseIdsOf.get(l.resourceId) ?? []), l.id]);
    const items: Record<string, unknown>[] = [
      ...resources.map((id) => ({
        pk: `resource#${id}`, sk: "record", type: "resource", id, kind: "host", blueprint: "bench", attributes: {}, status: "active",
        version: 1, createdAt: now, updatedAt: now, references: [], leaseIds: new Set(leaseIdsOf.get(id)),
      })),
      ...leases.map((l) => ({
        pk: `lease#${l.id}`, sk: "record", type: "lease", id: l.id, resourceId: l.resourceId, holder: "bench", status: "active",
        version: 3, createdAt: now, updatedAt: now, expiresAt: l.expiresAt, expiryShard: expiryShardOf(`lease#${l.id}`),
      })),
    ];
    const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) => items.slice(i * 25, i * 25 + 25));
    await mapLimit(batches, 16, async (batch) => {
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [world.names.registry]: batch.map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length > 0) {
        const out = await world.doc.send(new BatchWriteCommand({ RequestItems: request }));
        request = out.UnprocessedItems as typeof request;
      }
    });
    console.log(`seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

    // A metered client of its own, so only the sweep's requests are counted.
    const client = localDynamoClient(world.endpoint);
    const meter = meterClient(client);
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const { sweep, registry } = composeLeases({ doc, tables: world.names, blueprints: [instant], workerId: "bench", sweepConcurrency: 32 });

    const find = await sweep.run({ dryRun: true });
    const findReading = meter.reading();
    meter.reset();

    const started = Date.now();
    const report = await sweep.run();
    const seconds = (Date.now() - started) / 1000;
    const sweepReading = meter.reading();
    meter.reset();
    const destroyedLeases = report.outcomes.filter((o) => o.ref.kind === "lease" && o.consumed.some((c) => c.outcome === "released; lease destroyed")).length;

    let scanned = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(new ScanCommand({ TableName: world.names.registry, ExclusiveStartKey: startKey }));
      scanned += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    const scanReading = meter.reading();

    const sample = await registry.getLease(leases[0]?.id ?? "l-0");
    console.log(`\n${leaseCount.toLocaleString()} leases, ${due} due; one sweep found ${find.expired.length}, expired ${destroyedLeases} (sample lease now ${sample?.status}); failures ${report.failures.length}`);
    table([
      { what: "sweep: find due (index queries)", requests: findReading.requests, "read capacity": findReading.readCapacity.toFixed(1), "RCU per due lease": (findReading.readCapacity / due).toFixed(3) },
      { what: "sweep: find + release + destroy", requests: sweepReading.requests, "read capacity": sweepReading.readCapacity.toFixed(1), "RCU per due lease": (sweepReading.readCapacity / due).toFixed(3) },
      { what: `full table scan (${scanned.toLocaleString()} items)`, requests: scanReading.requests, "read capacity": scanReading.readCapacity.toFixed(1), "RCU per due lease": (scanReading.readCapacity / due).toFixed(3) },
    ]);
    console.log(`\nfull scan / finding what is due: ${ratio(scanReading.readCapacity, findReading.readCapacity)} the read capacity`);
    console.log(`full scan / whole sweep (find, release, destroy): ${ratio(scanReading.readCapacity, sweepReading.readCapacity)}`);
    console.log(`sweep writes: ${sweepReading.writeCapacity.toFixed(0)} WCU (${(sweepReading.writeCapacity / due).toFixed(1)} per due lease)`);
    console.log(`end to end: ${destroyedLeases} leases expired in ${seconds.toFixed(2)} s = ${(destroyedLeases / seconds).toFixed(0)} leases/s (DynamoDB Local, sweep concurrency 32)`);
    client.destroy();
  } finally {
    await world.stop();
  }
}
