import { MetricUnit } from "@aws-lambda-powertools/metrics";
import * as z from "zod";
import type { Deallocator } from "@scythe/core/deallocator";
import { scheduledJobMetrics } from "@scythe/core/operations";
import { lambda } from "../shared/lambda.js";
import { logger, metrics } from "../shared/observability.js";
import { deallocatorFromEnv } from "./deps.js";

const options = z.strictObject({ dryRun: z.boolean().default(false) });

/**
 * On demand or on schedule: `{ dryRun? }`. At deploy time SST's Script sends
 * `{ params: { dryRun? } }` (swarmkit's pass at leadership change). Unknown fields are refused.
 */
export const reconcileInput = z.preprocess(
  (input) => (typeof input === "object" && input !== null && "params" in input && Object.keys(input).length === 1 ? input.params : input),
  options,
);

export function makeHandler(deallocator: () => Deallocator) {
  return lambda({
    job: scheduledJobMetrics.deallocator,
    scheduled: true,
    schema: reconcileInput,
    fn: async ({ dryRun }) => {
      const report = await deallocator().reconcile({ dryRun });
      metrics.addMetric(dryRun ? "deallocator.wouldDestroy" : "deallocator.destroyed", MetricUnit.Count, dryRun ? report.nominated.length : report.destroyed.length);
      metrics.addMetric("deallocator.kept", MetricUnit.Count, report.kept.length);
      metrics.addMetric("deallocator.errors", MetricUnit.Count, report.errors.length);
      logger.info("deallocation pass done", { report });
      return report;
    },
  });
}

export const handler = makeHandler(deallocatorFromEnv);
