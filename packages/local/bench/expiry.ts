// `npm run bench -- expiry`: the expiry sweep's cost per expired lease on 100,000 leases of which 1% are due,
// and scale out: the same number due ended inline and through the fan-out queue, in one run.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import type { SQSBatchResponse } from "aws-lambda";
import { documentClient } from "@scythe/core/aws/dynamo";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { composeLeases } from "@scythe/core/aws/dynamo";
import { ExpirySweep, protectedUntilVeto, type Blueprint } from "@scythe/core/leases";
import { expiryShardOf } from "@scythe/core/registry";
import { localDynamoClient } from "../src/world/clients.js";
import { LocalExpiryQueue } from "../src/world/expiryQueue.js";
import { meterClient, type MeterReading } from "../src/world/meter.js";
import { type benchDynamo, cachedDynamo, ratio, seed, table } from "./support.js";

type BenchWorld = Awaited<ReturnType<typeof benchDynamo>>;

const leaseCount = Number(process.env.BENCH_LEASES ?? 100_000);
const dueCount = Math.max(1, Math.round(leaseCount / 100));
// The old path (a release command and the object's workers) is slow; a sample is enough for its per-lease cost.
const queueSample = Math.min(dueCount, Number(process.env.BENCH_QUEUE_SAMPLE ?? 100));
// Scale out: these many due at once (each more than one invocation does itself: its inline limit), comma-separated.
const fanOutSizes = (process.env.BENCH_FANOUT_DUE ?? "2000,10000").split(",").map(Number);
const inlineLimit = 500;
// Consumer invocations at once (the event source's MaximumConcurrency). Locally they all share one Node and one DynamoDB Local.
const fanOutConcurrency = Number(process.env.BENCH_FANOUT_CONCURRENCY ?? 8);
// How long to wait for the consumers before reporting how far they got.
const fanOutTimeoutS = Number(process.env.BENCH_FANOUT_TIMEOUT_S ?? 1_200);
/**
 * Seeds keep the registry's stream on. Turning it off and on for a seed (support's default)
 * leaves DynamoDB Local slower on every later write, for good (measured: ten off-and-on
 * cycles took a transaction from 6.4 to 30.7 ms of its CPU), which made whatever ran after a
 * seed look slow: the fan-out, measured after three such seeds, looked 3x slower than inline.
 */
