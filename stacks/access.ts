import type { Function, Table } from "sst/constructs";

/**
 * Gives a function a table the way `bind` would (the `SST_Table_tableName_<id>` variable
 * that tableNamesFromEnv reads) but with least privilege: `bind` grants `dynamodb:*`,
 * while this grants only the data actions of `access` (no table management, no `*`).
 */
export function useTable(fn: Function, table: Table, access: "read" | "readWrite" = "readWrite"): void {
  fn.addEnvironment(`SST_Table_tableName_${table.node.id}`, table.tableName);
  if (access === "read") table.cdk.table.grantReadData(fn);
  else table.cdk.table.grantReadWriteData(fn);
}
