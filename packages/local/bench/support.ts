import { documentClient } from "@scythe/core/aws/dynamo/client";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mapLimit, tableNamesWithPrefix } from "@scythe/core";
import { localDynamoClient } from "../src/world/clients.js";
import { startDynamoDbLocal } from "../src/world/dynamodbLocal.js";
import { onShutdown } from "../src/world/shutdown.js";
import { createTables } from "../src/world/tables.js";

/** A DynamoDB Local with fresh Scythe tables for one benchmark, stopped on every exit path. */
export async function benchDynamo(prefix: string) {
  const dynamo = await startDynamoDbLocal();
  const unregister = onShutdown(() => dynamo.stop());
  const client = localDynamoClient(dynamo.endpoint);
  const names = tableNamesWithPrefix(prefix);
  await createTables(client, names);
  return {
    endpoint: dynamo.endpoint,
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
 * whatever DynamoDB returns unprocessed: how a benchmark fills a table in seconds.
 */
export async function seed(doc: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[], concurrency = 32): Promise<number> {
  const started = Date.now();
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
  return (Date.now() - started) / 1000;
}
