import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, type TranslateConfig } from "@aws-sdk/lib-dynamodb";

/**
 * How Scythe's items are marshalled: optional fields are left out of an item (records are
 * spread from objects whose absent fields are `undefined`), and numbers come back as numbers.
 */
export const documentTranslation: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true },
  unmarshallOptions: { wrapNumbers: false },
};

/** The one way to build the document client every adapter takes; with no client, one for the Lambda's own region and role. */
export function documentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, documentTranslation);
}
