import { ValidationError } from "@scythe/core/errors";
import { ratePeriodSeconds, type ScheduledJob } from "@scythe/core/operations";
import {
  estimateMonthlyCost,
  measureFleet,
  monthlyUsage,
  platformLogBytesPerInvocation,
  priceTable,
  sharedStageSchedules,
  type CostEstimate,
  type Workload,
} from "../../cost/index.js";
import { startLocalWorld } from "../../world/world.js";
import { parseCount } from "../durations.js";
import type { Output } from "../output.js";

const jobs: readonly ScheduledJob[] = ["reaper", "expiry", "deallocator", "orphans"];

/** `--schedule reaper=rate(1 hour)`, `--schedule orphans=off`: one job's schedule, checked like the stack checks it. */
export function parseSchedule(text: string, previous: Partial<Record<ScheduledJob, string | undefined>> = {}) {
  const [job, expression] = [text.slice(0, text.indexOf("=")), text.slice(text.indexOf("=") + 1)];
  if (!text.includes("=") || !jobs.includes(job as ScheduledJob)) {
    throw new ValidationError("--schedule", `"${text}" is not JOB=EXPRESSION with JOB one of ${jobs.join(", ")}`);
  }
  if (expression !== "off") {
    try {
      ratePeriodSeconds(expression);
    } catch (error) {
      throw new ValidationError("--schedule", error instanceof Error ? error.message : String(error));
    }
  }
  // One job given two schedules: keeping either would be a guess.
  if (Object.hasOwn(previous, job) && (previous[job as ScheduledJob] ?? "off") !== expression) {
    throw new ValidationError("--schedule", `${job} is given twice with different schedules ("${previous[job as ScheduledJob] ?? "off"}", "${expression}"): give it once`);
  }
  return { ...previous, [job]: expression === "off" ? undefined : expression };
}

const dollars = (n: number) => (n >= 0.01 || n === 0 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const quantity = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3));

export function describeCost(fleet: number, workload: Workload, estimate: CostEstimate): string {
  const width = Math.max(...estimate.lines.map((l) => `${l.service} ${l.item}`.length));
  const rows = estimate.lines.map(
    (l) => `  ${`${l.service} ${l.item}`.padEnd(width)}  ${quantity(l.quantity).padStart(14)} ${l.unit.padEnd(13)} ${dollars(l.monthly).padStart(9)}${l.fixed ? "  (per stage)" : ""}`,
  );
  const under = estimate.total < 1;
  return [
    `Scythe's own AWS cost per month for a fleet of ${fleet} (measured in the local world, priced at ${priceTable.region} list prices of ${priceTable.date}, no free tier):`,
    `  workload: ${workload.leasesPerDay} leases/day, ${workload.appsPerDay} apps reaped/day, ${workload.deploysPerWeek} rolling deploy(s)/week; schedules ${jobs.map((j) => `${j} ${workload.schedules[j] ?? "off"}`).join(", ")}`,
    ...rows,
    `  ${"total".padEnd(width)}  ${"".padStart(28)} ${dollars(estimate.total).padStart(9)}`,
    `  of which grows with the work: ${dollars(estimate.usage)}; fixed per stage (metrics, alarms, dashboard): ${dollars(estimate.fixed)}`,
    `${under ? "Under" : "Over"} $1 per month. Dominated by: ${estimate.dominant.map((l) => `${l.service} ${l.item.replace(/ \(.*$/, "")} (${dollars(l.monthly)})`).join(", ")}.`,
    `Assumed, not measured: Lambda durations are the handlers' time in-process against local endpoints (arm64, 512 MB); ` +
      `${platformLogBytesPerInvocation} bytes of Lambda platform log lines per invocation; every invocation traced; no cold starts, retries or failures.`,
  ].join("\n");
}

/** `scythe cost` */
export async function cost(output: Output, opts: { fleet: string; appsPerDay: string; deploysPerWeek: string; leasesPerDay?: string; schedule?: string[] }): Promise<void> {
  const fleet = parseCount("--fleet", opts.fleet);
  const schedule = (opts.schedule ?? []).reduce<Partial<Record<ScheduledJob, string | undefined>>>((previous, text) => parseSchedule(text, previous), {});
  if (fleet < 1 || fleet > 1000) throw new ValidationError("--fleet", "must be between 1 and 1000");
  const workload: Workload = {
    leasesPerDay: opts.leasesPerDay === undefined ? fleet : parseCount("--leases-per-day", opts.leasesPerDay),
    appsPerDay: parseCount("--apps-per-day", opts.appsPerDay),
    deploysPerWeek: parseCount("--deploys-per-week", opts.deploysPerWeek),
    schedules: sharedStageSchedules(schedule),
  };
  // The handlers log and publish metrics as deployed (Powertools at INFO, metrics on): that output is what is counted.
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  output.progress("starting a fresh local world (DynamoDB Local + fleet simulator)");
  const world = await startLocalWorld({ timeScale: 1, tablePrefix: `scythe-cost-${process.pid}-` });
  try {
    const measured = await measureFleet(world, { fleet }, (line) => output.progress(line));
    const usage = monthlyUsage(measured, workload);
    const estimate = estimateMonthlyCost(usage, priceTable);
    output.result({ fleet, workload, prices: priceTable, measured, usage, estimate }, describeCost(fleet, workload, estimate));
  } finally {
    await world.stop();
  }
}
