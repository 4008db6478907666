import {
  itemErrorMetrics,
  jobMetric,
  metricDimensions,
  metricNamespace,
  scheduledJobMetrics,
  streamJobMetrics,
} from "./metrics.js";
import { ratePeriodSeconds, type ScheduledJob } from "./schedules.js";

/** A resource an alarm's metric is about, resolved by the stack to its name or ARN. */
export type ResourceRef =
  | { readonly ref: "stateMachine" }
  | { readonly ref: "function"; readonly job: string }
  | { readonly ref: "table"; readonly table: "locks" | "registry" }
  | { readonly ref: "deadLetters"; readonly queue: string };

export interface PlannedMetric {
  /** Name in the alarm's math expression. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly statistic: "Sum" | "Maximum";
  readonly dimensions: Readonly<Record<string, string | ResourceRef>>;
}

export interface PlannedAlarm {
  readonly id: string;
  readonly description: string;
  readonly metrics: readonly PlannedMetric[];
  /** Math over the metrics' ids; absent for an alarm on its one metric. */
  readonly expression?: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** A heartbeat's silence is the alarm; anything else's silence is "nothing went wrong". */
  readonly missingData: "breaching" | "notBreaching";
}

const day = 86_400;
/** Construct id of the stage's failure-destination queue (stacks/Operations.ts). */
export const stageDeadLetters = "DeadLetters";
/** Period for error alarms of stream-fed jobs and the deploy cleanup, which have no schedule. */
const unscheduledPeriod = 300;

const sum = (items: readonly PlannedMetric[]) => items.map((m) => `FILL(${m.id}, 0)`).join(" + ");

/**
 * Every alarm a stage gets, as data: the stack builds CloudWatch alarms from it and
 * `scythe cost` counts what they cost, so the two cannot disagree.
 */
export function alarmPlan(options: {
  stage: string;
  schedules: Partial<Record<ScheduledJob, string>>;
  /** Every dead-letter queue of the stage, by construct id: the failure destination's and any work queue's. */
  deadLetterQueues?: readonly string[];
}): PlannedAlarm[] {
  const scythe = (id: string, name: string): PlannedMetric => ({
    id, namespace: metricNamespace, name, statistic: "Sum", dimensions: metricDimensions(options.stage),
  });
  const lambdaErrors = (job: string): PlannedMetric => ({
    id: "crashed", namespace: "AWS/Lambda", name: "Errors", statistic: "Sum", dimensions: { FunctionName: { ref: "function", job } },
  });
  const alarms: PlannedAlarm[] = [];

  const execution = (id: string, name: string): PlannedMetric => ({
    id, namespace: "AWS/States", name, statistic: "Sum", dimensions: { StateMachineArn: { ref: "stateMachine" } },
  });
  const executions = [execution("failed", "ExecutionsFailed"), execution("timedOut", "ExecutionsTimedOut"), execution("aborted", "ExecutionsAborted")];
  alarms.push({
    id: "DeployExecutionStoppedShort",
    description: "A rolling deploy execution failed, timed out or was aborted",
    metrics: executions,
    expression: sum(executions),
    periodSeconds: 60,
    evaluationPeriods: 1,
    comparison: "GreaterThanThreshold",
    threshold: 0,
    missingData: "notBreaching",
  });

  for (const [key, job] of Object.entries(scheduledJobMetrics) as [keyof typeof scheduledJobMetrics, string][]) {
    const schedule = options.schedules[key];
    if (!schedule) continue;
    const rate = ratePeriodSeconds(schedule);
    // A cron's spacing is unknown and CloudWatch caps an alarm's window at a day: such jobs are watched daily.
    const runsOften = rate !== undefined && rate <= day / 2;
    const period = runsOften ? rate : day;
    const errors = [scythe("failed", jobMetric(job, "failed")), scythe("items", itemErrorMetrics[job as keyof typeof itemErrorMetrics]), lambdaErrors(job)];
    alarms.push({
      id: `${alarmName(job)}Errors`,
      description: `${job}: a run failed, or failed on an item, within its schedule period`,
      metrics: errors,
      expression: sum(errors),
      periodSeconds: runsOften ? rate : 3600,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
      threshold: 0,
      missingData: "notBreaching",
    });
    alarms.push({
      id: `${alarmName(job)}MissedRuns`,
      description: `${job}: no run recorded (heartbeat) over ${runsOften ? "two schedule periods" : "a day"}`,
      metrics: [scythe("heartbeat", jobMetric(job, "heartbeat"))],
      periodSeconds: period,
      evaluationPeriods: runsOften ? 2 : 1,
      comparison: "LessThanThreshold",
      threshold: 1,
      missingData: "breaching",
    });
  }

  for (const job of [...streamJobMetrics, "deploy.cleanup"]) {
    const errors = [scythe("failed", jobMetric(job, "failed")), lambdaErrors(job)];
    alarms.push({
      id: `${alarmName(job)}Errors`,
      description: `${job}: an invocation failed`,
      metrics: errors,
      expression: sum(errors),
      periodSeconds: unscheduledPeriod,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
      threshold: 0,
      missingData: "notBreaching",
    });
  }

  const depths = (options.deadLetterQueues ?? [stageDeadLetters]).map((queue, i): PlannedMetric => ({
    id: `depth${i}`, namespace: "AWS/SQS", name: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", dimensions: { QueueName: { ref: "deadLetters", queue } },
  }));
  alarms.push({
    id: "DeadLettersWaiting",
    description: "A failed event, stream batch or work item is waiting in a dead-letter queue (scythe dlq list)",
    metrics: depths,
    ...(depths.length > 1 && { expression: depths.map((d) => `FILL(${d.id}, 0)`).join(" + ") }),
    periodSeconds: 300,
    evaluationPeriods: 1,
    comparison: "GreaterThanThreshold",
    threshold: 0,
    missingData: "notBreaching",
  });

  for (const table of ["locks", "registry"] as const) {
    const throttles = (["Read", "Write"] as const).map((kind): PlannedMetric => ({
      id: kind.toLowerCase(), namespace: "AWS/DynamoDB", name: `${kind}ThrottleEvents`, statistic: "Sum", dimensions: { TableName: { ref: "table", table } },
    }));
    alarms.push({
      id: `${alarmName(table)}TableThrottled`,
      description: `The ${table} table throttled reads or writes`,
      metrics: throttles,
      expression: sum(throttles),
      periodSeconds: 300,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
      threshold: 0,
      missingData: "notBreaching",
    });
  }
  return alarms;
}

/** `lease-expiry` → `LeaseExpiry`, `deploy.cleanup` → `DeployCleanup`: a construct id. */
function alarmName(label: string): string {
  return label
    .split(/[-.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
