import { Ec2Instances, type EC2Client } from "../../aws/ec2/Ec2Instances.js";
import { Elbv2Teardown } from "../../aws/elbv2/Elbv2Teardown.js";
import type { ElasticLoadBalancingV2Client } from "../../aws/elbv2/TargetGroups.js";
import { OpsWorksStacks, type OpsWorksClient } from "../../aws/opsworks/OpsWorksStacks.js";
import type { Clock } from "../../clock.js";
import type { Blueprint } from "../Blueprint.js";
import { PermanentDestroyError } from "../errors.js";
import { AppBlueprint } from "./appBlueprint.js";
import { Ec2InstanceBlueprint, Elbv2LoadBalancerBlueprint, TargetGroupBlueprint } from "./ec2Blueprints.js";
import type { AppTeardown } from "./AppTeardown.js";
import { HerokuAppTeardown } from "./herokuAppTeardown.js";
import { OpsWorksInstanceBlueprint } from "./opsworksInstanceBlueprint.js";

/** Without a Heroku token, app resources cannot be torn down: say so on the resource, do not guess. */
const noHeroku: AppTeardown = {
  deleteApp: async () => {
    throw new PermanentDestroyError("no Heroku API token is configured (HEROKU_API_TOKEN)");
  },
};

/**
 * The blueprints Scythe ships: OpsWorks instances and Heroku apps, and, given their clients,
 * EC2 instances and ELBv2 load balancers and target groups, on the caller's clients.
 */
export function shippedBlueprints(options: {
  opsworks: OpsWorksClient;
  ec2?: EC2Client;
  elbv2?: ElasticLoadBalancingV2Client;
  heroku?: { token: string | (() => Promise<string>); baseUrl?: string };
  clock?: Clock;
  stopPollMs?: number;
}): Blueprint[] {
  const apps = options.heroku ? new HerokuAppTeardown(options.heroku) : noHeroku;
  return [
    new OpsWorksInstanceBlueprint({ instances: new OpsWorksStacks(options.opsworks), clock: options.clock, stopPollMs: options.stopPollMs }),
    new AppBlueprint({ apps, clock: options.clock }),
    ...(options.ec2 ? [new Ec2InstanceBlueprint({ instances: new Ec2Instances(options.ec2), clock: options.clock })] : []),
    ...(options.elbv2
      ? [new Elbv2LoadBalancerBlueprint({ elbv2: new Elbv2Teardown(options.elbv2), clock: options.clock }), new TargetGroupBlueprint({ elbv2: new Elbv2Teardown(options.elbv2), clock: options.clock })]
      : []),
  ];
}
