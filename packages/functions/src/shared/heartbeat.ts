import { MetricUnit, type Metrics } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import { jobMetric } from "@scythe/core/operations";

/**
 * Middy middleware for scheduled jobs: `<job>.heartbeat` once per run, before anything can
 * fail, so "the schedule fired" is visible apart from "the run succeeded" and an alarm can
 * tell a job that stopped running from one that ran quietly.
 */
export function heartbeat(options: { job: string; metrics: Metrics }): MiddlewareObj<unknown, unknown> {
  const { job, metrics } = options;
  return {
    before: () => {
      metrics.addMetric(jobMetric(job, "heartbeat"), MetricUnit.Count, 1);
    },
  };
}
