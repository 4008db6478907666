import type { ConflictStrategy, ReapSettings } from "./inputs.js";

export type DeleteReason = "older-than-ttl" | "finished-over-limit" | "destroy-all";

export type LeftReason =
  /** Younger than the TTL and the namespace is under the limit: nothing to do. */
  | "younger-than-ttl"
  /** Over the limit, but no app reaches its TTL within the time this pass may wait. */
  | "over-limit"
  | "delete-failed"
  /** The pass stopped before reaching it: the deadline (Lambda time) was near. */
  | "out-of-time"
  /** stop-when-under-limit: a conflict brought the namespace under the limit. */
  | "stopped-under-limit"
  /** Too many conflicts: the pass refreshed `maxRefreshes` times and gave up. */
  | "refresh-limit"
  /** The reaper lock was lost (or the pass was cancelled); stopping avoids racing the next holder. */
  | "stopped";

export interface ReapedApp {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly ageMinutes: number;
  readonly reason: DeleteReason;
  /** Set when the delete's answer was lost and a retry found the app gone. */
  readonly note?: string;
}

export interface LeftApp {
  readonly id: string;
  readonly name: string;
  readonly ageMinutes: number;
  readonly why: LeftReason;
  readonly detail: string;
}

export interface ReapConflict {
  readonly id: string;
  readonly name: string;
  readonly status: number;
  readonly detail: string;
  /** What the strategy did about it. */
  readonly then: "refresh" | "continue" | "stop";
}

export interface ReapError {
  readonly phase: "list" | "delete";
  readonly id?: string;
  readonly name?: string;
  readonly error: string;
  readonly message: string;
  readonly status?: number;
}

export interface ReapWait {
  readonly ms: number;
  /** Time until the oldest app reached its TTL when the wait began (the throttle's cap). */
  readonly capMs: number;
  readonly oldest: string;
}

/** Everything one pass found and did: what a person reads and what the Lambda returns and logs. */
export interface ReapReport {
  readonly platform: string;
  readonly namespace: string;
  readonly dryRun: boolean;
  readonly mode: "older-than-ttl" | "all";
  readonly olderThanMinutes: number;
  readonly limit: number;
  readonly onConflict: ConflictStrategy;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Apps on the platform at the first listing, and how many of them were in the namespace. */
  readonly seen: number;
  readonly matched: number;
  /** In a dry run: what would have been deleted (nothing was). */
  readonly deleted: readonly ReapedApp[];
  readonly left: readonly LeftApp[];
  readonly conflicts: readonly ReapConflict[];
  readonly errors: readonly ReapError[];
  readonly waits: readonly ReapWait[];
  /** Namespace apps still there when the pass ended (by its last listing). */
  readonly remaining: number;
  readonly underLimit: boolean;
  readonly refreshes: number;
  /** Platform API requests this pass made (retries included), and how many came back 429. */
  readonly apiCalls: number;
  readonly throttled: number;
  readonly retries: number;
  readonly reserveWaitMs: number;
  /** False when the pass stopped early (deadline, lost lock, list failure, refresh limit). */
  readonly complete: boolean;
  /** Set by reapWithLock: the lock the pass held, or why it did not run. */
  readonly lock?: { readonly name: string; readonly token?: number; readonly waitedMs: number; readonly skipped?: string };
  /** Set when the pass's report could not be kept in the report log (the pass itself is done). */
  readonly notRecorded?: string;
}

/** A few lines for people (the CLI, the demo). */
export function describeReport(report: ReapReport): string {
  const verb = report.dryRun ? "would delete" : "deleted";
  const lines = [
    `${report.platform} ${report.namespace}: seen ${report.seen}, matched ${report.matched}, ${verb} ${report.deleted.length}, left ${report.left.length}` +
      `, conflicts ${report.conflicts.length}, errors ${report.errors.length}; ${report.apiCalls} API calls` +
      (report.dryRun ? " (dry run)" : ""),
  ];
  if (report.lock?.skipped) lines.push(`  skipped: ${report.lock.skipped}`);
  for (const app of report.deleted) lines.push(`  ${verb} ${app.name} (${app.ageMinutes} min old, ${app.reason}${app.note ? `; ${app.note}` : ""})`);
  for (const app of report.left) lines.push(`  left ${app.name} (${app.ageMinutes} min old): ${app.why} — ${app.detail}`);
  for (const c of report.conflicts) lines.push(`  conflict ${c.name}: ${c.status} ${c.detail} → ${c.then}`);
  for (const e of report.errors) lines.push(`  error${e.name ? ` ${e.name}` : ""} (${e.phase}): ${e.error}: ${e.message}`);
  for (const w of report.waits) lines.push(`  waited ${w.ms} ms for ${w.oldest} (cap ${w.capMs} ms)`);
  lines.push(`  ${report.remaining} left in the namespace, ${report.underLimit ? "under" : "AT OR OVER"} the limit of ${report.limit}${report.complete ? "" : "; the pass stopped early"}`);
  return lines.join("\n");
}

/** The part of a report that restates what the pass was asked to do. */
export function reportedSettings(platform: string, settings: ReapSettings) {
  return {
    platform,
    namespace: settings.namespace.toString(),
    dryRun: settings.dryRun,
    mode: settings.all ? ("all" as const) : ("older-than-ttl" as const),
    olderThanMinutes: settings.olderThanMinutes,
    limit: settings.limit,
    onConflict: settings.onConflict,
  };
}
