import { Duration } from "aws-cdk-lib";
import { Queue as SqsQueue } from "aws-cdk-lib/aws-sqs";
import { StartingPosition } from "aws-cdk-lib/aws-lambda";
import { Cron, Function, Queue, type App, type Config, type Stack, type Table } from "sst/constructs";
import { useTable } from "../access.js";
import { ec2TeardownStatements, opsworksTeardownStatements } from "../cloudScope.js";
import { scheduleFor } from "../schedules.js";

const handlers = "packages/functions/src/leases";

/**
 * What a function that runs objects' update workers needs: both tables (data actions
 * only), the OpsWorks teardown calls and, for the heroku-app blueprint, the token secret.
 */
export function grantUpdateWorker(fn: Function, tables: { locks: Table; registry: Table }, herokuToken?: Config.Secret): void {
  useTable(fn, tables.locks);
  useTable(fn, tables.registry);
  // Teardown calls of the shipped OpsWorks blueprint, in the stage's OpsWorks stacks only.
  for (const statement of opsworksTeardownStatements()) fn.addToRolePolicy(statement);
  // The EC2 and ELBv2 blueprints, on resources carrying Scythe's names only.
  for (const statement of ec2TeardownStatements()) fn.addToRolePolicy(statement);
  if (herokuToken) fn.bind([herokuToken]);
}

/**
 * Lease expiry (Drydock): the on-demand `leases` Lambda, the expiry sweep on a schedule
 * (every minute unless SCYTHE_SCHEDULE_EXPIRY says otherwise), and the stream worker
 * that runs an object's update worker as soon as a command is appended to its queue.
 * Tables are granted data actions only (useTable), not `bind`'s `dynamodb:*`.
 */
export function leaseJobs(stack: Stack, tables: { locks: Table; registry: Table }, app: App, herokuToken?: Config.Secret) {
  const grant = (fn: Function) => grantUpdateWorker(fn, tables, herokuToken);

  const leases = new Function(stack, "Leases", {
    handler: `${handlers}/leases.handler`,
    description: "Acquires, releases and extends leases on resources (Drydock-style command queue)",
  });
  grant(leases);

  const sweep = new Function(stack, "LeaseExpirySweep", {
    handler: `${handlers}/expirySweep.handler`,
    description: "Releases leases and resources past their expiry through their command queues",
  });
  grant(sweep);

  // Scale out, not up: what one sweep should not do itself goes to this queue, one message
  // per object, and its consumer (the same expiry code) runs as many times as needed.
  const deadLetters = new SqsQueue(stack, "LeaseExpiryDeadLetters", { retentionPeriod: Duration.days(14) });
  const expiryQueue = new Queue(stack, "LeaseExpiryQueue", {
    consumer: {
      function: {
        handler: `${handlers}/expiryWorker.handler`,
        description: "Expires the leases and resources the expiry sweep fanned out (SQS, partial batch failures)",
        timeout: "1 minute",
      },
      cdk: {
        eventSource: { batchSize: 100, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true, maxConcurrency: 20 },
      },
    },
    cdk: {
      // Six times the consumer's timeout (AWS's advice for Lambda consumers); five tries, then the dead letters.
      queue: { visibilityTimeout: Duration.minutes(6), deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 } },
    },
  });
  const expiryWorker = expiryQueue.consumerFunction instanceof Function ? expiryQueue.consumerFunction : undefined;
  if (expiryWorker) grant(expiryWorker);
  expiryQueue.cdk.queue.grantSendMessages(sweep);
  sweep.addEnvironment("SCYTHE_EXPIRY_QUEUE_URL", expiryQueue.queueUrl);

  const schedule = scheduleFor(app, "expiry");
  if (schedule) {
    new Cron(stack, "LeaseExpirySchedule", { schedule: schedule as `rate(${string})` | `cron(${string})`, job: { function: sweep } });
  }

  tables.registry.addConsumers(stack, {
    leaseStream: {
      function: {
        handler: `${handlers}/streamWorker.handler`,
        description: "Runs an object's update worker when a command is appended to its queue",
      },
      // Only new commands wake the worker; record updates and consumed marks do not.
      filters: [{ eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: [{ prefix: "cmd#" }] } } } }],
      cdk: {
        eventSource: {
          startingPosition: StartingPosition.LATEST,
          batchSize: 25,
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          retryAttempts: 10,
        },
      },
    },
  });
  const streamWorker = tables.registry.getFunction("leaseStream");
  if (streamWorker) grant(streamWorker);

  return { leases, sweep, streamWorker, expiryQueue, expiryWorker, expiryDeadLetters: deadLetters };
}
