import { alarmPlan, defaultSchedules, stageDeadLetters, hoursPerMonth, runsPerMonth, type ScheduledJob } from "@scythe/core/operations";
import type { FleetMeasurement } from "./measure.js";
import type { MonthlyUsage, WorkloadLine } from "./usage.js";

export interface Workload {
  /** Leases taken (through the leases Lambda) and left to expire, per day (default: one per instance). */
  readonly leasesPerDay: number;
  /** Ephemeral apps the reaper deletes per day. */
  readonly appsPerDay: number;
  /** Rolling deploys of the whole fleet per week. */
  readonly deploysPerWeek: number;
  /** Each job's schedule (the shared stage's defaults unless overridden; absent = off). */
  readonly schedules: Partial<Record<ScheduledJob, string>>;
}

/** Memory every Scythe function is given (stacks/defaults.ts). */
export const lambdaMemoryMb = 512;
/** Lambda's own START, END and REPORT lines per invocation, in bytes: an assumption. */
export const platformLogBytesPerInvocation = 300;

const daysPerMonth = hoursPerMonth / 24;
const weeksPerMonth = hoursPerMonth / 168;

export function sharedStageSchedules(overrides: Partial<Record<ScheduledJob, string | undefined>> = {}): Partial<Record<ScheduledJob, string>> {
  const jobs: ScheduledJob[] = ["reaper", "expiry", "deallocator", "orphans"];
  return Object.fromEntries(jobs.flatMap((job) => {
    const schedule = job in overrides ? overrides[job] : defaultSchedules[job];
    return schedule ? [[job, schedule]] : [];
  }));
}

/** The month: each measured sample times how often it happens under the workload. */
export function monthlyUsage(m: FleetMeasurement, workload: Workload): MonthlyUsage {
  const scheduled = (what: string, job: ScheduledJob, sample: FleetMeasurement["expiryIdleRun"]): WorkloadLine => {
    const runs = runsPerMonth(workload.schedules[job]);
    return { what: `schedule: ${what}`, perOccurrence: sample, perMonth: runs, metricHours: Math.min(hoursPerMonth, runs) };
  };
  const events = (what: string, sample: FleetMeasurement["expiryIdleRun"], perMonth: number, metricHours = Math.min(hoursPerMonth, perMonth)): WorkloadLine => ({
    what, perOccurrence: sample, perMonth, metricHours,
  });
  const leases = workload.leasesPerDay * daysPerMonth;
  const deploys = workload.deploysPerWeek * weeksPerMonth;
  const lines = [
    scheduled(`lease expiry sweep, ${workload.schedules.expiry ?? "off"}`, "expiry", m.expiryIdleRun),
    scheduled(`deallocator pass, ${workload.schedules.deallocator ?? "off"}`, "deallocator", m.deallocatorRun),
    scheduled(`orphan sweep, ${workload.schedules.orphans ?? "off"}`, "orphans", m.orphansRun),
    scheduled(`app reaper pass, ${workload.schedules.reaper ?? "off"}`, "reaper", m.reaperIdleRun),
    events("leases acquired (leases Lambda)", m.perLeaseAcquired, leases),
    events("leases expired (sweep work, stream consumers)", m.perLeaseExpired, leases),
    events("apps reaped", m.perAppReaped, workload.appsPerDay * daysPerMonth),
    events(`rolling deploys of ${m.fleet} instances`, m.perDeploy, deploys, deploys * Math.ceil(m.deployHours)),
  ];
  // The Janitor stack's dead-letter queues: the stage's failure destination and the expiry work queue's.
  const deadLetterQueues = [stageDeadLetters, "LeaseExpiryDeadLetters"];
  const alarmMetrics = alarmPlan({ stage: "prod", schedules: workload.schedules, deadLetterQueues }).reduce((n, a) => n + a.metrics.length, 0);
  return { lines, storedBytes: m.storedBytes, alarmMetrics, dashboards: 1, lambdaMemoryMb, platformLogBytesPerInvocation };
}
