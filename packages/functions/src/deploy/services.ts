import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoTaskWaits } from "@scythe/core/aws/dynamo";
import { StepFunctionsCallbacks } from "@scythe/core/aws/sfn";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { LoadBalancerClaims } from "@scythe/core/aws/dynamo";
import { ClassicElb } from "@scythe/core/aws/elb";
import { RoutedLoadBalancers, type DeployServices } from "@scythe/core/deploy";
import { TargetGroups } from "@scythe/core/aws/elbv2";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { documentClient } from "../shared/clients.js";
import { tableNamesFromEnv } from "../shared/env.js";
import { deployTargetFromEnv, ec2Clients } from "./target.js";

/**
 * What the deploy tasks drive, for a Lambda cold start: clients with the default config
 * (the local world passes its own), tables from the function's environment.
 */
export function deployServicesFromEnv(env: NodeJS.ProcessEnv = process.env): DeployServices {
  const tables = tableNamesFromEnv(env);
  const doc = documentClient();
  return {
    ...deployTargetFromEnv(),
    // Classic load balancers by name, ELBv2 target groups by ARN: a cleanup knows a rollout only by the names its plan recorded.
    loadBalancers: new RoutedLoadBalancers(new ClassicElb(new ElasticLoadBalancingClient({})), new TargetGroups(ec2Clients().elbv2)),
    journal: new DynamoDeployJournal(doc, { tableName: tables.registry }),
    lockStore: new DynamoLockStore(doc, { tableName: tables.locks }),
    claims: new LoadBalancerClaims(doc, { tableName: tables.locks }),
    ...waitServicesFromEnv(env),
  };
}

/** Task tokens in the registry and Step Functions' callbacks: all the deployment-event function needs. */
export function waitServicesFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<DeployServices, "waits" | "callbacks"> {
  return {
    waits: new DynamoTaskWaits(documentClient(), { tableName: tableNamesFromEnv(env).registry }),
    callbacks: new StepFunctionsCallbacks(new SFNClient({})),
  };
}
