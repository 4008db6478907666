import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { Deploys } from "../../stacks/Deploys.js";
import { Janitor } from "../../stacks/Janitor.js";
import { Monitoring } from "../../stacks/Monitoring.js";
import { Operations } from "../../stacks/Operations.js";
import { Storage } from "../../stacks/Storage.js";
import { synthApp } from "../support/app.js";
import { iamActions } from "../support/stacks.js";

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Templates = Awaited<ReturnType<typeof synthApp>>;

let prod: Templates;
let dev: Templates;

beforeAll(async () => {
  prod = await synthApp("prod");
  dev = await synthApp("dev-alice");
});

const resources = (template: Template, type: string) => template.findResources(type) as Record<string, Resource>;
/** Scythe's own functions (SST's custom-resource handlers have no description). */
const scytheFunctions = (template: Template) =>
  Object.entries(resources(template, "AWS::Lambda::Function")).filter(([, f]) => typeof f.Properties.Description === "string");
const importOf = (value: unknown) => (value as { "Fn::ImportValue"?: string })["Fn::ImportValue"] ?? "";
const isDeadLetterArn = (value: unknown) => /Operations:ExportsOutputFnGetAttDeadLetters.*Arn/.test(importOf(value));
const isAlarmTopic = (value: unknown) => /Operations:ExportsOutputRefAlarms/.test(importOf(value));
const alarms = (template: Template) => resources(template, "AWS::CloudWatch::Alarm");

function alarm(template: Template, description: RegExp): Resource["Properties"] {
  const found = Object.values(alarms(template)).filter((a) => description.test(String(a.Properties.AlarmDescription)));
  if (found.length !== 1) throw new Error(`expected one alarm matching ${description}, found ${found.length}`);
  return (found[0] as Resource).Properties;
}

interface AlarmMetric { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] }; Period: number; Stat: string } }
const metricsOf = (props: Resource["Properties"]) => (props.Metrics as AlarmMetric[] | undefined) ?? [];
const metricNames = (props: Resource["Properties"]) => metricsOf(props).flatMap((m) => (m.MetricStat ? [`${m.MetricStat.Metric.Namespace}/${m.MetricStat.Metric.MetricName}`] : []));
const periods = (props: Resource["Properties"]) => [...new Set(metricsOf(props).flatMap((m) => (m.MetricStat ? [m.MetricStat.Period] : [])))];

describe("Stack: Operations", () => {
  it("has one alarm topic and one dead-letter queue per stage, encrypted, kept 14 days, TLS only", () => {
    const template = prod(Operations);
    template.resourceCountIs("AWS::SNS::Topic", 1);
    template.resourceCountIs("AWS::SQS::Queue", 1);
    template.hasResource("AWS::SQS::Queue", {
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 },
      DeletionPolicy: "Retain",
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })] },
    });
    template.hasOutput("AlarmTopicArn", {});
    template.hasOutput("DeadLetterQueueUrl", {});
  });

  it("subscribes the stage's alarm email when one is set, and refuses a malformed one by name", async () => {
    const withEmail = await synthApp("prod", { SCYTHE_ALARM_EMAIL: "oncall@example.com" });
    withEmail(Operations).hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
    prod(Operations).resourceCountIs("AWS::SNS::Subscription", 0);
    await expect(synthApp("prod", { SCYTHE_ALARM_EMAIL: "oncall" })).rejects.toThrow(/SCYTHE_ALARM_EMAIL/);
  });
});

