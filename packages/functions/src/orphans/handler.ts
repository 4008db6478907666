import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import * as z from "zod";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { scheduledJobMetrics } from "@scythe/core/operations";
import type { Inventory } from "@scythe/core/orphans";
import { OrphanSweep, type OrphanSweepLock } from "@scythe/core/orphans";
import type { OwnerRecords } from "@scythe/core/orphans";
import { DynamoOwnerRecords } from "@scythe/core/aws/dynamo";
import { PlatformAppInventory } from "@scythe/core/orphans";
import { sweepInventories } from "@scythe/core/orphans";
import { HerokuPlatform } from "@scythe/core/aws/heroku";
import { documentClient } from "../shared/clients.js";
import { readConfig } from "../shared/config.js";
import { herokuToken } from "../shared/herokuToken.js";
import { herokuTokenConfigured, tokenSource } from "../shared/herokuTokenSource.js";
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
  const sweep = async (dryRun: boolean, token?: string) => {
    const { records, inventories, apps, lock } = deps();
    const all = apps && token !== undefined ? [...inventories, apps.inventory(token)] : inventories;
    const report = await new OrphanSweep({ records, inventories: all, ...(lock && { lock }) }).run({ dryRun });
    const removed = Object.values(report.removed).flat().length;
    metrics.addMetric(dryRun ? "orphans.wouldRemove" : "orphans.removed", MetricUnit.Count, removed);
    metrics.addMetric("orphans.errors", MetricUnit.Count, report.errors.length);
    logger.info("orphan sweep done", { report });
    return report;
  };
  const job = { job: scheduledJobMetrics.orphans, scheduled: true, schema: orphanSweepInput };
  if (!options.withApps) return lambda({ ...job, fn: ({ dryRun }) => sweep(dryRun) });
  return lambda({
    ...job,
    // The token is read after validation, so a bad payload never costs a secret lookup.
    context: herokuToken({ load: () => deps().apps?.load() ?? Promise.reject(new Error("no token source")) }),
    fn: ({ dryRun }, context) => sweep(dryRun, context.herokuToken),
  });
}

function fromEnvironment(env: NodeJS.ProcessEnv): OrphanSweepDeps {
  const config = readConfig(env);
  const doc = documentClient();
  return {
    records: new DynamoOwnerRecords(doc, config.table("registry")),
    // A second delivery waits for the first sweep (up to 30 s), then lists afresh.
    lock: { locks: new LockService({ store: new DynamoLockStore(doc, { tableName: config.table("locks") }) }), waitMs: 30_000 },
    // The stage's OpsWorks stacks, if it names them: the same list its IAM policy allows.
    inventories: sweepInventories({
      opsworks: new OpsWorksClient({}),
      elb: new ElasticLoadBalancingClient({}),
      ec2: new EC2Client({}),
      elbv2: new ElasticLoadBalancingV2Client({}),
      opsworksStacks: config.SCYTHE_OPSWORKS_STACKS,
    }),
    // The app inventory is made per invocation: the token may have been rotated.
    ...(herokuTokenConfigured(env) && {
      apps: { load: tokenSource(env), inventory: (token: string) => new PlatformAppInventory(new HerokuPlatform({ baseUrl: config.HEROKU_API_URL, token })) },
    }),
  };
}

/** One reading of the environment per cold start decides both what to sweep and with what. */
const environment = { ...process.env };
export const handler = makeHandler(once(() => fromEnvironment(environment)), { withApps: herokuTokenConfigured(environment) });
