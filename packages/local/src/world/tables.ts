import {
  CreateTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { tables, type IndexDefinition, type KeyAttribute, type TableDefinition, type TableNames } from "@scythe/core/schema";

const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
  { AttributeName: pk.name, KeyType: "HASH" as const },
  ...(sk ? [{ AttributeName: sk.name, KeyType: "RANGE" as const }] : []),
];

const projection = (p: IndexDefinition["projection"]) =>
  typeof p === "string" ? { ProjectionType: p } : { ProjectionType: "INCLUDE" as const, NonKeyAttributes: [...p] };

/** The CreateTable request for a shared table definition (the same one the stack deploys). */
export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const keys = [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const key of keys) if (key) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.indexes.length > 0 && {
      GlobalSecondaryIndexes: def.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: projection(index.projection),
      })),
    }),
    ...(def.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }),
  };
}

/** Creates every Scythe table under `names`; tables that already exist are left as they are. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    tables.map(async (def: TableDefinition) => {
      const tableName = names[def.key];
      try {
        await client.send(new CreateTableCommand(createTableInput(def, tableName)));
      } catch (error) {
        if (error instanceof ResourceInUseException) return;
        throw error;
      }
      if (def.timeToLiveAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    }),
  );
}
