import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * The DynamoDB document client the functions build (once per cold start, by their
 * `fromEnvironment`), with the default config: the local world sets
 * AWS_ENDPOINT_URL_DYNAMODB instead. Undefined attributes are dropped, as every writer in
 * core expects. The one place in functions/ that builds it.
 */
export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
}
