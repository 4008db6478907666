import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoTaskWaits } from "@scythe/core/aws/dynamo";
import { StepFunctionsCallbacks } from "@scythe/core/aws/sfn";
import { DynamoDeployJournal } from "@scythe/core/aws/dynamo";
import { LoadBalancerClaims } from "@scythe/core/aws/dynamo";
import { ClassicElb } from "@scythe/core/aws/elb";
import type { DeployServices } from "@scythe/core/deploy";
import { DynamoLockStore } from "@scythe/core/aws/dynamo";
import { documentClient } from "../shared/clients.js";
import { tableNamesFromEnv } from "../shared/env.js";
import { deployTargetFromEnv } from "./target.js";

/**
 * What the deploy tasks drive, for a Lambda cold start: clients with the default config
 * (the local world passes its own), tables from the function's environment.
 */
export function deployServicesFromEnv(env: NodeJS.ProcessEnv = process.env): DeployServices {
  const tables = tableNamesFromEnv(env);
  const doc = documentClient();
  return {
    ...deployTargetFromEnv(),
    loadBalancers: new ClassicElb(new ElasticLoadBalancingClient({})),
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
