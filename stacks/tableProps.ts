import { RemovalPolicy } from "aws-cdk-lib";
import type { TableProps } from "sst/constructs";
import type { AttributeType, IndexDefinition, TableDefinition } from "../packages/core/src/schema/tables.js";

const fieldType = (type: AttributeType) => (type === "S" ? "string" : "number");

const projection = (p: IndexDefinition["projection"]) =>
  p === "ALL" ? "all" : p === "KEYS_ONLY" ? "keys_only" : [...p];

/** SST Table props for a shared table definition: the same keys the local world creates. */
export function tableProps(def: TableDefinition, options: { retain: boolean }): TableProps {
  const fields: Record<string, "string" | "number"> = {};
  const keys = [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const key of keys) if (key) fields[key.name] = fieldType(key.type);
  return {
    fields,
    primaryIndex: { partitionKey: def.partitionKey.name, ...(def.sortKey && { sortKey: def.sortKey.name }) },
    globalIndexes: Object.fromEntries(
      def.indexes.map((index) => [
        index.name,
        {
          partitionKey: index.partitionKey.name,
          ...(index.sortKey && { sortKey: index.sortKey.name }),
          projection: projection(index.projection),
        },
      ]),
    ),
    ...(def.stream && { stream: def.stream === "NEW_IMAGE" ? "new_image" : "new_and_old_images" }),
    ...(def.timeToLiveAttribute && { timeToLiveAttribute: def.timeToLiveAttribute }),
    cdk: {
      // SST turns on point-in-time recovery and on-demand billing itself; the stack test asserts both.
      table: {
        removalPolicy: options.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        // Retain keeps the table when the stack goes; deletion protection also refuses a console or API delete.
        deletionProtection: options.retain,
      },
    },
  };
}

/** Development stages (`dev`, `local`, `dev-*`, `pr-*`) may lose their tables; every other stage keeps them. */
export function isDevelopmentStage(stage: string): boolean {
  return /^(dev|local)$|^(dev|pr)-/.test(stage);
}
