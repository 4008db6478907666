import { LockHeldError } from "../lock/errors.js";
import type { LockService } from "../lock/LockService.js";
import { withLock } from "../lock/withLock.js";
import { fenceOf } from "../lock/fence.js";
import type { ReaperReportLog } from "../aws/dynamo/ReportLog.js";
import type { ReapSettings } from "./inputs.js";
import type { PassControl } from "./ReapPass.js";
import type { Reaper } from "./Reaper.js";
import type { ReapReport } from "./report.js";

export interface LockedPassOptions extends PassControl {
  /** Lock held for the pass (default `reaper/<platform>`): one pass at a time across machines. */
  readonly lockName?: string;
  /** Lease length; withLock renews it every third (ms, default 60 s). */
  readonly leaseMs?: number;
  /** How long to wait for another reaper's pass to end (ms, default 0; bounded by remainingMs). */
  readonly lockWaitMs?: number;
  /** Keeps the last passes' reports beside the lock, written under the pass's token (the status page shows them). */
  readonly reports?: ReaperReportLog;
}

/**
 * One pass under the DynamoDB lock, so concurrent reapers never issue duplicate deletes.
 * A reaper that waited lists afresh inside the lock; one that could not get the lock in
 * time returns a report saying so instead of racing the holder. The settings come parsed
 * by the entry point (parseReapInput, or the Lambda's event schema): nothing here parses again.
 */
export async function reapWithLock(locks: LockService, reaper: Reaper, settings: ReapSettings, options: LockedPassOptions = {}): Promise<ReapReport> {
  const name = options.lockName ?? `reaper/${reaper.platformName}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const budget = options.remainingMs ? Math.max(0, options.remainingMs() - (options.safetyMs ?? 5_000) - leaseMs / 3) : Infinity;
  const waitMs = Math.floor(Math.min(options.lockWaitMs ?? 0, budget));
  const asked = locks.now();
  try {
    return await withLock(locks, name, { leaseMs, waitMs, signal: options.signal }, async ({ signal, lease }) => {
      const waitedMs = locks.now() - asked;
      const both = options.signal ? AbortSignal.any([options.signal, signal]) : signal;
      const report: ReapReport = { ...(await reaper.run(settings, { ...options, signal: both })), lock: { name, token: lease().token, waitedMs } };
      if (!options.reports) return report;
      // The deletes are done whatever happens here: a report that cannot be kept is said, not thrown.
      return options.reports.record(name, report, fenceOf(lease())).then(
        () => report,
        (error: unknown) => ({ ...report, notRecorded: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      );
    });
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    return { ...reaper.emptyReport(settings), lock: { name, waitedMs: locks.now() - asked, skipped: error.message } };
  }
}
