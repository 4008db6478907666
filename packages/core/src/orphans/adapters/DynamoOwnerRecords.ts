import { paginateScan, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { StorageUnavailableError } from "../../errors.js";
import { recordSk, refFromPk } from "../../leases/keys.js";
import { ownerPrefixOfId } from "../naming.js";
import type { OwnerRecords } from "../OwnerRecords.js";

/**
 * Owner prefixes of every lease and resource record in the registry, whatever its status.
 * A scan projecting only the key: the sweep runs rarely and must see every record.
 */
export class DynamoOwnerRecords implements OwnerRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async ownerPrefixes(): Promise<Set<string>> {
    const prefixes = new Set<string>();
    try {
      const pages = paginateScan(
        { client: this.client },
        {
          TableName: this.tableName,
          ConsistentRead: true,
          ProjectionExpression: "pk",
          FilterExpression: "sk = :record",
          ExpressionAttributeValues: { ":record": recordSk },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const ref = typeof item.pk === "string" ? refFromPk(item.pk) : undefined;
          const prefix = ref ? ownerPrefixOfId(ref.id) : undefined;
          if (prefix) prefixes.add(prefix);
        }
      }
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new StorageUnavailableError(`registry ${this.tableName} unavailable (${reason})`, { cause: error });
    }
    return prefixes;
  }
}
