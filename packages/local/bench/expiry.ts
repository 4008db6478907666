import { documentClient } from "@scythe/core/aws/dynamo";
// `npm run bench -- expiry`: the expiry sweep's cost per expired lease on 100,000 leases of which 1% are due.
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { ExpirySweep, protectedUntilVeto, type Blueprint } from "@scythe/core/leases";
import { expiryShardOf } from "@scythe/core/registry";
import { localDynamoClient } from "../src/world/clients.js";
import { LocalExpiryQueue } from "../src/world/expiryQueue.js";
import { meterClient, type MeterReading } from "../src/world/meter.js";
import { type benchDynamo, cachedDynamo, ratio, seed, table } from "./support.js";

const leaseCount = Number(process.env.BENCH_LEASES ?? 100_000);
const dueCount = Math.max(1, Math.round(leaseCount / 100));
// The old path (a release command and the object's workers) is slow; a sample is enough for its per-lease cost.
const queueSample = Math.min(dueCount, Number(process.env.BENCH_QUEUE_SAMPLE ?? 100));
// Scale out: this many due at once, more than one invocation does itself (its inline limit).
const fanOutDue = Number(process.env.BENCH_FANOUT_DUE ?? 10_000);
const inlineLimit = 500;
// Consumer invocations at once (the event source's MaximumConcurrency). Locally they all share one Node and one DynamoDB Local.
const fanOutConcurrency = Number(process.env.BENCH_FANOUT_CONCURRENCY ?? 8);

/** Tears nothing down: the bench measures the registry, not a cloud API. */
const plain: Blueprint = { name: "bench", destroy: async () => "destroyed" };
/** The shipped blueprints' last-moment veto (a `protectedUntil` attribute), which needs the resource read. */
const vetoing: Blueprint = { name: "bench-veto", destroy: async () => "destroyed", vetoExpiry: protectedUntilVeto({ now: () => Date.now() }) };

type Item = Record<string, unknown>;

const notDueFor = 10 * 365 * 24 * 3_600_000;

/** Ten leases per resource, as when a pool of hosts is shared by CI jobs; `due` of them past their expiry, one per resource. */
function registryItems(prefix: string, leases: number, due: number, blueprint: string, now: number): Item[] {
  const resources = Math.max(due, Math.round(leases / 10));
  const leaseIds = Array.from({ length: resources }, () => [] as string[]);
  const items: Item[] = [];
  for (let i = 0; i < leases; i++) {
    const id = `${prefix}l-${i}`;
    const r = i % resources;
    leaseIds[r]?.push(id);
    // Not due: far in the future, so that a prebuilt database (see cachedDynamo) is the same whenever it is used.
    const expiresAt = i < due ? now - 1_000 : now + notDueFor + i;
    items.push({
      pk: `lease#${id}`, sk: "record", type: "lease", id, resourceId: `${prefix}r-${r}`, blueprint, holder: "bench", status: "active",
      version: 3, createdAt: now, updatedAt: now, expiresAt, expiryShard: expiryShardOf(`lease#${id}`),
    });
  }
  for (let r = 0; r < resources; r++) {
    const id = `${prefix}r-${r}`;
    items.push({
      pk: `resource#${id}`, sk: "record", type: "resource", id, kind: "host", blueprint, attributes: {}, status: "active",
      version: 1, createdAt: now, updatedAt: now, references: [], leaseIds: new Set(leaseIds[r]),
    });
  }
  return items;
}

const perLease = (r: MeterReading, n: number) => ({
  "requests/lease": (r.requests / n).toFixed(2),
  "RCU/lease": (r.readCapacity / n).toFixed(3),
  "WCU/lease": (r.writeCapacity / n).toFixed(2),
});

