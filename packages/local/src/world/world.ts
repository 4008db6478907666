import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { tableNamesWithPrefix, type TableNames } from "@scythe/core/schema";
import { startFleetSimulator, type FleetSimulator } from "../sim/index.js";
import { localDocumentClient, localDynamoClient } from "./clients.js";
import { startDynamoDbLocal } from "./dynamodbLocal.js";
import { onShutdown } from "./shutdown.js";
import { createTables } from "./tables.js";

/** Where the pieces of a running local world answer; what `scythe dev` prints and records. */
export interface WorldEndpoints {
  readonly dynamodb: string;
  readonly simulator: string;
  readonly heroku: string;
  readonly tables: TableNames;
  readonly pid: number;
  /** `scythe dev`'s status page (locks, leases, reaper reports, deploys, the simulator's log). */
  readonly statusPage?: string;
}

export interface LocalWorld {
  readonly endpoints: WorldEndpoints;
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly simulator: FleetSimulator;
  stop(): Promise<void>;
}

export interface LocalWorldOptions {
  /** Simulated durations scale: real ms per simulated second (default 1: a 300 s drain takes 300 ms). */
  readonly timeScale?: number;
  readonly tablePrefix?: string;
  readonly dynamoPort?: number;
  readonly simulatorPort?: number;
  /** Start DynamoDB Local's JVM for a quick start rather than for speed once warm (`scythe dev`). */
  readonly quickStart?: boolean;
}

/** DynamoDB Local with Scythe's tables, plus the fleet simulator; stopped on every exit path. */
export async function startLocalWorld(options: LocalWorldOptions = {}): Promise<LocalWorld> {
  const [dynamoLocal, simulator] = await Promise.all([
    startDynamoDbLocal({ port: options.dynamoPort, quickStart: options.quickStart }),
    startFleetSimulator({ port: options.simulatorPort, timeScale: options.timeScale ?? 1 }),
  ]);
  const stopAll = async () => {
    await Promise.allSettled([dynamoLocal.stop(), simulator.close()]);
  };
  const unregister = onShutdown(stopAll);
  const tables = tableNamesWithPrefix(options.tablePrefix ?? "scythe-local-");
  const dynamo = localDynamoClient(dynamoLocal.endpoint);
  try {
    await createTables(dynamo, tables);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    endpoints: {
      dynamodb: dynamoLocal.endpoint,
      simulator: simulator.endpoint,
      heroku: `${simulator.endpoint}/heroku`,
      tables,
      pid: process.pid,
    },
    dynamo,
    doc: localDocumentClient(dynamoLocal.endpoint),
    simulator,
    stop: async () => {
      unregister();
      dynamo.destroy();
      await stopAll();
    },
  };
}
