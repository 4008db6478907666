import { RuleTargetInput } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Cron, Function, type App, type Config, type Stack, type Table } from "sst/constructs";
import { useTable } from "../access.js";
import { describeOnly, ec2TeardownStatements, opsworksTeardownStatements, scytheLoadBalancerArns } from "../cloudScope.js";
import { scheduleFor } from "../schedules.js";
import { NameScheme } from "../../packages/core/src/orphans/naming.js";

/**
 * The orphan sweep: a Lambda (on demand) and its schedule; only the calls it makes are
 * allowed. Given the Heroku token secret, it sweeps apps too.
 */
export function orphanJobs(stack: Stack, tables: { registry: Table; locks: Table }, app: App, herokuToken?: Config.Secret) {
  // The stage's names, as the sweep derives them at run time from its registry table's name
  // (SST names a table `<stage>-<app>-<id>`): IAM then keeps even a buggy sweep off other stages' resources.
  const { prefix } = NameScheme.forRegistry(app.logicalPrefixedName(tables.registry.node.id));
  const orphans = new Function(stack, "Orphans", {
    handler: "packages/functions/src/orphans/handler.handler",
    description: "Removes cloud resources named in Scythe's scheme whose owning record is gone",
    bind: herokuToken ? [herokuToken] : [],
    environment: process.env.SCYTHE_OPSWORKS_STACKS ? { SCYTHE_OPSWORKS_STACKS: process.env.SCYTHE_OPSWORKS_STACKS } : {},
    // IAM scopes deletes to this stage's load balancer names and the stage's OpsWorks stacks;
    // which instance in a stack is Scythe's (its hostname) only the code can tell.
    permissions: [
      describeOnly(["opsworks:DescribeStacks", "elasticloadbalancing:DescribeLoadBalancers"]),
      ...opsworksTeardownStatements(),
      new PolicyStatement({ actions: ["elasticloadbalancing:DeleteLoadBalancer"], resources: scytheLoadBalancerArns(prefix) }),
      // EC2 instances (by their Name tag) and ELBv2 load balancers and target groups named scythe-<stage tag>-*.
      ...ec2TeardownStatements(prefix),
    ],
  });
  useTable(orphans, tables.registry, "read");
  // One sweep at a time: the lock `orphans/sweep`.
  useTable(orphans, tables.locks);
  const schedule = scheduleFor(app, "orphans");
  if (schedule) {
    new Cron(stack, "OrphansSchedule", {
      schedule: schedule as `rate(${string})` | `cron(${string})`,
      job: { function: orphans, cdk: { target: { event: RuleTargetInput.fromObject({ dryRun: false }) } } },
    });
  }
  return { orphans };
}
