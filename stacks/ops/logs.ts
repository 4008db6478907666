import { RemovalPolicy } from "aws-cdk-lib";
import { PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { CfnStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import type { Function } from "sst/constructs";
import type { OperationsSettings } from "./settings.js";

/**
 * A log group of its own for every function, with the stage's retention (Lambda's default
 * group keeps logs forever). The function logs there through its logging config, so the
 * group exists before the first invocation can create the default one.
 */
export function giveLogGroups(functions: readonly Function[], settings: OperationsSettings): void {
  for (const fn of functions) {
    const group = new LogGroup(fn, "Logs", {
      retention: settings.logRetentionDays,
      removalPolicy: settings.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    (fn.node.defaultChild as CfnFunction).loggingConfig = { logGroup: group.logGroupName};
  }
}

/**
 * Step Functions execution logging (ERROR by default: failures with their cause, no
 * execution data) and X-Ray tracing on the state machine; its role gets the log-delivery
 * and X-Ray calls, which AWS only grants on `*` resources.
 */
export function observeStateMachine(machine: CfnStateMachine, role: Role, settings: OperationsSettings): LogGroup {
  const group = new LogGroup(machine, "ExecutionLogs", {
    retention: settings.logRetentionDays,
    removalPolicy: settings.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  role.addToPolicy(
    new PolicyStatement({
      actions: [
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
      ],
      resources: ["*"],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
      resources: ["*"],
    }),
  );
  machine.loggingConfiguration = {
    level: settings.stateMachineLogLevel,
    includeExecutionData: false,
    destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group.logGroupArn } }],
  };
  machine.tracingConfiguration = { enabled: true };
  return group;
}
