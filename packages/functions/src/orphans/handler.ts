import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import {
  ClassicElbInventory,
  DynamoOwnerRecords,
  OpsWorksInstanceInventory,
  OrphanSweep,
  type Inventory,
} from "@scythe/core";
import { tableNameFromEnv } from "../shared/env.js";
import { lambda } from "../shared/lambda.js";
import { logger, metrics } from "../shared/observability.js";
import { once } from "../shared/once.js";

/** On-demand or scheduled payload; unknown fields are refused so a typo never runs a real sweep. */
export const orphanSweepInput = z.strictObject({ dryRun: z.boolean().default(false) });

export function makeHandler(sweep: () => OrphanSweep) {
  return lambda({
    job: "orphans",
    schema: orphanSweepInput,
    fn: async ({ dryRun }) => {
      const report = await sweep().run({ dryRun });
      const removed = Object.values(report.removed).flat().length;
      metrics.addMetric(dryRun ? "orphans.wouldRemove" : "orphans.removed", MetricUnit.Count, removed);
      metrics.addMetric("orphans.errors", MetricUnit.Count, report.errors.length);
      logger.info("orphan sweep done", { report });
      return report;
    },
  });
}

/** The inventories a deployed stage sweeps, dependents first. */
export function defaultInventories(): Inventory[] {
  return [new OpsWorksInstanceInventory(new OpsWorksClient({})), new ClassicElbInventory(new ElasticLoadBalancingClient({}))];
}

/** Built on first use in each cold start, from the environment (the local world sets the same). */
export const handler = makeHandler(
  once(
    () =>
      new OrphanSweep({
        records: new DynamoOwnerRecords(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableNameFromEnv("registry")),
        inventories: defaultInventories(),
      }),
  ),
);
