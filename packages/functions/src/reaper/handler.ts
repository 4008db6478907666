import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoLockStore } from "@scythe/core/lock/DynamoLockStore";
import { LockService } from "@scythe/core/lock/LockService";
import { ReaperReportLog } from "@scythe/core/reaper/ReportLog";
import { HerokuPlatform } from "@scythe/core/reaper/heroku/HerokuPlatform";
import { Namespace } from "@scythe/core/reaper/namespace";
import { parseInput } from "@scythe/core/validation";
import { z } from "zod";
import { makeHandler } from "./makeHandler.js";
import { tokenSource } from "./tokenSource.js";

/** Stage settings the stack passes in the environment; checked once per cold start. */
const settings = z.object({
  SST_Table_tableName_Locks: z.string("is not set: bind the lock table to this function").min(3),
  HEROKU_API_URL: z.url().default("https://api.heroku.com"),
  SCYTHE_REAPER_NAMESPACE: z.string().optional(),
  SCYTHE_REAPER_RESERVE: z.coerce.number().int().min(0).default(300),
  SCYTHE_REAPER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
});

function fromEnvironment(env: NodeJS.ProcessEnv) {
  const config = parseInput(settings, env, "environment");
  const namespace = config.SCYTHE_REAPER_NAMESPACE;
  if (namespace !== undefined) Namespace.fromPattern(namespace, "SCYTHE_REAPER_NAMESPACE");
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const tableName = config.SST_Table_tableName_Locks;
  return {
    locks: new LockService({ store: new DynamoLockStore(doc, { tableName }) }),
    reports: new ReaperReportLog(doc, { tableName }),
    platform: (token: string) => new HerokuPlatform({ baseUrl: config.HEROKU_API_URL, token, reserve: config.SCYTHE_REAPER_RESERVE }),
    loadToken: tokenSource(env),
    concurrency: config.SCYTHE_REAPER_CONCURRENCY,
    ...(namespace !== undefined ? { namespace } : {}),
  };
}

// Clients are built once per cold start; a misconfigured stage fails here, naming the variable.
export const handler = makeHandler(fromEnvironment(process.env));
