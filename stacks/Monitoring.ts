import { CfnQueue, Queue } from "aws-cdk-lib/aws-sqs";
import { Function, getStack, use, type StackContext } from "sst/constructs";
import { alarmPlan, stageDeadLetters, type ResourceRef } from "../packages/core/src/operations/alarmPlan.js";
import { scheduledJobMetrics } from "../packages/core/src/operations/metrics.js";
import { Deploys } from "./Deploys.js";
import { Janitor } from "./Janitor.js";
import { buildAlarms } from "./ops/alarms.js";
import { buildDashboard } from "./ops/dashboard.js";
import { sendFailuresTo } from "./ops/failureDestinations.js";
import { giveLogGroups, observeStateMachine } from "./ops/logs.js";
import { Operations } from "./Operations.js";
import { scheduleFor, type ScheduledJob } from "./schedules.js";
import { Storage } from "./Storage.js";

/**
 * What an operator of a stage watches, added last over the job stacks: every function's
 * log group and failure destination, the state machine's logs and tracing, the alarms
 * (to the stage's topic) and the dashboard. The log groups and destinations live in the
 * job stacks beside their functions; the alarms and the dashboard live here.
 */
export function Monitoring({ stack, app }: StackContext) {
  const tables = use(Storage);
  const ops = use(Operations);
  const janitor = use(Janitor);
  const deploys = use(Deploys);

  const constructs = [getStack(Janitor), getStack(Deploys)].flatMap((s) => s.node.findAll());
  const functions = constructs.filter((c): c is Function => c instanceof Function);
  // Work queues' own dead-letter queues: encrypted like the stage's, and alarmed on the same way.
  const workDeadLetters = new Map(
    constructs.flatMap((c) => (c instanceof Queue && c.deadLetterQueue?.queue instanceof Queue ? [[c.deadLetterQueue.queue.node.id, c.deadLetterQueue.queue] as const] : [])),
  );
  for (const queue of workDeadLetters.values()) {
    const cfn = queue.node.defaultChild as CfnQueue;
    if (cfn.kmsMasterKeyId === undefined) cfn.sqsManagedSseEnabled = true;
  }
  giveLogGroups(functions, ops.settings);
  sendFailuresTo(ops.deadLetters, functions);
  observeStateMachine(deploys.machine, deploys.role, ops.settings);
  observeStateMachine(deploys.batches, deploys.role, ops.settings);

  const byJob: Record<string, Function | undefined> = {
    [scheduledJobMetrics.reaper]: janitor.reaper,
    [scheduledJobMetrics.expiry]: janitor.sweep,
    [scheduledJobMetrics.deallocator]: janitor.deallocator,
    [scheduledJobMetrics.orphans]: janitor.orphans,
    "lease-stream": janitor.streamWorker,
    "deallocator-stream": tables.registry.getFunction("deallocatorStream"),
    "deploy.cleanup": deploys.cleanup,
  };
  const functionNameOf = (job: string) => {
    const fn = byJob[job];
    if (!fn) throw new Error(`no function runs the job "${job}"`);
    return fn.functionName;
  };
  const resolve = (ref: ResourceRef): string => {
    switch (ref.ref) {
      case "stateMachine":
        return deploys.machine.attrArn;
      case "function":
        return functionNameOf(ref.job);
      case "table":
        return tables[ref.table].tableName;
      case "deadLetters": {
        const queue = ref.queue === stageDeadLetters ? ops.deadLetters : workDeadLetters.get(ref.queue);
        if (!queue) throw new Error(`no dead-letter queue "${ref.queue}"`);
        return queue.queueName;
      }
    }
  };

  const jobs: ScheduledJob[] = ["reaper", "expiry", "deallocator", "orphans"];
  const schedules = Object.fromEntries(jobs.flatMap((job) => {
    const schedule = scheduleFor(app, job);
    return schedule ? [[job, schedule]] : [];
  }));
  const deadLetterQueues = [stageDeadLetters, ...workDeadLetters.keys()];
  const alarms = buildAlarms(stack, alarmPlan({ stage: app.stage, schedules, deadLetterQueues }), resolve, ops.alarms);
  const dashboard = buildDashboard(stack, {
    stage: app.stage,
    stateMachineArn: deploys.machine.attrArn,
    deadLetterQueueNames: [ops.deadLetters.queueName, ...[...workDeadLetters.values()].map((q) => q.queueName)],
    tableNames: { locks: tables.locks.tableName, registry: tables.registry.tableName },
    functionNameOf,
    alarms,
  });
  stack.addOutputs({ Dashboard: dashboard.dashboardName });
  return { alarms, dashboard };
}
