import { RuleTargetInput } from "aws-cdk-lib/aws-events";
import { Config, Cron, Function, type App, type Stack, type Table } from "sst/constructs";
import { Namespace } from "../../packages/core/src/reaper/namespace.js";
import { useTable } from "../access.js";
import { scheduleFor } from "../schedules.js";

export interface ReaperJobOptions {
  /** Namespace regex for this stage (default Hatchet's `^hatchet-t-[a-f0-9]+$`). */
  readonly namespace?: string;
  /** Heroku API base URL (default https://api.heroku.com). */
  readonly herokuApiUrl?: string;
  /** Requests of the hourly budget the reaper leaves to the CI that creates apps. */
  readonly reserve?: number;
}

/**
 * The app reaper (Hatchet's reaper): a Lambda on an EventBridge schedule set per stage
 * (every 10 minutes by default, off on development stages; SCYTHE_SCHEDULE_REAPER overrides),
 * holding the lock table for its pass, reading the Heroku token from the `HerokuToken`
 * secret (`npx sst secrets set HerokuToken ...`). The lock table is granted its data
 * actions only: `bind` would grant `dynamodb:*`.
 */
export function reaperJobs(stack: Stack, tables: { locks: Table; registry: Table }, app: App, options: ReaperJobOptions = {}) {
  // Held to the same rule as the CLI and the payload, when the stage is built: a broad pattern fails the deploy.
  if (options.namespace !== undefined) Namespace.fromPattern(options.namespace, "namespace");
  const herokuToken = new Config.Secret(stack, "HerokuToken");
  const reaper = new Function(stack, "Reaper", {
    handler: "packages/functions/src/reaper/handler.handler",
    description: "Deletes namespace apps older than the TTL, oldest first, and keeps their number under the limit (Hatchet's reaper)",
    // Binding the secret grants ssm:GetParameters on its two parameter paths, nothing wider.
    bind: [herokuToken],
    environment: {
      ...(options.namespace ? { SCYTHE_REAPER_NAMESPACE: options.namespace } : {}),
      ...(options.herokuApiUrl ? { HEROKU_API_URL: options.herokuApiUrl } : {}),
      ...(options.reserve !== undefined ? { SCYTHE_REAPER_RESERVE: String(options.reserve) } : {}),
    },
  });
  useTable(reaper, tables.locks);

  const schedule = scheduleFor(app, "reaper");
  const cron = schedule
    ? new Cron(stack, "ReaperSchedule", {
        schedule: schedule as `rate(${string})` | `cron(${string})`,
        // The handler refuses unknown fields, so the schedule sends an empty payload (all defaults).
        job: { function: reaper, cdk: { target: { event: RuleTargetInput.fromObject({}) } } },
      })
    : undefined;

  return { reaper, cron, herokuToken };
}
