import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import type { PlannedAlarm, PlannedMetric, ResourceRef } from "../../packages/core/src/operations/alarmPlan.js";

/** Resolves a plan's resource references to the deployed names and ARNs. */
export type Resolve = (ref: ResourceRef) => string;

export function metricOf(planned: PlannedMetric, resolve: Resolve, period: Duration): Metric {
  const dimensionsMap = Object.fromEntries(
    Object.entries(planned.dimensions).map(([k, v]) => [k, typeof v === "string" ? v : resolve(v)]),
  );
  return new Metric({ namespace: planned.namespace, metricName: planned.name, statistic: planned.statistic, dimensionsMap, period });
}

/** The CloudWatch alarms of the plan, each notifying the stage's topic when it fires and when it clears. */
export function buildAlarms(scope: Construct, plan: readonly PlannedAlarm[], resolve: Resolve, topic: ITopic): Alarm[] {
  const action = new SnsAction(topic);
  return plan.map((planned) => {
    const period = Duration.seconds(planned.periodSeconds);
    const metrics = planned.metrics.map((m) => metricOf(m, resolve, period));
    const metric: IMetric = planned.expression
      ? new MathExpression({
          expression: planned.expression,
          usingMetrics: Object.fromEntries(planned.metrics.map((m, i) => [m.id, metrics[i] as Metric])),
          period,
          label: planned.id,
        })
      : (metrics[0] as Metric);
    const alarm = new Alarm(scope, planned.id, {
      alarmDescription: planned.description,
      metric,
      threshold: planned.threshold,
      evaluationPeriods: planned.evaluationPeriods,
      datapointsToAlarm: planned.evaluationPeriods,
      comparisonOperator:
        planned.comparison === "GreaterThanThreshold" ? ComparisonOperator.GREATER_THAN_THRESHOLD : ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: planned.missingData === "breaching" ? TreatMissingData.BREACHING : TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  });
}