const keptStream = true;

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
  const recipe = JSON.stringify({ leaseCount, dueCount, blueprint: plain.name, items: registryItems.toString(), shard: expiryShardOf.toString(), notDueFor, keptStream });
  console.log(`${leaseCount.toLocaleString()} leases (${dueCount} due) and their resources…`);
  const world = await cachedDynamo("bench-expiry-", recipe, async (w) => {
    const first = registryItems("a", leaseCount, dueCount, plain.name, Date.now());
    console.log(`building the prebuilt database once: seeding ${first.length.toLocaleString()} items with BatchWriteItem…`);
    console.log(`seeded in ${(await seed(w.doc, w.names.registry, first, 32, keptStream)).toFixed(1)} s`);
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
    await seed(world.doc, world.names.registry, registryItems("b", dueCount * 10, dueCount, vetoing.name, now), 32, keptStream);
    const vetoReport = await leases.sweep.run();
    const vetoReading = meter.reading();
    meter.reset();

    // Baseline in the same run: every expiry through a release command and the objects' workers (the sweep before this change).
    await seed(world.doc, world.names.registry, registryItems("c", queueSample * 10, queueSample, plain.name, now), 32, keptStream);
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

/** Seeds `count` due leases, one per resource, under `prefix` (the table's stream stays on: see `keptStream`). */
async function seedDue(world: BenchWorld, prefix: string, count: number, now: number): Promise<void> {
  const seconds = await seed(world.doc, world.names.registry, registryItems(prefix, count, count, plain.name, now), 32, keptStream);
  console.log(`seeded ${count.toLocaleString()} due leases on ${count.toLocaleString()} resources in ${seconds.toFixed(1)} s`);
}

interface PathRun {
  readonly what: string;
  readonly done: number;
  readonly seconds: number;
  /** DynamoDB Local's CPU time over the run (s), where /proc tells it. */
  readonly localCpu?: number;
  readonly reading: MeterReading;
  readonly notes: Record<string, string | number>;
}

const notFannedOut = { "fanned out": "-", invocations: "-", redeliveries: "-", "dead letters": "-", "sweep returned (s)": "-" };

/** The same number due, ended by one sweep doing all of it itself (concurrency 32), as the baseline. */
async function inlinePath(world: BenchWorld, due: number, now: number): Promise<PathRun> {
  await seedDue(world, `g${due}-`, due, now);
  const client = localDynamoClient(world.endpoint);
  const meter = meterClient(client);
  const leases = composeLeases({ doc: documentClient(client), tables: world.names, blueprints: [plain], workerId: "bench-inline", sweepConcurrency: 32, inlineLimit: Number.MAX_SAFE_INTEGER });
  const cpu = cpuSeconds(world.pid);
  const started = performance.now();
  const report = await leases.sweep.run();
  const seconds = (performance.now() - started) / 1000;
  const localCpu = cpuSeconds(world.pid) - cpu;
  client.destroy();
  return { what: "inline: one sweep does all (32 at once)", done: report.expiredInOneWrite, seconds, localCpu, reading: meter.reading(), notes: { failures: report.failures.length, ...notFannedOut } };
}

/**
 * `due` leases due at once: the sweep (inline limit 500) queues them all, and the local
 * stand-in for SQS + Lambda's event source delivers them in batches of 100 to the consumer
 * handler the stack deploys, `fanOutConcurrency` invocations at a time, with partial batch
 * failures. Each invocation works on 16 messages at once (the handler's default).
 */
async function fanOutPath(world: BenchWorld, due: number, now: number): Promise<PathRun> {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  const { makeHandler } = await import("@scythe/functions/leases/expiryWorker");
  await seedDue(world, `f${due}-`, due, now);
  // In AWS each invocation has its own client and 50 sockets; here they share one, so it gets theirs.
  const client = localDynamoClient(world.endpoint, { maxSockets: 50 * fanOutConcurrency });
  const meter = meterClient(client);
  const doc = documentClient(client);
  const consumer = composeLeases({ doc, tables: world.names, blueprints: [plain], workerId: "bench-consumer" });
  const handler = makeHandler(() => consumer);
  let ended = 0;
  const queue = new LocalExpiryQueue({
    handler: async (event, context) => {
      const response = (await handler(event as never, context)) as SQSBatchResponse | undefined;
      ended += event.Records.length - (response?.batchItemFailures.length ?? 0);
      return response;
    },
    batchSize: 100,
    concurrency: fanOutConcurrency,
  });
  const sweeper = composeLeases({ doc, tables: world.names, blueprints: [plain], workerId: "bench-sweep", fanOut: queue, inlineLimit });

  const cpu = cpuSeconds(world.pid);
  const started = performance.now();
  const report = await sweeper.sweep.run();
  const queuedAfter = (performance.now() - started) / 1000;
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    queue.drained().then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), fanOutTimeoutS * 1000);
    }),
  ]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const localCpu = cpuSeconds(world.pid) - cpu;
  const reading = meter.reading();
  if (!finished) console.log(`stopped waiting after ${fanOutTimeoutS} s (BENCH_FANOUT_TIMEOUT_S): ${ended.toLocaleString()} of ${due.toLocaleString()} ended`);
  client.destroy();
  return {
    what: `fan-out: sweep queues, ${fanOutConcurrency} consumers at once (batches of 100, 16 at once each)`,
    done: report.expiredInOneWrite + ended,
    seconds,
    localCpu,
    reading,
    notes: {
      failures: report.failures.length,
      "fanned out": report.fannedOut,
      invocations: queue.stats.invocations,
      redeliveries: queue.stats.redeliveries,
      "dead letters": queue.deadLetters.length,
      "sweep returned (s)": queuedAfter.toFixed(2),
    },
  };
}

/** For each size: the same number due, ended inline and fanned out, one after the other in this run. */
async function fanOut(world: BenchWorld, now: number): Promise<void> {
  for (const due of fanOutSizes) {
    console.log(`\nscale out: ${due.toLocaleString()} due, ended inline (baseline) and fanned out, in this run (load average ${loadAverage()})`);
    const runs = [await inlinePath(world, due, now), await fanOutPath(world, due, now)];
    console.log(`load average after: ${loadAverage()}`);
    table(
      runs.map((r) => ({
        path: r.what,
        ended: `${r.done.toLocaleString()} of ${due.toLocaleString()}`,
        "time (s)": r.seconds.toFixed(1),
        "leases/s": (r.done / r.seconds).toFixed(0),
        ...perLease(r.reading, Math.max(1, r.done)),
        "Local CPU ms/lease": Number.isNaN(r.localCpu ?? Number.NaN) ? "n/a" : (((r.localCpu ?? 0) * 1000) / Math.max(1, r.done)).toFixed(1),
        ...r.notes,
      })),
    );
    const [inline, fanned] = runs as [PathRun, PathRun];
    console.log(`fan-out / inline, leases/s: ${ratio(fanned.done / fanned.seconds, inline.done / inline.seconds)}`);
  }
}

/** A process's user + system CPU time (s) from /proc (Linux); NaN where it cannot be read. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const loadAverage = () => loadavg().map((l) => l.toFixed(1)).join(" ");
