import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Clock } from "@scythe/core/clock";
import type { LockService } from "@scythe/core/lock";
import { scheduledJobMetrics } from "@scythe/core/operations";
import type { AppPlatform } from "@scythe/core/ports";
import { Reaper } from "@scythe/core/reaper";
import type { ReaperReportLog } from "@scythe/core/aws/dynamo";
import { reapDefaults, reapSettings } from "@scythe/core/reaper";
import type { Namespace } from "@scythe/core/reaper";
import { reapWithLock } from "@scythe/core/reaper";
import type { ReapReport } from "@scythe/core/reaper";
import { herokuToken } from "../shared/herokuToken.js";
import { lambda } from "../shared/lambda.js";
import { logger, metrics } from "../shared/observability.js";
import { reaperEvent } from "./input.js";

export interface ReaperHandlerDeps {
  readonly locks: LockService;
  /** Builds the platform client for the token fetched this invocation (cached across warm ones). */
  readonly platform: (token: string) => AppPlatform;
  readonly loadToken: () => Promise<string>;
  /** This stage's namespace, compiled at cold start; Hatchet's default when absent. */
  readonly namespace?: Namespace;
  /** Deletes in flight at once (default 4). */
  readonly concurrency?: number;
  /** Longest wait for another reaper's pass, before remaining time bounds it (ms, default 60 s). */
  readonly lockWaitMs?: number;
  readonly clock?: Clock;
  /** Keeps the last passes' reports beside the lock (what `scythe dev`'s status page shows). */
  readonly reports?: ReaperReportLog;
}

/**
 * The reaper Lambda: parses the payload once (olderThanMinutes, limit, all, dryRun), then
 * fetches the token, then runs one pass under the lock within the invocation's remaining
 * time on the payload over the stage's settings, and returns the report (also logged, with
 * one metric per count).
 */
export function makeHandler(deps: ReaperHandlerDeps) {
  let platform: { token: string; client: AppPlatform } | undefined;
  return lambda({
    job: scheduledJobMetrics.reaper,
    scheduled: true,
    schema: reaperEvent,
    context: herokuToken({ load: deps.loadToken }),
    fn: async (input, context): Promise<ReapReport> => {
      const token = context.herokuToken;
      if (platform?.token !== token) platform = { token, client: deps.platform(token) };
      const reaper = new Reaper({
        platform: platform.client,
        ...(deps.clock ? { clock: deps.clock } : {}),
        onEvent: (event) => {
          if (event.type === "deleted" || event.type === "conflict" || event.type === "error" || event.type === "waiting") logger.info(`reaper ${event.type}`, { event });
        },
      });
      const settings = reapSettings({ ...reapDefaults, ...input, ...(deps.concurrency ? { concurrency: deps.concurrency } : {}) }, deps.namespace);
      const report = await reapWithLock(
        deps.locks,
        reaper,
        settings,
        { lockWaitMs: deps.lockWaitMs ?? 60_000, remainingMs: () => context.getRemainingTimeInMillis(), safetyMs: 10_000, ...(deps.reports && { reports: deps.reports }) },
      );
      metrics.addMetric("reaper.deleted", MetricUnit.Count, report.dryRun ? 0 : report.deleted.length);
      metrics.addMetric("reaper.left", MetricUnit.Count, report.left.length);
      metrics.addMetric("reaper.conflicts", MetricUnit.Count, report.conflicts.length);
      metrics.addMetric("reaper.errors", MetricUnit.Count, report.errors.length);
      metrics.addMetric("reaper.apiCalls", MetricUnit.Count, report.apiCalls);
      if (report.notRecorded) logger.warn("reaper report not recorded", { reason: report.notRecorded });
      logger.info("reaper pass", { report });
      return report;
    },
  });
}
