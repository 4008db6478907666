import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Leases } from "@scythe/core/aws/dynamo";
import { expiryBacklogMetric, expiryLagMetric, itemErrorMetrics, deletionMetrics, scheduledJobMetrics } from "@scythe/core/operations";
import * as z from "zod";
import { lambda } from "../shared/lambda.js";
import { metrics } from "../shared/observability.js";
import { leasesFromEnv } from "../shared/leases.js";
import { once } from "../shared/once.js";

/**
 * The EventBridge scheduled event (its fields are not used), or `{ dryRun? }` on demand.
 * Anything else is refused, naming the field: a typo such as `dryrun` must not run a real sweep.
 */
export const sweepEvent = z.preprocess(
  (input) => (typeof input === "object" && input !== null && "source" in input && input.source === "aws.events" ? {} : input),
  z.strictObject({ dryRun: z.boolean().optional() }),
);

const job = scheduledJobMetrics.expiry;

export function makeHandler(deps: () => Leases) {
  return lambda({
    job,
    scheduled: true,
    schema: sweepEvent,
    fn: async (event, context) => {
      // What fits in this invocation's time is done here, the rest fanned out.
      const report = await deps().sweep.run({ dryRun: event.dryRun ?? false, remainingMs: () => context.getRemainingTimeInMillis() });
      // Backlog: what was due when the sweep looked; lag: how long the oldest of it had waited.
      metrics.addMetric(expiryBacklogMetric, MetricUnit.Count, report.expired.length + report.stalled.length);
      metrics.addMetric(expiryLagMetric, MetricUnit.Seconds, report.oldestDueAt === undefined ? 0 : Math.max(0, (report.now - report.oldestDueAt) / 1000));
      metrics.addMetric(deletionMetrics[job], MetricUnit.Count, report.dryRun ? 0 : report.expired.length);
      metrics.addMetric(itemErrorMetrics[job], MetricUnit.Count, report.failures.length);
      return {
        dryRun: report.dryRun,
        expired: report.expired.length,
        stalled: report.stalled.length,
        consumed: report.outcomes.reduce((n, o) => n + o.consumed.length, 0),
        expiredInOneWrite: report.expiredInOneWrite,
        fannedOut: report.fannedOut,
        failures: report.failures,
      };
    },
  });
}

export const handler = makeHandler(once(() => leasesFromEnv()));