describe("Stack: Monitoring, failure destinations", () => {
  it("gives every function an on-failure destination for asynchronous invocations: the dead-letter queue", () => {
    for (const stack of [Janitor, Deploys]) {
      const template = prod(stack);
      const configs = Object.values(resources(template, "AWS::Lambda::EventInvokeConfig"));
      const configured = new Set(configs.filter((c) => isDeadLetterArn((c.Properties.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination)).map((c) => (c.Properties.FunctionName as { Ref: string }).Ref));
      const ids = scytheFunctions(template).map(([id]) => id);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.filter((id) => !configured.has(id))).toEqual([]);
    }
  });

  it("covers every function a schedule or rule invokes (the asynchronously invoked ones)", () => {
    for (const stack of [Janitor, Deploys]) {
      const template = prod(stack);
      const targets = Object.values(resources(template, "AWS::Events::Rule")).flatMap((r) =>
        ((r.Properties.Targets as { Arn: { "Fn::GetAtt"?: [string, string] } }[]) ?? []).flatMap((t) => t.Arn["Fn::GetAtt"]?.[0] ?? []),
      );
      const lambdaTargets = targets.filter((id) => id in resources(template, "AWS::Lambda::Function"));
      const configured = Object.values(resources(template, "AWS::Lambda::EventInvokeConfig")).map((c) => (c.Properties.FunctionName as { Ref: string }).Ref);
      expect(lambdaTargets.length).toBeGreaterThan(0);
      for (const id of lambdaTargets) expect(configured).toContain(id);
    }
  });

  it("sends every stream consumer's exhausted batch to the dead-letter queue, and lets it send there", () => {
    const template = prod(Janitor);
    // Stream mappings have a starting position; an SQS mapping redrives through its queue instead (below).
    const mappings = Object.values(resources(template, "AWS::Lambda::EventSourceMapping")).filter((m) => m.Properties.StartingPosition !== undefined);
    expect(mappings).toHaveLength(2);
    for (const m of mappings) {
      expect(isDeadLetterArn((m.Properties.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination)).toBe(true);
    }
    expect(iamActions(template)).toContain("sqs:SendMessage");
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
  });
});

describe("Stack: Monitoring, logs", () => {
  it("gives every function its own log group, kept 30 days by default, that it logs to", () => {
    for (const stack of [Janitor, Deploys]) {
      const template = prod(stack);
      const groups = resources(template, "AWS::Logs::LogGroup");
      for (const [id, fn] of scytheFunctions(template)) {
        const group = (fn.Properties.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
        expect(group, `${id} logs to a group of its own`).toBeDefined();
        expect(groups[group ?? ""]?.Properties.RetentionInDays, id).toBe(30);
        expect(groups[group ?? ""]?.DeletionPolicy, id).toBe("Retain");
      }
    }
  });

  it("takes the retention per stage, and refuses one CloudWatch does not offer, by name", async () => {
    const long = await synthApp("prod", { SCYTHE_LOG_RETENTION_DAYS: "90" });
    const retentions = Object.values(resources(long(Janitor), "AWS::Logs::LogGroup")).map((g) => g.Properties.RetentionInDays);
    expect(new Set(retentions)).toEqual(new Set([90]));
    const devGroups = Object.values(resources(dev(Janitor), "AWS::Logs::LogGroup"));
    expect(devGroups.every((g) => g.DeletionPolicy === "Delete")).toBe(true);
    await expect(synthApp("prod", { SCYTHE_LOG_RETENTION_DAYS: "31" })).rejects.toThrow(/SCYTHE_LOG_RETENTION_DAYS="31"/);
  });

  it("logs the state machine's executions at ERROR with no execution data, and traces it with X-Ray", () => {
    const template = prod(Deploys);
    const machine = Object.values(resources(template, "AWS::StepFunctions::StateMachine"))[0]?.Properties ?? {};
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    const logging = machine.LoggingConfiguration as { Level: string; IncludeExecutionData: boolean; Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { "Fn::GetAtt": [string, string] } } }[] };
    expect(logging.Level).toBe("ERROR");
    expect(logging.IncludeExecutionData).toBe(false);
    const group = logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn["Fn::GetAtt"][0] ?? "";
    expect(resources(template, "AWS::Logs::LogGroup")[group]?.Properties.RetentionInDays).toBe(30);
    expect(iamActions(template)).toEqual(expect.arrayContaining(["logs:CreateLogDelivery", "xray:PutTraceSegments"]));
    expect(iamActions(template).filter((a) => a.includes("*"))).toEqual([]);
  });

  it("takes the execution log level per stage", async () => {
    const all = await synthApp("prod", { SCYTHE_STATE_MACHINE_LOG_LEVEL: "ALL" });
    all(Deploys).hasResourceProperties("AWS::StepFunctions::StateMachine", { LoggingConfiguration: Match.objectLike({ Level: "ALL" }) });
    await expect(synthApp("prod", { SCYTHE_STATE_MACHINE_LOG_LEVEL: "DEBUG" })).rejects.toThrow(/SCYTHE_STATE_MACHINE_LOG_LEVEL/);
  });
});

