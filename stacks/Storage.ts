import { Table, type StackContext } from "sst/constructs";
import { locksTable, registryTable } from "../packages/core/src/schema/tables.js";
import { isDevelopmentStage, tableProps } from "./tableProps.js";

/** Scythe's state: the lock table and the registry (leases, resources, commands, progress). */
export function Storage({ stack, app }: StackContext) {
  const retain = !isDevelopmentStage(app.stage);
  const locks = new Table(stack, locksTable.id, tableProps(locksTable, { retain }));
  const registry = new Table(stack, registryTable.id, tableProps(registryTable, { retain }));
  stack.addOutputs({ LocksTable: locks.tableName, RegistryTable: registry.tableName });
  return { locks, registry };
}
