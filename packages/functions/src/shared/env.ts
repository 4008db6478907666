import { ValidationError } from "@scythe/core/errors";
import { tables, type TableNames } from "@scythe/core/schema";

/**
 * A table's name as the stack passes it to a function (`SST_Table_tableName_<id>`, the
 * variable SST's bind would set). The local world sets the same, so handlers read one
 * format everywhere. A function is given only the tables it uses.
 */
export function tableNameFromEnv(key: keyof TableNames, env: NodeJS.ProcessEnv = process.env): string {
  const def = tables.find((t) => t.key === key);
  const variable = `SST_Table_tableName_${def?.id ?? key}`;
  const value = env[variable];
  if (!value) throw new ValidationError(variable, "is not set: give this function the table in its stack");
  return value;
}

/** Every table's name, for functions (and the CLI under `sst bind`) that use them all. */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  return { locks: tableNameFromEnv("locks", env), registry: tableNameFromEnv("registry", env) };
}
