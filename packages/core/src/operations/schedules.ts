/** The jobs that run on an EventBridge schedule. */
export type ScheduledJob = "reaper" | "expiry" | "deallocator" | "orphans" | "deploy";

/** Each job's schedule on a shared stage unless `SCYTHE_SCHEDULE_<JOB>` says otherwise. */
export const defaultSchedules: Readonly<Record<ScheduledJob, string | undefined>> = {
  reaper: "rate(10 minutes)",
  expiry: "rate(1 minute)",
  deallocator: "rate(15 minutes)",
  orphans: "rate(1 hour)",
  deploy: undefined,
};

const unitSeconds: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };

/**
 * Seconds between runs of a `rate(N unit)` expression; undefined for a `cron(...)`, whose
 * spacing may vary. A malformed rate is refused, naming it.
 */
export function ratePeriodSeconds(expression: string): number | undefined {
  if (expression.startsWith("cron(")) return undefined;
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  const seconds = match?.[2] ? unitSeconds[match[2]] : undefined;
  if (!match || seconds === undefined || Number(match[1]) < 1) {
    throw new Error(`schedule "${expression}" is neither rate(N minutes|hours|days) nor cron(...)`);
  }
  return Number(match[1]) * seconds;
}

/** Hours in a month as AWS prices by the hour (365 × 24 / 12). */
export const hoursPerMonth = 730;

/** Runs per month of a schedule (a cron is counted as hourly: an assumption the caller states). */
export function runsPerMonth(expression: string | undefined): number {
  if (!expression) return 0;
  return (hoursPerMonth * 3600) / (ratePeriodSeconds(expression) ?? 3600);
}
