import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import { DynamoLockStore } from "@scythe/core/lock/DynamoLockStore";
import { LockService } from "@scythe/core/lock/LockService";
import { scheduledJobMetrics } from "@scythe/core/operations/metrics";
import type { Inventory } from "@scythe/core/orphans/Inventory";
import { OrphanSweep, type OrphanSweepLock } from "@scythe/core/orphans/OrphanSweep";
import type { OwnerRecords } from "@scythe/core/orphans/OwnerRecords";
import { DynamoOwnerRecords } from "@scythe/core/orphans/adapters/DynamoOwnerRecords";
import { PlatformAppInventory } from "@scythe/core/orphans/adapters/PlatformAppInventory";
import { sweepInventories } from "@scythe/core/orphans/inventories";
import { HerokuPlatform } from "@scythe/core/reaper/heroku/HerokuPlatform";
import { herokuTokenSecret, tokenSource } from "../reaper/tokenSource.js";
import { platformToken, tokenFrom } from "../reaper/tokenMiddleware.js";
import { tableNameFromEnv } from "../shared/env.js";
import { lambda } from "../shared/lambda.js";
import { logger, metrics } from "../shared/observability.js";
import { once } from "../shared/once.js";

/** On-demand or scheduled payload; unknown fields are refused so a typo never runs a real sweep. */
export const orphanSweepInput = z.strictObject({ dryRun: z.boolean().default(false) });

export interface OrphanSweepDeps {
  readonly records: OwnerRecords;
  /** Instances, load balancers: dependents first. */
  readonly inventories: readonly Inventory[];
  /** Apps, swept when a platform token is configured. */
  readonly apps?: { readonly load: () => Promise<string>; readonly inventory: (token: string) => Inventory };
  /** One sweep at a time, so a second delivery of the same event deletes nothing twice. */
  readonly lock?: OrphanSweepLock;
}

export function makeHandler(deps: () => OrphanSweepDeps, options: { withApps?: boolean } = {}) {
  const handler = lambda({
    job: scheduledJobMetrics.orphans,
    scheduled: true,
    schema: orphanSweepInput,
    fn: async ({ dryRun }, context) => {
      const { records, inventories, apps, lock } = deps();
      const all = apps ? [...inventories, apps.inventory(tokenFrom(context))] : inventories;
      const report = await new OrphanSweep({ records, inventories: all, ...(lock && { lock }) }).run({ dryRun });
      const removed = Object.values(report.removed).flat().length;
      metrics.addMetric(dryRun ? "orphans.wouldRemove" : "orphans.removed", MetricUnit.Count, removed);
      metrics.addMetric("orphans.errors", MetricUnit.Count, report.errors.length);
      logger.info("orphan sweep done", { report });
      return report;
    },
  });
  // The token is read after validation, so a bad payload never costs a secret lookup.
  return options.withApps ? handler.use(platformToken({ load: () => deps().apps?.load() ?? Promise.reject(new Error("no token source")) })) : handler;
}

const stackList = (raw: string | undefined) => (raw?.trim() ? raw.split(",").map((s) => s.trim()) : undefined);

/** Apps are swept when the stage gives this function a Heroku token (HEROKU_API_TOKEN or the bound secret). */
const appsConfigured = (env: NodeJS.ProcessEnv) => Boolean(env.HEROKU_API_TOKEN || env[`SST_Secret_value_${herokuTokenSecret}`] !== undefined);

function fromEnvironment(env: NodeJS.ProcessEnv): OrphanSweepDeps {
  const baseUrl = env.HEROKU_API_URL ?? "https://api.heroku.com";
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return {
    records: new DynamoOwnerRecords(doc, tableNameFromEnv("registry", env)),
    // A second delivery waits for the first sweep (up to 30 s), then lists afresh.
    lock: { locks: new LockService({ store: new DynamoLockStore(doc, { tableName: tableNameFromEnv("locks", env) }) }), waitMs: 30_000 },
    // The stage's OpsWorks stacks, if it names them: the same list its IAM policy allows.
    inventories: sweepInventories({ opsworks: new OpsWorksClient({}), elb: new ElasticLoadBalancingClient({}), opsworksStacks: stackList(env.SCYTHE_OPSWORKS_STACKS) }),
    // The app inventory is made per invocation: the token may have been rotated.
    ...(appsConfigured(env) && { apps: { load: tokenSource(env), inventory: (token: string) => new PlatformAppInventory(new HerokuPlatform({ baseUrl, token })) } }),
  };
}

/** One reading of the environment per cold start decides both what to sweep and with what. */
const environment = { ...process.env };
export const handler = makeHandler(once(() => fromEnvironment(environment)), { withApps: appsConfigured(environment) });
