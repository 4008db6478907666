import { MetricUnit, type Metrics } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import type { Logger } from "@aws-lambda-powertools/logger";
import { BadInputError } from "@scythe/core/errors";

/**
 * Middy middleware: one metric per outcome (`<job>.succeeded` / `<job>.failed.<ErrorName>`),
 * `<job>.failed` for any failure (what the alarms watch: error names are open-ended) and
 * one log line for a failure, so an operator can alarm on what each job did.
 */
export function recordOutcome(options: { job: string; metrics: Metrics; logger: Logger }): MiddlewareObj<unknown, unknown> {
  const { job, metrics, logger } = options;
  return {
    after: () => {
      metrics.addMetric(`${job}.succeeded`, MetricUnit.Count, 1);
    },
    onError: (request) => {
      const error = request.error;
      const name = error instanceof Error ? error.name : "Error";
      metrics.addMetric(`${job}.failed.${name}`, MetricUnit.Count, 1);
      metrics.addMetric(`${job}.failed`, MetricUnit.Count, 1);
      // Bad input is the caller's to fix, not an incident: warn, and keep ERROR for faults.
      const log = error instanceof BadInputError ? logger.warn.bind(logger) : logger.error.bind(logger);
      log(`${job} failed`, { error: error instanceof Error ? error : String(error) });
    },
  };
}
