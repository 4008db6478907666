import { Duration } from "aws-cdk-lib";
import { AlarmStatusWidget, Dashboard, GraphWidget, MathExpression, Metric, type IAlarm, type IWidget } from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import {
  deletionMetrics,
  deployDoneMetric,
  deployPlannedMetric,
  expiryBacklogMetric,
  expiryLagMetric,
  itemErrorMetrics,
  jobMetric,
  metricDimensions,
  metricNamespace,
  scheduledJobMetrics,
  streamJobMetrics,
} from "../../packages/core/src/operations/metrics.js";

export interface DashboardSources {
  readonly stage: string;
  readonly stateMachineArn: string;
  readonly deadLetterQueueNames: readonly string[];
  readonly tableNames: { readonly locks: string; readonly registry: string };
  readonly functionNameOf: (job: string) => string;
  readonly alarms: readonly IAlarm[];
}

const period = Duration.minutes(5);

/**
 * The stage's dashboard: per job its runs, outcomes, deletions and errors; deploys in
 * flight and their progress; the expiry sweep's backlog and lag; the dead letters, the
 * tables' throttling and the state of every alarm.
 */
export function buildDashboard(scope: Construct, sources: DashboardSources): Dashboard {
  const scythe = (name: string, label: string, statistic = "Sum") =>
    new Metric({ namespace: metricNamespace, metricName: name, dimensionsMap: metricDimensions(sources.stage), statistic, period, label });
  const aws = (namespace: string, name: string, dimensionsMap: Record<string, string>, label: string, statistic = "Sum") =>
    new Metric({ namespace, metricName: name, dimensionsMap, statistic, period, label });

  const widgets: IWidget[] = [];
  for (const job of Object.values(scheduledJobMetrics)) {
    widgets.push(
      new GraphWidget({
        title: `${job}: runs and outcomes`,
        left: [scythe(jobMetric(job, "heartbeat"), "runs"), scythe(jobMetric(job, "succeeded"), "succeeded"), scythe(jobMetric(job, "failed"), "failed")],
        right: [scythe(deletionMetrics[job], "deleted"), scythe(itemErrorMetrics[job], "item errors")],
        width: 12,
      }),
    );
  }
  for (const job of streamJobMetrics) {
    widgets.push(
      new GraphWidget({
        title: `${job}: runs and outcomes`,
        left: [
          aws("AWS/Lambda", "Invocations", { FunctionName: sources.functionNameOf(job) }, "runs"),
          scythe(jobMetric(job, "succeeded"), "succeeded"),
          scythe(jobMetric(job, "failed"), "failed"),
        ],
        right: job === "deallocator-stream" ? [scythe(deletionMetrics.deallocator, "destroyed (all deallocator runs)")] : [],
        width: 12,
      }),
    );
  }

  const execution = (name: string, label: string) => aws("AWS/States", name, { StateMachineArn: sources.stateMachineArn }, label);
  const started = execution("ExecutionsStarted", "started");
  const ended = {
    succeeded: execution("ExecutionsSucceeded", "succeeded"),
    failed: execution("ExecutionsFailed", "failed"),
    timedOut: execution("ExecutionsTimedOut", "timed out"),
    aborted: execution("ExecutionsAborted", "aborted"),
  };
  widgets.push(
    new GraphWidget({ title: "deploys: executions", left: [started, ...Object.values(ended)], width: 8 }),
    new GraphWidget({
      title: "deploys in flight",
      left: [
        new MathExpression({
          // Started minus ended, accumulated over the dashboard's time range.
          expression: `RUNNING_SUM(FILL(started, 0)) - RUNNING_SUM(${Object.keys(ended).map((k) => `FILL(${k}, 0)`).join(" + ")})`,
          usingMetrics: { started, ...ended },
          label: "in flight",
          period,
        }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: "deploy progress (instances)",
      left: [scythe(deployPlannedMetric, "planned"), scythe(deployDoneMetric, "back in service")],
      width: 8,
    }),
    new GraphWidget({
      title: "lease expiry: backlog and lag",
      left: [scythe(expiryBacklogMetric, "due objects found", "Maximum")],
      right: [scythe(expiryLagMetric, "oldest overdue (s)", "Maximum")],
      width: 8,
    }),
    new GraphWidget({
      title: "dead letters",
      left: sources.deadLetterQueueNames.map((QueueName, i) => aws("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName }, i === 0 ? "failed events and batches" : "failed work items", "Maximum")),
      width: 8,
    }),
    new GraphWidget({
      title: "table throttling",
      left: (["locks", "registry"] as const).flatMap((t) => [
        aws("AWS/DynamoDB", "ReadThrottleEvents", { TableName: sources.tableNames[t] }, `${t} reads`),
        aws("AWS/DynamoDB", "WriteThrottleEvents", { TableName: sources.tableNames[t] }, `${t} writes`),
      ]),
      width: 8,
    }),
    new AlarmStatusWidget({ title: "alarms", alarms: [...sources.alarms], width: 24 }),
  );

  const dashboard = new Dashboard(scope, "Dashboard", { dashboardName: `scythe-${sources.stage}` });
  for (let i = 0; i < widgets.length; i += 2) dashboard.addWidgets(...widgets.slice(i, i + 2));
  return dashboard;
}
