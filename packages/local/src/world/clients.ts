import { Agent } from "node:http";
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

/**
 * A DynamoDB client for DynamoDB Local. `maxSockets` raises the SDK's 50 connections, for a
 * caller that stands for several Lambda invocations at once (each has its own client in AWS).
 */
export function localDynamoClient(endpoint: string, options: { maxSockets?: number } = {}): DynamoDBClient {
  const requestHandler = options.maxSockets === undefined ? undefined : { httpAgent: new Agent({ keepAlive: true, maxSockets: options.maxSockets }) };
  return new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 3, ...(requestHandler && { requestHandler }) });
}

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return documentClient(localDynamoClient(endpoint));
}
