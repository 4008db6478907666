import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
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
  };
}