export async function run(): Promise<void> {
  // The 100,000 leases are the same on every run: built once into a database file and started from a copy of it.
  const recipe = JSON.stringify({ leaseCount, dueCount, blueprint: plain.name, items: registryItems.toString(), shard: expiryShardOf.toString(), notDueFor });
  console.log(`${leaseCount.toLocaleString()} leases (${dueCount} due) and their resources…`);
  const world = await cachedDynamo("bench-expiry-", recipe, async (w) => {
    const first = registryItems("a", leaseCount, dueCount, plain.name, Date.now());
    console.log(`building the prebuilt database once: seeding ${first.length.toLocaleString()} items with BatchWriteItem…`);
    console.log(`seeded in ${(await seed(w.doc, w.names.registry, first)).toFixed(1)} s`);
  });
  console.log(`ready in ${world.seconds.toFixed(1)} s (${world.fromCache ? "DynamoDB Local started on a copy of the prebuilt database" : "built now, kept for the next runs"})`);
  try {
    const now = Date.now();

    // A metered client of its own, so only the sweep's requests are counted.
    const client = localDynamoClient(world.endpoint);
    const meter = meterClient(client);
    const doc = documentClient(client);
    const leases = composeLeases({ doc, tables: world.names, blueprints: [plain, vetoing], workerId: "bench", sweepConcurrency: 32, inlineLimit: Number.MAX_SAFE_INTEGER });

    const find = await leases.sweep.run({ dryRun: true });
    const findReading = meter.reading();
    meter.reset();
    let started = Date.now();
    const report = await leases.sweep.run();
    const seconds = (Date.now() - started) / 1000;
    const sweepReading = meter.reading();
    meter.reset();

    let scanned = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(new ScanCommand({ TableName: world.names.registry, ExclusiveStartKey: startKey }));
      scanned += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    const scanReading = meter.reading();
    meter.reset();

    // The same, on resources whose blueprint asks for a last-moment veto (as the shipped ones do).
    await seed(world.doc, world.names.registry, registryItems("b", dueCount * 10, dueCount, vetoing.name, now));
    const vetoReport = await leases.sweep.run();
    const vetoReading = meter.reading();
    meter.reset();

    // Baseline in the same run: every expiry through a release command and the objects' workers (the sweep before this change).
    await seed(world.doc, world.names.registry, registryItems("c", queueSample * 10, queueSample, plain.name, now));
    const queued = new ExpirySweep({ registry: leases.registry, queue: leases.queue, worker: leases.worker, concurrency: 32 });
    started = Date.now();
    const queueReport = await queued.run();
    const queueSeconds = (Date.now() - started) / 1000;
    const queueReading = meter.reading();

    const inOne = report.expiredInOneWrite;
    console.log(`\n${leaseCount.toLocaleString()} leases, ${dueCount} due; found ${find.expired.length}, ended ${inOne} in one transaction each, ${report.outcomes.length - inOne} through queues; failures ${report.failures.length + vetoReport.failures.length + queueReport.failures.length}`);
    table([
      { what: "find due (index queries)", requests: findReading.requests, RCU: findReading.readCapacity.toFixed(1), WCU: 0, ...perLease(findReading, dueCount) },
      { what: "whole sweep, blueprint without veto", requests: sweepReading.requests, RCU: sweepReading.readCapacity.toFixed(1), WCU: sweepReading.writeCapacity.toFixed(0), ...perLease(sweepReading, dueCount) },
      { what: "whole sweep, blueprint with veto", requests: vetoReading.requests, RCU: vetoReading.readCapacity.toFixed(1), WCU: vetoReading.writeCapacity.toFixed(0), ...perLease(vetoReading, vetoReport.expiredInOneWrite || 1) },
      { what: `baseline: through queues (${queueSample} due)`, requests: queueReading.requests, RCU: queueReading.readCapacity.toFixed(1), WCU: queueReading.writeCapacity.toFixed(0), ...perLease(queueReading, queueSample) },
      { what: `full table scan (${scanned.toLocaleString()} items)`, requests: scanReading.requests, RCU: scanReading.readCapacity.toFixed(1), WCU: 0, ...perLease(scanReading, dueCount) },
    ]);
    console.log(`\nrequests per expired lease: baseline / one transaction = ${ratio(queueReading.requests / queueSample, sweepReading.requests / dueCount)}`);
    console.log(`full scan / whole sweep: ${ratio(scanReading.readCapacity, sweepReading.readCapacity)} the read capacity`);
    console.log(`end to end: ${inOne} leases expired in ${seconds.toFixed(2)} s = ${(inOne / seconds).toFixed(0)} leases/s; baseline ${queueSample} in ${queueSeconds.toFixed(2)} s = ${(queueSample / queueSeconds).toFixed(0)} leases/s (DynamoDB Local, concurrency 32)`);
    console.log(
      "floor: per expired lease, the lease must change (destroyed, out of the index) and its resource's lease set must change, together" +
        " (apart, a crash leaves a destroyed lease holding its resource): one TransactWriteItems of 2 items = 1 request, 4 WCU on the table" +
        " + 1-2 WCU for the index entry it removes (DynamoDB Local counts these). Reads: the index query, amortised; a veto needs the resource (0.5 RCU, eventually consistent, re-checked by version in the write).",
    );
    await fanOut(world, now);
    client.destroy();
  } finally {
    await world.stop();
  }
}

/**
 * `fanOutDue` leases due at once: the sweep (inline limit 500) queues them all, and the local
 * stand-in for SQS + Lambda's event source delivers them in batches of 100 to the consumer
 * handler the stack deploys, eight invocations at a time, with partial batch failures.
 */
async function fanOut(world: Awaited<ReturnType<typeof benchDynamo>>, now: number): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  const { makeHandler } = await import("@scythe/functions/leases/expiryWorker");
  const items = registryItems("f", fanOutDue, fanOutDue, plain.name, now);
  console.log(`\nfan-out: seeding ${fanOutDue.toLocaleString()} due leases on ${fanOutDue.toLocaleString()} resources…`);
  console.log(`seeded in ${(await seed(world.doc, world.names.registry, items)).toFixed(1)} s`);

  const client = localDynamoClient(world.endpoint);
  const meter = meterClient(client);
  const doc = documentClient(client);
  const consumer = composeLeases({ doc, tables: world.names, blueprints: [plain, vetoing], workerId: "bench-consumer", sweepConcurrency: 16 });
  const handler = makeHandler(() => consumer);
  const queue = new LocalExpiryQueue({ handler: (event, context) => handler(event as never, context) as never, batchSize: 100, concurrency: fanOutConcurrency });
  const sweeper = composeLeases({ doc, tables: world.names, blueprints: [plain, vetoing], workerId: "bench-sweep", fanOut: queue, inlineLimit });

  const started = Date.now();
  const report = await sweeper.sweep.run();
  const queuedAfter = (Date.now() - started) / 1000;
  await queue.drained();
  const seconds = (Date.now() - started) / 1000;
  const reading = meter.reading();
  client.destroy();

  table([
    {
      due: fanOutDue,
      "fanned out": report.fannedOut,
      "invocations (at once)": `${queue.stats.invocations} (${fanOutConcurrency})`,
      redeliveries: queue.stats.redeliveries,
      "dead letters": queue.deadLetters.length,
      "sweep returned (s)": queuedAfter.toFixed(2),
      "all expired (s)": seconds.toFixed(2),
      "leases/s": (fanOutDue / seconds).toFixed(0),
      ...perLease(reading, fanOutDue),
    },
  ]);
}
