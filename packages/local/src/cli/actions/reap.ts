import { HerokuPlatform, checkReserve, herokuApiUrl } from "@scythe/core/aws/heroku";
import { ValidationError } from "@scythe/core/errors";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { LockService } from "@scythe/core/lock";
import { ReaperReportLog } from "@scythe/core/aws/dynamo";
import { Reaper, conflictStrategies, describeReport, parseReapInput, reapWithLock, type ConflictStrategy, type ReaperEvent } from "@scythe/core/reaper";
import { parseInput } from "@scythe/core/validation";
import { lockWaitInput } from "@scythe/core/lock";
import { parseCount, parseDuration, parsePositiveDuration } from "../durations.js";
import type { Output } from "../output.js";
import { cliEnv } from "../context.js";
import { namingOptions, type OptionNames } from "../optionNames.js";
import { exitCodes } from "../exitCodes.js";
import type { ActionResult } from "../run.js";
import { ReapProgress } from "../../progress/reapProgress.js";
import { resolveTarget } from "../target.js";

interface ReapOptions {
  olderThan: string;
  limit: string;
  namespace?: string;
  all?: boolean;
  dryRun?: boolean;
  concurrency: string;
  onConflict: string;
  maxWait: string;
  lockWait: string;
  reserve: string;
}

/** The simulator's default token, for the local world only. */
const localToken = "sim-token";

function progress(output: Output) {
  return (event: ReaperEvent) => {
    if (event.type === "listed") output.progress(`listing ${event.listing}: ${event.seen} apps, ${event.matched} in the namespace`);
    else if (event.type === "deleted") output.progress(`${event.dryRun ? "would delete" : "deleted"} ${event.app.name} (${event.app.ageMinutes} min, ${event.app.reason})`);
    else if (event.type === "conflict") output.progress(`conflict on ${event.conflict.name} (${event.conflict.status}): ${event.conflict.then}`);
    else if (event.type === "error") output.progress(`error${event.error.name ? ` on ${event.error.name}` : ""}: ${event.error.message}`);
    else output.progress(`over the limit, nothing old enough: waiting ${Math.round(event.wait.ms / 1000)} s for ${event.wait.oldest}`);
  };
}

/** The option that feeds each field of the reaper's input, so a refusal names what the user typed. */
const reapOptionNames: OptionNames = {
  olderThanMinutes: "--older-than",
  limit: "--limit",
  concurrency: "--concurrency",
  onConflict: "--on-conflict",
  maxWaitMs: "--max-wait",
  namespace: "--namespace",
  all: "--all",
};

/** `scythe reap` */
export async function reap(output: Output, opts: ReapOptions): Promise<ActionResult> {
  const olderThanMs = parsePositiveDuration("--older-than", opts.olderThan);
  if (!conflictStrategies.includes(opts.onConflict as ConflictStrategy)) {
    throw new ValidationError("--on-conflict", `"${opts.onConflict}" is not one of ${conflictStrategies.join(", ")}`);
  }
  const input = {
    olderThanMinutes: olderThanMs / 60_000,
    limit: parseCount("--limit", opts.limit),
    all: Boolean(opts.all),
    dryRun: Boolean(opts.dryRun),
    concurrency: parseCount("--concurrency", opts.concurrency),
    onConflict: opts.onConflict,
    maxWaitMs: parseDuration("--max-wait", opts.maxWait),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  };
  // Everything is checked (the namespace included) before anything is listed or deleted.
  const settings = await namingOptions(reapOptionNames, () => parseReapInput(input));
  const reserve = checkReserve("--reserve", parseCount("--reserve", opts.reserve));
  const lockWaitMs = parseDuration("--lock-wait", opts.lockWait);
  await namingOptions({ waitMs: "--lock-wait" }, () => parseInput(lockWaitInput, { waitMs: lockWaitMs }));

  const target = await resolveTarget();
  // The local world's simulator takes its own token, as `scythe orphans` uses it; HEROKU_API_TOKEN is for a stage.
  const env = cliEnv();
  const token = target.world ? localToken : env.HEROKU_API_TOKEN;
  if (!token) throw new ValidationError("HEROKU_API_TOKEN", "is not set: export the Heroku API token to reap a deployed stage's apps");
  const baseUrl = target.world ? target.world.heroku : env.HEROKU_API_URL || herokuApiUrl;
  const platform = new HerokuPlatform({ baseUrl, token, reserve });
  const locks = new LockService({ store: new DynamoLockStore(target.doc, { tableName: target.tables.locks }) });
  const live = new ReapProgress(lockWaitMs, input.dryRun);
  const print = progress(output);
  const reaper = new Reaper({ platform, onEvent: (event) => (live.on(event), print(event)) });

  output.progress(`reaping ${baseUrl} under the lock in ${target.description}${input.dryRun ? " (dry run: nothing is deleted)" : ""}`);
  const reports = new ReaperReportLog(target.doc, { tableName: target.tables.locks });
  const line = output.live(() => live.line());
  const report = await reapWithLock(locks, reaper, settings, { lockWaitMs, reports }).finally(() => line.stop());
  output.result(report, describeReport(report));
  if (report.errors.length > 0 || report.lock?.skipped) return exitCodes.failed;
  // No errors, but the pass gave up early (still over the limit when its wait ran out, a lost lock, ...).
  if (!report.complete) return exitCodes.incomplete;
}
