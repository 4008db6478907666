export { ownerIndexCompleteKey, ownerMarkerKey, ownerPrefixOfId } from "./owners.js";
export { locksTable, registryTable, tableNamesWithPrefix, tables, type AttributeType, type IndexDefinition, type KeyAttribute, type TableDefinition, type TableNames } from "./tables.js";
