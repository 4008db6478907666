import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { tableNamesWithPrefix, type TableNames } from "@scythe/core/schema";
import { localDocumentClient, localDynamoClient } from "../../packages/local/src/world/clients.js";
import { createTables } from "../../packages/local/src/world/tables.js";

/** Fresh Scythe tables in the run's shared DynamoDB Local, under a prefix no other test uses. */
export async function freshTables() {
  const endpoint = inject("dynamoEndpoint");
  const names: TableNames = tableNamesWithPrefix(`t${randomUUID().slice(0, 8)}-`);
  const client = localDynamoClient(endpoint);
  await createTables(client, names);
  return { endpoint, names, client, doc: localDocumentClient(endpoint) };
}
