import { documentClient } from "@scythe/core/aws/dynamo";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Credentials the local world accepts; no AWS account is involved. */
export const localCredentials = { accessKeyId: "local", secretAccessKey: "local" } as const;
export const localRegion = "us-east-1";

/** Config for any AWS SDK client that talks to the fleet simulator (OpsWorks, ELB). */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: localRegion, credentials: localCredentials };
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 3 });
}

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return documentClient(localDynamoClient(endpoint));
}
