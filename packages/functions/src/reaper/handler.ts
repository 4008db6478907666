import { LockService } from "@scythe/core/lock";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { ReaperReportLog } from "@scythe/core/aws/dynamo";
import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { Namespace } from "@scythe/core/reaper";
import { documentClient } from "../shared/clients.js";
import { readConfig } from "../shared/config.js";
import { tokenSource } from "../shared/herokuTokenSource.js";
import { makeHandler, type ReaperHandlerDeps } from "./makeHandler.js";

function fromEnvironment(env: NodeJS.ProcessEnv): ReaperHandlerDeps {
  const config = readConfig(env);
  const tableName = config.table("locks");
  const pattern = config.SCYTHE_REAPER_NAMESPACE;
  const namespace = pattern === undefined ? undefined : Namespace.fromPattern(pattern, "SCYTHE_REAPER_NAMESPACE");
  const doc = documentClient();
  return {
    locks: new LockService({ store: new DynamoLockStore(doc, { tableName }) }),
    reports: new ReaperReportLog(doc, { tableName }),
    platform: (token: string) => new HerokuPlatform({ baseUrl: config.HEROKU_API_URL, token, reserve: config.SCYTHE_REAPER_RESERVE }),
    loadToken: tokenSource(env),
    concurrency: config.SCYTHE_REAPER_CONCURRENCY,
    ...(namespace && { namespace }),
  };
}

// Clients are built once per cold start; a misconfigured stage fails here, naming the variable.
export const handler = makeHandler(fromEnvironment(process.env));
