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

/**
 * The environment a deployed stage's CLI runs in (`npx sst bind`), pointed at fresh local
 * tables and at `stepFunctions` (a stub of the service) instead of AWS.
 */
export function stageEnv(tables: Awaited<ReturnType<typeof freshTables>>, stepFunctions: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    SCYTHE_WORLD: "",
    SST_STAGE: "prod",
    SST_Table_tableName_Locks: tables.names.locks,
    SST_Table_tableName_Registry: tables.names.registry,
    AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
    AWS_ENDPOINT_URL_SFN: stepFunctions,
    AWS_ACCESS_KEY_ID: "stage",
    AWS_SECRET_ACCESS_KEY: "stage",
    AWS_REGION: "us-east-1",
    ...extra,
  };
}
