import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ClassicElb, DeployJournal, DynamoLockStore, LoadBalancerClaims, OpsWorksTarget, type DeployServices } from "@scythe/core";
import { tableNamesFromEnv } from "../shared/env.js";

/**
 * What the deploy tasks drive, for a Lambda cold start: clients with the default config
 * (the local world passes its own), tables from the function's environment.
 */
/** The deploy target alone, for the function that validates before anything else (no tables). */
export function deployTargetFromEnv(): Pick<DeployServices, "target"> {
  return { target: new OpsWorksTarget(new OpsWorksClient({ maxAttempts: 1 })) };
}

export function deployServicesFromEnv(env: NodeJS.ProcessEnv = process.env): DeployServices {
  const tables = tableNamesFromEnv(env);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return {
    // CreateDeployment is not idempotent: no SDK-level retry (a lost answer would become a
    // second deployment); the state machine retries, and finds a lost deployment by its comment.
    target: new OpsWorksTarget(new OpsWorksClient({ maxAttempts: 1 })),
    loadBalancers: new ClassicElb(new ElasticLoadBalancingClient({})),
    journal: new DeployJournal(doc, { tableName: tables.registry }),
    lockStore: new DynamoLockStore(doc, { tableName: tables.locks }),
    claims: new LoadBalancerClaims(doc, { tableName: tables.locks }),
  };
}
