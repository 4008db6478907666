import type { App } from "sst/constructs";
import { defaultSchedules as defaults, type ScheduledJob } from "../packages/core/src/operations/schedules.js";
import { isDevelopmentStage } from "./tableProps.js";

export type { ScheduledJob };

/**
 * A job's EventBridge schedule on this stage: `SCYTHE_SCHEDULE_<JOB>` at deploy time
 * overrides the default (a rate/cron expression, or "off"). Destructive sweeps stay off
 * on development stages unless asked for, so a personal stage never reaps a shared fleet.
 */
export function scheduleFor(app: App, job: ScheduledJob, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[`SCYTHE_SCHEDULE_${job.toUpperCase()}`];
  if (override !== undefined) return override === "off" ? undefined : override;
  if (isDevelopmentStage(app.stage) && job !== "expiry") return undefined;
  return defaults[job];
}
