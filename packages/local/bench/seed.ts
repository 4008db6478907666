// `npm run bench -- seed`: how long filling the registry with BENCH_SEED (100,000) leases takes, as the benchmarks do it.
import { execFileSync } from "node:child_process";
import { expiryShardOf } from "@scythe/core/registry";
import { benchJvmFlags } from "../src/world/dynamodbLocal.js";
import { ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { benchDynamo, cachedDynamo, ratio, seed, table } from "./support.js";

const count = Number(process.env.BENCH_SEED ?? 100_000);

function leases(prefix: string): Record<string, unknown>[] {
  const now = Date.now();
  // Far in the future, so that the prebuilt database is the same whenever it is used.
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}l-${i}`;
    return {
      pk: `lease#${id}`, sk: "record", type: "lease", id, resourceId: `${prefix}r-${i % (count / 10)}`, blueprint: "bench", holder: "bench",
      status: "active", version: 3, createdAt: now, updatedAt: now, expiresAt: now + 10 * 365 * 24 * 3_600_000 + i, expiryShard: expiryShardOf(`lease#${id}`),
    };
  });
}

/**
 * How long until a DynamoDB Local holds BENCH_SEED (100,000) leases. Before: BatchWriteItem
 * (25 a request, 32 in flight, the parallel collector, the stream off while seeding) into a fresh
 * in-memory DynamoDB Local, on every run; DynamoDB Local writes on one thread, so its CPU time is
 * about the wall time. Now: the benchmarks start DynamoDB Local on a copy of a database file built
 * once the same way (`cachedDynamo`); the first run after a change to the items, the tables or
 * DynamoDB Local builds it (and says so), every later one copies it. Both in this run.
 */
export async function run(): Promise<void> {
  const rows = [];
  // Both timed from the start of DynamoDB Local to a table holding every item.
  const started = Date.now();
  const world = await benchDynamo(`bench-seed-`, { jvmFlags: benchJvmFlags });
  let before = 0;
  try {
    const items = leases("s");
    const cpu = process.cpuUsage();
    const javaBefore = javaCpuSeconds(world.pid);
    await seed(world.doc, world.names.registry, items);
    before = (Date.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const java = javaCpuSeconds(world.pid) - javaBefore;
    rows.push({ setup: "before: BatchWriteItem into a fresh in-memory DynamoDB Local", items: count.toLocaleString(), seconds: before.toFixed(1), "node CPU s": ((used.user + used.system) / 1e6).toFixed(1), "DynamoDB Local CPU s": java.toFixed(0) });
  } finally {
    await world.stop();
  }
  const recipe = JSON.stringify({ count, items: leases.toString() });
  for (let i = 0; i < 2; i++) {
    const cached = await cachedDynamo("bench-seed-", recipe, async (w) => {
      await seed(w.doc, w.names.registry, leases("s"));
    });
    try {
      const counted = await countItems(cached.doc, cached.names.registry);
      rows.push({
        setup: cached.fromCache ? "now: DynamoDB Local started on a copy of the prebuilt database" : "first run only: building the prebuilt database (seed, stop, keep a copy, start on it)",
        items: counted.toLocaleString(), seconds: cached.seconds.toFixed(1), "node CPU s": "", "DynamoDB Local CPU s": "",
      });
      if (cached.fromCache) {
        table(rows);
        console.log(`speed-up: ${ratio(before, cached.seconds)} (the items counted by a scan of the started copy)`);
        return;
      }
    } finally {
      await cached.stop();
    }
  }
}

/** Items in a table, by a paged scan (Select COUNT): proof the copy holds what was seeded. */
async function countItems(doc: DynamoDBDocumentClient, tableName: string): Promise<number> {
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: tableName, Select: "COUNT", ExclusiveStartKey: startKey }));
    total += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return total;
}

/** CPU seconds the DynamoDB Local process has used (whole seconds, from ps). */
function javaCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  return Number(execFileSync("ps", ["-o", "times=", "-p", String(pid)]).toString().trim());
}
