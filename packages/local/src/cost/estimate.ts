import { hoursPerMonth } from "@scythe/core/operations";
import type { PriceTable } from "./prices.js";
import type { MonthlyUsage } from "./usage.js";

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
  /** Fixed per stage (alarms, dashboard, metrics) rather than growing with the work done. */
  readonly fixed: boolean;
}

export interface CostEstimate {
  readonly lines: readonly CostLine[];
  readonly total: number;
  readonly fixed: number;
  readonly usage: number;
  /** The lines that make up most of the bill, largest first (at least half of it). */
  readonly dominant: readonly CostLine[];
}

const GB = 1024 ** 3;

/** The month's bill, line by line: usage times the price table. Pure arithmetic, tested with fixed counts. */
export function estimateMonthlyCost(usage: MonthlyUsage, prices: PriceTable): CostEstimate {
  const total = (pick: (l: MonthlyUsage["lines"][number]) => number) => usage.lines.reduce((n, l) => n + pick(l) * l.perMonth, 0);
  const invocations = total((l) => l.perOccurrence.invocations);
  const gbSeconds = total((l) => l.perOccurrence.billedMs) / 1000 * (usage.lambdaMemoryMb / 1024);
  const transitions = total((l) => l.perOccurrence.transitions);
  const readUnits = total((l) => l.perOccurrence.readUnits);
  const writeUnits = total((l) => l.perOccurrence.writeUnits);
  const logGb = (total((l) => l.perOccurrence.logBytes) + invocations * usage.platformLogBytesPerInvocation) / GB;
  const storedGb = usage.storedBytes / GB;

  // A metric is billed for the share of the month's hours in which it is published.
  const metricHours = new Map<string, number>();
  for (const line of usage.lines) {
    for (const name of line.perOccurrence.metricNames) metricHours.set(name, Math.max(metricHours.get(name) ?? 0, Math.min(hoursPerMonth, line.metricHours)));
  }
  const metricMonths = [...metricHours.values()].reduce((n, h) => n + h / hoursPerMonth, 0);

  const line = (service: string, item: string, quantity: number, unit: string, unitPrice: number, fixed = false): CostLine => ({
    service, item, quantity, unit, unitPrice, monthly: quantity * unitPrice, fixed,
  });
  const lines = [
    line("Lambda", "requests", invocations, "requests", prices.lambdaRequest),
    line("Lambda", `duration (arm64, ${usage.lambdaMemoryMb} MB)`, gbSeconds, "GB-s", prices.lambdaGbSecond),
    line("Step Functions", "state transitions (Standard)", transitions, "transitions", prices.stepFunctionsTransition),
    line("DynamoDB", "reads (on demand)", readUnits, "RRU", prices.dynamoReadRequestUnit),
    line("DynamoDB", "writes (on demand)", writeUnits, "WRU", prices.dynamoWriteRequestUnit),
    line("DynamoDB", "storage", storedGb, "GB-month", prices.dynamoStorageGbMonth),
    line("DynamoDB", "point-in-time recovery", storedGb, "GB-month", prices.dynamoPitrGbMonth),
    line("CloudWatch", "logs ingested", logGb, "GB", prices.logsIngestedGb),
    line("CloudWatch", "logs stored (a month's worth, uncompressed: an upper bound)", logGb, "GB-month", prices.logsStoredGbMonth),
    line("CloudWatch", `custom metrics (${metricHours.size} names, prorated by hours published)`, metricMonths, "metric-months", prices.customMetricMonth, true),
    line("CloudWatch", "alarms (standard resolution, per metric evaluated)", usage.alarmMetrics, "alarm metrics", prices.alarmMetricMonth, true),
    line("CloudWatch", "dashboard", usage.dashboards, "dashboards", prices.dashboardMonth, true),
    line("X-Ray", "traces (Lambda active tracing, every invocation: an upper bound)", invocations, "traces", prices.xrayTraceRecorded),
    line("SQS", "dead-letter queue (nothing fails in a healthy month)", 0, "requests", prices.sqsRequest),
    line("EventBridge", "scheduled invocations and service events (no charge)", total((l) => (l.what.startsWith("schedule:") ? 1 : 0)), "events", prices.eventBridgeScheduledInvocation),
  ];
  const sum = (ls: readonly CostLine[]) => ls.reduce((n, l) => n + l.monthly, 0);
  const all = sum(lines);
  const sorted = [...lines].sort((a, b) => b.monthly - a.monthly);
  const dominant: CostLine[] = [];
  for (const l of sorted) {
    if (sum(dominant) >= all / 2 || l.monthly === 0) break;
    dominant.push(l);
  }
  return { lines, total: all, fixed: sum(lines.filter((l) => l.fixed)), usage: sum(lines.filter((l) => !l.fixed)), dominant };
}
