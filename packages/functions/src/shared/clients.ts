import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClient as coreDocumentClient } from "@scythe/core/aws/dynamo";

/**
 * The DynamoDB document client the functions build (once per cold start, by their
 * `fromEnvironment`), with the default config: the local world sets
 * AWS_ENDPOINT_URL_DYNAMODB instead. Its marshalling options are core's (aws/dynamo/client.ts).
 * The one place in functions/ that builds it.
 */
export function documentClient(): DynamoDBDocumentClient {
  return coreDocumentClient();
}
