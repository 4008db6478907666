import { BatchWriteCommand, PutCommand, paginateScan, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGetAll } from "./gateway.js";
import { translateDynamoError } from "./errors.js";
import { recordSk, refFromPk } from "../../registry/keys.js";
import { ownerIndexCompleteKey, ownerMarkerKey, ownerPrefixOfId } from "../../schema/owners.js";
import type { OwnerRecords } from "../../orphans/OwnerRecords.js";
import { NameScheme } from "../../orphans/naming.js";

type Key = { pk: string; sk: string };

/**
 * Owner prefixes of the registry's lease and resource records, whatever their status.
 * Given the owners found in the cloud, it reads their markers by key (BatchGetItem,
 * strongly consistent, 100 a request), so its cost follows the cloud, not the registry.
 * On a registry whose records predate the markers it scans once, as before, writes the
 * missing markers and then the "complete" flag; until that flag exists it always scans.
 */
export class DynamoOwnerRecords implements OwnerRecords {
  /** The stage's names: its tag stands for this registry table. */
  readonly scheme: NameScheme;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.scheme = NameScheme.forRegistry(tableName);
  }

  async ownerPrefixes(candidates?: ReadonlySet<string>): Promise<Set<string>> {
    try {
      if (!candidates) return await this.scan();
      const keys: Key[] = [ownerIndexCompleteKey, ...[...candidates].map(ownerMarkerKey)];
      const found = await this.batchGet(keys);
      if (found.has(ownerIndexCompleteKey.pk)) return new Set([...candidates].filter((p) => found.has(ownerMarkerKey(p).pk)));
      // The first use of a registry builds the index; it answers the same question as every later call.
      const all = await this.backfill();
      return new Set([...candidates].filter((p) => all.has(p)));
    } catch (error) {
      throw translateDynamoError(error, `registry ${this.tableName}`);
    }
  }

  /** The pks of the keys that exist. */
  private async batchGet(keys: Key[]): Promise<Set<string>> {
    return new Set((await batchGetAll(this.client, this.tableName, keys, `registry ${this.tableName}`, "pk")).map((item) => String(item.pk)));
  }

  /** Every record's owner, by a keys-only scan: what a registry without a complete owner index needs. */
  private async scan(): Promise<Set<string>> {
    const prefixes = new Set<string>();
    const pages = paginateScan(
      { client: this.client },
      { TableName: this.tableName, ConsistentRead: true, ProjectionExpression: "pk", FilterExpression: "sk = :record", ExpressionAttributeValues: { ":record": recordSk } },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const ref = typeof item.pk === "string" ? refFromPk(item.pk) : undefined;
        const prefix = ref ? ownerPrefixOfId(ref.id) : undefined;
        if (prefix) prefixes.add(prefix);
      }
    }
    return prefixes;
  }

  /** Scans, writes a marker for every owner found, then the flag: from then on lookups are by key. */
  private async backfill(): Promise<Set<string>> {
    const prefixes = await this.scan();
    const now = Date.now();
    const items = [...prefixes].map((p) => ({ ...ownerMarkerKey(p), since: now }));
    for (let i = 0; i < items.length; i += 25) {
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [this.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length > 0) {
        request = (await this.client.send(new BatchWriteCommand({ RequestItems: request }))).UnprocessedItems as typeof request;
      }
    }
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...ownerIndexCompleteKey, at: now } }));
    return prefixes;
  }
}
