import type { App } from "sst/constructs";
import { isDevelopmentStage } from "./tableProps.js";

export type ScheduledJob = "reaper" | "expiry" | "deallocator" | "orphans" | "deploy";

const defaults: Record<ScheduledJob, string | undefined> = {
  reaper: "rate(10 minutes)",
  expiry: "rate(1 minute)",
  deallocator: "rate(15 minutes)",
  orphans: "rate(1 hour)",
  deploy: undefined,
};

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
