import { DescribeTableCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { documentClient } from "@scythe/core/aws/dynamo";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "@scythe/core/leases";
import { tableNamesWithPrefix } from "@scythe/core/schema";
import { localDynamoClient } from "../src/world/clients.js";
import { benchJvmFlags, startDynamoDbLocal } from "../src/world/dynamodbLocal.js";
import { onShutdown } from "../src/world/shutdown.js";
import { createTables } from "../src/world/tables.js";

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
