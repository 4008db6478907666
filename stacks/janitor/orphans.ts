import { RuleTargetInput } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Cron, Function, type App, type Config, type Stack, type Table } from "sst/constructs";
import { useTable } from "../access.js";
import { scheduleFor } from "../schedules.js";

/**
 * The orphan sweep: a Lambda (on demand) and its schedule; only the calls it makes are
 * allowed. Given the Heroku token secret, it sweeps apps too.
 */
export function orphanJobs(stack: Stack, tables: { registry: Table }, app: App, herokuToken?: Config.Secret) {
  const orphans = new Function(stack, "Orphans", {
    handler: "packages/functions/src/orphans/handler.handler",
    description: "Removes cloud resources named in Scythe's scheme whose owning record is gone",
    bind: herokuToken ? [herokuToken] : [],
    permissions: [
      new PolicyStatement({
        actions: ["opsworks:DescribeStacks", "opsworks:DescribeInstances", "opsworks:StopInstance", "opsworks:DeleteInstance"],
        resources: ["*"],
      }),
      new PolicyStatement({
        actions: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DeleteLoadBalancer"],
        resources: ["*"],
      }),
    ],
  });
  useTable(orphans, tables.registry, "read");
  const schedule = scheduleFor(app, "orphans");
  if (schedule) {
    new Cron(stack, "OrphansSchedule", {
      schedule: schedule as `rate(${string})` | `cron(${string})`,
      job: { function: orphans, cdk: { target: { event: RuleTargetInput.fromObject({ dryRun: false }) } } },
    });
  }
  return { orphans };
}
