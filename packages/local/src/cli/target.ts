import { documentClient } from "@scythe/core/aws/dynamo";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableNames } from "@scythe/core/schema";
import { tableNamesFromEnv } from "@scythe/functions/shared/env";
import { localDocumentClient } from "../world/clients.js";
import { cliEnv } from "./context.js";
import { findWorld } from "../world/worldFile.js";
import type { WorldEndpoints } from "../world/world.js";

/** What a command acts on: the local world, or a deployed stage under `npx sst bind`. */
export interface Target {
  readonly kind: "local" | "stage";
  readonly description: string;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
  readonly world?: WorldEndpoints;
}

export async function resolveTarget(env: NodeJS.ProcessEnv = cliEnv()): Promise<Target> {
  if (env.SST_Table_tableName_Locks) {
    const doc = documentClient();
    return { kind: "stage", description: `stage ${env.SST_STAGE ?? "(bound)"}`, doc, tables: tableNamesFromEnv(env) };
  }
  const world = await findWorld(undefined, env);
  return { kind: "local", description: `local world (DynamoDB ${world.dynamodb})`, doc: localDocumentClient(world.dynamodb), tables: world.tables, world };
}
