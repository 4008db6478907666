import { OpsWorksClient } from "@aws-sdk/client-opsworks";
import { OpsWorksStacks } from "@scythe/core/aws/opsworks";
import type { DeployServices } from "@scythe/core/deploy";

/**
 * The deploy target alone, for the function that validates before anything else: it
 * reads no table, so its bundle holds no DynamoDB client. CreateDeployment is not
 * idempotent: no SDK-level retry (a lost answer would become a second deployment); the
 * state machine retries, and finds a lost deployment by its comment.
 */
export function deployTargetFromEnv(): Pick<DeployServices, "target"> {
  return { target: new OpsWorksStacks(new OpsWorksClient({ maxAttempts: 1 })) };
}