describe("Stack: Monitoring, alarms", () => {
  it("notifies the stage's topic from every alarm, when it fires and when it clears", () => {
    const all = Object.values(alarms(prod(Monitoring)));
    expect(all.length).toBeGreaterThan(0);
    for (const a of all) {
      expect((a.Properties.AlarmActions as unknown[]).every(isAlarmTopic)).toBe(true);
      expect((a.Properties.OKActions as unknown[]).every(isAlarmTopic)).toBe(true);
    }
  });

  it("fires on any failed, timed-out or aborted deploy execution", () => {
    const props = alarm(prod(Monitoring), /deploy execution failed, timed out or was aborted/);
    expect(metricNames(props).sort()).toEqual(["AWS/States/ExecutionsAborted", "AWS/States/ExecutionsFailed", "AWS/States/ExecutionsTimedOut"]);
    expect(metricsOf(props).filter((m) => m.MetricStat).every((m) => m.MetricStat?.Metric.Dimensions[0]?.Name === "StateMachineArn")).toBe(true);
    expect(props).toMatchObject({ ComparisonOperator: "GreaterThanThreshold", Threshold: 0, TreatMissingData: "notBreaching" });
  });

  it.each([
    ["reaper", 600],
    ["lease-expiry", 60],
    ["deallocator", 900],
    ["orphans", 3600],
  ])("fires when %s fails a run or an item within its schedule period (%i s)", (job, period) => {
    const props = alarm(prod(Monitoring), new RegExp(`^${job}: a run failed`));
    expect(metricNames(props).sort()).toEqual(["AWS/Lambda/Errors", `Scythe/${job}.errors`, `Scythe/${job}.failed`]);
    expect(periods(props)).toEqual([period]);
    const scythe = metricsOf(props).find((m) => m.MetricStat?.Metric.Namespace === "Scythe");
    expect(scythe?.MetricStat?.Metric.Dimensions).toEqual([{ Name: "service", Value: "scythe" }, { Name: "stage", Value: "prod" }]);
    expect(props).toMatchObject({ ComparisonOperator: "GreaterThanThreshold", Threshold: 0 });
  });

  it.each([
    ["reaper", 600],
    ["lease-expiry", 60],
    ["deallocator", 900],
    ["orphans", 3600],
  ])("fires when %s has no heartbeat over two schedule periods (%i s each)", (job, period) => {
    const props = alarm(prod(Monitoring), new RegExp(`^${job}: no run recorded`));
    expect(props).toMatchObject({
      MetricName: `${job}.heartbeat`,
      Namespace: "Scythe",
      Period: period,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
    });
  });

  it("watches a cron-scheduled job's heartbeat over a day", async () => {
    const cron = await synthApp("prod", { SCYTHE_SCHEDULE_ORPHANS: "cron(0 3 * * ? *)" });
    expect(alarm(cron(Monitoring), /^orphans: no run recorded/)).toMatchObject({ Period: 86_400, EvaluationPeriods: 1 });
  });

  it("watches only the schedules a stage has: on a development stage, the expiry sweep", () => {
    const heartbeats = Object.values(alarms(dev(Monitoring))).filter((a) => a.Properties.MetricName !== undefined && String(a.Properties.MetricName).endsWith(".heartbeat"));
    expect(heartbeats.map((a) => a.Properties.MetricName)).toEqual(["lease-expiry.heartbeat"]);
  });

  it("fires on errors of the stream consumers and the deploy cleanup", () => {
    for (const job of ["lease-stream", "deallocator-stream", "deploy.cleanup"]) {
      expect(metricNames(alarm(prod(Monitoring), new RegExp(`^${job.replace(".", "\\.")}: an invocation failed`))).sort()).toEqual(["AWS/Lambda/Errors", `Scythe/${job}.failed`]);
    }
  });

  it("fires when anything waits in a dead-letter queue: the stage's, or a work queue's", () => {
    const props = alarm(prod(Monitoring), /dead-letter queue/);
    expect(metricNames(props)).toEqual(["AWS/SQS/ApproximateNumberOfMessagesVisible", "AWS/SQS/ApproximateNumberOfMessagesVisible"]);
    const queues = metricsOf(props).flatMap((m) => (m.MetricStat ? [importOf(m.MetricStat.Metric.Dimensions[0]?.Value)] : []));
    expect(queues).toEqual([expect.stringMatching(/Operations:.*DeadLetters.*QueueName/), expect.stringMatching(/Janitor:.*LeaseExpiryDeadLetters.*QueueName/)]);
    expect(props).toMatchObject({ ComparisonOperator: "GreaterThanThreshold", Threshold: 0 });
  });

  it("encrypts a work queue's dead-letter queue and keeps it 14 days", () => {
    const template = prod(Janitor);
    const redriven = Object.values(resources(template, "AWS::SQS::Queue")).flatMap((q) => {
      const target = (q.Properties.RedrivePolicy as { deadLetterTargetArn?: { "Fn::GetAtt": [string, string] } } | undefined)?.deadLetterTargetArn;
      return target ? [target["Fn::GetAtt"][0]] : [];
    });
    expect(redriven.length).toBeGreaterThan(0);
    for (const id of redriven) {
      expect(resources(template, "AWS::SQS::Queue")[id]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    }
  });

  it("fires when the lock table or the registry throttles", () => {
    for (const table of ["locks", "registry"]) {
      const props = alarm(prod(Monitoring), new RegExp(`The ${table} table throttled`));
      expect(metricNames(props).sort()).toEqual(["AWS/DynamoDB/ReadThrottleEvents", "AWS/DynamoDB/WriteThrottleEvents"]);
      const dimension = metricsOf(props).find((m) => m.MetricStat)?.MetricStat?.Metric.Dimensions[0];
      expect(dimension?.Name).toBe("TableName");
      expect(importOf(dimension?.Value)).toMatch(new RegExp(`Storage:.*${table === "locks" ? "Locks" : "Registry"}`));
    }
  });
});

describe("Stack: Monitoring, dashboard", () => {
  it("charts per job runs, outcomes, deletions and errors; deploys in flight and their progress; lease backlog and lag", () => {
    const template = prod(Monitoring);
    const dashboards = Object.values(resources(template, "AWS::CloudWatch::Dashboard"));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe("scythe-prod");
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const job of ["reaper", "lease-expiry", "deallocator", "orphans"]) {
      for (const what of ["heartbeat", "succeeded", "failed", "errors"]) expect(body).toContain(`${job}.${what}`);
    }
    for (const deletion of ["reaper.deleted", "lease-expiry.expired", "deallocator.destroyed", "orphans.removed"]) expect(body).toContain(deletion);
    for (const name of ["ExecutionsStarted", "RUNNING_SUM", "deploy.instancesPlanned", "deploy.instancesDone", "lease-expiry.backlog", "lease-expiry.lagSeconds"]) {
      expect(body).toContain(name);
    }
  });
});

describe("Stack: Storage, protection", () => {
  it("protects a shared stage's tables from deletion as well as retaining them", () => {
    const tables = Object.values(resources(prod(Storage), "AWS::DynamoDB::Table"));
    expect(tables).toHaveLength(2);
    for (const t of tables) {
      expect(t.Properties.DeletionProtectionEnabled).toBe(true);
      expect(t.DeletionPolicy).toBe("Retain");
    }
  });

  it("leaves a development stage's tables removable", () => {
    for (const t of Object.values(resources(dev(Storage), "AWS::DynamoDB::Table"))) {
      expect(t.Properties.DeletionProtectionEnabled).not.toBe(true);
      expect(t.DeletionPolicy).toBe("Delete");
    }
  });
});
