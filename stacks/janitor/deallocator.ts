import { RuleTargetInput } from "aws-cdk-lib/aws-events";
import { StartingPosition } from "aws-cdk-lib/aws-lambda";
import { Cron, Function, Script, type App, type Config, type Stack, type Table } from "sst/constructs";
import { scheduleFor } from "../schedules.js";
import { grantUpdateWorker } from "./leases.js";

const handlers = "packages/functions/src/deallocator";

/**
 * The deallocator (swarmkit's): a reconciling pass on a schedule, on demand and at every
 * deploy (swarmkit's pass at leadership change), and a consumer of the registry stream
 * that reacts to record changes. Teardown goes through the resources' own workers.
 */
export function deallocatorJobs(stack: Stack, tables: { locks: Table; registry: Table }, app: App, herokuToken?: Config.Secret) {
  const grant = (fn: Function) => grantUpdateWorker(fn, tables, herokuToken);

  const deallocator = new Function(stack, "Deallocator", {
    handler: `${handlers}/reconcile.handler`,
    description: "Destroys resources marked for deletion once no live lease holds and no resource references them",
  });
  grant(deallocator);

  const schedule = scheduleFor(app, "deallocator");
  if (schedule) {
    new Cron(stack, "DeallocatorSchedule", {
      schedule: schedule as `rate(${string})` | `cron(${string})`,
      job: { function: deallocator, cdk: { target: { event: RuleTargetInput.fromObject({ dryRun: false }) } } },
    });
  }
  // A new version at every deploy runs the pass once more, as swarmkit does on a new leader.
  new Script(stack, "DeallocateOnDeploy", { onCreate: deallocator, onUpdate: deallocator, params: { dryRun: false } });

  tables.registry.addConsumers(stack, {
    deallocatorStream: {
      function: {
        handler: `${handlers}/stream.handler`,
        description: "Looks at resources when a lease ends or a resource is marked or destroyed",
      },
      // Only record changes matter; commands and queue counters never free a resource.
      filters: [{ dynamodb: { Keys: { sk: { S: ["record"] } } } }],
      cdk: { eventSource: { startingPosition: StartingPosition.LATEST, batchSize: 50, retryAttempts: 3 } },
    },
  });
  const stream = tables.registry.getFunction("deallocatorStream");
  if (stream) grant(stream);
  return { deallocator, stream };
}
